#!/bin/sh
# usage: tests/fuzz/run-fuzz.sh [BUILD_DIR [SECONDS]]
# Builds the libFuzzer target over bounce_classify() with clang,
# AddressSanitizer (leaks included) and UBSan in BUILD_DIR (default
# build-fuzz), then fuzzes for SECONDS (default 60, or $FUZZ_SECONDS),
# starting from seeds made of tests/samples and the inputs in
# tests/fuzz/regressions, with the tokens of bounce.dict. Fails on any
# crash, sanitizer report, leak, input slower than 10 s or process larger
# than the RSS limit; the input is left in BUILD_DIR/fuzz-artifacts.
# Prints the executions run.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build-fuzz}
seconds=${2:-${FUZZ_SECONDS:-60}}
flags="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all"

if ! command -v clang >/dev/null; then
	echo "run-fuzz.sh: clang is needed (.ci/install-deps)" >&2
	exit 1
fi
mkdir -p "$build"
cd "$build"
if [ ! -f Makefile ]; then
	"$top/configure" -q CC=clang CFLAGS="$flags" \
		LDFLAGS="-fsanitize=address,undefined"
fi
make -s -j2 tests/fuzz/fuzz-classify

rm -rf fuzz-seeds fuzz-artifacts
"$top/tests/fuzz/seeds.sh" fuzz-seeds
mkdir -p fuzz-corpus fuzz-artifacts
# -max_len: room for the largest sample with its envelope line; the
# pathological suite covers sizes beyond it
status=0
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	./tests/fuzz/fuzz-classify \
		-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-max_len=262144 -print_final_stats=1 \
		-dict="$top/tests/fuzz/bounce.dict" \
		-artifact_prefix=fuzz-artifacts/ \
		fuzz-corpus fuzz-seeds "$top/tests/fuzz/regressions" \
		> fuzz.log 2>&1 || status=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' fuzz.log)
echo "fuzz-classify: ${runs:-no} executions in $seconds s, exit status $status"
if [ "$status" -ne 0 ] || [ -z "$runs" ]; then
	tail -n 40 fuzz.log
	ls -l fuzz-artifacts
	exit 1
fi
