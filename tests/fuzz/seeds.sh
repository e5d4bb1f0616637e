#!/bin/sh
# usage: tests/fuzz/seeds.sh DIR
# Writes the fuzzer's seed inputs into DIR, made from tests/samples: each
# sample as it is (no envelope recipient) and once more after a
# "RCPT address" line naming a VERP envelope recipient.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$1
mkdir -p "$dir"
for f in "$top"/tests/samples/*.eml; do
	name=$(basename "$f" .eml)
	cp "$f" "$dir/$name"
	{ printf 'RCPT bounces+user=example.org@lists.example.com\n'; cat "$f"; } \
		> "$dir/$name-verp"
done
