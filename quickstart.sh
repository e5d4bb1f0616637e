#!/bin/sh
# Quick start on a fresh Debian bookworm machine, as root: install the build
# dependencies, build, and classify the bundled example messages.
set -eu
top=$(cd "$(dirname "$0")" && pwd)
build=${BUILD_DIR:-$top/build}

"$top/.ci/install-deps"
cd "$top"
autoreconf -fi >/dev/null 2>&1
mkdir -p "$build"
cd "$build"
"$top/configure" -q
make -s -j"$(nproc)" >/dev/null
echo "bounce-classify over examples/messages:"
echo
printf 'file\tindex\trecipient\ttype\tcategory\tcode\tstatus\treply\taction\tdiagnostic\n'
./src/bounce-classify "$top/examples/messages" | sed "s#$top/##"
