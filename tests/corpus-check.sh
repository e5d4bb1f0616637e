#!/bin/sh
# Classifies the second corpus (tests/corpus: real bounces and non-bounces
# from other projects' test suites, labelled by hand) and fails when a
# figure of tests/corpus/score.py falls below its floor in
# tests/corpus/floors: the floors are the figures measured when they were
# set, so a change of the rules may raise them but not lower them.
set -u
srcdir=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
corpus=$srcdir/tests/corpus
classify=${BOUNCE_CLASSIFY:-./src/tools/bounce-classify}
if ! command -v python3 > /dev/null; then
	echo "corpus: skipped, no python3"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$classify" --format=tsv --rules="$srcdir/conf.d/bounce.rules" \
	"$corpus"/*/ > "$tmp/out"
status=$?
if [ "$status" -ne 0 ]; then
	echo "bounce-classify exited with $status"
	exit 1
fi
python3 "$corpus/score.py" --floors "$corpus/floors" -v "$tmp/out"
