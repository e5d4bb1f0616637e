#!/usr/bin/env python3
"""Score bounce-classify output against the hand labels of tests/corpus.

usage: score.py [--labels FILE] [--floors FILE] [-v] OUTPUT.tsv

OUTPUT.tsv is what `bounce-classify --format=tsv` printed for the messages
under tests/corpus: file, index, recipient, type, category, code, status,
reply, action, diagnostic. A message is known by the last two components of
its path (SOURCE/FILE, with bounce-classify's ":N" for the Nth message of an
mbox), as in the first column of labels.tsv (see README there).

Prints, over the labelled messages:
  failed recipients found   labelled failed addresses (bounces, complaints)
                            that the classifier printed
  bounces detected          bounces given a type but none, and a category
                            that is not a reply's (auto-reply, ...)
  type agrees               label rows whose printed type is one the label
                            accepts
  category agrees           the same for the category
  non-bounces given hard/soft/complaint
                            delays, success notices, auto-replies, ordinary
                            and list mail a list manager would act on
  addresses not failed      addresses printed for a bounce that are not among
                            its failed recipients (the list's, the daemon's)
and a last line "score: ...". With -v, lists every miss.

With --floors FILE (lines "NAME MIN" or "NAME max MAX"), exits 1 when a
count falls below its floor or rises above its ceiling; otherwise exit 0
(it measures). Exit 2 on unusable input.
"""
import os
import sys
from collections import defaultdict

COLS = ['file', 'index', 'recipient', 'type', 'category', 'code', 'status',
        'reply', 'action', 'diagnostic']
FAILURES = {'bounce', 'complaint'}
KINDS = FAILURES | {'delay', 'delivered', 'auto-reply', 'challenge',
                    'notice', 'mdn', 'ordinary', 'list'}
ACTIONABLE = {'hard', 'soft', 'complaint'}
# what a bounce is not, though it has a type other than none
NOT_FAILURES = {'auto-reply', 'challenge-response', 'unsubscribe', 'delivered'}


def key_of(path):
    """SOURCE/FILE[:N] of a path as bounce-classify prints it."""
    parts = [p for p in path.split('/') if p]
    return '/'.join(parts[-2:])


def alternatives(field):
    """A label field's accepted values; '-' stands for the empty value."""
    return {'' if v == '-' else v for v in field.split('|')}


def read_labels(path):
    labels = defaultdict(list)
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if not line or line.startswith('#'):
                continue
            cols = line.split('\t')
            if len(cols) != 7:
                raise ValueError(f'{path}:{n}: expected 7 columns, got {len(cols)}')
            file, rcpt, typ, cat, code, kind, why = cols
            if kind not in KINDS:
                raise ValueError(f'{path}:{n}: unknown kind "{kind}"')
            labels[file].append({
                'line': n, 'recipient': alternatives(rcpt.lower()) if rcpt else set(),
                'types': alternatives(typ), 'categories': alternatives(cat),
                'code': code, 'kind': kind, 'why': why,
            })
    return labels


def read_output(path):
    out = defaultdict(list)
    with open(path, newline='', encoding='utf-8', errors='replace') as f:
        for n, line in enumerate(f, 1):
            parts = line.rstrip('\n').split('\t')
            if len(parts) < 5:
                raise ValueError(f'{path}:{n}: expected 10 tab-separated columns')
            parts += [''] * (len(COLS) - len(parts))
            row = dict(zip(COLS, parts))
            row['recipient'] = row['recipient'].lower()
            out[key_of(row['file'])].append(row)
    return out


def matching_row(label, rows, single):
    """The printed row a label row is judged by: the one naming its
    address, else (a message of one label row, or a label naming no
    address) the row naming none, else the first."""
    for r in rows:
        if r['recipient'] and r['recipient'] in label['recipient']:
            return r
    if single or not label['recipient']:
        return next((r for r in rows if not r['recipient']),
                    rows[0] if rows else None)
    return None


def score(labels, out):
    c = defaultdict(int)
    miss = defaultdict(list)
    for file in sorted(labels):
        rows_l = labels[file]
        rows_o = out.get(file, [])
        kind = rows_l[0]['kind']
        if not rows_o:
            c['unclassified'] += 1
            miss['not classified'].append(file)
        failure = kind in FAILURES
        if kind == 'bounce':
            c['bounces'] += 1
            if any(r['type'] != 'none' and r['category'] not in NOT_FAILURES
                   for r in rows_o):
                c['detected'] += 1
            else:
                miss['bounce not detected'].append(file)
        if not failure:
            c['non_bounces'] += 1
            acted = [r for r in rows_o if r['type'] in ACTIONABLE]
            if acted:
                c['false_bounces'] += 1
                miss['non-bounce given hard/soft/complaint'].append(
                    f"{file} ({kind}): " + ', '.join(
                        f"{r['recipient'] or '-'} {r['type']}/{r['category']}" for r in acted))
        wanted = set()
        for lab in rows_l:
            wanted |= lab['recipient']
            got = ','.join(r['recipient'] or '-' for r in rows_o) or 'nothing'
            if failure and lab['recipient']:
                c['rcpt_total'] += 1
                if any(r['recipient'] in lab['recipient'] for r in rows_o):
                    c['rcpt_found'] += 1
                else:
                    miss['failed recipient not found'].append(
                        f"{file}: want {'|'.join(sorted(lab['recipient']))}, got {got}")
            row = matching_row(lab, rows_o, len(rows_l) == 1)
            c['rows'] += 1
            t = row['type'] if row else '(no row)'
            k = row['category'] if row else '(no row)'
            who = '|'.join(sorted(lab['recipient'])) or '-'
            if row and t in lab['types']:
                c['type_ok'] += 1
            else:
                miss['type differs'].append(
                    f"{file} {who} ({kind}): want {'|'.join(sorted(lab['types']))}, got {t}")
            if row and k in lab['categories']:
                c['cat_ok'] += 1
            else:
                miss['category differs'].append(
                    f"{file} {who} ({kind}): want {'|'.join(sorted(x or '-' for x in lab['categories']))}, got {k or '-'}")
        if failure:
            for r in rows_o:
                if r['recipient'] and r['recipient'] not in wanted:
                    c['not_failed'] += 1
                    miss['address printed that did not fail'].append(
                        f"{file}: {r['recipient']} {r['type']}/{r['category']}")
    unlabelled = sorted(set(out) - set(labels))
    c['unlabelled'] = len(unlabelled)
    for f in unlabelled:
        miss['message without a label'].append(f)
    c['messages'] = len(labels)
    return c, miss


def pct(a, b):
    return 100.0 * a / b if b else 0.0


# name in the floors file -> (count, total) in the score
MEASURES = {
    'recipients_found': ('rcpt_found', 'rcpt_total'),
    'bounces_detected': ('detected', 'bounces'),
    'type_agrees': ('type_ok', 'rows'),
    'category_agrees': ('cat_ok', 'rows'),
    'false_bounces': ('false_bounces', 'non_bounces'),
    'addresses_not_failed': ('not_failed', None),
    'unlabelled': ('unlabelled', None),
    'unclassified': ('unclassified', None),
}


def check_floors(path, c):
    failed = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            words = line.split('#', 1)[0].split()
            if not words:
                continue
            name = words[0]
            if name not in MEASURES:
                raise ValueError(f'{path}: unknown measure "{name}"')
            have = c[MEASURES[name][0]]
            if len(words) == 3 and words[1] == 'max':
                if have > int(words[2]):
                    failed.append(f'{name} {have} is above its ceiling {words[2]}')
            elif len(words) == 2:
                if have < int(words[1]):
                    failed.append(f'{name} {have} is below its floor {words[1]}')
            else:
                raise ValueError(f'{path}: "{line.strip()}" is not "NAME MIN" or "NAME max MAX"')
    return failed


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    labels_path = os.path.join(here, 'labels.tsv')
    floors = None
    verbose = False
    args = []
    it = iter(argv)
    for a in it:
        if a == '--labels':
            labels_path = next(it, None)
        elif a == '--floors':
            floors = next(it, None)
        elif a in ('-v', '--verbose'):
            verbose = True
        else:
            args.append(a)
    if len(args) != 1 or labels_path is None or (floors is None and '--floors' in argv):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        labels = read_labels(labels_path)
        out = read_output(args[0])
        c, miss = score(labels, out)
        failed = check_floors(floors, c) if floors else []
    except (OSError, ValueError) as e:
        print(f'score.py: {e}', file=sys.stderr)
        return 2
    n_bounce = sum(1 for v in labels.values() if v[0]['kind'] == 'bounce')
    print(f"messages {c['messages']} ({n_bounce} bounces, "
          f"{c['messages'] - c['non_bounces'] - n_bounce} complaints, "
          f"{c['non_bounces']} non-bounces), label rows {c['rows']}")
    print(f"failed recipients found  {c['rcpt_found']}/{c['rcpt_total']} ({pct(c['rcpt_found'], c['rcpt_total']):.1f}%)")
    print(f"bounces detected         {c['detected']}/{c['bounces']} ({pct(c['detected'], c['bounces']):.1f}%)")
    print(f"type agrees              {c['type_ok']}/{c['rows']} ({pct(c['type_ok'], c['rows']):.1f}%)")
    print(f"category agrees          {c['cat_ok']}/{c['rows']} ({pct(c['cat_ok'], c['rows']):.1f}%)")
    print(f"non-bounces given hard/soft/complaint  {c['false_bounces']}/{c['non_bounces']}")
    print(f"addresses printed that did not fail    {c['not_failed']}")
    if c['unlabelled'] or c['unclassified']:
        print(f"messages without a label {c['unlabelled']}, labelled but not classified "
              f"{c['unclassified']}")
    if verbose:
        for k, v in miss.items():
            if v:
                print(f'--- {k} ({len(v)})')
                for m in v:
                    print('  ' + m)
    print(f"score: recipients={pct(c['rcpt_found'], c['rcpt_total']):.1f}% "
          f"detected={pct(c['detected'], c['bounces']):.1f}% "
          f"type={pct(c['type_ok'], c['rows']):.1f}% "
          f"category={pct(c['cat_ok'], c['rows']):.1f}% "
          f"false_bounces={c['false_bounces']} not_failed={c['not_failed']}")
    for f in failed:
        print(f'FAIL: {f}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
