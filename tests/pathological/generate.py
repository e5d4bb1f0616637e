#!/usr/bin/env python3
"""usage: generate.py DIR
Writes the pathological messages into DIR, one file each (NAME.eml): huge,
deep, long, broken. Each is a bounce whose failed recipient,
user@example.com, is stated before the hostile part, so a classifier that
survives it still names the recipient. The files are made at run time,
not kept in the tree: together they are about 60 MB."""

import base64
import os
import sys

RCPT = "user@example.com"


def head(boundary, subject="Undelivered Mail Returned to Sender", extra=""):
    return (
        "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
        "To: sender@example.org\n"
        f"Subject: {subject}\n"
        "Date: Thu, 29 Apr 2021 23:45:41 +0900\n"
        "Message-ID: <pathological@mx.example.net>\n"
        f"{extra}"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=delivery-status;\n"
        f"\tboundary=\"{boundary}\"\n\n"
        f"--{boundary}\nContent-Type: text/plain; charset=us-ascii\n\n"
        "This is the mail system. The message could not be delivered.\n\n")


def status_part(boundary, recipients=(RCPT,), extra_fields=""):
    blocks = "".join(
        f"Final-Recipient: rfc822; {r}\n"
        "Action: failed\n"
        "Status: 5.1.1\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <" + r + ">: "
        "Recipient address rejected: User unknown\n"
        f"{extra_fields}\n"
        for r in recipients)
    return (f"--{boundary}\nContent-Type: message/delivery-status\n\n"
            "Reporting-MTA: dns; mx.example.net\n\n" + blocks)


def original(boundary, body):
    return (f"--{boundary}\nContent-Type: message/rfc822\n\n"
            "From: sender@example.org\n"
            f"To: {RCPT}\n"
            "Subject: Newsletter\n"
            "Message-ID: <original@example.org>\n"
            + body)


def attachment_50mb():
    # the original carries a 50 MB base64 attachment
    raw = os.urandom(3 * 1024 * 1024)
    b64 = base64.encodebytes(raw).decode("ascii")
    inner = ("MIME-Version: 1.0\n"
             "Content-Type: multipart/mixed; boundary=\"in\"\n\n"
             "--in\nContent-Type: text/plain\n\nHello.\n\n"
             "--in\nContent-Type: application/octet-stream\n"
             "Content-Transfer-Encoding: base64\n"
             "Content-Disposition: attachment; filename=\"big.bin\"\n\n")
    parts = [head("b1"), status_part("b1"), original("b1", inner)]
    size = sum(len(p) for p in parts)
    body = []
    while size < 50 * 1024 * 1024:
        body.append(b64)
        size += len(b64)
    parts += body
    parts.append("\n--in--\n\n--b1--\n")
    return "".join(parts)


def attachment_50mb_first():
    # the same original before the report: the attachment is read first
    msg = attachment_50mb()
    start = msg.index("--b1\nContent-Type: message/delivery-status")
    end = msg.index("--b1\nContent-Type: message/rfc822")
    status = msg[start:end]
    msg = msg[:start] + msg[end:]
    return msg.replace("\n--b1--\n", "\n" + status + "--b1--\n")


def recipients_10000():
    rcpts = [RCPT] + [f"user{i:05d}@example.com" for i in range(1, 10000)]
    return head("b1") + status_part("b1", rcpts) + "--b1--\n"


def nested_200():
    # 200 multipart/mixed levels, the report innermost
    depth = 200
    msg = head("b0", extra="")
    msg = msg.replace("multipart/report; report-type=delivery-status",
                      "multipart/mixed")
    for i in range(1, depth):
        msg += (f"--b{i - 1}\nContent-Type: multipart/mixed; "
                f"boundary=\"b{i}\"\n\n")
    msg += (f"--b{depth - 1}\nContent-Type: multipart/report; "
            f"report-type=delivery-status; boundary=\"r\"\n\n")
    msg += status_part("r") + "--r--\n"
    for i in range(depth - 1, -1, -1):
        msg += f"--b{i}--\n"
    return msg


def header_line_1mb():
    # one unfolded 1 MB header line before the report
    extra = "X-Long: " + "x" * (1024 * 1024) + "\n"
    return head("b1", extra=extra) + status_part("b1") + "--b1--\n"


def nul_bytes():
    msg = head("b1", extra="X-Nul: a\0b\0c\n") + status_part("b1")
    msg += original("b1", "\nline with \0 a NUL\n\0\0\0\n" * 1000)
    return msg + "--b1--\n"


def bad_charsets():
    # undeclared and unknown charsets, invalid UTF-8 in every field
    bad = "\udcff\udcfe\udcc3(\udce2\udc82"
    return (
        "From: =?x-unknown?B?//79?= <MAILER-DAEMON@mx.example.net>\n"
        "To: sender@example.org\n"
        f"Subject: =?utf-8?Q?=C3=28=E2=82?= Undelivered {bad}\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=delivery-status;\n"
        "\tboundary=\"b1\"\n\n"
        "--b1\nContent-Type: text/plain; charset=x-no-such-charset\n"
        "Content-Transfer-Encoding: quoted-printable\n\n"
        f"The mail system =FF=FE=C3=28 {bad}\n\n"
        "--b1\nContent-Type: text/plain; charset=utf-8\n\n"
        f"{bad * 1000}\n\n"
        "--b1\nContent-Type: text/plain; charset=iso-2022-jp\n\n"
        "\x1b$B\x1b(B\x1b$B%\x1b(B broken escapes\n\n"
        "--b1\nContent-Type: message/delivery-status; charset=bogus\n\n"
        f"Reporting-MTA: dns; mx.example.net{bad}\n\n"
        f"Final-Recipient: rfc822; {RCPT}\n"
        "Action: failed\n"
        "Status: 5.1.1\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 User unknown {bad}\n\n"
        "--b1--\n")


def truncated_dsn():
    # cut in the middle of the second recipient's fields: no closing
    # boundary, no final newline
    msg = head("b1") + status_part("b1", (RCPT, "other@example.com"))
    return msg[:msg.index("other@example.com") + 40]


def fields_100000():
    fields = "".join(f"X-F{i}: v\n" for i in range(100000))
    return head("b1") + status_part("b1", extra_fields=fields) + "--b1--\n"


MESSAGES = {
    "attachment-50mb": attachment_50mb,
    "attachment-50mb-first": attachment_50mb_first,
    "recipients-10000": recipients_10000,
    "nested-200": nested_200,
    "header-line-1mb": header_line_1mb,
    "nul-bytes": nul_bytes,
    "bad-charsets": bad_charsets,
    "truncated-dsn": truncated_dsn,
    "fields-100000": fields_100000,
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, make in MESSAGES.items():
        with open(os.path.join(out, name + ".eml"), "wb") as f:
            f.write(make().encode("utf-8", "surrogateescape"))


if __name__ == "__main__":
    main()
