#!/bin/sh
# Cost against size: bounce-bench --size-sweep grows a 970-byte DSN to
# 1 kB .. 10 MB (padded text, then a base64 attachment) and classifies
# each size. Nothing may be worse than linear: the CPU time per byte at
# 10 MB may not exceed the time per byte at 100 kB (with a factor of 2
# for noise on a shared machine), and the memory the classification
# needs beyond the message it reads stays under 16 MB at every size.
set -u
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bench=./bench/bounce-bench
out=$(mktemp)
trap 'rm -f "$out"' EXIT

"$bench" --rules "$srcdir/conf.d/bounce.rules" --size-sweep --seconds 0.3 \
	"$srcdir/tests/samples/lhost-v5sendmail-02.eml" > "$out" || exit 1
cat "$out"
# | padding | size | msgs/s | MB/s | us/msg | ns/byte | peak RSS | result |
awk -F' *\\| *' '
	/^\| (text|base64 attachment) \|/ {
		pad = $2; size = $3 + 0; nsb = $7 + 0; rss = $8 + 0
		rows++
		if (size == 100) base[pad] = nsb
		if (size == 10000) big[pad] = nsb
		# the message itself is in the peak: size kB of it
		if (rss - size / 1000 > 16) {
			print pad " " size " kB: peak " rss " MB"; bad = 1
		}
	}
	END {
		if (rows != 10) { print rows " rows, not 10"; exit 1 }
		for (p in base) {
			if (big[p] > 2 * base[p]) {
				print p ": " big[p] " ns/byte at 10 MB, " \
					base[p] " at 100 kB"; bad = 1
			}
		}
		exit bad
	}' "$out"
