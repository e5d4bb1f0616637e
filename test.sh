#!/bin/sh
# Runs every test: the build, make check (unit, Sieve and delivery tests),
# make distcheck, the unit tests again under AddressSanitizer and UBSan, a
# minute of fuzzing the classifier (tests/fuzz/run-fuzz.sh) and, as root,
# the Debian package in a live dovecot; all against the Dovecot of the
# machine (2.3 on Debian bookworm). Then, as root with debootstrap, the
# same tree against Dovecot 2.4 in a Debian trixie chroot (the build, make
# check, the package and the live dovecot), and whether the live test gave
# the same folders, keywords, headers, feed and state on both release
# lines. Needs the dependencies (.ci/install-deps). Ends with "tests: N
# passed, N failed".
#
# BOUNCE_SKIP_CHROOT=1 leaves out the trixie stage. In the chroot, test.sh
# runs itself with BOUNCE_IN_CHROOT=1: the build, make check (where a
# skipped test fails: the chroot has every dependency) and the package.
set -u
top=$(cd "$(dirname "$0")" && pwd)
build=${BUILD_DIR:-$top/build}
in_chroot=${BOUNCE_IN_CHROOT:-}
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

line=$(sed -n 's/^dovecot_line = //p' "$build/Makefile")
if [ -n "$in_chroot" ] && [ "$line" = 2.4 ]; then
	# Dovecot 2.4 knows the plugin's settings only from the settings
	# module where its config process looks: the chroot's own layer
	make -C "$build" -s install-settingsLTLIBRARIES >/dev/null
fi

echo "=== make check (Dovecot $line)"
run_check "$build" make -C "$build" -s -j"$(nproc)" check VERBOSE=1
if [ -n "$in_chroot" ]; then
	skipped=$(sed -n 's/^# SKIP: *//p' "$build/test-suite.log" | head -n 1)
	if [ "${skipped:-0}" -ne 0 ]; then
		echo "FAIL: $skipped tests skipped"
		grep '^SKIP' "$build/test-suite.log"
		failed=$((failed + 1))
	fi
fi

if [ -z "$in_chroot" ]; then
	# The release tarball builds, installs and passes its tests on its own.
	echo "=== make distcheck"
	run_stage make -C "$build" -s distcheck

	if [ -x "$top/tests/sanitize.sh" ]; then
		echo "=== unit tests under AddressSanitizer and UBSan"
		run_check "$build-sanitize" "$top/tests/sanitize.sh" "$build-sanitize"
	fi

	echo "=== fuzzing bounce_classify (libFuzzer, ASan, UBSan)"
	run_stage "$top/tests/fuzz/run-fuzz.sh" "$build-fuzz"
fi

# Adds the totals a command prints last ("PREFIX N passed, N failed") to
# ours; a failure without failed tests counts as one.
run_counted() {
	prefix=$1
	shift
	out=$("$@" 2>&1)
	status=$?
	echo "$out"
	p=$(echo "$out" | sed -n "s/^$prefix \([0-9]*\) passed, \([0-9]*\) failed$/\1/p" | tail -n 1)
	f=$(echo "$out" | sed -n "s/^$prefix \([0-9]*\) passed, \([0-9]*\) failed$/\2/p" | tail -n 1)
	[ "$status" -ne 0 ] && [ "${f:-0}" -eq 0 ] && f=1
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
}

# As root with the Debian tools: build, lintian and install the package,
# then run it in a live dovecot (tests/live/live-test.sh), which writes
# what the deliveries gave for comparing the release lines.
rm -f "$build/live-results"
if [ "$(id -u)" -eq 0 ] && command -v dpkg-buildpackage >/dev/null 2>&1; then
	echo "=== Debian package and live dovecot (Dovecot $line)"
	BOUNCE_LIVE_RESULTS=$build/live-results \
		run_counted "#" "$top/tests/live/package-test.sh" "$build"
fi

# Dovecot 2.4: this test.sh again, in a Debian trixie root with a layer of
# its own in $build-trixie (.ci/chroot-run), the source tree at /src.
if [ -z "$in_chroot" ] && [ -z "${BOUNCE_SKIP_CHROOT:-}" ] &&
   [ "$(id -u)" -eq 0 ] && command -v debootstrap >/dev/null 2>&1; then
	echo "=== Dovecot 2.4 (Debian trixie chroot)"
	start=$(date +%s)
	rm -rf "$build-trixie"
	if "$top/.ci/chroot-root" trixie >/dev/null; then
		echo "(the trixie root ready after $(($(date +%s) - start)) s)"
		run_counted "tests:" "$top/.ci/chroot-run" trixie "$build-trixie" \
			env BOUNCE_IN_CHROOT=1 BUILD_DIR=/src/build /src/test.sh
	else
		echo "FAIL: no trixie root"
		failed=$((failed + 1))
	fi
	echo "(the Dovecot 2.4 stage took $(($(date +%s) - start)) s)"

	echo "=== the same deliveries on Dovecot 2.3 and 2.4"
	results24=$build-trixie/upper/src/build/live-results
	if [ -s "$build/live-results" ] && [ -s "$results24" ] &&
	   diff -u "$build/live-results" "$results24"; then
		echo "ok - identical folders, keywords, headers, feed records and state"
		passed=$((passed + 1))
	else
		echo "not ok - the live test's results differ or are missing"
		failed=$((failed + 1))
	fi
fi

echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
