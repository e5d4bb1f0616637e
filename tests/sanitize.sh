#!/bin/sh
# Builds the project with AddressSanitizer and UndefinedBehaviorSanitizer
# in BUILD_DIR and runs the unit tests there. libdovecot itself is not
# instrumented; everything of ours is.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build-sanitize}
flags="-g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"

mkdir -p "$build"
cd "$build"
"$top/configure" -q CFLAGS="$flags" LDFLAGS="-fsanitize=address,undefined"
make -s -j"$(nproc)"
ASAN_OPTIONS=abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	make -s check TESTS="tests/unit/test-bounce-status tests/unit/test-bounce-rules tests/unit/test-bounce-classify tests/samples.sh"
