#!/bin/bash
# bounce-classify in bulk, as an administrator runs it over a mail
# archive: the corpus copied COPIES times into a temporary directory (one
# directory per copy), classified by one bounce-classify process with
# --format=tsv, its output written to a file. The whole process is timed:
# start, loading the rules, reading the files, classifying, writing.
#
# With --baseline BIN, BIN (an older bounce-classify, e.g. one built from
# an earlier commit) is run against this build's in the same round, in
# turns (AB, BA, ...), and the table gives both and their ratio; the two
# outputs are compared too (an older version may classify differently).
#
# The table gives messages per second of CPU time (user + system: one
# core's worth) and per second of wall time, each the median over the
# rounds with its spread; the machine's other load slows the wall figure
# more than the CPU one.
#
# usage: bulk-bench.sh [-r ROUNDS] [-c COPIES] [--baseline BIN]
#                      [--corpus DIR] [--markdown]
# Run from the build tree (BOUNCE_BUILDDIR otherwise).

rounds=7
copies=20
baseline=
markdown=
bench_dir=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$bench_dir/.." && pwd)
corpus=$top_srcdir/../shared/corpus/sisimai
usage() {
	echo "usage: $0 [-r ROUNDS] [-c COPIES] [--baseline BIN]" \
	     "[--corpus DIR] [--markdown]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	-r) rounds=$2; shift ;;
	-c) copies=$2; shift ;;
	--baseline) baseline=$2; shift ;;
	--corpus) corpus=$2; shift ;;
	--markdown) markdown=1 ;;
	*) usage ;;
	esac
	shift
done
builddir=${BOUNCE_BUILDDIR:-.}
tool=$(cd "$builddir" && pwd)/src/tools/bounce-classify
rules=$top_srcdir/conf.d/bounce.rules
if [ ! -x "$tool" ]; then
	echo "$tool: not built" >&2
	exit 1
fi
if [ -n "$baseline" ] && [ ! -x "$baseline" ]; then
	echo "$baseline: not an executable" >&2
	exit 1
fi
set -- "$corpus"/*.eml
if [ ! -f "$1" ]; then
	echo "$corpus: no *.eml messages" >&2
	exit 1
fi

run_dir=$(mktemp -d "${TMPDIR:-/tmp}/bounce-bulk-bench.XXXXXX") || exit 1
trap 'rm -rf "$run_dir"' EXIT
for i in $(seq -w 1 "$copies"); do
	mkdir "$run_dir/$i" && cp "$@" "$run_dir/$i/" || exit 1
done
messages=$(( $# * copies ))
. "$bench_dir/bench-lib.sh"
times_file=$run_dir/times

# classify NAME BIN: one timed run; adds its CPU and wall time (us) to
# the lists cpu_NAME and wall_NAME
classify() {
	local name=$1 bin=$2 cpu_start wall_start
	cpu_now
	cpu_start=$cpu_us
	wall_now
	wall_start=$wall_us
	"$bin" --rules "$rules" --format=tsv "$run_dir"/[0-9]* \
		> "$run_dir/$name.tsv" || exit 1
	wall_now
	cpu_now
	eval "cpu_$name+=\" $((cpu_us - cpu_start))\""
	eval "wall_$name+=\" $((wall_us - wall_start))\""
}

# The files are read once before timing, so that every run finds them in
# the page cache.
classify warm "$tool"
cpu_A= wall_A= cpu_B= wall_B=
for round in $(seq 1 "$rounds"); do
	if [ -z "$baseline" ]; then
		classify B "$tool"
	elif [ $((round % 2)) -eq 1 ]; then
		classify A "$baseline"
		classify B "$tool"
	else
		classify B "$tool"
		classify A "$baseline"
	fi
done

# rates LIST: messages/s of each time (us) in LIST
rates() {
	local t
	for t in $1; do
		echo $(( messages * 1000000 / t ))
	done
}
# row LABEL CPU_LIST WALL_LIST
row() {
	local cr wr
	cr=$(rates "$2")
	wr=$(rates "$3")
	printf '| %s | %s | %s | %s | %s |\n' "$1" \
		"$(echo $cr | median)" "$(echo $cr | spread)" \
		"$(echo $wr | median)" "$(echo $wr | spread)"
}
# ratios A B: B's rate over A's in each round (A's time over B's)
ratios() {
	local a=($1) b=($2) i
	for i in "${!a[@]}"; do
		awk -v a="${a[$i]}" -v b="${b[$i]}" \
			'BEGIN { printf "%.2f\n", a / b }'
	done
}

lines=$(wc -l < "$run_dir/B.tsv")
if [ -z "$markdown" ]; then
	echo "$messages messages ($copies copies of $corpus), $lines lines" \
	     "of TSV, $rounds rounds"
fi
echo "| bounce-classify | msgs/s (CPU) | spread | msgs/s (wall) | spread |"
echo "|---|--:|--:|--:|--:|"
if [ -n "$baseline" ]; then
	row "baseline (A)" "$cpu_A" "$wall_A"
	row "this build (B)" "$cpu_B" "$wall_B"
	r=$(ratios "$cpu_A" "$cpu_B")
	w=$(ratios "$wall_A" "$wall_B")
	printf '| B/A | %s | %s | %s | %s |\n' \
		"$(echo $r | median)" "$(echo $r | spread)" \
		"$(echo $w | median)" "$(echo $w | spread)"
	if ! cmp -s "$run_dir/A.tsv" "$run_dir/B.tsv"; then
		echo
		echo "(the baseline's output differs from this build's)"
	fi
else
	row "this build" "$cpu_B" "$wall_B"
fi
