#!/bin/sh
# What the plugin costs at delivery: delivers the same real bounces through
# dovecot-lda with a global bounce script (A: the plugin loaded, with the
# rules cache the configuration recommends; classify, fileinto by type)
# and with a plain fileinto script (B: no plugin), and
# prints the median wall and CPU time of each and their ratios. Rounds
# alternate A and B so that other load on the machine falls on both alike.
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
SCRIPT_B='require ["fileinto", "mailbox"];
fileinto :create "Bounces/plain";
stop;'

setup_run_dir
printf '%s\n' "$SCRIPT_A" > "$run_dir/a.sieve"
printf '%s\n' "$SCRIPT_B" > "$run_dir/b.sieve"
conf_a=$run_dir/a.conf
conf_b=$run_dir/b.conf
write_conf "$conf_a" "  sieve_before = $run_dir/a.sieve
  sieve_bounce_rules_cache = $run_dir/home/bounce-rules.cache
  sieve_extensions = -vnd.bounce
  sieve_global_extensions = +vnd.bounce"
# B loads no plugin at all: what a site pays without it
write_conf "$conf_b" "  sieve_before = $run_dir/b.sieve
  sieve_plugins =
  sieve_extensions = +vnd.dovecot.debug"

# The bounces: the samples that are not marked as non-bounces, repeated
# up to n messages.
i=0
while [ $i -lt "$n" ]; do
	for f in "$top_srcdir"/tests/samples/*.eml; do
		case $(basename "$f") in is-not-bounce-*) continue ;; esac
		[ $i -lt "$n" ] || break
		cp "$f" "$run_dir/messages/$(printf '%05d' $i).eml"
		i=$((i + 1))
	done
done
own_run_dir

# CPU time (user + system) of the shell's finished children, in ms:
# unlike the wall clock, not stretched by other load on the machine.
# ("times" itself must run in the shell whose children it counts.)
children_cpu_ms() {
	awk 'NR == 2 {
		n = split($0, f, /[ ms]+/); ms = 0
		for (i = 1; i + 1 <= n; i += 2) ms += f[i] * 60000 + f[i + 1] * 1000
		printf "%d", ms }' "$run_dir/times"
}

# deliver_all CONF: delivers every message, prints the wall and CPU time
# in ms.
deliver_all() {
	rm -rf "$run_dir/Maildir"
	times > "$run_dir/times"
	cpu_start=$(children_cpu_ms)
	start=$(date +%s%N)
	for m in "$run_dir"/messages/*.eml; do
		# a script error would only fall back to INBOX: fail too
		if ! as_user "$DOVECOT_LDA" -c "$1" -f sender@example.net \
			< "$m" > "$run_dir/lda.log" 2>&1 ||
		   grep -q 'Error' "$run_dir/lda.log"; then
			echo "dovecot-lda failed on $m:" >&2
			cat "$run_dir/lda.log" >&2
			exit 1
		fi
	done
	end=$(date +%s%N)
	times > "$run_dir/times"
	cpu_end=$(children_cpu_ms)
	echo "$(((end - start) / 1000000)) $((cpu_end - cpu_start))"
}

median() {
	tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2]
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# warm up: compiles both scripts' binaries, fills the page cache
deliver_all "$conf_b" > /dev/null || exit 1
deliver_all "$conf_a" > /dev/null || exit 1
# the bounce script must really have classified
if ! ls -d "$run_dir"/Maildir/.Bounces.hard >/dev/null 2>&1; then
	echo "no delivery was filed into Bounces/" >&2
	exit 1
fi

times_a=
times_b=
cpu_a=
cpu_b=
r=0
while [ $r -lt "$rounds" ]; do
	if [ $((r % 2)) -eq 0 ]; then
		a=$(deliver_all "$conf_a") || exit 1
		b=$(deliver_all "$conf_b") || exit 1
	else
		b=$(deliver_all "$conf_b") || exit 1
		a=$(deliver_all "$conf_a") || exit 1
	fi
	times_a="$times_a ${a% *}"
	times_b="$times_b ${b% *}"
	cpu_a="$cpu_a ${a#* }"
	cpu_b="$cpu_b ${b#* }"
	r=$((r + 1))
done
med_a=$(echo "$times_a" | median)
med_b=$(echo "$times_b" | median)
ratio=$(awk -v a="$med_a" -v b="$med_b" 'BEGIN { printf "%.3f", a / b }')
per_a=$(awk -v t="$med_a" -v n="$n" 'BEGIN { printf "%.2f", t / n }')
per_b=$(awk -v t="$med_b" -v n="$n" 'BEGIN { printf "%.2f", t / n }')
cmed_a=$(echo "$cpu_a" | median)
cmed_b=$(echo "$cpu_b" | median)
cratio=$(awk -v a="$cmed_a" -v b="$cmed_b" 'BEGIN { printf "%.3f", a / b }')

if [ -n "$markdown" ]; then
	echo "| script | messages | rounds | median wall ms | ms per message | median CPU ms |"
	echo "|---|--:|--:|--:|--:|--:|"
	echo "| A: bounce + classify + fileinto | $n | $rounds | $med_a | $per_a | $cmed_a |"
	echo "| B: plain fileinto, no plugin | $n | $rounds | $med_b | $per_b | $cmed_b |"
	echo "| ratio A/B | | | $ratio | | $cratio |"
else
	echo "A (bounce script):  wall:$times_a ms, CPU:$cpu_a ms; median $med_a ms ($per_a ms/message), CPU $cmed_a ms"
	echo "B (plain fileinto): wall:$times_b ms, CPU:$cpu_b ms; median $med_b ms ($per_b ms/message), CPU $cmed_b ms"
	echo "ratio A/B: wall $ratio, CPU $cratio"
fi
