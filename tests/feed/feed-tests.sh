#!/bin/sh
# bounce-feed on spools written by feed-write (the library's own writer,
# with classified sample bounces): the document is valid against the
# shipped schema and holds every failed recipient once; CSV; --ack never
# prints a record twice and never drops one; --since; the spool from the
# Dovecot configuration; errors for spools that cannot be read or written.
set -u
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
feed=${BOUNCE_FEED:-./src/tools/bounce-feed}
write=${FEED_WRITE:-./tests/feed/feed-write}
classify=${BOUNCE_CLASSIFY:-./src/tools/bounce-classify}
schema=$srcdir/conf.d/bounce-feed.xsd
samples=$srcdir/tests/samples
rules=$srcdir/conf.d/bounce.rules

for prog in xmllint python3; do
	if ! command -v $prog > /dev/null; then
		echo "SKIP: $prog not installed"
		exit 77
	fi
done

tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; shift; for l; do echo "    $l"; done; }

# valid FILE: well-formed and valid against the schema
valid() {
	xmllint --noout --schema "$schema" "$1" > "$tmp/xmllint.out" 2>&1
}
# ids FILE: the record ids of a document, one a line
ids() {
	xmllint --xpath '//*[local-name()="record"]/@id' "$1" 2>/dev/null |
		sed 's/^ *id="\([^"]*\)"$/\1/' | grep .
}
count_records() { grep -c '<record ' "$1"; }

# the failed recipients bounce-classify finds in these samples
# (the last is no bounce: it writes no spool file)
SAMPLES="rfc3464-03.eml lhost-postfix-02.eml arf-01.eml lhost-kddi-01.eml
	is-not-bounce-01.eml"
n_rcpts=0
for s in $SAMPLES; do
	n=$("$classify" --rules="$rules" "$samples/$s" | awk -F'\t' '$2 != 0' |
		wc -l)
	n_rcpts=$((n_rcpts + n))
done

spool=$tmp/spool
mkdir "$spool"

# 1. an empty spool is an empty, valid feed
"$feed" --spool "$spool" > "$tmp/empty.xml"
status=$?
if [ $status -eq 0 ] && valid "$tmp/empty.xml" &&
   [ "$(grep -c '<record ' "$tmp/empty.xml")" -eq 0 ]; then
	pass "empty spool: valid document without records"
else
	fail "empty spool" "exit $status" "$(cat "$tmp/xmllint.out")"
fi

# 2. every failed recipient once, valid against the schema
for s in $SAMPLES; do
	"$write" --spool "$spool" --time 1700000000 --user jdoe "$samples/$s" ||
		fail "feed-write $s"
done
"$feed" --spool "$spool" > "$tmp/all.xml"
status=$?
if [ $status -ne 0 ] || ! valid "$tmp/all.xml"; then
	fail "document" "exit $status" "$(cat "$tmp/xmllint.out")"
elif [ "$(count_records "$tmp/all.xml")" -ne "$n_rcpts" ]; then
	fail "document" "$(count_records "$tmp/all.xml") records," \
		"expected $n_rcpts"
elif [ "$(ids "$tmp/all.xml" | sort -u | wc -l)" -ne "$n_rcpts" ]; then
	fail "document: record ids are not unique"
else
	pass "document: $n_rcpts records, valid, ids unique"
fi
# the same run again prints the same: nothing is consumed without --ack
"$feed" --spool "$spool" > "$tmp/again.xml"
if cmp -s "$tmp/all.xml" "$tmp/again.xml"; then
	pass "without --ack the spool is left as it was"
else
	fail "without --ack the output changed"
fi

# 3. CSV: a header, one row per record, the same recipients as the XML
"$feed" --spool "$spool" --format=csv > "$tmp/all.csv"
status=$?
python3 - "$tmp/all.csv" > "$tmp/csv.rcpts" <<'PY'
import csv, sys
with open(sys.argv[1], newline='') as f:
    rows = list(csv.reader(f, strict=True))
assert rows[0][:4] == ['id', 'time', 'user', 'recipient'], rows[0]
assert all(len(r) == len(rows[0]) for r in rows), 'ragged rows'
for r in rows[1:]:
    print(r[3])
PY
csv_status=$?
xmllint --xpath '//*[local-name()="recipient"]/text()' "$tmp/all.xml" \
	> "$tmp/xml.rcpts.raw" 2>/dev/null
# recipients may be empty: compare those named
grep . "$tmp/xml.rcpts.raw" | sort > "$tmp/xml.rcpts"
grep . "$tmp/csv.rcpts" | sort > "$tmp/csv.rcpts.sorted"
if [ $status -eq 0 ] && [ $csv_status -eq 0 ] &&
   [ "$(grep -c . "$tmp/csv.rcpts")" -eq "$n_rcpts" ] &&
   cmp -s "$tmp/xml.rcpts" "$tmp/csv.rcpts.sorted" &&
   [ "$(head -c 200 "$tmp/all.csv" | grep -c "$(printf '\r')")" -eq 1 ]; then
	pass "csv: RFC 4180 rows, the recipients of the XML"
else
	fail "csv" "exit $status, parser $csv_status" \
		"$(diff "$tmp/xml.rcpts" "$tmp/csv.rcpts.sorted")"
fi

# 4. --ack: what was printed is never printed again, and what arrives
# later is printed by the next run
"$feed" --spool "$spool" --ack > "$tmp/ack1.xml"
s1=$?
"$feed" --spool "$spool" --ack > "$tmp/ack2.xml"
s2=$?
"$write" --spool "$spool" --time 1700000100 "$samples/lhost-kddi-01.eml"
"$feed" --spool "$spool" --ack > "$tmp/ack3.xml"
s3=$?
n1=$(count_records "$tmp/ack1.xml")
n2=$(count_records "$tmp/ack2.xml")
n3=$(count_records "$tmp/ack3.xml")
n_later=$("$classify" --rules="$rules" "$samples/lhost-kddi-01.eml" |
	awk -F'\t' '$2 != 0' | wc -l)
{ ids "$tmp/ack1.xml"; ids "$tmp/ack3.xml"; } > "$tmp/acked.ids"
if [ $s1 -ne 0 ] || [ $s2 -ne 0 ] || [ $s3 -ne 0 ]; then
	fail "--ack" "exit $s1 $s2 $s3"
elif ! valid "$tmp/ack2.xml"; then
	fail "--ack: second run not valid" "$(cat "$tmp/xmllint.out")"
elif [ "$n1" -ne "$n_rcpts" ] || [ "$n2" -ne 0 ] ||
     [ "$n3" -ne "$n_later" ]; then
	fail "--ack" "runs printed $n1, $n2, $n3 records;" \
		"expected $n_rcpts, 0, $n_later"
elif [ "$(sort "$tmp/acked.ids" | uniq -d | wc -l)" -ne 0 ]; then
	fail "--ack: a record printed twice"
elif [ "$(ls "$spool/new" | wc -l)" -ne 0 ] ||
     [ "$(ls "$spool/cur" | wc -l)" -ne 5 ] ||
     [ "$(ls "$spool/tmp" | wc -l)" -ne 0 ]; then
	fail "--ack: spool files not where expected" "$(ls -R "$spool")"
else
	pass "--ack: $n1, then 0, then the $n3 new records"
fi

# output that cannot be written archives nothing
"$write" --spool "$spool" --time 1700000200 "$samples/arf-01.eml"
if [ -w /dev/full ]; then
	"$feed" --spool "$spool" --ack > /dev/full 2> "$tmp/err"
	status=$?
	"$feed" --spool "$spool" --ack > "$tmp/ack4.xml"
	if [ $status -eq 2 ] && grep -q 'write' "$tmp/err" &&
	   [ "$(count_records "$tmp/ack4.xml")" -ge 1 ]; then
		pass "--ack: output that fails archives nothing (exit 2)"
	else
		fail "--ack to /dev/full" "exit $status" "$(cat "$tmp/err")"
	fi
fi

# 5. --since filters by record time; with --ack, older ones stay
spool2=$tmp/spool2
"$write" --spool "$spool2" --time 1000000000 "$samples/arf-01.eml"
"$write" --spool "$spool2" --time 2000000000 "$samples/rfc3464-03.eml"
"$feed" --spool "$spool2" --since 1500000000 > "$tmp/since1.xml"
s1=$?
"$feed" --spool "$spool2" --since 2033-05-18 > "$tmp/since2.xml"
s2=$?
"$feed" --spool "$spool2" --since 2033-05-18T03:33:21Z > "$tmp/since3.xml"
s3=$?
"$feed" --spool "$spool2" --since 7d > "$tmp/since4.xml"
s4=$?
if [ $s1 -eq 0 ] && [ $s2 -eq 0 ] && [ $s3 -eq 0 ] && [ $s4 -eq 0 ] &&
   valid "$tmp/since1.xml" &&
   grep -q 'time="2033-05-18T03:33:20Z"' "$tmp/since1.xml" &&
   ! grep -q 'time="2001-' "$tmp/since1.xml" &&
   [ "$(count_records "$tmp/since2.xml")" -eq \
     "$(count_records "$tmp/since1.xml")" ] &&
   [ "$(count_records "$tmp/since3.xml")" -eq 0 ] &&
   [ "$(count_records "$tmp/since4.xml")" -eq \
     "$(count_records "$tmp/since1.xml")" ]; then
	pass "--since: epoch, date, time and age"
else
	fail "--since" "exit $s1 $s2 $s3 $s4"
fi
"$feed" --spool "$spool2" --since 1500000000 --ack > /dev/null
if [ "$(ls "$spool2/new" | wc -l)" -eq 1 ] &&
   "$feed" --spool "$spool2" | grep -q 'time="2001-'; then
	pass "--since --ack archives only what it printed"
else
	fail "--since --ack" "$(ls -R "$spool2")"
fi
"$feed" --spool "$spool2" --since yesterday > /dev/null 2> "$tmp/err"
status=$?
if [ $status -eq 2 ] && grep -q -- '--since yesterday' "$tmp/err"; then
	pass "--since: a bad time is a usage error"
else
	fail "--since yesterday" "exit $status" "$(cat "$tmp/err")"
fi

# 6. a damaged file is named, left in the spool, and the rest printed
spool3=$tmp/spool3
"$write" --spool "$spool3" --time 1700000000 "$samples/rfc3464-03.eml"
printf '<feed xmlns="urn:x-dovecot-bounce:feed:1" version="1"><record' \
	> "$spool3/new/1700000001.M0P0Q0.damaged.xml"
"$feed" --spool "$spool3" --ack > "$tmp/damaged.xml" 2> "$tmp/err"
status=$?
if [ $status -eq 1 ] && valid "$tmp/damaged.xml" &&
   [ "$(count_records "$tmp/damaged.xml")" -ge 1 ] &&
   grep -q 'damaged.xml' "$tmp/err" &&
   [ -f "$spool3/new/1700000001.M0P0Q0.damaged.xml" ] &&
   [ "$(ls "$spool3/new" | wc -l)" -eq 1 ]; then
	pass "damaged spool file: named, kept, the rest printed (exit 1)"
else
	fail "damaged spool file" "exit $status" "$(cat "$tmp/err")"
fi

# 7. the spool named by the Dovecot configuration (written for the
# release line; on 2.4 doveconf knows the setting from the installed
# settings module)
. "$srcdir/tests/dovecot-conf.sh"
if command -v doveconf > /dev/null; then
	{ conf_header; conf_settings "sieve_bounce_feed_dir = $spool2"; } \
		> "$tmp/dovecot.conf"
	"$feed" -c "$tmp/dovecot.conf" > "$tmp/conf.xml"
	s1=$?
	"$feed" --spool "$spool2" > "$tmp/direct.xml"
	{ conf_header; conf_settings "sieve_bounce_feed_dir = ~/feed"; } \
		> "$tmp/user.conf"
	"$feed" -c "$tmp/user.conf" > /dev/null 2> "$tmp/err"
	s2=$?
	if [ $s1 -eq 0 ] && cmp -s "$tmp/conf.xml" "$tmp/direct.xml" &&
	   [ $s2 -eq 2 ] && grep -q 'per user' "$tmp/err"; then
		pass "-c: sieve_bounce_feed_dir from the configuration"
	else
		fail "-c" "exit $s1, $s2" "$(cat "$tmp/err")"
	fi
else
	echo "skipped: -c (no doveconf)"
fi

# 8. spools that cannot be used: missing, or not writable for --ack (as
# nobody when run as root, which may write anywhere)
"$feed" --spool "$tmp/missing" > /dev/null 2> "$tmp/err"
status=$?
if [ $status -eq 2 ] && grep -q "$tmp/missing" "$tmp/err"; then
	pass "missing spool: exit 2, named"
else
	fail "missing spool" "exit $status" "$(cat "$tmp/err")"
fi
as_other() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
	else
		"$@"
	fi
}
# what the other user reads, where it may: the source tree can lie in a
# directory only its owner may enter
other=$tmp/other
mkdir "$other"
cp -R "$schema" "$rules" "$srcdir/conf.d/bounce.rules.d" \
	"$samples/arf-01.eml" "$other/"
chmod -R a+rX "$other"
spool4=$tmp/spool4
"$write" --spool "$spool4" --time 1700000000 "$samples/arf-01.eml"
chmod -R a+rX,go-w "$spool4"
chmod a-w "$spool4/new" "$spool4/cur"
if [ "$(id -u)" -ne 0 ] || command -v setpriv > /dev/null; then
	as_other "$feed" --schema "$other/bounce-feed.xsd" --spool "$spool4" \
		--ack > "$tmp/ro.xml" 2> "$tmp/err"
	s1=$?
	as_other "$feed" --schema "$other/bounce-feed.xsd" --spool "$spool4" \
		> "$tmp/ro2.xml" 2> /dev/null
	s2=$?
	as_other "$write" --rules "$other/bounce.rules" --spool "$spool4" \
		"$other/arf-01.eml" 2> "$tmp/err2"
	s3=$?
	if [ $s1 -eq 2 ] && [ ! -s "$tmp/ro.xml" ] &&
	   grep -q "not writable" "$tmp/err" &&
	   [ $s2 -eq 0 ] && valid "$tmp/ro2.xml" &&
	   [ $s3 -ne 0 ] && grep -q "Permission denied" "$tmp/err2" &&
	   [ "$(ls "$spool4/new" | wc -l)" -eq 1 ] &&
	   [ "$(ls "$spool4/tmp" | wc -l)" -eq 0 ]; then
		pass "unwritable spool: --ack and writing fail with a reason"
	else
		fail "unwritable spool" "exit $s1 $s2 $s3" \
			"$(cat "$tmp/err" "$tmp/err2")"
	fi
else
	echo "skipped: unwritable spool (root without setpriv)"
fi

echo "feed: $passed passed, $failed failed"
[ $failed -eq 0 ]
