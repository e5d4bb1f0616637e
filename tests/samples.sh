#!/bin/sh
# Classifies the sample messages in tests/samples with bounce-classify and
# asserts that it prints exactly the rows of tests/samples/expected.tsv
# (file, recipient, type, category).
set -u
srcdir=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
samples=$srcdir/tests/samples
classify=${BOUNCE_CLASSIFY:-./src/bounce-classify}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

grep -v '^#' "$samples/expected.tsv" | sort > "$tmp/expected"
"$classify" --rules="$srcdir/conf.d/bounce.rules" "$samples"/*.eml > "$tmp/out"
status=$?
if [ "$status" -ne 0 ]; then
	echo "bounce-classify exited with $status"
	exit 1
fi
awk -F'\t' 'BEGIN { OFS = "\t" } { n = split($1, p, "/"); print p[n], $3, $4, $5 }' \
	"$tmp/out" | sort > "$tmp/got"
if ! diff -u "$tmp/expected" "$tmp/got" > "$tmp/diff"; then
	echo "rows differ (- expected, + printed):"
	cat "$tmp/diff"
	exit 1
fi
echo "$(wc -l < "$tmp/expected") rows as expected"
