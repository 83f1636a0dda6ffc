#!/usr/bin/env python3
"""Cross-check lakeconv's gen_events.py against the shared reference generator.

    python3 compare_with_reference.py                 # 50 MB, seed 42
    python3 compare_with_reference.py --mb 20 --seed 7 --keep /tmp/cmp

Generates --mb MB with both generators (same seed), computes summary statistics of
each file and prints them side by side.  Exits 1 if any statistic is outside its
tolerance, 0 if all agree.  The reference is looked for at
<repo>/../shared/datagen/gen_events.py (override with --reference); when it is not
there the script prints "reference not present, skipped" and exits 0.

The two generators use different vocabularies and random streams, so the files
differ byte for byte; what must agree is the record shape and the distributions.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OURS = HERE / 'gen_events.py'
DEFAULT_REFERENCE = HERE.parents[1].parent / 'shared' / 'datagen' / 'gen_events.py'
TWO_53 = 1 << 53
MSG_KEY = b',"message":"'


def summarize(path):
    """One pass over an NDJSON file; returns {statistic: value}."""
    n = 0
    nbytes = 0
    null_amt = int_amt = ref = non_ascii = escapes = big_uid = 0
    qty1 = mobile = tags = late = 0
    msg_chars = 0
    msg_min, msg_max = 10 ** 9, 0
    sources, etypes, countries, sessions, users, devices, dates = (
        {}, {}, {}, set(), set(), set(), set())
    key_orders = set()
    prev_time = ''
    tmin, tmax = '9999', ''
    with open(path, 'rb') as f:
        for line in f:
            n += 1
            nbytes += len(line)
            o = json.loads(line)
            key_orders.add(tuple(o))
            a = o['amount']
            if a is None:
                null_amt += 1
            elif type(a) is int:
                int_amt += 1
            if 'referrer' in o:
                ref += 1
            raw = line[line.rindex(MSG_KEY) + len(MSG_KEY):-3]      # as written
            if not raw.isascii():
                non_ascii += 1
            if b'\\' in raw:
                escapes += 1
            c = len(raw.decode('utf-8'))
            msg_chars += c
            msg_min = min(msg_min, c)
            msg_max = max(msg_max, c)
            s = o['source']
            sources[s] = sources.get(s, 0) + 1
            e = o['event_type']
            etypes[e] = etypes.get(e, 0) + 1
            cc = o['country']
            countries[cc] = countries.get(cc, 0) + 1
            sessions.add(o['session_id'])
            u = o['user_id']
            users.add(u)
            if u > TWO_53:
                big_uid += 1
            d = o['device']
            devices.add((d['os'], d['version'], d['screen']['w'], d['screen']['h']))
            t = o['event_time']
            dates.add(t[:10])
            if t < prev_time:
                late += 1
            prev_time = t
            tmin = min(tmin, t)
            tmax = max(tmax, t)
            qty1 += o['quantity'] == 1
            mobile += o['is_mobile'] is True
            tags += len(o['tags'])
    n1 = max(n, 1)
    return {
        'records': n,
        'mean record bytes': nbytes / n1,
        'amount null': null_amt / n1,
        'amount integer literal': int_amt / n1,
        'referrer present': ref / n1,
        'message non-ASCII': non_ascii / n1,
        'message with escapes': escapes / n1,
        'message mean chars': msg_chars / n1,
        'message min chars': msg_min,
        'message max chars': msg_max,
        'distinct sources': len(sources),
        'top source share': max(sources.values()) / n1,
        'distinct event types': len(etypes),
        'top event type share': max(etypes.values()) / n1,
        'distinct countries': len(countries),
        'top country share': max(countries.values()) / n1,
        'distinct sessions': len(sessions),
        'distinct user_ids': len(users),
        'user_id > 2^53': big_uid / n1,
        'distinct devices': len(devices),
        'is_mobile true': mobile / n1,
        'quantity == 1': qty1 / n1,
        'mean tags': tags / n1,
        'earlier than previous': late / n1,
        'first date': tmin[:10],
        'last date': tmax[:10],
        'distinct dates': len(dates),
        'key orders': len(key_orders),
    }


# statistic -> (kind, tolerance); kinds: rel (relative), abs, eq (equal), days, range
TOLERANCE = {
    'records': ('rel', 0.05),
    'mean record bytes': ('rel', 0.05),
    'amount null': ('rel', 0.10),
    'amount integer literal': ('rel', 0.10),
    'referrer present': ('rel', 0.10),
    'message non-ASCII': ('rel', 0.10),
    'message with escapes': ('rel', 0.10),
    'message mean chars': ('rel', 0.05),
    'message min chars': ('range', (20, 200)),
    'message max chars': ('range', (20, 200)),
    'distinct sources': ('eq', None),
    'top source share': ('rel', 0.10),
    'distinct event types': ('eq', None),
    'top event type share': ('rel', 0.10),
    'distinct countries': ('eq', None),
    'top country share': ('rel', 0.10),
    'distinct sessions': ('rel', 0.10),
    'distinct user_ids': ('rel', 0.10),
    'user_id > 2^53': ('rel', 0.10),
    'distinct devices': ('rel', 0.10),
    'is_mobile true': ('rel', 0.10),
    'quantity == 1': ('rel', 0.10),
    'mean tags': ('rel', 0.10),
    'earlier than previous': ('rel', 0.15),
    'first date': ('days', 0),
    'last date': ('days', 1),
    'distinct dates': ('abs', 1),
    'key orders': ('eq', None),
}


def check(name, ours, ref):
    kind, tol = TOLERANCE[name]
    if kind == 'rel':
        scale = max(abs(ours), abs(ref))
        return scale == 0 or abs(ours - ref) <= tol * scale, '±%g%%' % (tol * 100)
    if kind == 'abs':
        return abs(ours - ref) <= tol, '±%g' % tol
    if kind == 'eq':
        return ours == ref, 'equal'
    if kind == 'range':
        lo, hi = tol
        return lo <= ours <= hi and lo <= ref <= hi, 'in %d..%d' % (lo, hi)
    if kind == 'days':
        from datetime import date
        gap = abs((date.fromisoformat(ours) - date.fromisoformat(ref)).days)
        return gap <= tol, '±%d day' % tol if tol else 'equal'
    raise ValueError(kind)


def fmt(v):
    if isinstance(v, float):
        return '%.4f' % v if v < 1 else '%.2f' % v
    return str(v)


def generate(script, mb, seed, out):
    subprocess.run([sys.executable, str(script), '--mb', str(mb), '--seed', str(seed),
                    '--out', out], check=True, stderr=subprocess.DEVNULL)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--mb', default='50', help='size of each sample in MB (default 50)')
    ap.add_argument('--seed', type=int, default=42)
    ap.add_argument('--reference', default=str(DEFAULT_REFERENCE),
                    help='path of the reference gen_events.py')
    ap.add_argument('--keep', metavar='DIR', help='write the two samples to DIR and keep them')
    a = ap.parse_args(argv)
    if not os.path.isfile(a.reference):
        print('reference not present, skipped')
        return 0
    tmp = None
    if a.keep:
        os.makedirs(a.keep, exist_ok=True)
        d = a.keep
    else:
        tmp = tempfile.TemporaryDirectory(prefix='lakeconv-datagen-')
        d = tmp.name
    try:
        ours_f = os.path.join(d, 'ours.ndjson')
        ref_f = os.path.join(d, 'reference.ndjson')
        generate(OURS, a.mb, a.seed, ours_f)
        generate(a.reference, a.mb, a.seed, ref_f)
        ours, ref = summarize(ours_f), summarize(ref_f)
    finally:
        if tmp:
            tmp.cleanup()
    print('%s MB, seed %d; reference: %s' % (a.mb, a.seed, a.reference))
    print()
    rows = [('statistic', 'ours', 'reference', 'tolerance', 'ok')]
    bad = []
    for name in TOLERANCE:
        ok, tol = check(name, ours[name], ref[name])
        rows.append((name, fmt(ours[name]), fmt(ref[name]), tol, 'ok' if ok else 'FAIL'))
        if not ok:
            bad.append(name)
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for k, r in enumerate(rows):
        print('| ' + ' | '.join(c.ljust(w) for c, w in zip(r, widths)) + ' |')
        if k == 0:
            print('|' + '|'.join('-' * (w + 2) for w in widths) + '|')
    print()
    if bad:
        print('FAIL: %d statistic(s) out of tolerance: %s' % (len(bad), ', '.join(bad)))
        return 1
    print('OK: all %d statistics within tolerance' % len(TOLERANCE))
    return 0


if __name__ == '__main__':
    sys.exit(main())
