#!/usr/bin/env python3
"""The LMTP side of bench/lmtp-bench.sh: delivers N messages over C
connections to each of two Dovecot LMTP sockets (A and B), in turns (A
first in even rounds, B first in odd ones), and prints per round the
wall time and the CPU time the daemons' processes used, then a summary.

usage: lmtp-client.py [--from SENDER] N CONNECTIONS ROUNDS
                      SOCKET_A PIDFILE_A RESET_A SOCKET_B PIDFILE_B RESET_B
                      MESSAGE...
Each MESSAGE is "RCPT_A RCPT_B PATH": the message is delivered to RCPT_A
through A and to RCPT_B through B. Messages are taken in turn, N in all.
RESET_A and RESET_B are colon-separated directories (or files) moved
aside before each of that side's runs (the mailboxes, the feed spool,
the state dict), so that every run delivers into mailboxes of the same
size and starts from the same state. The envelope sender is SENDER,
by default the null return path a notification comes with (ordinary mail
comes from an address: a null sender would mark it as a notification).

Each delivery is a notification of its own, as the bounces a mailbox
receives are: the message gets a Message-ID made from the run and the
delivery's number (the one it had is renamed), so that A counts it and
writes its feed record instead of finding it counted by an earlier run
(a repeat, which counts and writes nothing). A and B are given the same
bytes.
"""

import os
import re
import smtplib
import stat
import statistics
import sys
import threading
import time

TICKS = os.sysconf("SC_CLK_TCK")


def daemon_cpu(pidfile):
    """CPU seconds (user + system) of the master named in pidfile and
    of every process under it, as far as they are alive."""
    master = int(open(pidfile).read().split()[0])
    children, cpu = {}, {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(pid))
        cpu[int(pid)] = (int(fields[11]) + int(fields[12])) / TICKS
    total, todo = 0.0, [master]
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0.0)
        todo.extend(children.get(pid, []))
    return total


def reset(dirs, run_id):
    """Moves each of dirs aside (within its directory: the same file
    system), a directory replaced by an empty one of the same owner and
    mode. Nothing is deleted while the runs go on: on ext4 without a
    journal, creating a file walks past every inode of its block group
    freed within the last minute or more (recently_deleted()), so the
    previous run's thousands of deleted files would tax each file the
    next run creates, more where more of them lie in one group. The
    moved files go with the temporary directory after the last run."""
    for d in dirs.split(":"):
        if not d or not os.path.lexists(d):
            continue
        st = os.lstat(d)
        os.rename(d, "%s.old.%d" % (d, run_id))
        if stat.S_ISDIR(st.st_mode):
            os.mkdir(d)
            os.chown(d, st.st_uid, st.st_gid)
            os.chmod(d, stat.S_IMODE(st.st_mode))


MESSAGE_ID = re.compile(rb"^message-id:", re.I | re.M)
runs = 0


def fresh(data, run_id, i):
    """The message with a Message-ID of its own; the one in its header
    (not in a returned message) renamed."""
    blank = re.search(rb"\r?\n\r?\n", data)
    end = blank.start() if blank else len(data)
    eol = b"\r\n" if data[:end].find(b"\r\n") >= 0 else b"\n"
    head = MESSAGE_ID.sub(b"X-Bench-Message-ID:", data[:end])
    return (b"Message-ID: <%d.%d@lmtp-bench.invalid>%s" % (run_id, i, eol)
            + head + data[end:])


def run(sock, which, n, conns, msgs, sender):
    global runs
    errors = []
    runs += 1
    run_id = runs

    def worker(k):
        try:
            lmtp = smtplib.LMTP(sock, timeout=60)
            for i in range(k, n, conns):
                rcpt_a, rcpt_b, data = msgs[i % len(msgs)]
                rcpt = rcpt_a if which == "A" else rcpt_b
                refused = lmtp.sendmail(sender, [rcpt],
                                        fresh(data, run_id, i))
                if refused:
                    errors.append(refused)
            lmtp.quit()
        except (OSError, smtplib.SMTPException) as e:
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,))
               for k in range(conns)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - start
    if errors:
        sys.exit("LMTP delivery through %s failed: %s" % (which, errors[0]))
    return wall


def main():
    args = sys.argv[1:]
    sender = ""
    if args[:1] == ["--from"] and len(args) > 1:
        sender = args[1]
        args = args[2:]
    if len(args) < 10:
        sys.exit(__doc__)
    n, conns, rounds = (int(x) for x in args[0:3])
    sock = {"A": args[3], "B": args[6]}
    pidfile = {"A": args[4], "B": args[7]}
    resets = {"A": args[5], "B": args[8]}
    msgs = []
    for spec in args[9:]:
        rcpt_a, rcpt_b, path = spec.split(" ", 2)
        with open(path, "rb") as f:
            msgs.append((rcpt_a, rcpt_b, f.read()))

    # warm up: every folder created (over one connection: deliveries
    # creating one folder at once may fail), the rules cache written,
    # every process started
    for which in "AB":
        run(sock[which], which, len(msgs), 1, msgs, sender)
        run(sock[which], which, conns * 10, conns, msgs, sender)

    wall = {"A": [], "B": []}
    cpu = {"A": [], "B": []}
    for r in range(rounds):
        for which in ("AB" if r % 2 == 0 else "BA"):
            reset(resets[which], r)
            before = daemon_cpu(pidfile[which])
            wall[which].append(run(sock[which], which, n, conns, msgs,
                                   sender))
            cpu[which].append(daemon_cpu(pidfile[which]) - before)
        print("round %d: A %.2f s (CPU %.2f s), B %.2f s (CPU %.2f s)"
              % (r + 1, wall["A"][-1], cpu["A"][-1], wall["B"][-1],
                 cpu["B"][-1]), file=sys.stderr)

    def med(x):
        return statistics.median(x)

    rate = {w: n / med(wall[w]) for w in "AB"}
    cpu_ms = {w: med(cpu[w]) * 1000 / n for w in "AB"}
    ratios = [a / b for a, b in zip(wall["A"], wall["B"])]
    cpu_ratios = [a / b for a, b in zip(cpu["A"], cpu["B"])]
    print("%d %d %d %.1f %.1f %.3f %.3f %.3f %.3f %.3f %.3f %.3f %.3f" % (
        n, conns, rounds, rate["A"], rate["B"], cpu_ms["A"], cpu_ms["B"],
        med(wall["A"]) / med(wall["B"]), min(ratios), max(ratios),
        med(cpu["A"]) / med(cpu["B"]), min(cpu_ratios), max(cpu_ratios)))


main()
