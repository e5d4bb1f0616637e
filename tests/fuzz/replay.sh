#!/bin/sh
# Replays every input in tests/fuzz/regressions (inputs that once crashed
# the classifier) and the fuzzer's seeds through the fuzz target without
# libFuzzer: each must be classified without a crash or a panic.
set -eu
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
replay=./tests/fuzz/fuzz-replay
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$srcdir/tests/fuzz/seeds.sh" "$tmp/seeds"
set -- "$tmp"/seeds/*
for f in "$srcdir"/tests/fuzz/regressions/*; do
	[ -f "$f" ] && set -- "$@" "$f"
done
"$replay" "$@" > "$tmp/out"
n=$(grep -c '^ok ' "$tmp/out")
if [ "$n" -ne $# ]; then
	echo "replayed $n of $# inputs"
	exit 1
fi
echo "replayed $# inputs"
