#!/bin/sh
# Plain-text notices in the layouts older and smaller MTAs, gateways and
# providers use: bounce-classify must find the failed address in each
# and never report the list's, the sender's or the mailer daemon's
# (tests/layouts/expected.tsv), as tests/samples.sh asserts its rows.
srcdir=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
BOUNCE_SAMPLES=$srcdir/tests/layouts
export srcdir BOUNCE_SAMPLES
exec sh "$srcdir/tests/samples.sh"
