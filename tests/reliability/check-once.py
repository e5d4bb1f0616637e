#!/usr/bin/env python3
"""Checks that every notification of EXPECTED was counted exactly once.

check-once.py EXPECTED FEED-CSV STATE-LIST MAILDIR

EXPECTED is notifications.py's expected.tsv (only the files that were
delivered), FEED-CSV the output of bounce-feed --format=csv, STATE-LIST
the output of bounce-state list. Prints "ok" and what was stored, or the
problems found, one per line:
- the feed holds exactly one record per failed recipient of each
  notification, and no other;
- each list address's soft count is the number of notifications that
  name it, each hard-bounced address is returned;
- each notification is stored in the Maildir (a delivery killed after
  storing it and retried stores it again: counted, not a problem).
"""

import collections
import csv
import os
import re
import sys


def main():
    expected_path, feed_path, state_path, maildir = sys.argv[1:5]
    want_records = collections.Counter()
    want_soft = collections.Counter()
    hard = set()
    files = set()
    for line in open(expected_path):
        name, orig, rcpt, kind = line.rstrip("\n").split("\t")
        files.add(name)
        want_records[(orig, rcpt)] += 1
        if kind == "soft":
            want_soft[rcpt] += 1
        else:
            hard.add(rcpt)

    problems = []
    got_records = collections.Counter(
        (r["message_id"], r["recipient"])
        for r in csv.DictReader(open(feed_path, newline="")))
    for key in sorted(set(want_records) | set(got_records)):
        if got_records[key] != want_records[key]:
            problems.append("feed: %d records for %s %s, expected %d" %
                            (got_records[key], key[0], key[1],
                             want_records[key]))

    state = {}
    for line in open(state_path):
        fields = line.rstrip("\n").split("\t")
        state[fields[0]] = (fields[1], int(fields[2]))
    for addr in sorted(set(want_soft) | hard):
        got = state.get(addr)
        if addr in hard:
            if got is None or got[0] != "returned":
                problems.append("state: %s is %s, expected returned" %
                                (addr, got))
        elif got is None or got[1] != want_soft[addr]:
            problems.append("state: %s has soft count %s, expected %d" %
                            (addr, None if got is None else got[1],
                             want_soft[addr]))

    stored = collections.Counter()
    msgid_re = re.compile(rb"^Message-ID: (<dsn-\d+@mx\.example\.org>)",
                          re.M | re.I)
    for top, dirs, names in os.walk(maildir):
        if os.path.basename(top) not in ("new", "cur"):
            continue
        for name in names:
            with open(os.path.join(top, name), "rb") as f:
                m = msgid_re.search(f.read())
            if m:
                stored[m.group(1).decode()] += 1
    missing = 0
    for name in sorted(files):
        n = int(name[2:7])
        if stored["<dsn-%d@mx.example.org>" % n] == 0:
            missing += 1
            problems.append("maildir: %s not stored" % name)
    twice = sum(1 for n in stored.values() if n > 1)

    if problems:
        for p in problems[:20]:
            print(p)
        if len(problems) > 20:
            print("... %d problems in all" % len(problems))
    else:
        print("ok: %d notifications, %d records; %d stored twice "
              "(killed after storing, then retried)" %
              (len(files), sum(want_records.values()), twice))


if __name__ == "__main__":
    main()
