"""End-to-end tests of ``lakeconv ndjson-to-parquet`` against Python's ``json``.

Run (from the repository root, with the interop venv)::

    LAKECONV_BIN=.build/release/lakeconv .venv/bin/python -m pytest Tests/Interop/test_conversion.py -q

``LAKECONV_BIN`` defaults to ``.build/debug/lakeconv`` of this repository.  If
the binary does not exist every test FAILS (none is skipped).  Other knobs:
``LAKECONV_TIMEOUT`` (seconds per run, default 300), ``LAKECONV_BIG_TIMEOUT``
(the 200,000-record run, default 1800: a debug build is slow),
``LAKECONV_JOBS`` (parallel JSONTestSuite runs, default 2).

Every run is checked by check_conversion.py (its docstring has the whole
contract): each value of each row read back with pyarrow and with DuckDB, the
Arrow/Parquet types, the ``--json`` summary (rows + bad + blank == lines read,
per input) and the bad-records file (exactly the bad lines, with file, line,
byte offset, reason prefix, raw text and raw_length).  Inputs:

* ``Fixtures/ndjson/{events_sample,messy,nested}.ndjson`` (each hazard of
  messy.ndjson is also asserted by hand, independently of the checker), and
  the three together in one run with relative paths;
* 200,000 records of ``Benchmarks/datagen/gen_events.py --seed 42``, with
  explicit assertions on user_id, amount, device, tags, referrer, event_time;
* generated type-inference hazards and bad-record hazards (long, cut, non-UTF-8,
  deep, CRLF and BOM lines);
* every one-line file of ``Fixtures/JSONTestSuite/test_parsing`` (y_ objects
  -> 1 row; other y_ -> "not a JSON object"; n_ -> "invalid JSON" or a limit;
  i_ -> exit 0 or 1 within 20 s, one line accounted for);
* ``--infer-uuid``: UUID columns (top level, in a struct, in a list; upper case, escaped,
  null, absent) read back by pyarrow and DuckDB as their UUIDs, a column with one non-UUID
  kept a string, and the catalog side refusing the UUID type;
* gzip input: one member, two members split inside a line (same Parquet
  values as the plain file), and truncated streams (exit 1, stderr names the
  file and says "truncated").

The contract, in short: ``lakeconv ndjson-to-parquet INPUT... --output
OUT.parquet --bad-records BAD.ndjson --json``; exit 0 on success (bad records
allowed), 1 on failure, 2 on usage errors; stdout is one JSON object
``{rows_written, bad_records, blank_lines, lines_read, duplicate_keys,
inputs[{path, lines_read, rows_written, bad_records, blank_lines}],
output_files[{path, rows, bytes}], schema_notes[]}``.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime
import gzip
import json
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Optional

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

INTEROP = Path(__file__).resolve().parent
REPO = INTEROP.parents[1]
sys.path.insert(0, str(INTEROP))
import check_conversion as cc  # noqa: E402

NDJSON = REPO / "Fixtures" / "ndjson"
JSTS = REPO / "Fixtures" / "JSONTestSuite" / "test_parsing"
GEN_EVENTS = REPO / "Benchmarks" / "datagen" / "gen_events.py"
BIN = Path(os.path.abspath(os.environ.get("LAKECONV_BIN") or REPO / ".build" / "debug" / "lakeconv"))
TIMEOUT = float(os.environ.get("LAKECONV_TIMEOUT", "300"))
BIG_TIMEOUT = float(os.environ.get("LAKECONV_BIG_TIMEOUT", "1800"))
JSTS_TIMEOUT = 20.0
JOBS = int(os.environ.get("LAKECONV_JOBS", "2"))


# ---------------------------------------------------------------------------
# Running the converter


def lakeconv() -> str:
    """The binary; fails the calling test when it is missing."""
    if not BIN.is_file() or not os.access(BIN, os.X_OK):
        pytest.fail(f"lakeconv binary not found or not executable: {BIN}\n"
                    f"Build it first (swift build [-c release]) or point LAKECONV_BIN at it.",
                    pytrace=False)
    return str(BIN)


@dataclasses.dataclass
class Run:
    cmd: list
    cwd: Optional[Path]
    returncode: Optional[int]  # None: timed out
    stdout: bytes
    stderr: bytes
    parquet: Path
    bad: Path
    seconds: float

    def describe(self) -> str:
        status = ("timed out" if self.returncode is None else
                  f"killed by signal {_signame(-self.returncode)}" if self.returncode < 0 else
                  f"exit status {self.returncode}")
        err = self.stderr.decode("utf-8", "replace")
        out = self.stdout.decode("utf-8", "replace")
        return (f"command: {' '.join(map(str, self.cmd))}\n"
                + (f"cwd: {self.cwd}\n" if self.cwd else "")
                + f"{status} after {self.seconds:.1f} s\n"
                f"stderr: {err[-3000:] or '(empty)'}\nstdout: {out[:2000] or '(empty)'}")


def _signame(n: int) -> str:
    try:
        return signal.Signals(n).name
    except ValueError:
        return str(n)


def run_lakeconv(inputs: list, out_dir: Path, *, cwd: Optional[Path] = None,
                 timeout: float = TIMEOUT, name: str = "out", binary: Optional[str] = None,
                 extra: tuple = ()) -> Run:
    binary = binary or lakeconv()
    out_dir.mkdir(parents=True, exist_ok=True)
    parquet, bad = out_dir / f"{name}.parquet", out_dir / f"{name}.bad.ndjson"
    cmd = [binary, "ndjson-to-parquet", *map(str, inputs), "--output", str(parquet),
           "--bad-records", str(bad), "--json", *extra]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = None, e.stdout or b"", e.stderr or b""
    return Run(cmd, cwd, rc, out, err, parquet, bad, time.monotonic() - t0)


def summary_of(run: Run) -> dict:
    """The --json object of a successful run; fails the test otherwise."""
    if run.returncode != 0:
        pytest.fail(f"lakeconv did not succeed\n{run.describe()}", pytrace=False)
    text = run.stdout.decode("utf-8", "replace").strip()
    try:
        summary = json.loads(text)
    except ValueError as e:
        pytest.fail(f"stdout is not one JSON object ({e})\n{run.describe()}", pytrace=False)
    if not isinstance(summary, dict):
        pytest.fail(f"stdout is JSON but not an object\n{run.describe()}", pytrace=False)
    return summary


def reference_for(inputs: list, cwd: Optional[Path] = None) -> cc.Reference:
    base = cwd or Path.cwd()
    return cc.Reference.build([str(i) for i in inputs],
                              data=[cc.read_input(base / Path(i)) for i in inputs])


def assert_conversion(run: Run, inputs: list, *, ref: Optional[cc.Reference] = None,
                      lenient_reasons: bool = False) -> tuple[cc.Reference, dict]:
    """Every check of check_conversion.py must pass for this run."""
    summary = summary_of(run)
    ref = ref or reference_for(inputs, run.cwd)
    report = cc.check([str(i) for i in inputs], run.parquet, run.bad, summary, reference=ref,
                      lenient_reasons=lenient_reasons)
    if not report.ok:
        pytest.fail(f"conversion of {[str(i) for i in inputs]} differs from the reference:\n"
                    f"{report.format()}\n{run.describe()}", pytrace=False)
    return ref, summary


def bad_records(run: Run) -> list[dict]:
    if not run.bad.exists():
        return []
    return [json.loads(line) for line in run.bad.read_bytes().split(b"\n") if line.strip()]


def read_column(parquet: Path, name: str) -> list:
    return pq.read_table(parquet, columns=[name]).column(0).to_pylist()


def arrow_type_str(t: pa.DataType) -> str:
    """An Arrow type in check_conversion.type_str's notation (JSON shows as string)."""
    if pa.types.is_struct(t):
        return "struct<" + ", ".join(f"{t.field(i).name}: {arrow_type_str(t.field(i).type)}"
                                     for i in range(t.num_fields)) + ">"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return f"list<{arrow_type_str(t.value_type)}>"
    if getattr(t, "extension_name", None) == "arrow.json" or pa.types.is_large_string(t):
        return "string"
    if pa.types.is_timestamp(t):
        return f"timestamp[{t.unit}, tz={t.tz}]"
    return {"float64": "double", "date32[day]": "date32"}.get(str(t), str(t))


# ---------------------------------------------------------------------------
# The three fixtures


@pytest.mark.parametrize("threads", ["1", "2"])
def test_many_row_groups(threads: str, tmp_path: Path) -> None:
    """Small row groups (one per 4 MiB block of input): each batch after the second reuses the
    arrays of one written before (emptied in place); every value of every row group is compared."""
    path = tmp_path / "events_40k.ndjson"
    gen = subprocess.run([sys.executable, str(GEN_EVENTS), "--rows", "40000", "--seed", "7", "--out", str(path)],
                         capture_output=True, timeout=300)
    assert gen.returncode == 0, gen.stderr.decode()
    run = run_lakeconv([path], tmp_path, extra=("--row-group-size", "1MiB", "--threads", threads))
    assert_conversion(run, [path])
    assert pq.ParquetFile(run.parquet).metadata.num_row_groups >= 4
    # Below one block of input: a batch is cut into row groups of about the size asked.
    small = run_lakeconv([path], tmp_path / "small", extra=("--row-group-size", "128KiB", "--threads", threads))
    assert_conversion(small, [path])
    meta = pq.ParquetFile(small.parquet).metadata
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    assert meta.num_row_groups >= 40 and max(sizes) < 2000, sizes


@pytest.mark.parametrize("name", ["events_sample", "messy", "nested"])
def test_fixture(name: str, tmp_path: Path) -> None:
    path = NDJSON / f"{name}.ndjson"
    run = run_lakeconv([path], tmp_path)
    assert_conversion(run, [path])


MESSY_BAD = {8: "invalid", 9: "not_object", 10: "not_object", 11: "not_object", 17: "range",
             19: "invalid", 20: "invalid", 21: "invalid", 27: "invalid", 29: "invalid", 31: "invalid"}


def test_messy_by_hand(tmp_path: Path) -> None:
    """messy.ndjson's expected outcomes, written out by hand from its README table
    and the contract (a cross-check of the reference as much as of lakeconv)."""
    path = NDJSON / "messy.ndjson"
    ref = reference_for([path])
    assert {b.line: b.category for b in ref.bad} == MESSY_BAD, "reference disagrees with the README table"
    run = run_lakeconv([path], tmp_path)
    s = summary_of(run)
    got = {k: s.get(k) for k in ("lines_read", "rows_written", "bad_records", "blank_lines", "duplicate_keys")}
    assert got == {"lines_read": 31, "rows_written": 17, "bad_records": 11, "blank_lines": 3,
                   "duplicate_keys": 1}, run.describe()
    recs = {r.get("line"): r for r in bad_records(run)}
    assert sorted(recs) == sorted(MESSY_BAD), f"bad lines {sorted(recs)}, expected {sorted(MESSY_BAD)}"
    for line, cat in MESSY_BAD.items():
        reason = recs[line].get("reason", "")
        want = {"not_object": "not a JSON object", "range": "invalid JSON: number out of range"}.get(
            cat, "invalid JSON")
        assert reason.startswith(want) or cc.is_limit_reason(reason), (line, reason)
    assert recs[20].get("raw_base64") and "raw" not in recs[20], recs[20]
    assert recs[31]["raw"] == '{"id":26,"name":"truncat' and recs[31]["raw_length"] == 24
    assert recs[31]["offset"] == len(path.read_bytes()) - 24

    t = pq.read_table(run.parquet)
    rows = t.to_pylist()
    by_id = {r["id"]: r for r in rows}
    assert [r["id"] for r in rows] == [1, 2, 3, 4, 7, 8, 9, 10, 11, 13, 17, 18, 19, 20, 21, None, 25]
    assert t.schema.field("id").type == pa.int64()
    assert by_id[7]["name"] == "second"  # duplicate key: last wins
    assert by_id[1]["ts"] == by_id[2]["ts"]  # Z and +05:30, same instant
    assert t.schema.field("ts").type == pa.timestamp("ms", tz="UTC")
    assert by_id[21]["ts"] == datetime.datetime(2021, 3, 1, 7, 59, 59, 999000, tzinfo=datetime.timezone.utc)
    # score: 10, 20, 30, 40.5, "n/a" -> JSON text column
    scores = [json.loads(by_id[i]["score"]) for i in (1, 2, 3, 4, 25)]
    assert scores == [10, 20, 30, 40.5, "n/a"] and [type(x) for x in scores] == [int, int, int, float, str]
    assert by_id[4]["opt"] == "now a string" and t.schema.field("opt").type in (pa.string(), pa.large_string())
    assert by_id[8]["late_field"] == "first seen on line 13" and by_id[1]["late_field"] is None
    assert (by_id[9]["above_2_53"], by_id[9]["i64_max"], by_id[9]["i64_min"]) == (
        9007199254740993, 2**63 - 1, -(2**63))
    assert t.schema.field("above_2_53").type == pa.int64()
    assert by_id[10]["neg_zero"] == 0 and t.schema.field("neg_zero").type == pa.int64()
    assert str(by_id[10]["neg_zero_f"]) == "-0.0"
    assert (by_id[10]["exp"], by_id[10]["small"]) == (100.0, -0.0015)
    assert by_id[11]["beyond_i64"] == float(2**63) and by_id[11]["beyond_u64"] == float(2**64)
    assert t.schema.field("beyond_i64").type == pa.float64()
    assert "huge" not in t.schema.names and "a" not in t.schema.names  # only in bad lines
    assert by_id[13]["text"] == 'rocket \U0001F680 e \u00e9 zh \u4e2d\u6587 q " s / b \\ c \n\t\r'
    assert by_id[17]["text"] == "naïve café 中文 テスト 🚀"
    assert by_id[18]["deep"] == {"l2": {"l3": {"l4": {"leaf": 1, "name": "bottom"}}}}
    assert by_id[19]["items"] == [{"sku": "A1", "qty": 1, "note": None}, {"sku": "B2", "qty": 2, "note": "gift"}]
    assert by_id[20]["items"] == [] and by_id[19]["empty_list"] == []
    assert by_id[19]["empty_obj"] == "{}" and by_id[1]["empty_obj"] is None
    assert all(v is None for k, v in by_id[None].items())  # {} -> all null


NESTED_SCHEMA = [
    ("id", "int64"),
    ("order", "struct<customer: struct<name: string, tier: string>, lines: list<struct<sku: string, "
              "qty: int64, discounts: list<struct<code: string, pct: double>>>>, shipping: struct<"
              "address: struct<city: string, geo: struct<lat: double, lon: double>>>>"),
    ("matrix", "list<list<int64>>"),
    ("tags", "list<string>"),
    ("groups", "list<list<struct<k: string, v: int64>>>"),
]


def test_nested_schema_by_hand(tmp_path: Path) -> None:
    """The inferred schema printed in Fixtures/README.md."""
    path = NDJSON / "nested.ndjson"
    ref = reference_for([path])
    assert [(n, cc.type_str(t)) for n, t in ref.schema] == NESTED_SCHEMA, "reference disagrees with the README"
    run = run_lakeconv([path], tmp_path)
    summary_of(run)
    got = [(f.name, arrow_type_str(f.type)) for f in pq.ParquetFile(run.parquet).schema_arrow]
    assert got == NESTED_SCHEMA
    rows = pq.read_table(run.parquet).to_pylist()
    assert rows[17]["order"] == {"customer": None, "lines": None, "shipping": None}  # {} is not null
    assert rows[8]["order"] is None and rows[4]["order"] is None


def test_several_inputs_relative_paths(tmp_path: Path) -> None:
    """One run over three inputs given as relative paths: rows in input order,
    schema merged over all files, per-input accounting, bad records naming
    each file as given."""
    inputs = ["Fixtures/ndjson/messy.ndjson", "Fixtures/ndjson/nested.ndjson",
              "Fixtures/ndjson/events_sample.ndjson"]
    run = run_lakeconv(inputs, tmp_path, cwd=REPO)
    ref, summary = assert_conversion(run, inputs)
    assert [i.get("path") for i in summary["inputs"]] == inputs
    assert {r["file"] for r in bad_records(run)} == {inputs[0]}


# ---------------------------------------------------------------------------
# Generated inputs: type inference and bad-record details

HAZARD_LINES = [
    b'{"ts_us":"2021-03-01T00:00:00.123456Z","ts_9":"2021-03-01T00:00:00.123456400+01:00",'
    b'"d":"2021-03-01","mix_td":"2021-03-01","tz_compact":"2021-03-01 00:00:00+0530",'
    b'"lower_z":"2021-03-01T00:00:00z","bn":true,"ns":1,"os":{"k": 1, "s": "caf\\u00e9"},'
    b'"arr_mix":[1,"a",null,{"x":1}],"always_empty":[],"null_elems":[null],"nulls":null,'
    b'"neg":-0.0,"int_big":1,"empty_obj":{},"nested_conflict":{"a":1},"a.b":"dot",'
    b'"\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87":"\xd1\x8e\xd0\xbd\xd0\xb8","esc":"tab\\there \\/ \\"q\\""}\n',
    b'{"ts_us":null,"ts_9":"1969-12-31T23:59:59.5Z","d":"1969-12-31","mix_td":"2021-03-01T00:00:00Z",'
    b'"tz_compact":"2021-03-01T23:59:59.5-0800","lower_z":"1970-01-01T00:00:00.001Z","bn":0,'
    b'"ns":"1","os":"str","arr_mix":[true, 1.5, [2], "\\ud83d\\ude80"],"always_empty":[],'
    b'"null_elems":[null, null],"nulls":null,"neg":0,"int_big":18446744073709551616,'
    b'"empty_obj":null,"nested_conflict":{"a":"x"}}\r\n',
    b'{"late":"2021-03-01","nested_conflict":{"b":[1,2]},"bn":null,"os":[1, {"z": null}],"arr_mix":[]}\n',
    b'\t \r\n',
    b'{"ts_9":"2021-03-01T12:00:00.000000001Z","ts_us":"2021-03-01T00:00:00Z","late":null,"os":null}\n',
    b'  {"bn":false , "ns" : -2.5e1 }  ',  # no newline at the end
]
HAZARD_SCHEMA = [
    ("ts_us", "timestamp[us, tz=UTC]"), ("ts_9", "string"), ("d", "date32"),
    ("mix_td", "string"), ("tz_compact", "timestamp[ms, tz=UTC]"), ("lower_z", "timestamp[ms, tz=UTC]"),
    ("bn", "string (JSON)"), ("ns", "string (JSON)"), ("os", "string (JSON)"),
    ("arr_mix", "list<string (JSON)>"), ("always_empty", "list<string>"), ("null_elems", "list<string>"),
    ("nulls", "string"), ("neg", "double"), ("int_big", "double"), ("empty_obj", "string (JSON)"),
    ("nested_conflict", "struct<a: string (JSON), b: list<int64>>"), ("a.b", "string"),
    ("ключ", "string"), ("esc", "string"), ("late", "date32"),
]


def test_type_inference_hazards(tmp_path: Path) -> None:
    path = tmp_path / "hazards.ndjson"
    path.write_bytes(b"".join(HAZARD_LINES))
    ref = reference_for([path])
    assert [(n, cc.type_str(t)) for n, t in ref.schema] == HAZARD_SCHEMA, "reference inference changed"
    assert (len(ref.rows), len(ref.bad), ref.blank_lines) == (5, 0, 1)
    run = run_lakeconv([path], tmp_path / "out")
    assert_conversion(run, [path], ref=ref)
    rows = pq.read_table(run.parquet).to_pylist()
    # a few values written out by hand
    utc = datetime.timezone.utc
    # More than 6 fraction digits: microseconds would drop digits, so the text is kept as is.
    assert rows[0]["ts_9"] == "2021-03-01T00:00:00.123456400+01:00"
    assert rows[1]["ts_9"] == "1969-12-31T23:59:59.5Z"
    assert rows[1]["tz_compact"] == datetime.datetime(2021, 3, 2, 7, 59, 59, 500000, tzinfo=utc)
    assert rows[1]["d"] == datetime.date(1969, 12, 31)
    assert rows[0]["os"] == '{"k": 1, "s": "caf\\u00e9"}' and rows[1]["os"] == '"str"'
    assert rows[1]["arr_mix"] == ["true", "1.5", "[2]", '"\\ud83d\\ude80"']
    assert rows[0]["arr_mix"][2] is None
    assert rows[4]["ns"] == "-2.5e1" and rows[4]["bn"] == "false"


def _bad_hazards() -> tuple[bytes, dict[int, str]]:
    """(file bytes, {line: category}) for bad lines of every kind."""
    lines = [
        (cc.BOM + b'{"a":1,}\n', "invalid"),  # BOM at the start, then a bad line
        (b'{"a":"' + b"x" * 70000 + b"\n", "invalid"),  # long, unterminated: raw truncated
        (b'[ "' + "é".encode() * 40000 + b'"]\n', "not_object"),  # cut at 65536 inside a character
        (b'{"a":"\xff' + b"y" * 70000 + b'"}\n', "invalid"),  # long and not UTF-8: raw_base64
        (b'{"a":' + b"[" * 1500 + b"]" * 1500 + b"}\n", "depth"),
        (b'{"n":-1e400}\n', "range"),
        (b'{"n":NaN}\n', "invalid"), (b'{"n":Infinity}\n', "invalid"), (b'{"n":-Infinity}\n', "invalid"),
        (b'{"n":01}\n', "invalid"), (b'{"n":1.}\n', "invalid"), (b'{"n":.5}\n', "invalid"),
        (b'{"n":+1}\n', "invalid"), (b'{"s":"\\udc00"}\n', "invalid"), (b'{"s":"\\ud800\\u0041"}\n', "invalid"),
        (b'{"s":"\xc0\xaf"}\n', "invalid"), (b'{"s":"\xed\xa0\x80"}\n', "invalid"),
        (b'{"a":}\r\n', "invalid"), (b'\x0c\n', "invalid"), (cc.BOM + b'{"a":2}\n', "invalid"),
        (b'{"a":"x"} \t\n', None), (b'{"a":1,"a":2}\n', None), (b'{"s":"\\ud83d\\ude80"}\n', None),
        (b'\r\n', "blank"), (b'"just a string"\n', "not_object"), (b'{"a":', "invalid"),
    ]
    return b"".join(b for b, _ in lines), {i: c for i, (_, c) in enumerate(lines, 1) if c not in (None, "blank")}


def test_bad_record_details(tmp_path: Path) -> None:
    data, want = _bad_hazards()
    path = tmp_path / "bad.ndjson"
    path.write_bytes(data)
    ref = reference_for([path])
    assert {b.line: b.category for b in ref.bad} == want, "reference classification changed"
    assert ref.dup_keys == 1
    run = run_lakeconv([path], tmp_path / "out")
    assert_conversion(run, [path], ref=ref)
    recs = {r["line"]: r for r in bad_records(run)}
    lengths = [len(x) for x in data.split(b"\n")]
    assert recs[2]["raw_length"] == lengths[1] and len(recs[2]["raw"].encode()) == cc.RAW_LIMIT
    assert recs[4]["raw_length"] == lengths[3] and "raw_base64" in recs[4] and "raw" not in recs[4]
    assert recs[1]["offset"] in (0, 3)


# ---------------------------------------------------------------------------
# 200,000 generated records


def test_events_200k(tmp_path: Path) -> None:
    binary = lakeconv()
    path = tmp_path / "events_200k.ndjson"
    gen = subprocess.run([sys.executable, str(GEN_EVENTS), "--rows", "200000", "--seed", "42",
                          "--out", str(path)], capture_output=True, timeout=300)
    assert gen.returncode == 0, gen.stderr.decode()
    run = run_lakeconv([path], tmp_path / "out", timeout=BIG_TIMEOUT, binary=binary)
    ref, summary = assert_conversion(run, [path])
    assert summary["rows_written"] == 200000 and summary["bad_records"] == 0

    # explicit assertions, from a plain json.loads of every line
    recs = [json.loads(line) for line in path.read_bytes().splitlines()]
    pf = pq.ParquetFile(run.parquet)
    schema = pf.schema_arrow
    t = pq.read_table(run.parquet, columns=["user_id", "amount", "event_time", "referrer"])

    assert schema.field("user_id").type == pa.int64()
    uids = t.column("user_id").to_pylist()
    big = [i for i, r in enumerate(recs) if r["user_id"] > 2**53]
    assert len(big) > 0.99 * len(recs)
    bad_uids = [(i, recs[i]["user_id"], uids[i]) for i in big if uids[i] != recs[i]["user_id"]]
    assert not bad_uids, f"user_id above 2^53 not exact (row, expected, got): {bad_uids[:5]}"

    assert schema.field("amount").type == pa.float64()
    amounts = t.column("amount").to_pylist()
    ints = [i for i, r in enumerate(recs) if type(r["amount"]) is int]
    assert len(ints) > 1000, "generator should write integer literals for amount"
    wrong = [(i, recs[i]["amount"], amounts[i]) for i in ints
             if type(amounts[i]) is not float or amounts[i] != float(recs[i]["amount"])]
    assert not wrong, f"integer amounts not widened to double: {wrong[:5]}"

    dev = schema.field("device").type
    assert arrow_type_str(dev) == "struct<os: string, version: string, screen: struct<w: int64, h: int64>>"
    assert arrow_type_str(schema.field("tags").type) == "list<string>"

    assert "referrer" in schema.names, "referrer (in ~5% of records) is missing"
    assert arrow_type_str(schema.field("referrer").type) == "string"
    refs = t.column("referrer").to_pylist()
    assert refs == [r.get("referrer") for r in recs]
    first = next(i for i, r in enumerate(recs) if "referrer" in r)
    assert schema.names.index("referrer") == (schema.names.index("message") + 1 if first > 0 else
                                              schema.names.index("tags") + 1)

    assert schema.field("event_time").type == pa.timestamp("ms", tz="UTC")
    got_ms = t.column("event_time").cast(pa.int64()).to_pylist()
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    want_ms = [(datetime.datetime.fromisoformat(r["event_time"].replace("Z", "+00:00")) - epoch)
               // datetime.timedelta(milliseconds=1) for r in recs]
    diffs = [(i, recs[i]["event_time"], got_ms[i]) for i in range(len(recs)) if got_ms[i] != want_ms[i]]
    assert not diffs, f"event_time differs (row, ISO text, ms got): {diffs[:5]}"


# ---------------------------------------------------------------------------
# JSONTestSuite


def _one_line(path: Path) -> bool:
    data = path.read_bytes()
    return b"\n" not in (data[:-1] if data.endswith(b"\n") else data)


JSTS_FILES = sorted(p.name for p in JSTS.iterdir() if p.name[:2] in ("y_", "n_", "i_") and _one_line(p)) \
    if JSTS.is_dir() else []


class SuiteRunner:
    """Converts the selected JSONTestSuite files once, JOBS at a time, on first use."""

    def __init__(self, out: Path, selected: list) -> None:
        self.out = out
        self.selected = selected
        self.results: dict[str, Run] = {}
        self.lock = threading.Lock()

    def get(self, name: str) -> Run:
        binary = lakeconv()
        with self.lock:
            if name not in self.results:
                todo = [n for n in self.selected if n not in self.results] or [name]
                if name not in todo:
                    todo.append(name)

                def one(n: str) -> tuple[str, Run]:
                    return n, run_lakeconv([JSTS / n], self.out / n, timeout=JSTS_TIMEOUT, binary=binary)
                with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, JOBS)) as ex:
                    self.results.update(ex.map(one, todo))
        return self.results[name]


@pytest.fixture(scope="session")
def suite(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SuiteRunner:
    selected = [item.callspec.params["name"] for item in request.session.items
                if getattr(item, "originalname", "") == "test_json_test_suite"]
    return SuiteRunner(tmp_path_factory.mktemp("jsts"), selected)


def test_json_test_suite_present() -> None:
    assert len(JSTS_FILES) > 300, f"expected the JSONTestSuite files in {JSTS}, found {len(JSTS_FILES)}"


@pytest.mark.parametrize("name", JSTS_FILES)
def test_json_test_suite(name: str, suite: SuiteRunner) -> None:
    path = JSTS / name
    data = path.read_bytes()
    run = suite.get(name)
    if run.returncode is None:
        pytest.fail(f"hung: no exit within {JSTS_TIMEOUT} s\n{run.describe()}", pytrace=False)
    if run.returncode < 0:
        pytest.fail(f"crashed\n{run.describe()}", pytrace=False)
    ref = reference_for([path])
    kind = name[0]
    content = data[3:] if data.startswith(cc.BOM) else data
    empty = not content.strip(b" \t\r\n")

    # the reference itself must agree with the suite's verdict
    if kind == "y":
        is_object = isinstance(json.loads(data), dict)
        assert [len(ref.rows), len(ref.bad)] == ([1, 0] if is_object else [0, 1]), "reference bug"
        if not is_object:
            assert ref.bad[0].category == "not_object", "reference bug"
    if kind == "n":
        assert not ref.rows and len(ref.bad) + ref.blank_lines == ref.lines_read, "reference bug"

    if kind == "i":
        if run.returncode not in (0, 1):
            pytest.fail(f"exit status must be 0 or 1\n{run.describe()}", pytrace=False)
        if run.returncode == 1:
            return
    summary = summary_of(run)
    counts = [summary.get(k) for k in ("rows_written", "bad_records", "blank_lines", "lines_read")]
    rows, bad, blank, lines = counts
    if not all(isinstance(c, int) for c in counts) or rows + bad + blank != lines:
        pytest.fail(f"rows + bad + blank != lines: {counts}\n{run.describe()}", pytrace=False)
    recs = bad_records(run)
    if kind == "y":
        if ref.rows:
            assert (rows, bad) == (1, 0), run.describe()
        else:
            assert (rows, bad) == (0, 1), run.describe()
            assert "not a JSON object" in recs[0].get("reason", ""), recs
    elif kind == "n":
        if empty:
            assert (rows, bad) == (0, 0) and blank == lines and lines in (0, 1), run.describe()
        else:
            assert (rows, bad, blank) == (0, 1, 0), run.describe()
            reason = recs[0].get("reason", "") if recs else ""
            assert reason.startswith("invalid JSON") or cc.is_limit_reason(reason), recs
    else:
        assert lines == 1, run.describe()
        ref_kind = "row" if ref.rows else "bad" if ref.bad else "blank"
        got_kind = "row" if rows else "bad" if bad else "blank"
        if ref_kind != got_kind:
            warnings.warn(f"{name}: lakeconv made a {got_kind} line, the contract's reference a {ref_kind} "
                          f"({ref.bad[0].detail if ref.bad else ''}); allowed for i_ files")
            return
    assert_conversion(run, [path], ref=ref, lenient_reasons=(kind == "i"))


# ---------------------------------------------------------------------------
# gzip

_plain_cache: dict = {}


def _plain_events(tmp_path_factory: pytest.TempPathFactory) -> Run:
    if "run" not in _plain_cache:
        path = NDJSON / "events_sample.ndjson"
        run = run_lakeconv([path], tmp_path_factory.mktemp("plain"))
        assert_conversion(run, [path])
        _plain_cache["run"] = run
    return _plain_cache["run"]


def _same_parquet_values(a: Path, b: Path) -> None:
    ta, tb = pq.read_table(a), pq.read_table(b)
    assert ta.schema.equals(tb.schema), f"schemas differ:\n{ta.schema}\n---\n{tb.schema}"
    assert ta.equals(tb), "the gzip conversion's values differ from the plain conversion's"


def _summary_counts(s: dict) -> dict:
    keep = ("rows_written", "bad_records", "blank_lines", "lines_read", "duplicate_keys")
    return {k: s.get(k) for k in keep}


@pytest.mark.parametrize("members", [1, 2])
def test_gzip(members: int, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    data = (NDJSON / "events_sample.ndjson").read_bytes()
    if members == 1:
        blob = gzip.compress(data)
    else:  # split inside a line, away from any newline
        cut = len(data) // 2
        while data[cut - 1:cut + 1].count(b"\n"):
            cut += 1
        blob = gzip.compress(data[:cut]) + gzip.compress(data[cut:])
    path = tmp_path / f"events_sample.{members}m.ndjson.gz"
    path.write_bytes(blob)
    run = run_lakeconv([path], tmp_path / "out")
    _, summary = assert_conversion(run, [path])
    plain = _plain_events(tmp_path_factory)
    _same_parquet_values(plain.parquet, run.parquet)
    assert _summary_counts(summary) == _summary_counts(json.loads(plain.stdout))


@pytest.mark.parametrize("kind", ["process-substitution", "fifo", "gzip-fifo"])
def test_stream_inputs(kind: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Inputs that can be read only once (a pipe from `<(…)`, a FIFO) give every record: the
    schema pass and the conversion would otherwise read the stream twice, the second time
    empty (it once wrote a valid file with 0 rows). They are copied to TMPDIR first."""
    data = (NDJSON / "events_sample.ndjson").read_bytes()
    out = tmp_path / "out"
    out.mkdir()
    parquet = out / "s.parquet"
    spool = tmp_path / "spool"
    spool.mkdir()
    env = {**os.environ, "TMPDIR": str(spool)}
    if kind == "process-substitution":
        source = tmp_path / "in.ndjson"
        source.write_bytes(data)
        p = subprocess.run(["bash", "-c", f'"$0" ndjson-to-parquet <(cat "$1") --output "$2" --json', lakeconv(), str(source), str(parquet)],
                           capture_output=True, timeout=TIMEOUT, env=env)
    else:
        fifo = tmp_path / "in.ndjson"
        os.mkfifo(fifo)
        blob = gzip.compress(data) if kind == "gzip-fifo" else data
        writer = threading.Thread(target=lambda: fifo.write_bytes(blob))
        writer.start()
        p = subprocess.run([lakeconv(), "ndjson-to-parquet", str(fifo), "--output", str(parquet), "--json"],
                           capture_output=True, timeout=TIMEOUT, env=env)
        writer.join(timeout=60)
    assert p.returncode == 0, p.stderr.decode()
    plain = _plain_events(tmp_path_factory)
    assert _summary_counts(json.loads(p.stdout)) == _summary_counts(json.loads(plain.stdout))
    _same_parquet_values(plain.parquet, parquet)
    assert list(spool.iterdir()) == [], "the copy of the stream was left behind"


@pytest.mark.parametrize("cut", ["mid-stream", "no-trailer"])
def test_gzip_truncated(cut: str, tmp_path: Path) -> None:
    blob = gzip.compress((NDJSON / "events_sample.ndjson").read_bytes())
    blob = blob[: len(blob) * 6 // 10] if cut == "mid-stream" else blob[:-8]
    path = tmp_path / "events_sample.truncated.ndjson.gz"
    path.write_bytes(blob)
    run = run_lakeconv([path], tmp_path / "out")
    if run.returncode is None or run.returncode < 0:
        pytest.fail(f"a truncated gzip must fail cleanly\n{run.describe()}", pytrace=False)
    assert run.returncode == 1, f"a truncated gzip must exit 1\n{run.describe()}"
    err = run.stderr.decode("utf-8", "replace")
    assert str(path) in err, f"stderr must name the file {path}\n{run.describe()}"
    assert "truncated" in err.lower(), f"stderr must say 'truncated'\n{run.describe()}"


# ---------------------------------------------------------------------------
# --infer-uuid: the Parquet UUID type, read back by pyarrow and DuckDB


def _uuid_lines(count: int, seed: int = 7) -> list[bytes]:
    """Records with UUID columns at the top level, in a struct and in a list (mixed case, one
    escaped, nulls, absent), and a column that is all UUIDs but one (it must stay a string)."""
    import random
    import uuid as uuidlib
    rng = random.Random(seed)
    lines = []
    for i in range(count):
        u = uuidlib.UUID(int=rng.getrandbits(128))
        text = str(u).upper() if i % 5 == 0 else str(u)
        rec: dict = {"id": text, "n": i, "dev": {"sid": str(uuidlib.UUID(int=rng.getrandbits(128)))},
                     "refs": [str(uuidlib.UUID(int=rng.getrandbits(128))) for _ in range(i % 3)],
                     "almost": str(uuidlib.UUID(int=i))}
        if i % 7 == 3:
            rec["id"] = None
        if i % 11 == 4:
            del rec["dev"]
        if i == count // 2:
            rec["almost"] = "not-a-uuid"
        line = json.dumps(rec)
        if i == 12:  # an escaped UUID: decoded, then parsed
            line = line.replace(f'"id": "{text}"', '"id": "\\u00%02x%s"' % (ord(text[0]), text[1:]))
            assert "\\u00" in line
        lines.append(line.encode() + b"\n")
    return lines


def test_store_incompressible_pages(tmp_path: Path) -> None:
    """--store-incompressible-pages: a column of hex IDs (Snappy saves ~10%) is written as Snappy
    literals, text is still compressed, and pyarrow and DuckDB read every value back."""
    import random

    import duckdb
    rng = random.Random(11)
    words = ["partition", "payment", "user", "order", "error", "cart", "request", "pending", "item"]
    path = tmp_path / "ids.ndjson"
    with path.open("w") as f:
        for i in range(30000):
            rec = {"id": "%032x" % rng.getrandbits(128), "n": i,
                   "text": " ".join(rng.choice(words) for _ in range(12))}
            if i % 97 == 5:
                rec["id"] = None
            f.write(json.dumps(rec) + "\n")
    sizes = {}
    for label, extra in (("stored", ("--store-incompressible-pages",)), ("compressed", ())):
        run = run_lakeconv([path], tmp_path / label, extra=extra)
        assert_conversion(run, [path])
        meta = pq.ParquetFile(run.parquet).metadata
        for j in range(meta.num_columns):
            col = meta.row_group(0).column(j)
            assert col.compression == "SNAPPY"
            sizes[(label, col.path_in_schema)] = (col.total_compressed_size, col.total_uncompressed_size)
        con = duckdb.connect()
        got = con.execute(f"select id, n, text from read_parquet('{run.parquet}') order by n").fetchall()
        recs = [json.loads(line) for line in path.read_text().splitlines()]
        assert got == [(r["id"], r["n"], r["text"]) for r in recs]
    stored, raw = sizes[("stored", "id")]
    # The first 1 MiB page is a literal (only the short last page, under two probes, is compressed).
    assert stored > raw * 0.99, f"id pages were compressed ({stored} of {raw} bytes) with --store-incompressible-pages"
    compressed, _ = sizes[("compressed", "id")]
    assert compressed < raw * 0.95, f"without the flag the id pages are compressed ({compressed} of {raw} bytes)"
    text, text_raw = sizes[("stored", "text")]
    assert text < text_raw * 0.7, "text pages are still compressed with the flag"


def test_infer_schema_big_integers(tmp_path: Path) -> None:
    """infer-schema --big-integers gives the type ndjson-to-parquet would use, and its output
    fed back with --schema keeps every digit."""
    binary = lakeconv()
    path = tmp_path / "big.ndjson"
    big = 123456789012345678901234567890
    path.write_text(f'{{"id":1,"big":123}}\n{{"id":2,"big":{big}}}\n{{"id":3,"big":null}}\n')
    types = {}
    for policy in ("double", "decimal", "string"):
        p = subprocess.run([binary, "infer-schema", str(path), "--big-integers", policy], capture_output=True, timeout=TIMEOUT)
        assert p.returncode == 0, p.stderr.decode()
        schema = json.loads(p.stdout)
        types[policy] = {f["name"]: f["type"] for f in schema["fields"]}
        (tmp_path / f"{policy}.json").write_bytes(p.stdout)
    assert types["double"]["big"] == "double"
    assert types["decimal"]["big"] == "decimal(38,0)"
    assert types["string"]["big"] == "string"
    assert all(t["id"] == "bigint" for t in types.values())
    run = run_lakeconv([path], tmp_path / "out", extra=("--schema", str(tmp_path / "string.json")))
    assert summary_of(run)["rows_written"] == 3
    assert read_column(run.parquet, "big") == ["123", str(big), None]
    p = subprocess.run([binary, "infer-schema", str(path), "--big-integers", "float"], capture_output=True, timeout=TIMEOUT)
    assert p.returncode != 0 and b"--big-integers must be double, decimal or string" in p.stderr


def test_infer_uuid(tmp_path: Path) -> None:
    import uuid as uuidlib

    import duckdb
    lines = _uuid_lines(25_000)
    src = tmp_path / "uuids.ndjson"
    src.write_bytes(b"".join(lines))
    out = tmp_path / "u.parquet"
    p = subprocess.run([lakeconv(), "ndjson-to-parquet", str(src), "--output", str(out), "--infer-uuid", "--json"],
                       capture_output=True, timeout=TIMEOUT)
    assert p.returncode == 0, p.stderr.decode()
    summary = json.loads(p.stdout)
    assert summary["rows_written"] == len(lines) and summary["bad_records"] == 0

    # Types: FIXED_LEN_BYTE_ARRAY(16) + UUID wherever every value is UUID text; a string otherwise.
    f = pq.ParquetFile(out)
    physical = {f.schema.column(i).path: (f.schema.column(i).physical_type, str(f.schema.column(i).logical_type))
                for i in range(len(f.schema))}
    for path in ("id", "dev.sid", "refs.list.element"):
        assert physical[path] == ("FIXED_LEN_BYTE_ARRAY", "UUID"), (path, physical[path])
        assert f.schema.column([i for i in range(len(f.schema)) if f.schema.column(i).path == path][0]).length == 16
    assert physical["almost"] == ("BYTE_ARRAY", "String")

    def expected_uuid(text: Optional[str]) -> Optional[uuidlib.UUID]:
        return None if text is None else uuidlib.UUID(text)

    expected = []
    for line in lines:
        rec = json.loads(line)
        dev = rec.get("dev")
        expected.append((expected_uuid(rec["id"]), rec["n"], None if dev is None else expected_uuid(dev["sid"]),
                         [uuidlib.UUID(t) for t in rec["refs"]], rec["almost"]))

    def as_uuid(v: object) -> Optional[uuidlib.UUID]:
        if v is None or isinstance(v, uuidlib.UUID):
            return v
        return uuidlib.UUID(bytes=bytes(v))

    # pyarrow: the arrow.uuid extension type (or its 16-byte storage), every value.
    rows = pq.read_table(out).to_pylist()
    got = [(as_uuid(r["id"]), r["n"], None if r["dev"] is None else as_uuid(r["dev"]["sid"]),
            [as_uuid(x) for x in r["refs"]], r["almost"]) for r in rows]
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected)):
        assert g == e, f"pyarrow row {i}: {g} != {e}"

    # DuckDB: its UUID type, every value, and the text form in lower case.
    con = duckdb.connect()
    cols = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{out}')").fetchall()}
    assert cols["id"] == "UUID" and cols["almost"] == "VARCHAR", cols
    drows = con.execute(f"SELECT id, n, dev.sid, refs, almost, CAST(id AS VARCHAR) FROM read_parquet('{out}')").fetchall()
    for i, (r, e) in enumerate(zip(drows, expected)):
        assert (r[0], r[1], r[2], list(r[3]), r[4]) == e, f"duckdb row {i}"
        assert r[5] == (None if e[0] is None else str(e[0]))

    # Without the flag the same columns are strings holding the text as given.
    plain = tmp_path / "s.parquet"
    p = subprocess.run([lakeconv(), "ndjson-to-parquet", str(src), "--output", str(plain)], capture_output=True, timeout=TIMEOUT)
    assert p.returncode == 0, p.stderr.decode()
    assert pq.read_schema(plain).field("id").type == pa.string()
    assert pq.read_table(plain, columns=["n", "almost"]).column("almost").to_pylist() == [e[4] for e in expected]

    # Athena/Glue cannot read the UUID type: the catalog side refuses it before anything is written.
    ds = tmp_path / "ds"
    p = subprocess.run([lakeconv(), "ndjson-to-parquet", str(src), "--output", str(ds), "--infer-uuid",
                        "--table", "db.t", "--location", "s3://b/p/", "--catalog-out", str(tmp_path / "cat")],
                       capture_output=True, timeout=TIMEOUT)
    assert p.returncode == 2 and b"UUID" in p.stderr and not ds.exists() and not (tmp_path / "cat").exists(), p.stderr.decode()


# ---------------------------------------------------------------------------
# --schema types beyond what inference produces


def test_schema_narrow_integers_and_float(tmp_path: Path) -> None:
    """tinyint/smallint/int are range-checked (never wrapped), float is rounded; read back by
    pyarrow and DuckDB. Types the converter cannot fill yet are refused before anything is
    written."""
    import duckdb
    src = tmp_path / "in.ndjson"
    src.write_text('{"t":1,"s":-300,"i":70000,"f":1.5,"id":1}\n'
                   '{"t":127,"s":32767,"i":-2147483648,"f":2,"id":2}\n'
                   '{"t":null,"f":null,"id":3}\n'
                   '{"t":128,"id":4}\n'                      # beyond tinyint: a bad record
                   '{"s":40000,"id":5}\n'                    # beyond smallint
                   '{"i":2147483648,"id":6}\n'              # beyond int
                   '{"t":1.5,"id":7}\n'                      # not an integer
                   '{"f":1e39,"id":8}\n'                     # beyond float
                   '{"f":0.1,"id":9}\n', encoding="utf-8")
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"fields": [
        {"name": "t", "type": "tinyint"}, {"name": "s", "type": "smallint"}, {"name": "i", "type": "int"},
        {"name": "f", "type": "float"}, {"name": "id", "type": "bigint"}]}), encoding="utf-8")
    run = run_lakeconv([src], tmp_path, extra=("--schema", str(schema)))
    summary = summary_of(run)
    assert (summary["rows_written"], summary["bad_records"]) == (4, 5), summary
    assert sorted(b["line"] for b in bad_records(run)) == [4, 5, 6, 7, 8]
    reasons = {b["line"]: b["reason"] for b in bad_records(run)}
    assert reasons[4] == "'t' is 128, outside the range of tinyint (-128 to 127)", reasons
    assert reasons[7] == "'t' is a number with a fraction or an exponent where the schema expects an integer", reasons
    t = pq.read_table(run.parquet)
    assert [str(t.schema.field(n).type) for n in ("t", "s", "i", "f")] == ["int8", "int16", "int32", "float"]
    rows = {r["id"]: r for r in t.to_pylist()}
    assert [rows[k]["t"] for k in (1, 2, 3, 9)] == [1, 127, None, None]
    assert [rows[k]["s"] for k in (1, 2, 3)] == [-300, 32767, None]
    assert [rows[k]["i"] for k in (1, 2)] == [70000, -2147483648]
    assert [rows[k]["f"] for k in (1, 2, 3)] == [1.5, 2.0, None]
    assert rows[9]["f"] == pytest.approx(0.1, rel=1e-7) and rows[9]["f"] != 0.1  # rounded to float
    con = duckdb.connect()
    got = con.execute("select id, t, s, i, f from read_parquet(?) order by id", [str(run.parquet)]).fetchall()
    assert [(r[0], r[1], r[2], r[3]) for r in got] == [(k, rows[k]["t"], rows[k]["s"], rows[k]["i"]) for k in sorted(rows)]
    for bad_type in ("decimal(10,2)", "binary", "map<string,bigint>"):
        schema.write_text(json.dumps({"fields": [{"name": "t", "type": bad_type}]}), encoding="utf-8")
        run = run_lakeconv([src], tmp_path / bad_type.replace("<", "_").replace(">", "_").replace(",", "_"),
                           extra=("--schema", str(schema)))
        assert run.returncode == 2, run.describe()
        assert b"not supported yet" in run.stderr and not run.parquet.exists(), run.describe()


def test_stale_bad_records_file_is_removed(tmp_path: Path) -> None:
    """A clean run leaves no bad-records file from an earlier run: it would contradict the
    summary's bad_records 0. A failed run leaves the earlier files as they were."""
    messy = tmp_path / "messy.ndjson"
    messy.write_text('{"a":1}\nnot json\n', encoding="utf-8")
    clean = tmp_path / "clean.ndjson"
    clean.write_text('{"a":1}\n{"a":2}\n', encoding="utf-8")
    first = run_lakeconv([messy], tmp_path / "o", extra=("--max-bad-records", "0"))
    assert first.returncode == 1 and first.bad.exists(), first.describe()
    second = run_lakeconv([clean], tmp_path / "o")
    summary = summary_of(second)
    assert summary["bad_records"] == 0 and summary["bad_records_path"] is None, summary
    assert not second.bad.exists(), "the earlier run's bad-records file is still there"
    third = run_lakeconv([messy], tmp_path / "o", extra=("--max-bad-records", "0", "--mode", "overwrite"))
    assert third.returncode == 1 and third.bad.exists() and third.parquet.exists(), third.describe()


def test_sample_null_only_column_takes_no_other_kind(tmp_path: Path) -> None:
    """--sample: a key only null in the sample is a string column; a later integer or array in it
    is a bad record (not its digits or JSON text), a later string is stored."""
    src = tmp_path / "in.ndjson"
    src.write_text('{"a":1,"x":null}\n{"a":2,"x":0}\n{"a":3,"x":[1]}\n{"a":4,"x":"s"}\n', encoding="utf-8")
    run = run_lakeconv([src], tmp_path, extra=("--sample", "1"))
    summary = summary_of(run)
    assert (summary["rows_written"], summary["bad_records"]) == (2, 2), summary
    assert sorted(b["line"] for b in bad_records(run)) == [2, 3]
    assert read_column(run.parquet, "x") == [None, "s"]
    assert any(n.startswith("in the first 1 records (--sample): x:") for n in summary["schema_notes"]), summary


def test_folder_inputs_skip_other_formats_and_duplicates(tmp_path: Path) -> None:
    """A folder holding an earlier Parquet output and a symbolic link to a file it also holds:
    the Parquet file is not read as NDJSON and the linked file is read once, both noted."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.ndjson").write_text('{"a":1}\n{"a":2}\n', encoding="utf-8")
    (folder / "z-link.ndjson").symlink_to(folder / "a.ndjson")
    first = run_lakeconv([folder / "a.ndjson"], tmp_path / "o1")
    summary_of(first)
    (folder / "old.parquet").write_bytes(first.parquet.read_bytes())
    run = run_lakeconv([folder], tmp_path / "o2")
    summary = summary_of(run)
    assert (summary["rows_written"], summary["bad_records"]) == (2, 0), summary
    assert any(n.startswith("inputs: 2 file(s)") for n in summary["schema_notes"]), summary["schema_notes"]
    # Named on the command line too, a second path to a file already read is read once, noted
    # (its rows twice would be duplicates no reader could tell apart).
    named = run_lakeconv([folder / "a.ndjson", folder / "z-link.ndjson"], tmp_path / "o3")
    assert summary_of(named)["rows_written"] == 2
    assert any(n.startswith("inputs: 1 file(s)") for n in summary_of(named)["schema_notes"])


def _run(args: list, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([lakeconv(), "ndjson-to-parquet", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT)


def test_outputs_never_overwrite_or_delete_inputs(tmp_path: Path) -> None:
    """--output and --bad-records that would overwrite or delete an input are refused before
    anything is written (each once destroyed inputs with exit 0)."""
    (tmp_path / "x.ndjson").write_text('{"a":1}\nbroken\n{"a":2}\n')
    p = _run(["x.ndjson", "--output", "xo.parquet", "--bad-records", "x.ndjson"], tmp_path)
    assert p.returncode == 2 and "bad-records file" in p.stderr, p.stderr
    assert (tmp_path / "x.ndjson").read_text() == '{"a":1}\nbroken\n{"a":2}\n'
    (tmp_path / "in" / "sub").mkdir(parents=True)
    (tmp_path / "in" / "a.ndjson").write_text('{"a":1}\n')
    (tmp_path / "in" / "sub" / "b.ndjson").write_text('{"a":2}\n')
    for output in ["in", "."]:
        p = _run(["in", "--output", output, "--mode", "overwrite"], tmp_path)
        assert p.returncode == 2 and "holds this input" in p.stderr, p.stderr
    assert sorted(str(q.relative_to(tmp_path)) for q in (tmp_path / "in").rglob("*")) == ["in/a.ndjson", "in/sub", "in/sub/b.ndjson"]
    p = _run(["x.ndjson", "--output", "y.parquet", "--bad-records", "y.parquet"], tmp_path)
    assert p.returncode == 2 and not (tmp_path / "y.parquet").exists(), p.stderr
    assert _run(["in", "--output", "ds"], tmp_path).returncode == 0
    p = _run(["x.ndjson", "--output", "ds", "--bad-records", "ds/bad.ndjson", "--mode", "overwrite"], tmp_path)
    assert p.returncode == 2 and "inside the output folder" in p.stderr, p.stderr
    assert pq.read_table(tmp_path / "ds").num_rows == 2  # the dataset before, untouched


def test_a_file_is_read_once_and_bad_records_files_are_not_inputs(tmp_path: Path) -> None:
    """A file named twice (directly, by a pattern, through its folder) gives its rows once; an
    output inside its input folder does not read its own bad-records file back as data."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.ndjson").write_text('{"a":1}\nbroken\n')
    p = _run(["in/a.ndjson", "in/a.*", "./in/a.ndjson", "in", "--output", "d.parquet"], tmp_path)
    assert p.returncode == 0, p.stderr
    assert pq.read_table(tmp_path / "d.parquet").num_rows == 1
    assert "were not read" in p.stderr
    for mode in ["error", "overwrite"]:
        p = _run(["in", "--output", "in/out.parquet", "--mode", mode], tmp_path)
        assert p.returncode == 0, p.stderr
        assert pq.read_table(tmp_path / "in" / "out.parquet").to_pylist() == [{"a": 1}]


def test_gzip_by_magic_bytes_and_empty_gzip(tmp_path: Path) -> None:
    """Gzip is recognised in any case of its suffix and by its magic bytes (an upper-case .GZ
    became a few bad records of compressed bytes); an empty .gz is an error, as for gzip -d."""
    blob = gzip.compress("".join(json.dumps({"i": i}) + "\n" for i in range(1000)).encode())
    for name in ["E.NDJSON.GZ", "e.ndjson.gzip", "e-no-suffix.ndjson"]:
        (tmp_path / name).write_bytes(blob)
        p = _run([name, "--output", f"{name}.parquet", "--json"], tmp_path)
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout)["rows_written"] == 1000 and json.loads(p.stdout)["bad_records"] == 0
    (tmp_path / "z.ndjson.gz").write_bytes(b"")
    p = _run(["z.ndjson.gz", "--output", "z.parquet"], tmp_path)
    assert p.returncode == 1 and "not a gzip stream" in p.stderr and not (tmp_path / "z.parquet").exists(), p.stderr


def test_small_target_file_size_is_kept(tmp_path: Path) -> None:
    """--target-file-size 200KiB: files end near it (one 16 MiB chunk used to make one 730 KB
    file), and together hold every row in order."""
    import random
    rng = random.Random(11)
    with open(tmp_path / "a.ndjson", "w") as f:
        for i in range(60_000):
            f.write(json.dumps({"i": i, "s": "x" * rng.randint(0, 200), "d": rng.random()}) + "\n")
    p = _run(["a.ndjson", "--output", "out", "--target-file-size", "200KiB", "--quiet"], tmp_path)
    assert p.returncode == 0, p.stderr
    sizes = [q.stat().st_size for q in (tmp_path / "out").glob("*.parquet")]
    assert len(sizes) >= 2 and max(sizes) <= 2 * 200 * 1024, sizes
    table = pq.read_table(tmp_path / "out")
    assert sorted(table.column("i").to_pylist()) == list(range(60_000))


def test_truncated_bad_record_keeps_whole_characters_and_limit_text(tmp_path: Path) -> None:
    """A valid UTF-8 line longer than 64 KiB is cut at a character boundary and written as
    `raw` (a cut inside an emoji made it raw_base64); --max-bad-records 0.99% is quoted as
    given, without binary noise."""
    (tmp_path / "a.ndjson").write_bytes(('{"s":"' + "\U0001F600" * 20000 + '"').encode() + b"\n" + b'{"a":1}\n')
    p = _run(["a.ndjson", "--output", "o.parquet", "--quiet"], tmp_path)
    assert p.returncode == 0, p.stderr
    records = [json.loads(line) for line in (tmp_path / "o.bad_records.ndjson").read_text().splitlines()]
    assert len(records) == 1 and "raw" in records[0] and "raw_base64" not in records[0]
    assert records[0]["raw"].startswith('{"s":"\U0001F600') and len(records[0]["raw"].encode()) <= 65536
    (tmp_path / "b.ndjson").write_text("broken\n" * 5 + '{"a":1}\n' * 95)
    p = _run(["b.ndjson", "--output", "b.parquet", "--max-bad-records", "0.99%"], tmp_path)
    assert p.returncode == 1 and "more than 0.99%" in p.stderr, p.stderr
    # A negative limit is a refused value with the reason (it was "Missing value").
    p = _run(["b.ndjson", "--output", "c.parquet", "--max-bad-records", "-1"], tmp_path)
    assert p.returncode == 2 and "takes a count" in p.stderr and "Missing value" not in p.stderr, p.stderr
    assert not (tmp_path / "c.parquet").exists()


def test_upper_case_parquet_output_is_a_file_and_decimal_digits_reason(tmp_path: Path) -> None:
    """`--output X.PARQUET` writes one file (it made a dataset folder of that name); a 39-digit
    value in a decimal(38,0) column is reported by its digits (the reason said "beyond 64 bits")."""
    (tmp_path / "a.ndjson").write_text('{"d":1}\n{"d":100000000000000000000000000000000000000}\n')
    (tmp_path / "s.json").write_text(json.dumps({"fields": [{"name": "d", "type": "decimal(38,0)"}]}))
    p = _run(["a.ndjson", "--output", "X.PARQUET", "--schema", "s.json"], tmp_path)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "X.PARQUET").is_file() and pq.read_table(tmp_path / "X.PARQUET").num_rows == 1
    bad = [json.loads(line) for line in (tmp_path / "X.bad_records.ndjson").read_text().splitlines()]
    assert [b["reason"] for b in bad] == ["'d' is an integer of 39 digits where the schema expects an integer of at most 38 digits"], bad
