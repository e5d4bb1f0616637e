#!/bin/bash
# What the global bounce script costs on mail that is not a bounce: the
# same ordinary messages (a 3 kB plain-text message, an 80 kB HTML
# newsletter, a 4 MB message with an attachment, a 3 kB reply;
# bench/ordinary-messages.py)
# delivered through dovecot-lda
#   A: with the plugin and the administrator guide's global script
#      (sieve_before, if bounce { classify; fileinto ...; stop; }), the
#      rules cache set;
#   B: without the plugin, with a plain global script (an envelope test and
#      fileinto, as bench/delivery-bench.sh's B): the same delivery, but
#      for the plugin;
#   N: without the plugin and without a global script, which tells what
#      Pigeonhole's running a global script costs by itself.
# Each message is delivered with A, B and N one right after the other, in
# turns (ABN, BNA, NAB), each delivery timed by the shell without a process
# started around it (as bench/delivery-bench.sh does). A round delivers
# each message N times so; the table gives per size the median over the
# rounds of the CPU time (user + system) per delivery, the ratio A/B of
# the medians, and the spread of the rounds' own A/B ratios.
#
# --callgrind instead delivers each message once with A, B and N under
# valgrind's callgrind and gives the instructions of the delivering
# process (the last dovecot-lda, after the re-exec with its
# configuration), each delivery into the same copy of the mailbox as the
# warm-up left it (the state of Maildir's uidlist and index moves a
# delivery's count by some 0.4 million): counts that no load on the
# machine changes.
#
# usage: ordinary-bench.sh [-n DELIVERIES] [-r ROUNDS] [--markdown] [--callgrind]
# Run from the build tree (BOUNCE_BUILDDIR otherwise); as root the
# deliveries run as nobody, as in the tests.

per_round=20
rounds=7
markdown=
callgrind=
while [ $# -gt 0 ]; do
	case $1 in
	-n) per_round=$2; shift ;;
	-r) rounds=$2; shift ;;
	--markdown) markdown=1 ;;
	--callgrind) callgrind=1 ;;
	*) echo "usage: $0 [-n DELIVERIES] [-r ROUNDS] [--markdown] [--callgrind]" >&2
	   exit 2 ;;
	esac
	shift
done

bench_dir=$(cd "$(dirname "$0")" && pwd)
. "$bench_dir/../tests/sieve/env.sh"
top_srcdir=$(cd "$bench_dir/.." && pwd)
need_programs "$DOVECOT_LDA" python3

SCRIPT_A='require ["vnd.bounce", "fileinto", "mailbox", "variables"];
if bounce {
	classify;
	fileinto :create "Bounces/${bounce.type}";
	stop;
}'
SCRIPT_B='require ["fileinto", "mailbox", "envelope"];
if envelope :is "from" "" {
	fileinto :create "Bounces/all";
	stop;
}'

setup_run_dir
. "$bench_dir/bench-lib.sh"
times_file=$run_dir/times
printf '%s\n' "$SCRIPT_A" > "$run_dir/a.sieve"
printf '%s\n' "$SCRIPT_B" > "$run_dir/b.sieve"
write_conf "$run_dir/a.conf" "  sieve_before = $run_dir/a.sieve
  sieve_bounce_rules_cache = $run_dir/home/bounce-rules.cache
  sieve_extensions = -vnd.bounce
  sieve_global_extensions = +vnd.bounce"
write_conf "$run_dir/b.conf" "  sieve_before = $run_dir/b.sieve
  sieve_plugins =
  sieve_extensions = +vnd.dovecot.debug"
write_conf "$run_dir/n.conf" "  sieve_plugins =
  sieve_extensions = +vnd.dovecot.debug"
python3 "$bench_dir/ordinary-messages.py" "$run_dir/messages" || exit 1
sizes="plain-3k newsletter-80k attachment-4m reply-3k"
own_run_dir

# deliver CONF MESSAGE: adds the delivery's CPU and wall time (us) to
# cpu_CONF and wall_CONF
deliver() {
	local start cpu_start status
	cpu_now
	cpu_start=$cpu_us
	wall_now
	start=$wall_us
	HOME=$run_dir/home "${run_as[@]}" "$DOVECOT_LDA" \
		-c "$run_dir/$1.conf" -f sender@example.net \
		< "$2" > "$run_dir/lda.log" 2>&1
	status=$?
	wall_now
	cpu_now
	if [ $status -ne 0 ] || grep -q 'Error' "$run_dir/lda.log"; then
		echo "dovecot-lda ($1) failed on $2:" >&2
		cat "$run_dir/lda.log" >&2
		exit 1
	fi
	eval "wall_$1=\$((wall_$1 + wall_us - start))"
	eval "cpu_$1=\$((cpu_$1 + cpu_us - cpu_start))"
}

orders=(abn bna nab)

# round SIZE ROUND: delivers the message per_round times with each configuration,
# appends the round's CPU time per delivery (us) to cpus_SIZE_CONF
round() {
	local i c order msg=$run_dir/messages/$1.eml
	cpu_a=0 cpu_b=0 cpu_n=0 wall_a=0 wall_b=0 wall_n=0
	rm -rf "$run_dir/Maildir"
	for ((i = 0; i < per_round; i++)); do
		order=${orders[$(((i + $2) % 3))]}
		for c in ${order:0:1} ${order:1:1} ${order:2:1}; do
			deliver "$c" "$msg"
		done
	done
	for c in a b n; do
		eval "cpus_${1//-/_}_$c=\"\$cpus_${1//-/_}_$c \$((cpu_$c / per_round))\""
	done
	eval "ratios_${1//-/_}=\"\$ratios_${1//-/_} \$(awk -v a=$cpu_a \
		-v b=$cpu_b 'BEGIN { printf \"%.3f\", a / b }')\""
}

cd "$run_dir" || exit 1
# Warm up: compiles the scripts, writes the rules cache, fills the page
# cache; and checks that A ran the bounce test and kept the message.
for s in $sizes; do
	deliver a "$run_dir/messages/$s.eml"
	deliver b "$run_dir/messages/$s.eml"
	deliver n "$run_dir/messages/$s.eml"
done
if [ ! -f "$run_dir/home/bounce-rules.cache" ] ||
   [ -d "$run_dir/Maildir/.Bounces" ]; then
	echo "A did not load the rules, or filed an ordinary message" >&2
	exit 1
fi

# instructions CONF MESSAGE: prints the instructions callgrind counted in
# the delivering process of one delivery
instructions() {
	local out=$run_dir/callgrind
	rm -rf "$out" "$run_dir/Maildir"
	cp -a "$run_dir/Maildir.warm" "$run_dir/Maildir"
	mkdir -p "$out"
	chmod 777 "$out"
	HOME=$run_dir/home "${run_as[@]}" valgrind --tool=callgrind \
		--trace-children=yes --callgrind-out-file="$out/cg.%p" \
		"$DOVECOT_LDA" -c "$run_dir/$1.conf" -f sender@example.net \
		< "$2" > "$run_dir/lda.log" 2>&1 ||
		{ cat "$run_dir/lda.log" >&2; exit 1; }
	# the re-executed dovecot-lda overwrites its first image's file (the
	# same pid): the newest file is the delivery
	sed -n 's/^totals: *//p' "$(ls -t "$out"/cg.* | head -n 1)"
}

if [ -n "$callgrind" ]; then
	need_programs valgrind
	cp -a "$run_dir/Maildir" "$run_dir/Maildir.warm"
	if [ -n "$markdown" ]; then
		echo "| message | A: plugin + bounce script | B: plain global script, no plugin | N: no script, no plugin | A/B | A - B |"
		echo "|---|--:|--:|--:|--:|--:|"
	fi
	for s in $sizes; do
		for c in a b n; do
			eval "ins_$c=\$(instructions $c \"\$run_dir/messages/\$s.eml\")"
		done
		ratio=$(awk -v a="$ins_a" -v b="$ins_b" 'BEGIN { printf "%.3f", a / b }')
		if [ -n "$markdown" ]; then
			size=$(wc -c < "$run_dir/messages/$s.eml")
			printf '| %s (%s bytes) | %s | %s | %s | %s | %s |\n' \
				"$s" "$size" "$ins_a" "$ins_b" "$ins_n" "$ratio" \
				$((ins_a - ins_b))
		else
			echo "$s: instructions A $ins_a, B $ins_b, N $ins_n; A/B $ratio, A-B $((ins_a - ins_b))"
		fi
	done
	echo "(instructions of the delivering dovecot-lda, by callgrind)"
	exit 0
fi

for ((r = 0; r < rounds; r++)); do
	for s in $sizes; do
		round "$s" "$r"
	done
done

ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
if [ -n "$markdown" ]; then
	echo "| message | A: plugin + bounce script | B: plain global script, no plugin | N: no script, no plugin | A/B | A/B per round | A/N |"
	echo "|---|--:|--:|--:|--:|--:|--:|"
fi
for s in $sizes; do
	v=${s//-/_}
	eval "ca=\$cpus_${v}_a cb=\$cpus_${v}_b cn=\$cpus_${v}_n rr=\$ratios_$v"
	ma=$(echo "$ca" | median)
	mb=$(echo "$cb" | median)
	mn=$(echo "$cn" | median)
	ratio=$(awk -v a="$ma" -v b="$mb" 'BEGIN { printf "%.3f", a / b }')
	nratio=$(awk -v a="$ma" -v n="$mn" 'BEGIN { printf "%.3f", a / n }')
	size=$(wc -c < "$run_dir/messages/$s.eml")
	if [ -n "$markdown" ]; then
		echo "| $s ($size bytes) | $(ms "$ma") | $(ms "$mb") | $(ms "$mn") | $ratio | $(echo "$rr" | spread) | $nratio |"
	else
		echo "$s ($size bytes), CPU ms per delivery: A $(ms "$ma"), B $(ms "$mb"), N $(ms "$mn"); A/B $ratio (rounds:$rr), A/N $nratio"
	fi
done
echo "(CPU ms per delivery; $per_round deliveries of each message per round, $rounds rounds; medians over the rounds)"
