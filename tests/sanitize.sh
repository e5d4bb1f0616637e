#!/bin/sh
# usage: tests/sanitize.sh [BUILD_DIR]
# Configures the project with AddressSanitizer and UndefinedBehaviorSanitizer
# in BUILD_DIR (default build-sanitize) and runs make check there: the unit
# tests and the sample assertions. The Sieve and delivery tests are left
# out: they load the plugin into Pigeonhole's programs, which are not built
# with the sanitizers' runtime. libdovecot is not instrumented either;
# everything of ours is. The results are in BUILD_DIR/test-suite.log.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build-sanitize}
flags="-g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"

mkdir -p "$build"
cd "$build"
"$top/configure" -q CFLAGS="$flags" LDFLAGS="-fsanitize=address,undefined"
make -s -j"$(nproc)"
# any report fails the test that caused it
ASAN_OPTIONS=abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	make -s check TESTS='$(unit_tests) tests/samples.sh'
