#!/bin/bash
# What the plugin costs at delivery: delivers the same real bounces through
# dovecot-lda with a global bounce script (A: the plugin loaded, with the
# rules cache the configuration recommends and the report feed the
# administrator guide sets up; classify, fileinto by type)
# and with a plain fileinto script (B: no plugin), and
# prints the median wall and CPU time of each and their ratios. B files
# each message into the folder A filed it into (its envelope recipient
# names it), so that both create and fill the same folders: the ratio is
# what classifying costs, not what four folders cost more than one. Each
# message is delivered with A and with B one right after the other (in
# turns, A first or B first), so that whatever else slows the machine
# down at that moment falls on both alike; a round delivers every
# message so. (bash for EPOCHREALTIME: the clock read without a fork.)
#
# usage: delivery-bench.sh [-n MESSAGES] [-r ROUNDS] [--markdown]
# Run from the build tree (BOUNCE_BUILDDIR otherwise); as root the
# deliveries run as nobody, as in the tests.

n=50
rounds=7
markdown=
while [ $# -gt 0 ]; do
	case $1 in
	-n) n=$2; shift ;;
	-r) rounds=$2; shift ;;
	--markdown) markdown=1 ;;
	*) echo "usage: $0 [-n MESSAGES] [-r ROUNDS] [--markdown]" >&2
	   exit 2 ;;
	esac
	shift
done

bench_dir=$(cd "$(dirname "$0")" && pwd)
. "$bench_dir/../tests/sieve/env.sh"
top_srcdir=$(cd "$bench_dir/.." && pwd)
need_programs "$DOVECOT_LDA"

SCRIPT_A='require ["vnd.bounce", "fileinto", "mailbox", "variables"];
if bounce {
	classify;
	fileinto :create "Bounces/${bounce.type}";
	stop;
}'
SCRIPT_B='require ["fileinto", "mailbox", "envelope", "variables"];
if envelope :matches "to" "folder+*@example.org" {
	fileinto :create "${1}";
	stop;
}'

setup_run_dir
printf '%s\n' "$SCRIPT_A" > "$run_dir/a.sieve"
printf '%s\n' "$SCRIPT_B" > "$run_dir/b.sieve"
conf_a=$run_dir/a.conf
conf_b=$run_dir/b.conf
write_conf "$conf_a" "  sieve_before = $run_dir/a.sieve
  sieve_bounce_rules_cache = $run_dir/home/bounce-rules.cache
  sieve_bounce_feed_dir = $run_dir/feed
  sieve_extensions = -vnd.bounce
  sieve_global_extensions = +vnd.bounce"
# B loads no plugin at all: what a site pays without it
write_conf "$conf_b" "  sieve_before = $run_dir/b.sieve
  sieve_plugins =
  sieve_extensions = +vnd.dovecot.debug"

# The bounces: the samples that are not marked as non-bounces, repeated
# up to n messages, each a notification of its own (a Message-ID of its
# own, the one it had renamed), as a bounce mailbox receives them; each
# round starts from an empty state dict and feed spool, so that A counts
# every message and writes its feed record in every round (the same
# notification delivered again would be a repeat, which counts and
# writes nothing).
i=0
while [ $i -lt "$n" ]; do
	for f in "$top_srcdir"/tests/samples/*.eml; do
		case $(basename "$f") in is-not-bounce-*) continue ;; esac
		[ $i -lt "$n" ] || break
		awk -v id="<$i@delivery-bench.invalid>" '
			NR == 1 { eol = /\r$/ ? "\r" : ""
				  print "Message-ID: " id eol }
			!body && /^\r?$/ { body = 1 }
			!body { sub(/^[Mm][Ee][Ss][Ss][Aa][Gg][Ee]-[Ii][Dd]:/,
				    "X-Bench-Message-ID:") }
			{ print }' "$f" > "$run_dir/messages/$(printf '%05d' $i).eml"
		i=$((i + 1))
	done
done
own_run_dir
. "$bench_dir/bench-lib.sh"
times_file=$run_dir/times

# deliver CONF MESSAGE: adds its wall and CPU time (us) to wall_CONF and
# cpu_CONF. For B the envelope recipient names the folder A chose.
deliver() {
	local start cpu_start end status to=()
	[ "$1" = b ] && to=(-a "folder+${folder[$2]}@example.org")
	cpu_now
	cpu_start=$cpu_us
	wall_now
	start=$wall_us
	HOME=$run_dir/home "${run_as[@]}" "$DOVECOT_LDA" \
		-c "$run_dir/$1.conf" -f sender@example.net "${to[@]}" \
		< "$2" > "$run_dir/lda.log" 2>&1
	status=$?
	wall_now
	end=$wall_us
	cpu_now
	# a script error would only fall back to INBOX: fail too
	if [ $status -ne 0 ] || grep -q 'Error' "$run_dir/lda.log"; then
		echo "dovecot-lda failed on $2:" >&2
		cat "$run_dir/lda.log" >&2
		exit 1
	fi
	eval "wall_$1=\$((wall_$1 + 10#$end - 10#$start))"
	eval "cpu_$1=\$((cpu_$1 + cpu_us - cpu_start))"
}

# reset_state: empty mailboxes, state dict and feed spool
reset_state() {
	rm -rf "$run_dir/Maildir" "$run_dir/home/bounce-state.dict" \
		"$run_dir/feed"
}

# round: delivers every message with both scripts, appends the round's
# totals (ms) to times_a, times_b, cpus_a, cpus_b
round() {
	local m i=0
	wall_a=0 wall_b=0 cpu_a=0 cpu_b=0
	reset_state
	for m in "$run_dir"/messages/*.eml; do
		if [ $(((i + $1) % 2)) -eq 0 ]; then
			deliver a "$m"
			deliver b "$m"
		else
			deliver b "$m"
			deliver a "$m"
		fi
		i=$((i + 1))
	done
	times_a="$times_a $((wall_a / 1000))"
	times_b="$times_b $((wall_b / 1000))"
	cpus_a="$cpus_a $((cpu_a / 1000))"
	cpus_b="$cpus_b $((cpu_b / 1000))"
}

cd "$run_dir" || exit 1

# Warm up: compiles both scripts' binaries, writes the rules cache,
# fills the page cache, and learns where A files each message (its log
# says; INBOX when nothing was filed).
declare -A folder
reset_state
for m in "$run_dir"/messages/*.eml; do
	wall_a=0 cpu_a=0
	deliver a "$m"
	folder[$m]=$(sed -n "s/.*stored mail into mailbox '\([^']*\)'.*/\1/p" \
		"$run_dir/lda.log" | tail -n 1)
	[ -n "${folder[$m]}" ] || folder[$m]=INBOX
done
# the bounce script must really have classified
if ! ls -d "$run_dir"/Maildir/.Bounces.hard >/dev/null 2>&1; then
	echo "no delivery was filed into Bounces/" >&2
	exit 1
fi
if [ -z "$(ls "$run_dir"/feed/new 2>/dev/null)" ]; then
	echo "no delivery wrote a feed record" >&2
	exit 1
fi
times_a= times_b= cpus_a= cpus_b=
round 0

times_a= times_b= cpus_a= cpus_b=
r=0
while [ $r -lt "$rounds" ]; do
	round $r
	r=$((r + 1))
done
med_a=$(echo "$times_a" | median)
med_b=$(echo "$times_b" | median)
ratio=$(awk -v a="$med_a" -v b="$med_b" 'BEGIN { printf "%.3f", a / b }')
per_a=$(awk -v t="$med_a" -v n="$n" 'BEGIN { printf "%.2f", t / n }')
per_b=$(awk -v t="$med_b" -v n="$n" 'BEGIN { printf "%.2f", t / n }')
cmed_a=$(echo "$cpus_a" | median)
cmed_b=$(echo "$cpus_b" | median)
cratio=$(awk -v a="$cmed_a" -v b="$cmed_b" 'BEGIN { printf "%.3f", a / b }')

if [ -n "$markdown" ]; then
	echo "| script | messages | rounds | median wall ms | ms per message | median CPU ms |"
	echo "|---|--:|--:|--:|--:|--:|"
	echo "| A: bounce + classify + fileinto | $n | $rounds | $med_a | $per_a | $cmed_a |"
	echo "| B: plain fileinto, no plugin | $n | $rounds | $med_b | $per_b | $cmed_b |"
	echo "| ratio A/B | | | $ratio | | $cratio |"
else
	echo "A (bounce script):  wall:$times_a ms, CPU:$cpus_a ms; median $med_a ms ($per_a ms/message), CPU $cmed_a ms"
	echo "B (plain fileinto): wall:$times_b ms, CPU:$cpus_b ms; median $med_b ms ($per_b ms/message), CPU $cmed_b ms"
	echo "ratio A/B: wall $ratio, CPU $cratio"
fi
