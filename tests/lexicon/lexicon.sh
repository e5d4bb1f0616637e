#!/bin/sh
# The phrase lexicon, tested apart from any sample: every line of
# tests/lexicon/*.tsv is one diagnostic as a server or provider words it,
#
#   status  reply  text  category  [type]  [action]
#
# (status: the DSN's Status field, reply: the SMTP reply code the text
# begins with, either may be empty; action defaults to "failed"). Each
# becomes a delivery status notification of one recipient, and
# bounce-classify must give it the category (and type, when given).
# Lines whose status is "Subject:" give the Subject of a message that is
# no bounce (the subject rules: auto-replies, challenge-response,
# unsubscribe), those whose status is "Text:" its text (with the Subject
# "Re: News"); the category "-" is none at all (no result line names a
# category).
#
# Coverage: every phrase and subject rule of the shipped rules must be
# the rule that decides at least one line, so that no phrase goes
# untested, and a line that another rule decides shows which one.
set -u
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
lexicon=$srcdir/tests/lexicon
rules=$srcdir/conf.d/bounce.rules
classify=${BOUNCE_CLASSIFY:-./src/tools/bounce-classify}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# one message per line; the list of lines in order: file, tsv:line,
# category, type
mkdir "$tmp/msg"
for tsv in "$lexicon"/*.tsv; do
	awk -F'\t' -v dir="$tmp/msg" -v name="$(basename "$tsv")" '
	/^#/ || /^[ \t]*$/ { next }
	NF < 4 { printf "%s:%d: fewer than 4 fields\n", name, FNR > "/dev/stderr"; bad = 1; next }
	{
		n = sprintf("%s/%s-%04d.eml", dir, name, FNR)
		printf "%s\t%s:%d\t%s\t%s\n", n, name, FNR, $4, $5
		if ($1 == "Subject:" || $1 == "Text:") {
			printf "From: Someone <someone@example.com>\n" > n
			printf "To: sender@example.org\nSubject: %s\n",
				($1 == "Subject:" ? $3 : "Re: News") > n
			printf "Message-ID: <lexicon-%d@example.com>\n", FNR > n
			printf "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n" > n
			printf "%s\n", ($1 == "Text:" ? $3 : "Hello.") > n
			close(n)
			next
		}
		action = $6 == "" ? "failed" : $6
		printf "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n" > n
		printf "To: sender@example.org\nSubject: Delivery Status Notification\n" > n
		printf "MIME-Version: 1.0\n" > n
		printf "Content-Type: multipart/report; report-type=delivery-status;\n" > n
		printf "\tboundary=\"lexicon\"\n\n--lexicon\n" > n
		printf "Content-Type: message/delivery-status\n\n" > n
		printf "Reporting-MTA: dns; mx.example.net\n\n" > n
		printf "Final-Recipient: rfc822; rcpt@example.com\n" > n
		printf "Action: %s\n", action > n
		if ($1 != "")
			printf "Status: %s\n", $1 > n
		printf "Diagnostic-Code: smtp; %s%s%s\n", $2, ($2 == "" ? "" : " "), $3 > n
		printf "\n--lexicon--\n" > n
		close(n)
	}
	END { exit bad }' "$tsv" >> "$tmp/lines" || exit 1
done
if [ ! -s "$tmp/lines" ]; then
	echo "lexicon: no lines in $lexicon/*.tsv"
	exit 1
fi

"$classify" --format=json --rules="$rules" "$tmp/msg" > "$tmp/out"
status=$?
if [ "$status" -ne 0 ]; then
	echo "bounce-classify exited with $status"
	exit 1
fi
# file, type, category, rule of each result
sed -e 's/"category":null/"category":"-"/; s/"rule":null/"rule":"-"/' \
    -e 's/^{"file":"\([^"]*\)".*"type":"\([^"]*\)","category":"\([^"]*\)".*"rule":"\([^"]*\)".*/\1	\2	\3	\4/' \
	"$tmp/out" > "$tmp/got"

# the phrase and subject rules, as "file:line" like the results name them
for f in $(find "$srcdir/conf.d" -name '*.rules' | sort); do
	awk -v name="$(basename "$f")" \
		'$1 == "phrase" || $1 == "subject" { printf "%s:%d\t%s\n", name, FNR, $2 }' "$f"
done > "$tmp/rules"

awk -F'\t' -v rulesfile="$tmp/rules" '
	FILENAME == rulesfile { rule[$1] = $2; order[++nrules] = $1; next }
	FILENAME ~ /\/got$/ { type[$1] = $2; cat[$1] = $3; by[$1] = $4; next }
	{
		lines++
		if (!($1 in cat)) {
			printf "%s: no result\n", $2; fail++; next
		}
		if (cat[$1] != $3 || ($4 != "" && type[$1] != $4)) {
			printf "%s: want %s%s, got %s %s (%s)\n", $2, $3,
				($4 == "" ? "" : " " $4), cat[$1], type[$1], by[$1]
			fail++
			next
		}
		covered[by[$1]] = 1
	}
	END {
		for (i = 1; i <= nrules; i++) {
			if (!(order[i] in covered)) {
				printf "%s: rule (%s) decides no line\n", order[i], rule[order[i]]
				uncovered++
			}
		}
		printf "lexicon: %d lines, %d wrong; %d phrase and subject rules, %d decide no line\n",
			lines, fail, nrules, uncovered
		exit (fail + uncovered > 0)
	}' "$tmp/rules" "$tmp/got" "$tmp/lines"
