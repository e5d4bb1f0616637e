#!/bin/bash
# The in-memory benchmark (bounce-bench) of an older build (A, its
# bounce-bench given) against this build's (B), in turns (AB, BA, ...),
# each run SECONDS of CPU time over the same messages and rules: the
# median messages/s of each over the rounds with its spread, and the
# median and spread of the rounds' own B/A ratios.
#
# usage: bench-pair.sh [-r ROUNDS] [-s SECONDS] --baseline BIN PATH...
# Run from the build tree (BOUNCE_BUILDDIR otherwise).

rounds=7
seconds=2
baseline=
while [ $# -gt 0 ]; do
	case $1 in
	-r) rounds=$2; shift ;;
	-s) seconds=$2; shift ;;
	--baseline) baseline=$2; shift ;;
	-*) echo "usage: $0 [-r ROUNDS] [-s SECONDS] --baseline BIN" \
		 "PATH..." >&2
	    exit 2 ;;
	*) break ;;
	esac
	shift
done
bench_dir=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$bench_dir/.." && pwd)
builddir=${BOUNCE_BUILDDIR:-.}
bench=$builddir/bench/bounce-bench
rules=$top_srcdir/conf.d/bounce.rules
if [ -z "$baseline" ] || [ ! -x "$baseline" ] || [ $# -eq 0 ]; then
	echo "usage: $0 [-r ROUNDS] [-s SECONDS] --baseline BIN PATH..." >&2
	exit 2
fi
. "$bench_dir/bench-lib.sh"

# rate BIN: messages/s of one run
rate() {
	"$1" --seconds "$seconds" --rules "$rules" "${paths[@]}" |
		awk '$1 == "rate" { print $2 }'
}
paths=("$@")
rates_A= rates_B= ratios=
for round in $(seq 1 "$rounds"); do
	if [ $((round % 2)) -eq 1 ]; then
		a=$(rate "$baseline")
		b=$(rate "$bench")
	else
		b=$(rate "$bench")
		a=$(rate "$baseline")
	fi
	if [ -z "$a" ] || [ -z "$b" ]; then
		echo "a run failed" >&2
		exit 1
	fi
	rates_A+=" $a"
	rates_B+=" $b"
	ratios+=" $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b / a }')"
done
echo "| bounce-bench | msgs/s (CPU) | spread |"
echo "|---|--:|--:|"
echo "| baseline (A) | $(echo $rates_A | median) | $(echo $rates_A | spread) |"
echo "| this build (B) | $(echo $rates_B | median) | $(echo $rates_B | spread) |"
echo "| B/A | $(echo $ratios | median) | $(echo $ratios | spread) |"
