#!/usr/bin/env python3
"""The state of N addresses, written straight into a store for
bench/state-bench.sh (a million through deliveries would take hours):
what deliveries would have left, in the store's own format.

  state-fill.py file N USER DICT-FILE      the file dict's file
  state-fill.py sqlite N USER DATABASE     rows added to the tables
  state-fill.py pgsql N USER               COPY statements, on stdout
  state-fill.py redis N USER               Redis commands for redis-cli
                                           --pipe, on stdout

Addresses s0@example.org .. s(N-1)@example.org: one in four returned by a
hard bounce, the others with one or two soft bounces on days within the
30-day window (one more returns those with two); and a notification
record for one address in ten (kept for a month: the table's size with a
bounce a month for every tenth address)."""

import sys
import time

DAY = 24 * 3600


def rows(n, now):
    """(kind, key parts, value) of every key: kind 'state' (address,
    name), 'soft' (address, day, count, last_time) or 'seen' (kind,
    name)"""
    today = now // DAY
    for i in range(n):
        addr = 's%d@example.org' % i
        if i % 4 == 0:
            yield ('state', addr, 'returned',
                   '%d 550 5.1.1 user unknown' % (now - (i % 300) * DAY))
            continue
        days = [today - 1 - i % 28]
        if i % 4 == 3:
            days.append(days[0] - 1)
        for day in days:
            yield ('soft', addr, day, 1, day * DAY + 3600)
        yield ('state', addr, 'soft-last', str(days[0]))
        if i % 10 == 1:
            yield ('seen', 'n', '%032x' % (i * 2654435761),
                   '1\t%d.000000\t%s\tactive\t%d\t' %
                   (days[0] * DAY + 3600, addr, len(days)))


def keys(n, user, now):
    """(key without "shared/", value) of every row"""
    for row in rows(n, now):
        if row[0] == 'state':
            yield ('bounce-state/%s/%s/%s' % (user, row[1], row[2]), row[3])
        elif row[0] == 'soft':
            prefix = 'bounce-state/%s/%s/' % (user, row[1])
            yield ('%ssoft/%d' % (prefix, row[2]), str(row[3]))
            yield ('%ssoft-time/%d' % (prefix, row[2]), str(row[4]))
        else:
            yield ('bounce-seen/%s/%s/%s' % (user, row[1], row[2]), row[3])


def fill_file(n, user, path, now):
    # the file dict's format: a key's line, then its value's
    with open(path, 'w', encoding='utf-8') as f:
        for key, value in keys(n, user, now):
            f.write('shared/%s\n%s\n' % (key, value.replace('\t', '\001t')))


def fill_sqlite(n, user, path, now):
    import sqlite3
    db = sqlite3.connect(path)
    state, soft, seen = [], [], []
    for row in rows(n, now):
        if row[0] == 'state':
            state.append((user, row[1], row[2], row[3]))
        elif row[0] == 'soft':
            soft.append((user, row[1], row[2], row[3], row[4]))
        else:
            seen.append((user, row[1], row[2], row[3]))
    with db:
        db.executemany('INSERT INTO bounce_state VALUES (?, ?, ?, ?)', state)
        db.executemany('INSERT INTO bounce_soft VALUES (?, ?, ?, ?, ?)', soft)
        db.executemany('INSERT INTO bounce_seen VALUES (?, ?, ?, ?)', seen)
    db.execute('ANALYZE')
    db.close()


def copy_text(value):
    return (str(value).replace('\\', '\\\\').replace('\t', '\\t')
            .replace('\n', '\\n'))


def fill_pgsql(n, user, now):
    out = sys.stdout
    for table, kind in (('bounce_state', 'state'), ('bounce_soft', 'soft'),
                        ('bounce_seen', 'seen')):
        out.write('COPY %s FROM STDIN;\n' % table)
        for row in rows(n, now):
            if row[0] == kind:
                out.write('\t'.join(copy_text(v)
                                    for v in (user,) + row[1:]) + '\n')
        out.write('\\.\n')
    out.write('VACUUM ANALYZE;\n')


def fill_redis(n, user, now):
    out = sys.stdout.buffer
    for key, value in keys(n, user, now):
        parts = [b'SET', key.encode(), value.encode()]
        out.write(b'*%d\r\n' % len(parts))
        for part in parts:
            out.write(b'$%d\r\n%s\r\n' % (len(part), part))


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    store, n, user = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    now = int(time.time())
    if store == 'file':
        fill_file(n, user, sys.argv[4], now)
    elif store == 'sqlite':
        fill_sqlite(n, user, sys.argv[4], now)
    elif store == 'pgsql':
        fill_pgsql(n, user, now)
    elif store == 'redis':
        fill_redis(n, user, now)
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
