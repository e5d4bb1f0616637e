#!/bin/sh
# Concurrency: CONC_PROCS (8) dovecot-lda processes deliver CONC_MESSAGES
# (2,000) soft bounces for CONC_ADDRESSES (40) addresses at once, with the
# file dict, a Redis server, and SQLite and PostgreSQL behind Dovecot's
# dict server (tests/state/engines.sh starts them; CONC_ENGINES chooses).
# Afterwards the feed holds exactly one schema-valid record per failed
# recipient, and each address's count in the dict is exactly the number
# of its bounces.
set -u
. "$(dirname "$0")/../sieve/env.sh"
. "$(dirname "$0")/../lda/deliver-lib.sh"
. "$(dirname "$0")/../state/engines.sh"
need_programs "$DOVECOT_LDA" setpriv python3 xargs
STATE_TOOL=$builddir/src/tools/bounce-state
FEED_TOOL=$builddir/src/tools/bounce-feed
procs=${CONC_PROCS:-8}
messages=${CONC_MESSAGES:-2000}
addresses=${CONC_ADDRESSES:-40}

setup_delivery
engines_trap
spool=$run_dir/spool
PG_FSYNC=off

# One DSN per message: mailbox full (a soft bounce) for
# user<(N / procs) % addresses>@example.org: the processes start on the
# same address, so they race on its first count of the day too.
python3 - "$run_dir/messages" "$messages" "$addresses" "$procs" <<'PY'
import os, sys
d, n, a, p = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
for i in range(n):
    rcpt = "user%d@example.org" % ((i // p) % a)
    with open(os.path.join(d, "dsn-%05d.eml" % i), "w") as f:
        f.write("""From: Mail Delivery System <MAILER-DAEMON@mx.example.org>
To: bounces@lists.example.net
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn-%(i)d@mx.example.org>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
 boundary="B%(i)d"

--B%(i)d
Content-Type: text/plain

Your message could not be delivered: the mailbox is full.

--B%(i)d
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; %(rcpt)s
Action: failed
Status: 5.2.2
Diagnostic-Code: smtp; 552 5.2.2 Mailbox full

--B%(i)d
Content-Type: text/rfc822-headers

Message-ID: <campaign-%(i)d@lists.example.net>
From: news@lists.example.net
To: %(rcpt)s

--B%(i)d--
""" % {"i": i, "rcpt": rcpt})
PY
chmod a+r "$run_dir"/messages/dsn-*.eml

# deliver_all DICT-URI: every message, procs at a time; prints the
# number of deliveries that did not exit 0
deliver_all() {
	write_conf "$conf" "  sieve_before = $run_dir/global.sieve
  sieve_extensions = -vnd.bounce
  sieve_global_extensions = +vnd.bounce
  sieve_bounce_feed_dir = $spool
  sieve_bounce_dict = $1
  sieve_bounce_soft_limit = 1000000"
	ls "$run_dir"/messages/dsn-*.eml |
		as_user xargs -P "$procs" -n 1 sh -c \
			'"$0" -c "$1" -f sender@example.net < "$3" >/dev/null 2>>"$2" ||
			 echo fail' "$DOVECOT_LDA" "$conf" "$run_dir/lda.log" |
		grep -c fail
}

# check_run NAME DICT-URI
check_run() {
	name=$1 dict=$2
	rm -rf "$spool" "$run_dir/Maildir"
	: > "$run_dir/lda.log"
	[ "$(id -u)" -ne 0 ] || chown "$run_user" "$run_dir/lda.log"
	start=$(date +%s)
	failures=$(deliver_all "$dict")
	secs=$(($(date +%s) - start))
	echo "# $name: $messages deliveries by $procs processes in ${secs}s"
	if [ "$failures" -eq 0 ]; then
		pass "$name: every delivery succeeded"
	else
		fail "$name: $failures deliveries failed" "$(tail -n 5 "$run_dir/lda.log")"
	fi

	# The feed: schema-valid (bounce-feed validates every file), one
	# record per message, each message's recipient once.
	if "$FEED_TOOL" --spool "$spool" --format=csv > "$run_dir/feed.csv" \
		2> "$run_dir/feed.err"; then
		pass "$name: the feed is valid"
	else
		fail "$name: the feed is valid" "$(cat "$run_dir/feed.err")"
	fi
	result=$(python3 - "$run_dir/feed.csv" "$messages" "$addresses" "$procs" <<'PY'
import csv, sys, collections
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
n, a, p = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
want = collections.Counter("user%d@example.org" % ((i // p) % a)
                           for i in range(n))
got = collections.Counter(r["recipient"] for r in rows)
problems = []
if len(rows) != n:
    problems.append("%d records, expected %d" % (len(rows), n))
if got != want:
    problems.append("records per recipient differ: %s" %
                    sorted((want - got) + (got - want))[:5])
print("; ".join(problems) or "ok")
PY
)
	if [ "$result" = ok ]; then
		pass "$name: one record per failed recipient ($messages)"
	else
		fail "$name: one record per failed recipient" "$result"
	fi

	# The dict: each address counted exactly
	python3 - "$messages" "$addresses" "$procs" > "$run_dir/want" <<'PY'
import sys, collections
n, a, p = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
c = collections.Counter((i // p) % a for i in range(n))
for k in sorted(c):
    print("user%d@example.org %d" % (k, c[k]))
PY
	bad=0
	while read -r addr want; do
		got=$("$STATE_TOOL" --dict "$dict" --soft-limit 1000000 \
			show "$addr" | cut -f3)
		[ "$got" = "$want" ] || {
			bad=$((bad + 1))
			echo "#   $addr: $got, expected $want"
		}
	done < "$run_dir/want"
	if [ "$bad" -eq 0 ]; then
		pass "$name: dict counts exact for $addresses addresses"
	else
		fail "$name: dict counts wrong for $bad addresses"
	fi
}

# engine NAME: its label
engine_label() {
	case $1 in
	file) echo "file dict" ;;
	sqlite) echo "SQLite" ;;
	pgsql) echo "PostgreSQL" ;;
	redis) echo "Redis" ;;
	esac
}

for engine in ${CONC_ENGINES:-file redis sqlite pgsql}; do
	if ! engine_available "$engine"; then
		echo "# skipped $(engine_label "$engine"): not installed"
		continue
	fi
	if engine_start "$engine"; then
		check_run "$(engine_label "$engine")" "$engine_dict"
	else
		fail "$(engine_label "$engine"): the store did not start"
	fi
	engines_stop
done

finish
