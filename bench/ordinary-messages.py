#!/usr/bin/env python3
"""Writes the ordinary (non-bounce) messages the ordinary-mail benchmark
delivers, the same bytes every time:
  plain-3k.eml        a person's 3 kB plain-text message
  newsletter-80k.eml  an 80 kB HTML newsletter (multipart/alternative,
                      quoted-printable, list headers)
  attachment-4m.eml   a 4 MB message with a base64 PDF attachment
  reply-3k.eml        a person's 3 kB reply (In-Reply-To, References,
                      "Re:", the message quoted), which the screen lets
                      through: an automatic reply need not say it is one
usage: ordinary-messages.py DIR"""

import base64
import os
import random
import sys

WORDS = ("the of and to in is that for it as was with be by on not he this "
         "are or his from at which but have an they you were her she there "
         "one all we their can has been more if will would about so what "
         "when who them some could time into only other new these two may "
         "first then do any like my now over such our man me even most made "
         "after also did many before must through back years where much "
         "your way well down should because each just those people meeting "
         "report budget quarter project schedule review draft team office "
         "week monday friday invoice delivery order customer product").split()


def text(rnd, size, width=72):
    """Lines of words up to size bytes."""
    lines, line, total = [], [], 0
    while total < size:
        word = rnd.choice(WORDS)
        if sum(len(w) + 1 for w in line) + len(word) > width:
            lines.append(" ".join(line))
            total += len(lines[-1]) + 1
            line = []
            if rnd.random() < 0.15:
                lines.append("")
                total += 1
        line.append(word)
    return "\n".join(lines) + "\n"


def qp(body):
    """Quoted-printable, soft line breaks at 76."""
    out = []
    for line in body.split("\n"):
        enc = ""
        for ch in line:
            c = ord(ch)
            enc += ch if (33 <= c <= 126 and ch != "=") or ch == " " \
                else "=%02X" % c
        while len(enc) > 75:
            cut = 75
            if "=" in enc[72:75]:
                cut = enc.rfind("=", 72, 75)
            out.append(enc[:cut] + "=")
            enc = enc[cut:]
        out.append(enc)
    return "\n".join(out)


def received(rnd, n):
    hops = []
    for i in range(n):
        hops.append(
            "Received: from mx%d.example.net (mx%d.example.net [192.0.2.%d])\n"
            "\tby mail.example.org (Postfix) with ESMTPS id %X\n"
            "\tfor <user@example.org>; Tue, 1 Dec 2026 09:%02d:%02d +0000 (UTC)"
            % (i, i, 10 + i, rnd.getrandbits(40), 10 + i, rnd.randrange(60)))
    return "\n".join(hops)


def dkim(rnd, domain):
    sig = base64.b64encode(rnd.randbytes(256)).decode()
    return ("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s;\n"
            "\ts=sel1; t=1796115600; h=from:to:subject:date:message-id;\n"
            "\tbh=%s;\n\tb=%s\n\t %s"
            % (domain, base64.b64encode(rnd.randbytes(32)).decode(),
               sig[:60], sig[60:]))


def plain(rnd):
    body = text(rnd, 1900)
    return (received(rnd, 3) + "\n" + dkim(rnd, "example.net") + "\n"
            "From: Alice Example <alice@example.net>\n"
            "To: Bob User <user@example.org>\n"
            "Subject: Minutes of Monday's project meeting\n"
            "Date: Tue, 1 Dec 2026 09:12:00 +0000\n"
            "Message-ID: <20261201091200.4242@example.net>\n"
            "MIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=utf-8; format=flowed\n"
            "Content-Transfer-Encoding: 8bit\n"
            "\n" + body)


def reply(rnd):
    quoted = "".join("> " + line + "\n"
                     for line in text(rnd, 1200).splitlines())
    return (received(rnd, 3) + "\n" + dkim(rnd, "example.net") + "\n"
            "From: Alice Example <alice@example.net>\n"
            "To: Bob User <user@example.org>\n"
            "Subject: Re: Minutes of Monday's project meeting\n"
            "Date: Tue, 1 Dec 2026 11:40:00 +0000\n"
            "Message-ID: <20261201114000.5151@example.net>\n"
            "In-Reply-To: <20261201101500.777@example.org>\n"
            "References: <20261201091200.4242@example.net>\n"
            " <20261201101500.777@example.org>\n"
            "MIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=utf-8; format=flowed\n"
            "Content-Transfer-Encoding: 8bit\n"
            "\n" + text(rnd, 700) + "\n\nOn Tue, 1 Dec 2026, Bob User wrote:\n"
            + quoted)


def newsletter(rnd):
    boundary = "b1_%032x" % rnd.getrandbits(128)
    plain_body = text(rnd, 14000)
    html = ["<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
            "<title>December offers</title><style>"
            "td{font-family:Arial,sans-serif;font-size:14px;color:#333}"
            "</style></head><body><table width=\"600\" align=\"center\">"]
    while sum(len(x) for x in html) < 62000:
        html.append("<tr><td style=\"padding:12px 24px;line-height:20px\">"
                    "<h2 style=\"margin:0 0 8px 0\">%s</h2><p>%s</p>"
                    "<a href=\"https://shop.example.com/p/%d?utm_source="
                    "newsletter&amp;utm_medium=email\">Read more</a>"
                    "</td></tr>\n"
                    % (" ".join(rnd.choice(WORDS) for _ in range(5)),
                       text(rnd, 400, 400).strip(), rnd.randrange(10**6)))
    html.append("</table></body></html>\n")
    return (received(rnd, 2) + "\n" + dkim(rnd, "shop.example.com") + "\n"
            "From: Example Shop <news@shop.example.com>\n"
            "Reply-To: support@shop.example.com\n"
            "To: user@example.org\n"
            "Subject: Our December offers are here\n"
            "Date: Tue, 1 Dec 2026 08:00:00 +0000\n"
            "Message-ID: <nl-20261201.77.user=example.org@shop.example.com>\n"
            "List-Id: Example Shop news <news.shop.example.com>\n"
            "List-Unsubscribe: <https://shop.example.com/u/77f1a9>,\n"
            " <mailto:unsubscribe-77f1a9@shop.example.com>\n"
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n"
            "Precedence: bulk\n"
            "Feedback-ID: 77:news:shop.example.com\n"
            "MIME-Version: 1.0\n"
            "Content-Type: multipart/alternative; boundary=\"%s\"\n"
            "\n--%s\n"
            "Content-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: quoted-printable\n\n%s\n"
            "--%s\n"
            "Content-Type: text/html; charset=utf-8\n"
            "Content-Transfer-Encoding: quoted-printable\n\n%s\n"
            "--%s--\n"
            % (boundary, boundary, qp(plain_body), boundary,
               qp("".join(html)), boundary))


def attachment(rnd):
    boundary = "=_%032x" % rnd.getrandbits(128)
    data = base64.encodebytes(b"%PDF-1.7\n" + rnd.randbytes(3000000)).decode()
    return (received(rnd, 3) + "\n" + dkim(rnd, "example.net") + "\n"
            "From: Alice Example <alice@example.net>\n"
            "To: Bob User <user@example.org>\n"
            "Subject: The signed contract\n"
            "Date: Tue, 1 Dec 2026 10:30:00 +0000\n"
            "Message-ID: <20261201103000.4343@example.net>\n"
            "MIME-Version: 1.0\n"
            "Content-Type: multipart/mixed; boundary=\"%s\"\n"
            "\n--%s\n"
            "Content-Type: text/plain; charset=utf-8\n\n%s\n"
            "--%s\n"
            "Content-Type: application/pdf; name=\"contract.pdf\"\n"
            "Content-Disposition: attachment; filename=\"contract.pdf\"\n"
            "Content-Transfer-Encoding: base64\n\n%s"
            "--%s--\n"
            % (boundary, boundary, text(rnd, 600), boundary, data,
               boundary))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for name, make in (("plain-3k.eml", plain),
                       ("newsletter-80k.eml", newsletter),
                       ("attachment-4m.eml", attachment),
                       ("reply-3k.eml", reply)):
        with open(os.path.join(sys.argv[1], name), "w") as f:
            f.write(make(random.Random(name)))


main()
