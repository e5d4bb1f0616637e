#!/usr/bin/env python3
"""Writes bounce notifications for the reliability tests, and what each
must count.

notifications.py DIR FIRST COUNT [single]

DIR/n-NNNNN.eml for N from FIRST to FIRST+COUNT-1: an RFC 3464 report
of its own (own Message-ID, own returned message <campaign-N@...>), for
one or two of five list addresses (soft: mailbox full), or, every ninth,
for an address of its own (hard: unknown user); with "single", each for
the first list address alone (soft), so that each makes the same steps.
Appends one line per failed recipient to DIR/expected.tsv:

    FILE  ORIGINAL-MESSAGE-ID  RECIPIENT  TYPE
"""

import os
import sys

ADDRESSES = 5


def recipients(n, single=False):
    if single:
        return [("user0@example.org", "soft")]
    if n % 9 == 0:
        return [("hard-%d@example.org" % n, "hard")]
    rcpts = [("user%d@example.org" % (n % ADDRESSES), "soft")]
    if n % 4 == 0:
        rcpts.append(("user%d@example.org" % ((n + 2) % ADDRESSES), "soft"))
    return rcpts


def block(addr, kind):
    if kind == "hard":
        status, diag = "5.1.1", "550 5.1.1 <%s>: Recipient address " \
            "rejected: User unknown" % addr
    else:
        status, diag = "5.2.2", "552 5.2.2 <%s>: Mailbox full" % addr
    return ("Final-Recipient: rfc822; %s\nAction: failed\nStatus: %s\n"
            "Diagnostic-Code: smtp; %s\n" % (addr, status, diag))


def message(n, rcpts):
    blocks = "\n".join(block(a, k) for a, k in rcpts)
    return """Return-Path: <>
From: Mail Delivery System <MAILER-DAEMON@mx.example.org>
To: bounces@lists.example.net
Subject: Undelivered Mail Returned to Sender
Date: Mon, 2 Nov 2026 10:%02d:%02d +0000
Message-ID: <dsn-%d@mx.example.org>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
 boundary="B%d"

--B%d
Content-Type: text/plain

Your message could not be delivered to %d recipient(s).

--B%d
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org
Arrival-Date: Mon, 2 Nov 2026 09:59:00 +0000

%s
--B%d
Content-Type: text/rfc822-headers

Message-ID: <campaign-%d@lists.example.net>
From: news@lists.example.net
To: %s
Subject: News %d

--B%d--
""" % (n // 60 % 60, n % 60, n, n, n, len(rcpts), n, blocks, n, n,
       rcpts[0][0], n, n)


def main():
    out, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    single = sys.argv[4:5] == ["single"]
    with open(os.path.join(out, "expected.tsv"), "a") as expected:
        for n in range(first, first + count):
            name = "n-%05d.eml" % n
            rcpts = recipients(n, single)
            with open(os.path.join(out, name), "w") as f:
                f.write(message(n, rcpts))
            for addr, kind in rcpts:
                expected.write("%s\t<campaign-%d@lists.example.net>\t%s\t%s\n"
                               % (name, n, addr, kind))


if __name__ == "__main__":
    main()
