"""Self-test of check_conversion.py and test_conversion.py (no Swift needed).

    .venv/bin/python -m pytest Tests/Interop/selftest_conversion.py -q

* the reference classifier, timestamp/date parsing and type inference on small
  hand-written cases;
* the checks on Parquet files written by pyarrow: fake_lakeconv.py's correct
  output passes; each bug it can inject, and each hand-made schema mistake,
  makes the right check fail;
* test_conversion.py itself, run in a subprocess: it fails (never skips) when
  the binary is missing, and it catches an injected bug.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

INTEROP = Path(__file__).resolve().parent
REPO = INTEROP.parents[1]
sys.path.insert(0, str(INTEROP))
import check_conversion as cc  # noqa: E402
import test_conversion as tc  # noqa: E402

FAKE = INTEROP / "fake_lakeconv.py"


# ---------------------------------------------------------------------------
# Reference


@pytest.mark.parametrize("line, kind, category", [
    (b"", "blank", ""), (b" \t\r ", "blank", ""), (b"\x0c", "bad", "invalid"),
    (b"{}", "row", ""), (b' {"a" : 1 } ', "row", ""), (b"[]", "bad", "not_object"),
    (b"null", "bad", "not_object"), (b'"x"', "bad", "not_object"), (b"1", "bad", "not_object"),
    (b'{"a":NaN}', "bad", "invalid"), (b'{"a":-Infinity}', "bad", "invalid"),
    (b'{"a":01}', "bad", "invalid"), (b'{"a":1.}', "bad", "invalid"), (b'{"a":-}', "bad", "invalid"),
    (b'{"a":1e400}', "bad", "range"), (b'{"a":-1e400}', "bad", "range"), (b'{"a":1e-400}', "row", ""),
    (b'{"a":' + b"9" * 400 + b"}", "bad", "range"), (b'{"a":' + b"9" * 300 + b"}", "row", ""),
    (b'{"a":"\\ud800"}', "bad", "invalid"), (b'{"\\udc00":1}', "bad", "invalid"),
    (b'{"a":"\\ud83d\\ude80"}', "row", ""), (b'{"a":"\xff"}', "bad", "invalid"),
    (b'{"a":"\xed\xa0\x80"}', "bad", "invalid"), (cc.BOM + b"{}", "bad", "invalid"),
    (b'{"a":1}{"b":2}', "bad", "invalid"), (b'{"a":"\t"}', "bad", "invalid"),
    (b'{"a":' + b"[" * 999 + b"]" * 999 + b"}", "row", ""),
    (b'{"a":' + b"[" * 1000 + b"]" * 1000 + b"}", "bad", "depth"),
])
def test_parse_line(line: bytes, kind: str, category: str) -> None:
    p = cc.parse_line(line)
    assert (p.kind, p.category) == (kind, category), p.detail


def test_duplicates_and_values() -> None:
    p = cc.parse_line(b'{"a":1,"b":{"x":1,"x":2,"x":3},"a":-0,"c":-0.0}')
    assert p.value == {"a": 0, "b": {"x": 3}, "c": -0.0} and list(p.value) == ["a", "b", "c"]
    assert (p.dup_keys, p.dup_objects) == (3, 2)
    assert str(p.value["c"]) == "-0.0" and type(p.value["a"]) is int


@pytest.mark.parametrize("text, ns", [
    ("1970-01-01T00:00:00Z", 0), ("1970-01-01 00:00:00z", 0), ("1970-01-01T01:00:00+01:00", 0),
    ("1970-01-01T01:00:00+0100", 0), ("1969-12-31T23:59:59.5Z", -500_000_000),
    ("2021-03-01T00:00:00.123456789Z", 1614556800_123456789), ("2021-02-28T23:59:59.999-08:00", 1614585599_999000000),
    ("2021-03-01T00:00:00", None), ("2021-02-30T00:00:00Z", None), ("2021-03-01T24:00:00Z", None),
    ("2021-03-01T00:00:00.Z", None), ("2021-03-01T00:00:00.1234567890Z", None), ("2021-03-01t00:00:00Z", None),
    ("2021-03-01T00:00:00+1:00", None), ("٢٠٢١-03-01T00:00:00Z", None),
])
def test_parse_timestamp(text: str, ns) -> None:
    got = cc.parse_timestamp(text)
    assert (got[0] if got else None) == ns


def _infer(*records) -> list:
    ref = cc.Reference.build(["x"], data=[b"".join(json.dumps(r).encode() + b"\n" for r in records)])
    return [(n, cc.type_str(t)) for n, t in ref.schema]


def test_inference() -> None:
    assert _infer({"a": 1}, {"a": 2**63}) == [("a", "double")]
    assert _infer({"a": 1}, {"a": 1.5}, {"a": None}) == [("a", "double")]
    assert _infer({"a": True}, {"a": 1}) == [("a", "string (JSON)")]
    assert _infer({"a": None}, {}) == [("a", "string")]
    assert _infer({"a": "2021-01-01"}, {"a": "2021-01-01T00:00:00Z"}) == [("a", "string")]
    assert _infer({"a": "2021-01-01T00:00:00.1234Z"}, {"a": "2021-01-01T00:00:00Z"}) == [("a", "timestamp[us, tz=UTC]")]
    assert _infer({"a": {}}, {"a": {"b": 1}}) == [("a", "struct<b: int64>")]
    assert _infer({"a": {}}, {"a": None}) == [("a", "string (JSON)")]
    assert _infer({"a": []}, {"a": [None]}) == [("a", "list<string>")]
    assert _infer({"a": [1, "x"]}) == [("a", "list<string (JSON)>")]
    assert _infer({"b": 1}, {"a": 1, "b": 2}) == [("b", "int64"), ("a", "int64")]


def test_deep_row_reference() -> None:
    line = b'{"a":' + b"[" * 998 + b"1" + b"]" * 998 + b"}"
    ref = cc.Reference.build(["deep"], data=[line])
    (row,) = list(ref.iter_expected())
    depth, v = 0, row[0]
    while isinstance(v, list):
        depth, v = depth + 1, v[0]
    assert (depth, v) == (998, 1)
    cmp_ = cc.make_comparator(ref.schema[0][1])
    found: list = []
    cmp_(row[0], json.loads(line)["a"], "a", found)
    assert not found


def test_lines_and_offsets() -> None:
    data = cc.BOM + b"{}\r\n\n  \nx\r\n{}"
    got = [(n, off, data[s:e]) for n, off, s, e, _, _ in cc.iter_lines(data)]
    assert got == [(1, 0, b"{}"), (2, 7, b""), (3, 8, b"  "), (4, 11, b"x"), (5, 14, b"{}")]
    assert list(cc.iter_lines(b"")) == [] and len(list(cc.iter_lines(b"\n"))) == 1


# ---------------------------------------------------------------------------
# The checks on pyarrow-written files


def fake(inputs: list, out: Path, bug: str = "", cwd: Path = REPO) -> tuple[Path, Path, dict]:
    out.mkdir(parents=True, exist_ok=True)
    parquet, bad = out / "o.parquet", out / "bad.ndjson"
    env = dict(os.environ, FAKE_LAKECONV_BUG=bug)
    p = subprocess.run([sys.executable, str(FAKE), "ndjson-to-parquet", *map(str, inputs),
                        "--output", str(parquet), "--bad-records", str(bad), "--json", "--mode", "overwrite"],
                       capture_output=True, env=env, cwd=cwd, timeout=300)
    assert p.returncode == 0, p.stderr.decode()
    return parquet, bad, json.loads(p.stdout)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> list:
    d = tmp_path_factory.mktemp("inputs")
    (d / "hazards.ndjson").write_bytes(b"".join(tc.HAZARD_LINES))
    (d / "bad.ndjson").write_bytes(tc._bad_hazards()[0])
    return [REPO / "Fixtures/ndjson/messy.ndjson", REPO / "Fixtures/ndjson/nested.ndjson",
            d / "hazards.ndjson", d / "bad.ndjson"]


@pytest.fixture(scope="module")
def good(inputs, tmp_path_factory):
    parquet, bad, summary = fake(inputs, tmp_path_factory.mktemp("good"))
    return parquet, bad, summary


def test_good_output_passes(inputs, good) -> None:
    report = cc.check([str(i) for i in inputs], *good)
    assert report.ok, report.format()
    assert report.format().endswith("5 passed, 0 failed")


BUG_CHECKS = {  # bug -> a check that must fail
    "offset": "bad-records", "int_via_double": "values/pyarrow", "drop_last_row": "summary",
    "json_reformat": "values/duckdb", "neg_zero": "values/pyarrow", "reason": "bad-records",
    "miss_bad": "bad-records", "blank_as_bad": "summary", "ts_shift": "values/duckdb",
    "swap_rows": "values/pyarrow", "raw_cr": "bad-records", "nested_null": "values/duckdb",
}


@pytest.mark.parametrize("bug", sorted(BUG_CHECKS))
def test_injected_bug_is_caught(bug: str, inputs, tmp_path: Path) -> None:
    parquet, bad, summary = fake(inputs, tmp_path, bug)
    report = cc.check([str(i) for i in inputs], parquet, bad, summary)
    failed = [c.name for c in report.checks if not c.ok]
    assert BUG_CHECKS[bug] in failed, report.format()


def _rewrite(parquet: Path, out: Path, change) -> Path:
    t = pq.read_table(parquet)
    t = change(t)
    pq.write_table(t, out, store_schema=False)
    return out


def _set_type(t: pa.Table, name: str, typ) -> pa.Table:
    i = t.schema.get_field_index(name)
    return t.set_column(i, pa.field(name, typ), t.column(name).cast(typ))


@pytest.mark.parametrize("mistake, check", [
    ("json_as_string", "schema"), ("ts_naive", "schema"), ("int32", "schema"), ("ts_us", "schema"),
    ("column_order", "schema"), ("struct_order", "schema"), ("not_null", "schema"), ("extra_column", "schema"),
    ("list_item_named_item", None), ("large_string", None),
])
def test_schema_mistakes(mistake: str, check, inputs, good, tmp_path: Path) -> None:
    parquet, bad, summary = good

    def change(t: pa.Table) -> pa.Table:
        if mistake == "json_as_string":
            return _set_type(t, "score", pa.string())
        if mistake == "ts_naive":
            return _set_type(t, "ts", pa.timestamp("ms"))
        if mistake == "int32":
            return _set_type(t, "id", pa.int32())
        if mistake == "ts_us":
            return _set_type(t, "ts", pa.timestamp("us", tz="UTC"))
        if mistake == "column_order":
            names = t.schema.names
            return t.select([names[1], names[0]] + names[2:])
        if mistake == "struct_order":
            i = t.schema.get_field_index("nested_conflict")
            col = t.column(i).combine_chunks()
            flipped = pa.StructArray.from_arrays([col.field(1), col.field(0)], names=["b", "a"],
                                                 mask=col.is_null())
            return t.set_column(i, "nested_conflict", flipped)
        if mistake == "not_null":  # a list element declared required
            return t.cast(pa.schema([
                pa.field(f.name, pa.list_(pa.field("element", pa.string(), nullable=False)))
                if f.name == "always_empty" else f for f in t.schema]))
        if mistake == "extra_column":
            return t.append_column("extra", pa.array([None] * t.num_rows, pa.string()))
        if mistake == "list_item_named_item":
            return t.cast(pa.schema([pa.field(f.name, pa.list_(pa.field("item", f.type.value_type)))
                                     if pa.types.is_list(f.type) else f for f in t.schema]))
        if mistake == "large_string":
            return _set_type(t, "name", pa.large_string())
        raise AssertionError(mistake)

    out = _rewrite(parquet, tmp_path / "m.parquet", change)
    summary = dict(summary, output_files=[{"path": str(out), "rows": summary["rows_written"],
                                           "bytes": out.stat().st_size}])
    report = cc.check([str(i) for i in inputs], out, bad, summary)
    failed = [c.name for c in report.checks if not c.ok]
    if check is None:
        assert report.ok, report.format()
    else:
        assert check in failed, report.format()


def test_summary_mistakes(inputs, good) -> None:
    parquet, bad, summary = good
    names = [str(i) for i in inputs]

    def fails(s) -> bool:
        return not cc.check_summary(cc.Reference.build(names), s, parquet).ok
    assert not fails(summary)
    assert fails(dict(summary, duplicate_keys=summary["duplicate_keys"] + 1))
    assert fails(dict(summary, inputs=summary["inputs"][::-1]))
    assert fails(dict(summary, output_files=[dict(summary["output_files"][0], bytes=1)]))
    ins = [dict(summary["inputs"][0], path="messy.ndjson")] + summary["inputs"][1:]
    assert fails(dict(summary, inputs=ins))
    assert fails({k: v for k, v in summary.items() if k != "schema_notes"})


# ---------------------------------------------------------------------------
# test_conversion.py itself


def _pytest(args: list, bin_path: str, bug: str = "") -> subprocess.CompletedProcess:
    env = dict(os.environ, LAKECONV_BIN=bin_path, FAKE_LAKECONV_BUG=bug)
    return subprocess.run([sys.executable, "-m", "pytest", str(INTEROP / "test_conversion.py"), "-q",
                           "-p", "no:cacheprovider", *args], capture_output=True, env=env, cwd=REPO, timeout=900)


@pytest.fixture(scope="module")
def fake_bin(tmp_path_factory) -> str:
    p = tmp_path_factory.mktemp("bin") / "lakeconv"
    p.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKE}" "$@"\n')
    p.chmod(0o755)
    return str(p)


def test_missing_binary_fails_not_skips() -> None:
    p = _pytest(["-k", "test_fixture or gzip_truncated or json_test_suite and y_object_basic", "-rA"],
                "/nonexistent/lakeconv")
    out = p.stdout.decode()
    assert p.returncode == 1, out
    assert "lakeconv binary not found" in out and "skipped" not in out, out
    assert "6 failed" in out, out


def test_suite_passes_with_fake(fake_bin: str) -> None:
    p = _pytest(["-k", "test_fixture or test_messy or test_nested or test_several or test_type or test_bad "
                       "or test_gzip or json_test_suite and (y_object or n_number or i_string_UTF or i_number "
                       "or n_structure_100000 or no_data or single_space) and not empty"], fake_bin)
    out = p.stdout.decode()
    assert p.returncode == 0 and " passed" in out, out[-5000:]


@pytest.mark.parametrize("bug, test", [
    ("gz_ok", "gzip_truncated"), ("offset", "messy_by_hand"), ("json_reformat", "hazards"),
    ("int_via_double", "test_several"), ("reason", "json_test_suite and y_array_null"),
])
def test_suite_catches_bug(bug: str, test: str, fake_bin: str) -> None:
    p = _pytest(["-k", test], fake_bin, bug)
    assert p.returncode == 1 and " failed" in p.stdout.decode(), p.stdout.decode()[-5000:]
