#!/bin/sh
# Quick start on a fresh Debian bookworm machine, as root: install the build
# dependencies, build, and deliver the bundled example messages through
# dovecot-lda with the vnd.bounce Sieve plugin, then print the
# classifier's own table for them.
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
echo "dovecot-lda with vnd.bounce over examples/messages:"
echo
BOUNCE_BUILDDIR=$build "$top/tests/lda/deliver-examples.sh" "$top/examples/messages"
echo
echo "bounce-classify over examples/messages:"
echo
printf 'file\tindex\trecipient\ttype\tcategory\tcode\tstatus\treply\taction\tdiagnostic\n'
./src/tools/bounce-classify "$top/examples/messages" | sed "s#$top/##"
