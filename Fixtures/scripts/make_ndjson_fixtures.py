#!/usr/bin/env python3
"""Write lakeconv's hand-made NDJSON test inputs into Fixtures/ndjson/ (deterministic).

    python3 Fixtures/scripts/make_ndjson_fixtures.py            # (re)write the files
    python3 Fixtures/scripts/make_ndjson_fixtures.py --check    # exit 1 if a file or a
                                                                # README table is stale
    python3 Fixtures/scripts/make_ndjson_fixtures.py --tables   # print the README tables

Files:
  events_sample.ndjson  1,000 records of Benchmarks/datagen/gen_events.py, seed 7
                        (the same bytes as `gen_events.py --rows 1000 --seed 7`)
  messy.ndjson          one hazard per line: blank lines, CRLF, BOM, malformed and
                        non-object lines, duplicate keys, schema drift, number edge cases,
                        escapes, lone surrogate, invalid UTF-8, truncated last line
  nested.ndjson         structs in lists in structs, lists of lists, null lists vs lists
                        of nulls, empty lists; every line is a valid record

messy.ndjson is written byte by byte (binary mode): it holds a BOM, CR bytes, invalid
UTF-8 and no newline after its last line on purpose.  The line tables in
Fixtures/README.md are printed by --tables from the same data, so they cannot drift
(--check compares them).
"""
import argparse
import io
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent
REPO = FIXTURES.parent
OUT_DIR = FIXTURES / 'ndjson'
README = FIXTURES / 'README.md'
DATAGEN = REPO / 'Benchmarks' / 'datagen'

LF, CRLF, NONE = b'\n', b'\r\n', b''
BOM = b'\xef\xbb\xbf'

# ------------------------------------------------------------------------------ messy
# (line bytes without ending, ending, what it tests, expected outcome)
# Expected outcomes: "row", "blank" (not a row, not a bad record), "bad: <reason>".
# "policy:" marks an outcome lakeconv must choose and document; the strict choice is
# given first.  Accounting invariant for any converter: rows + bad + blank == lines.
MESSY = [
    (BOM + b'{"id":1,"name":"alpha","score":10,"opt":null,"ts":"2021-03-01T00:00:00Z"}', LF,
     'UTF-8 BOM at file start; first record: `score` int, `opt` null, `ts` with `Z`',
     'row (BOM skipped)'),
    (b'{"id":2,"name":"beta","score":20,"opt":null,"ts":"2021-03-01T05:30:00+05:30"}', LF,
     'timestamp with `+05:30` offset (same instant as line 1)',
     'row'),
    (b'', LF,
     'empty line',
     'blank'),
    (b'{"id":3,"name":"gamma","score":30,"opt":null,"ts":"2021-03-01T00:00:01.500Z"}', CRLF,
     'CRLF line end; `Z` timestamp with milliseconds',
     'row (CR stripped)'),
    (b'   \t  ', LF,
     'whitespace-only line (spaces and a tab)',
     'blank'),
    (b'', CRLF,
     'empty line with CRLF (just `\\r`)',
     'blank'),
    (b'{"id":4,"name":"delta","score":40.5,"opt":"now a string","ts":"2021-03-01T06:00:00Z"}', CRLF,
     '`score` becomes a decimal (int column must widen to double); `opt` null so far, now a string; CRLF',
     'row (score: double 40.5; earlier scores 10.0, 20.0, 30.0)'),
    (b'{"id":5,"a":1,,}', LF,
     'malformed: double comma and trailing comma',
     'bad: syntax error'),
    (b'[{"id":6}]', LF,
     'top-level array',
     'bad: not an object'),
    (b'42', LF,
     'top-level scalar',
     'bad: not an object'),
    (b'null', LF,
     'top-level `null`',
     'bad: not an object'),
    (b'{"id":7,"name":"first","name":"second"}', LF,
     'duplicate key `name` in one object',
     'policy: bad: duplicate key; or row with last value wins (`name` = "second")'),
    (b'{"id":8,"late_field":"first seen on line 13"}', LF,
     'a key first appearing late; `name`, `score`... absent',
     'row (`late_field` null in all earlier rows; absent keys null)'),
    (b'{"id":9,"above_2_53":9007199254740993,"i64_max":9223372036854775807,'
     b'"i64_min":-9223372036854775808}', CRLF,
     'integers above 2^53 (2^53+1) and at int64 max/min; CRLF',
     'row (exact int64 values, no rounding through double)'),
    (b'{"id":10,"neg_zero":-0,"neg_zero_f":-0.0,"exp":1E2,"small":-1.5e-3}', LF,
     '`-0` (integer), `-0.0`, exponent forms',
     'row (neg_zero = 0 as int64; neg_zero_f = -0.0; exp = 100.0; small = -0.0015)'),
    (b'{"id":11,"beyond_i64":9223372036854775808,"beyond_u64":18446744073709551616}', LF,
     'integers beyond int64 (2^63) and beyond uint64 (2^64)',
     'policy: bad: integer out of int64 range; or row with a double column'),
    (b'{"id":12,"huge":1e400}', LF,
     '`1e400`: finite JSON number that overflows double',
     'policy: bad: number out of range; or row with +infinity'),
    (b'{"id":13,"text":"rocket \\ud83d\\ude80 e \\u00e9 zh \\u4e2d\\u6587 q \\" s \\/ b \\\\ c \\n\\t\\r"}', LF,
     'escapes: surrogate pair `\\ud83d\\ude80` (U+1F680), `\\u00e9`, `\\u4e2d\\u6587`, `\\"`, `\\/`, `\\\\`, `\\n`, `\\t`, `\\r`',
     'row (text = `rocket 🚀 e é zh 中文 q " s / b \\ c ` then LF, TAB, CR)'),
    (b'{"id":14,"text":"lone \\ud800 surrogate"}', LF,
     'lone high surrogate `\\ud800` (not a character; cannot be UTF-8)',
     'policy: bad: invalid string (lone surrogate); or row with U+FFFD'),
    (b'{"id":15,"text":"raw \xff\xfe bytes"}', LF,
     'raw invalid UTF-8 bytes 0xFF 0xFE inside a string',
     'bad: invalid UTF-8'),
    (b'{"id":16,"text":"cut \xe4\xb8 char"}', LF,
     'raw truncated UTF-8 sequence (0xE4 0xB8, 3-byte lead with 1 continuation)',
     'bad: invalid UTF-8'),
    ('{"id":17,"text":"naïve café 中文 テスト 🚀"}'.encode('utf-8'), LF,
     'valid literal UTF-8 of 2, 3 and 4 bytes',
     'row'),
    (b'{"id":18,"deep":{"l2":{"l3":{"l4":{"leaf":1,"name":"bottom"}}}}}', LF,
     'nested objects to depth 4 (deep > l2 > l3 > l4)',
     'row (struct deep.l2.l3.l4 with leaf, name)'),
    (b'{"id":19,"items":[{"sku":"A1","qty":1},{"sku":"B2","qty":2,"note":"gift"}],'
     b'"empty_list":[],"empty_obj":{}}', LF,
     'list of objects (second has an extra key), empty list, empty object',
     'row (`items`: `list<struct{sku,qty,note}>`; `empty_obj`: policy, e.g. null or dropped, since Parquet has no empty group)'),
    (b'{"id":20,"items":[],"empty_list":[],"empty_obj":{}}', LF,
     'empty list of objects, empty list, empty object again',
     'row'),
    (b'  { "id" : 21 , "name" : "spaced" , "ts" : "2021-02-28T23:59:59.999-08:00" }  ', LF,
     'insignificant whitespace around and inside the object; `-08:00` offset',
     'row'),
    (b'{"id":22}{"id":23}', LF,
     'two objects on one line',
     'bad: trailing characters after the object'),
    (b'{}', LF,
     'empty object',
     'row (every column null)'),
    (BOM + b'{"id":24,"name":"bom-inside"}', LF,
     'a BOM that is not at file start (e.g. concatenated files)',
     'bad: syntax error (a BOM is only skipped at the start of the file)'),
    (b'{"id":25,"score":"n/a"}', LF,
     '`score` (int, then double) now a string',
     'policy: bad: type conflict; or row with `score` widened to string'),
    (b'{"id":26,"name":"truncat', NONE,
     'truncated last line, no newline at end of file',
     'bad: unexpected end of input'),
]


def messy_bytes():
    return b''.join(line + end for line, end, _, _ in MESSY)


def show(line):
    """Printable, table-safe rendering of a line's bytes."""
    out = []
    if line.startswith(BOM):
        out.append('<BOM>')
        line = line[len(BOM):]
    text = line.decode('utf-8', errors='surrogateescape')
    for ch in text:
        o = ord(ch)
        if 0xDC80 <= o <= 0xDCFF:                  # an undecodable byte
            out.append('<%02X>' % (o - 0xDC00))
        elif ch == '\t':
            out.append('<TAB>')
        elif ch == '|':
            out.append('\\|')
        else:
            out.append(ch)
    s = ''.join(out)
    if len(s) > 70:
        s = s[:67] + '...'
    return s


def messy_table():
    end_name = {LF: 'LF', CRLF: 'CRLF', NONE: 'none'}
    rows = ['| line | content (bytes as shown; `<BOM>`, `<FF>`: raw bytes) | end | tests | expected outcome |',
            '|---:|---|---|---|---|']
    count = {'row': 0, 'bad': 0, 'blank': 0, 'policy': 0}
    for n, (line, end, what, expect) in enumerate(MESSY, 1):
        if not line:
            shown = '(empty)'
        elif not line.strip():
            shown = '(whitespace) `%s`' % show(line).replace(' ', '␠')
        else:
            shown = '`%s`' % show(line)
        rows.append('| %d | %s | %s | %s | %s |' % (n, shown, end_name[end], what, expect))
        kind = expect.split(':')[0].split(' ')[0]
        count[kind] += 1
    rows.append('')
    rows.append(
        '%d lines.  With the strict choice for every policy line: %d rows, %d bad, %d blank.  '
        'With the lenient choice for all %d policy lines: %d rows, %d bad, %d blank.' % (
            len(MESSY), count['row'], count['bad'] + count['policy'], count['blank'],
            count['policy'], count['row'] + count['policy'], count['bad'], count['blank']))
    return '\n'.join(rows)


# ------------------------------------------------------------------------------ nested
def line_item(sku, qty, discounts='absent'):
    d = {'sku': sku, 'qty': qty}
    if discounts != 'absent':
        d['discounts'] = discounts
    return d


CUST = {'name': 'Ada', 'tier': 'gold'}
NESTED = [
    ({'id': 1, 'order': {'customer': CUST, 'lines': [
        line_item('A1', 1, [{'code': 'SPRING', 'pct': 10.0}]),
        line_item('B2', 3, [{'code': 'VIP', 'pct': 5.0}, {'code': 'BULK', 'pct': 2.5}])]},
      'matrix': [[1, 2], [3]], 'tags': ['a', 'b']},
     'everything present: `struct > list<struct> > list<struct>`; `list<list<int>>`; `list<string>`'),
    ({'id': 2, 'order': {'customer': CUST, 'lines': [line_item('C3', 1, [])]},
      'matrix': [[]], 'tags': []},
     'empty inner list of structs (discounts = []), list holding one empty list, empty tags'),
    ({'id': 3, 'order': {'customer': CUST, 'lines': []}, 'matrix': [], 'tags': None},
     'empty list of structs (lines = []), empty outer list, null list (tags = null)'),
    ({'id': 4, 'order': {'customer': CUST, 'lines': None}, 'matrix': None, 'tags': [None]},
     'null list of structs, null list of lists, list holding one null (tags = [null])'),
    ({'id': 5, 'order': None, 'matrix': [None], 'tags': [None, None]},
     'null struct (order = null), outer list holding a null inner list, list of two nulls'),
    ({'id': 6, 'order': {'customer': None, 'lines': [None, line_item('D4', 2, None)]},
      'matrix': [[None]], 'tags': ['x', None, 'y']},
     'null struct inside a struct, null element in a list of structs, null list inside it, [[null]], nulls between values'),
    ({'id': 7, 'order': {'customer': CUST, 'lines': [line_item('E5', 1, None)]},
      'matrix': [[1], [], None, [2, 3]], 'tags': ['z']},
     'null inner list of structs; outer list mixing non-empty, empty and null inner lists'),
    ({'id': 8, 'order': {'customer': CUST, 'lines': [line_item('F6', 4, [
        {'code': 'A', 'pct': 5.0}, None, {'code': None, 'pct': None}])]},
      'matrix': [[7]], 'tags': ['a']},
     'in a list of structs: a null struct vs a struct whose fields are all null'),
    ({'id': 9},
     'every field absent (absent = null at every level)'),
    ({'id': 10, 'order': {'customer': CUST, 'lines': [line_item('G7', 1)],
                          'shipping': {'address': {'city': 'Zürich',
                                                   'geo': {'lat': 47.37, 'lon': 8.54}}}},
      'matrix': [[1, 1]], 'tags': ['ship']},
     'struct in struct in struct in struct (order.shipping.address.geo), first seen late; discounts absent'),
    ({'id': 11, 'groups': [[{'k': 'a', 'v': 1}], [{'k': 'b', 'v': 2}, {'k': 'c', 'v': 3}]]},
     'list of lists of structs (groups), first seen late'),
    ({'id': 12, 'groups': [[], []], 'matrix': [[], []]},
     'list of empty lists (of structs and of ints)'),
    ({'id': 13, 'groups': [None, [None]], 'matrix': [None, [None]]},
     'null inner list, and an inner list holding a null struct / a null int'),
    ({'id': 14, 'matrix': [[1, 2, 3], [4, 5, 6], [7, 8, 9]], 'tags': ['m']},
     'a 3x3 list of lists'),
    ({'id': 15, 'order': {'customer': CUST, 'lines': [
        line_item('H8', 1, [{'code': 'X', 'pct': 1.0}]), line_item('I9', 2),
        line_item('J0', 3, [])]}},
     'three structs in a list: discounts present, absent, empty'),
    ({'id': 16, 'tags': ['中文', '🚀', 'é', '']},
     'non-ASCII strings and an empty string inside a list'),
    ({'id': 17, 'order': {'lines': [{'qty': 5, 'sku': 'K1', 'discounts': [{'pct': 3.0, 'code': 'Q'}]}],
                          'customer': {'tier': 'silver', 'name': 'Bo'}}},
     'keys of nested structs in a different order than before'),
    ({'id': 18, 'order': {}},
     'empty object for a struct that has fields (all of them absent)'),
    ({'id': 19, 'matrix': [[0]], 'groups': [[{'k': 'z', 'v': None}]]},
     'a struct in a list of lists with a null field'),
    ({'id': 20, 'order': {'customer': {'name': '', 'tier': ''}, 'lines': []},
      'matrix': [], 'tags': [], 'groups': []},
     'empty strings and empty lists at every list level'),
    ({'id': 21, 'order': {'customer': CUST, 'lines': [line_item('L2', 1, [
        {'code': 'A', 'pct': 0.5}] * 3)] * 2}, 'matrix': [[i] for i in range(6)],
      'tags': ['t%d' % i for i in range(6)], 'groups': [[{'k': 'g', 'v': 9}] * 2] * 2},
     'repeated values: several list elements at each level'),
]


def nested_bytes():
    return b''.join(json.dumps(rec, ensure_ascii=False, separators=(',', ':')).encode('utf-8')
                    + b'\n' for rec, _ in NESTED)


def nested_table():
    rows = ['| line | id | tests | expected |', '|---:|---:|---|---|']
    for n, (rec, what) in enumerate(NESTED, 1):
        rows.append('| %d | %d | %s | row |' % (n, rec['id'], what))
    rows.append('')
    rows.append('%d lines, %d rows.  Inferred schema (all nullable): `id` int64; `order` '
                'struct{`customer` struct{`name`, `tier` string}, `lines` list<struct{`sku` '
                'string, `qty` int64, `discounts` list<struct{`code` string, `pct` double}>}>, '
                '`shipping` struct{`address` struct{`city` string, `geo` struct{`lat`, `lon` '
                'double}}}}; `matrix` list<list<int64>>; `tags` list<string>; `groups` '
                'list<list<struct{`k` string, `v` int64}>>.' % (len(NESTED), len(NESTED)))
    return '\n'.join(rows)


# ------------------------------------------------------------------------------ events
def events_sample_bytes():
    sys.path.insert(0, str(DATAGEN))
    import gen_events
    buf = io.BytesIO()
    gen_events.generate(buf, rows=1000, seed=7)
    return buf.getvalue()


FILES = {
    'events_sample.ndjson': events_sample_bytes,
    'messy.ndjson': messy_bytes,
    'nested.ndjson': nested_bytes,
}
TABLES = {'messy': messy_table, 'nested': nested_table}
BEGIN = '<!-- BEGIN generated %s table: make_ndjson_fixtures.py --tables -->'
END = '<!-- END generated %s table -->'


def self_check():
    """Sanity checks of the data against the outcomes it claims."""
    for n, (line, end, what, expect) in enumerate(MESSY, 1):
        assert b'\n' not in line and not line.endswith(b'\r'), n
        body = line[len(BOM):] if n == 1 else line
        if expect.startswith('row'):
            obj = json.loads(body.decode('utf-8'))
            assert isinstance(obj, dict), n
        elif expect.startswith('blank'):
            assert not body.strip(), n
        elif expect.startswith('bad'):                 # a strict parser must refuse it
            try:
                ok = isinstance(json.loads(body.decode('utf-8')), dict)
            except ValueError:
                ok = False
            assert not ok, n
    assert MESSY[-1][1] == NONE
    for rec, _ in NESTED:
        json.loads(json.dumps(rec))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--check', action='store_true',
                    help='compare files and README tables with what would be written')
    ap.add_argument('--tables', action='store_true', help='print the README tables')
    ap.add_argument('--out-dir', default=str(OUT_DIR))
    a = ap.parse_args(argv)
    self_check()
    if a.tables:
        for name, f in TABLES.items():
            print(BEGIN % name)
            print(f())
            print(END % name)
            print()
        return 0
    out = Path(a.out_dir)
    stale = []
    for name, make in FILES.items():
        data = make()
        path = out / name
        if a.check:
            if not path.is_file() or path.read_bytes() != data:
                stale.append(str(path))
        else:
            out.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            print('wrote %s (%d bytes)' % (path, len(data)))
    if a.check:
        readme = README.read_text(encoding='utf-8') if README.is_file() else ''
        for name, f in TABLES.items():
            block = BEGIN % name + '\n' + f() + '\n' + END % name
            if block not in readme:
                stale.append('%s (%s table)' % (README, name))
        if stale:
            print('stale: ' + ', '.join(stale))
            return 1
        print('fixtures up to date')
    return 0


if __name__ == '__main__':
    sys.exit(main())
