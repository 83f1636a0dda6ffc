"""Adversarial NDJSON inputs for lakeconv's hardening tests (issue #7).

    python3 Fixtures/scripts/make_adversarial.py OUT_DIR [--big]

Writes one file per case into OUT_DIR and prints a JSON index: for each case its file, what
lakeconv must do (rows, bad records, blank lines, or a failing exit), and which partitioning to
use. Small cases are committed in Fixtures/adversarial/; `--big` adds the large ones (a 50 MiB
string, 10,000-deep nesting, a gzip bomb, 100,000 distinct partition values), made at test time.
Deterministic: no randomness.
"""
import gzip
import json
import zlib
import sys
from pathlib import Path


def cases(big: bool):
    """(name, bytes, expectation) with expectation = dict(rows=, bad=, blank=) or dict(exit=1)."""
    yield "invalid_utf8", b'{"a":"\xff"}\n{"a":"\xc0\xaf"}\n{"a":"\xe0\x80\xaf"}\n{"a":"\xed\xa0\x80"}\n{"a":"\xf4\x90\x80\x80"}\n{"a":"ok"}\n', dict(rows=1, bad=5, blank=0)
    yield "lone_surrogates", b'{"a":"\\ud800"}\n{"a":"\\udc00"}\n{"a":"\\ud800\\u0041"}\n{"a":"\\ud83d\\ude80"}\n', dict(rows=1, bad=3, blank=0)
    yield "nul_bytes", b'{"a":"raw\x00nul"}\n{"a":"escaped\\u0000nul"}\n', dict(rows=1, bad=1, blank=0)
    yield "bom_mid_file", b'\xef\xbb\xbf{"a":1}\n\xef\xbb\xbf{"a":2}\n{"a":3}\n', dict(rows=2, bad=1, blank=0)
    yield "numbers", (b'{"n":1e400}\n{"n":-1e400}\n{"n":-0}\n{"n":-0.0}\n{"n":9223372036854775808}\n{"n":9007199254740993}\n'
                      b'{"n":01}\n{"n":NaN}\n{"n":0x10}\n{"n":1.}\n{"n":.5}\n{"n":+1}\n{"n":123}\n'), dict(rows=5, bad=8, blank=0)
    yield "duplicate_keys", b'{"a":1,"a":2}\n{"a":3,"b":1,"a":4}\n', dict(rows=2, bad=0, blank=0)
    yield "case_colliding_keys", b'{"UserId":1}\n{"userid":2}\n', dict(exit=1)
    yield "top_level_non_objects", b'[1,2]\n"text"\n42\ntrue\nnull\n{"a":1}\n', dict(rows=1, bad=5, blank=0)
    yield "type_drift", b'{"a":1}\n{"a":"x"}\n{"a":{"b":1}}\n{"a":[1]}\n{"a":true}\n{"a":null}\n', dict(rows=6, bad=0, blank=0)
    yield "timestamps_offsets", (b'{"t":"2021-03-01T23:30:00-01:00"}\n{"t":"2021-03-02T00:10:00Z"}\n{"t":"2021-03-01T05:00:00+05:30"}\n'
                                 b'{"t":"2021-03-01 00:00:00.123456+0000"}\n'), dict(rows=4, bad=0, blank=0, partition=["date:t:day"])
    yield "blank_and_crlf", b'\n  \n\t\r\n{"a":1}\r\n\r\n{"a":2}', dict(rows=2, bad=0, blank=4)
    hostile = ["../../etc", "..", ".", "a/b", "k=v", "50%", "it's", 'q"uote', "tab\tch", "\u00e9\u4e2d\U0001F680", "",
               "__HIVE_DEFAULT_PARTITION__", "x" * 300]
    lines = [json.dumps({"source": v, "i": i}).encode() for i, v in enumerate(hostile)] + [b'{"source":null,"i":99}']
    # The 300-byte value (directory name too long) and the literal null marker are bad records.
    yield "hostile_partition_values", b"\n".join(lines) + b"\n", dict(rows=len(hostile) - 1, bad=2, blank=0, partition=["source"])
    if big:
        yield "deep_nesting_10000", b'{"a":' + b"[" * 10_000 + b"]" * 10_000 + b'}\n{"a":[1]}\n', dict(rows=1, bad=1, blank=0)
        yield "string_50mib", b'{"s":"' + b"x" * (50 << 20) + b'"}\n{"s":"short"}\n', dict(rows=2, bad=0, blank=0)
        yield "partitions_100k_distinct", b"".join(b'{"k":"v%06d","i":%d}\n' % (i, i) for i in range(100_000)), dict(rows=100_000, bad=0, blank=0, partition=["k"])


def gzip_cases(big: bool):
    one = b'{"a":1}\n{"a":2}\n'
    two = b'{"a":3}\n'
    yield "concatenated.ndjson.gz", gzip.compress(one) + gzip.compress(two), dict(rows=3, bad=0, blank=0)
    yield "truncated.ndjson.gz", gzip.compress(one * 1000)[:-20], dict(exit=1)
    if big:
        # A gzip bomb: one 2 GiB line (no newline) from a few MB; must be a bounded-memory bad record.
        bomb = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip member
        data = bomb.compress(b'{"s":"')
        chunk = b"a" * (1 << 20)
        for _ in range(2048):
            data += bomb.compress(chunk)
        data += bomb.compress(b'"}\n{"a":1}\n') + bomb.flush()
        yield "bomb.ndjson.gz", data, dict(rows=1, bad=1, blank=0)


def main():
    out = Path(sys.argv[1])
    big = "--big" in sys.argv
    out.mkdir(parents=True, exist_ok=True)
    index = {}
    for name, data, expect in list(cases(big)) + list(gzip_cases(big)):
        file = name if name.endswith(".gz") else name + ".ndjson"
        (out / file).write_bytes(data)
        index[name] = dict(file=file, **expect)
    (out / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    print(json.dumps(index))


if __name__ == "__main__":
    main()
