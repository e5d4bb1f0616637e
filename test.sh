#!/bin/sh
# Runs every test: the build, make check (unit, Sieve and delivery tests),
# make distcheck, the unit tests again under AddressSanitizer and UBSan, a
# minute of fuzzing the classifier (tests/fuzz/run-fuzz.sh) and, as root,
# the Debian package in a live dovecot. Needs the dependencies
# (.ci/install-deps). Ends with "tests: N passed, N failed".
set -u
top=$(cd "$(dirname "$0")" && pwd)
build=${BUILD_DIR:-$top/build}
passed=0
failed=0

# Adds one make check run's results (automake's test-suite.log) to the
# totals; a run that failed without a failing test counts as one failure.
run_check() {
	dir=$1
	shift
	rm -f "$dir/test-suite.log"
	"$@"
	status=$?
	p=0 f=0
	if [ -f "$dir/test-suite.log" ]; then
		p=$(sed -n 's/^# PASS: *//p' "$dir/test-suite.log" | head -n 1)
		f=$(sed -n 's/^# \(FAIL\|ERROR\|XPASS\): *//p' "$dir/test-suite.log" |
			awk '{ s += $1 } END { print s + 0 }')
	fi
	[ "$status" -ne 0 ] && [ "${f:-0}" -eq 0 ] && f=1
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
}

# A stage that is one test: passes when the command exits 0.
run_stage() {
	if "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
}

build() {
	(cd "$top" && autoreconf -fi >/dev/null 2>&1) &&
	mkdir -p "$build" && cd "$build" &&
	"$top/configure" -q && make -s -j"$(nproc)"
}

echo "=== build"
if ! (build); then
	echo "tests: 0 passed, 1 failed"
	exit 1
fi

echo "=== make check"
run_check "$build" make -C "$build" -s -j"$(nproc)" check VERBOSE=1

# The release tarball builds, installs and passes its tests on its own.
echo "=== make distcheck"
run_stage make -C "$build" -s distcheck

if [ -x "$top/tests/sanitize.sh" ]; then
	echo "=== unit tests under AddressSanitizer and UBSan"
	run_check "$build-sanitize" "$top/tests/sanitize.sh" "$build-sanitize"
fi

echo "=== fuzzing bounce_classify (libFuzzer, ASan, UBSan)"
run_stage "$top/tests/fuzz/run-fuzz.sh" "$build-fuzz"

# As root with the Debian tools: build, lintian and install the package,
# then run it in a live dovecot (tests/live/live-test.sh).
if [ "$(id -u)" -eq 0 ] && command -v dpkg-buildpackage >/dev/null 2>&1; then
	echo "=== Debian package and live dovecot"
	out=$("$top/tests/live/package-test.sh" "$build" 2>&1)
	status=$?
	echo "$out"
	p=$(echo "$out" | sed -n 's/^# \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' | tail -n 1)
	f=$(echo "$out" | sed -n 's/^# \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' | tail -n 1)
	[ "$status" -ne 0 ] && [ "${f:-0}" -eq 0 ] && f=1
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
fi

echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
