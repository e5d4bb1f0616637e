#!/bin/sh
# Classifies the sample messages in tests/samples with bounce-classify and
# asserts the rows of tests/samples/expected.tsv (file, recipient, type,
# category): every file listed there must give exactly its listed rows.
# Samples not listed are classified too (they must not crash the tool)
# but their rows are not asserted.
# BOUNCE_SAMPLES names another folder of messages with its expected.tsv.
set -u
srcdir=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
samples=${BOUNCE_SAMPLES:-$srcdir/tests/samples}
classify=${BOUNCE_CLASSIFY:-./src/tools/bounce-classify}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

grep -v '^#' "$samples/expected.tsv" | sort > "$tmp/expected"
"$classify" --rules="$srcdir/conf.d/bounce.rules" "$samples"/*.eml > "$tmp/out"
status=$?
if [ "$status" -ne 0 ]; then
	echo "bounce-classify exited with $status"
	exit 1
fi
# the base name of each file (an mbox's messages are FILE:N), and only the
# files expected.tsv lists
awk -F'\t' 'BEGIN { OFS = "\t" }
	NR == FNR { listed[$1] = 1; next }
	{ n = split($1, p, "/"); if (p[n] in listed) print p[n], $3, $4, $5 }' \
	"$tmp/expected" "$tmp/out" | sort > "$tmp/got"
if ! diff -u "$tmp/expected" "$tmp/got" > "$tmp/diff"; then
	echo "rows differ (- expected, + printed):"
	tail -n +3 "$tmp/diff" | grep '^[-+]' > "$tmp/rows"
	cat "$tmp/rows"
	echo "samples: $(grep -c '^-' "$tmp/rows") expected rows missing or" \
		"different, $(grep -c '^+' "$tmp/rows") rows not expected"
	exit 1
fi
echo "samples: $(wc -l < "$tmp/expected") rows as expected"
