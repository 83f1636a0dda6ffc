#!/usr/bin/env python3
"""A stand-in for ``lakeconv ndjson-to-parquet``, written with pyarrow.

For testing the tests only (selftest_conversion.py): it lets
test_conversion.py and check_conversion.py run end to end before the Swift
converter exists, and it can inject bugs to show that the checks catch them.
It classifies lines with check_conversion's reference (so it proves nothing
about that reference), but takes JSON-column cells from its own raw-text
scanner.

    fake_lakeconv.py ndjson-to-parquet INPUT... --output OUT.parquet
                     --bad-records BAD.ndjson --json [--mode overwrite]

Environment: FAKE_LAKECONV_BUG = comma-separated bug names (see BUGS).
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import os
import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_conversion as cc  # noqa: E402

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

BUGS = {
    "offset": "bad-record offsets one byte too far",
    "int_via_double": "int64 values pass through a double (lose digits above 2^53)",
    "drop_last_row": "the last row is not written",
    "json_reformat": "JSON cells re-serialised with spaces instead of the raw text",
    "neg_zero": "-0.0 written as 0.0",
    "reason": "'not a JSON object' lines reported as 'invalid JSON'",
    "miss_bad": "the last bad line is not written to the bad-records file",
    "blank_as_bad": "blank lines counted as bad records in the summary",
    "ts_shift": "timestamps one millisecond late",
    "swap_rows": "rows 1 and 2 swapped",
    "raw_cr": "raw text loses its last character",
    "nested_null": "empty lists written as null",
    "gz_ok": "a truncated gzip is converted without an error",
}
WS = " \t\r\n"


def active_bugs() -> set:
    bugs = {b for b in os.environ.get("FAKE_LAKECONV_BUG", "").split(",") if b}
    unknown = bugs - set(BUGS)
    if unknown:
        sys.exit(f"fake_lakeconv: unknown bug {sorted(unknown)}; known: {sorted(BUGS)}")
    return bugs


# --- raw text of every value of a (valid) line ------------------------------

def _ws(t: str, i: int) -> int:
    while i < len(t) and t[i] in WS:
        i += 1
    return i


def _string_end(t: str, i: int) -> int:
    i += 1
    while t[i] != '"':
        i += 2 if t[i] == "\\" else 1
    return i + 1


def scan(t: str, i: int):
    """(end, tree): tree is {key: (raw, tree)} for an object, [(raw, tree)] for
    an array, None for a scalar.  i is at the value."""
    c = t[i]
    if c == "{":
        out: dict = {}
        i = _ws(t, i + 1)
        if t[i] == "}":
            return i + 1, out
        while True:
            i = _ws(t, i)
            ks = i
            i = _string_end(t, i)
            key = json.loads(t[ks:i])
            i = _ws(t, i) + 1  # ':'
            i = _ws(t, i)
            vs = i
            i, sub = scan(t, i)
            out[key] = (t[vs:i], sub)  # a repeated key: the last one wins
            i = _ws(t, i)
            if t[i] == "}":
                return i + 1, out
            i += 1  # ','
    if c == "[":
        items: list = []
        i = _ws(t, i + 1)
        if t[i] == "]":
            return i + 1, items
        while True:
            i = _ws(t, i)
            vs = i
            i, sub = scan(t, i)
            items.append((t[vs:i], sub))
            i = _ws(t, i)
            if t[i] == "]":
                return i + 1, items
            i += 1
    if c == '"':
        return _string_end(t, i), None
    while i < len(t) and t[i] not in ",]} \t\r\n":
        i += 1
    return i, None


def cell(v, raw, tree, t, bugs):
    if v is None:
        return None
    if isinstance(t, cc.Struct):
        return {n: cell(v.get(n), *(tree.get(n) or (None, None)), ft, bugs) for n, ft in t.fields}
    if isinstance(t, cc.ListOf):
        if not v and "nested_null" in bugs:
            return None
        return [cell(x, r, s, t.item, bugs) for x, (r, s) in zip(v, tree)]
    name = t.name
    if name == "json":
        return json.dumps(v, ensure_ascii=False) if "json_reformat" in bugs else raw
    if name == "int64" and "int_via_double" in bugs:
        return max(cc.I64_MIN, min(cc.I64_MAX, int(float(v))))
    if name == "double":
        v = float(v)
        return 0.0 if v == 0 and "neg_zero" in bugs else v
    if name in ("timestamp_ms", "timestamp_us"):
        ns = cc.parse_timestamp(v)[0]
        return ns // 10**6 + ("ts_shift" in bugs) if name == "timestamp_ms" else ns // 10**3
    if name == "date":
        return cc.parse_date(v)
    return v


def arrow_type(t):
    if isinstance(t, cc.Struct):
        return pa.struct([pa.field(n, arrow_type(ft)) for n, ft in t.fields])
    if isinstance(t, cc.ListOf):
        return pa.list_(arrow_type(t.item))
    return {"bool": pa.bool_(), "int64": pa.int64(), "double": pa.float64(), "string": pa.string(),
            "json": pa.json_(), "date": pa.date32(), "timestamp_ms": pa.timestamp("ms", tz="UTC"),
            "timestamp_us": pa.timestamp("us", tz="UTC")}[t.name]


def storage_type(t):
    if isinstance(t, cc.Struct):
        return pa.struct([pa.field(n, storage_type(ft)) for n, ft in t.fields])
    if isinstance(t, cc.ListOf):
        return pa.list_(storage_type(t.item))
    return pa.string() if t.name == "json" else arrow_type(t)


REASONS = {"invalid": "invalid JSON: ", "range": "invalid JSON: ", "not_object": "not a JSON object: ",
           "depth": ""}


def main(argv=None) -> int:
    bugs = active_bugs()
    ap = argparse.ArgumentParser(prog="lakeconv")
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("ndjson-to-parquet")
    c.add_argument("inputs", nargs="+")
    c.add_argument("--output", required=True)
    c.add_argument("--bad-records")
    c.add_argument("--json", action="store_true")
    c.add_argument("--mode", choices=["overwrite", "error"], default="error")
    a = ap.parse_args(argv)
    if Path(a.output).exists() and a.mode != "overwrite":
        print(f"lakeconv: error: {a.output} exists (use --mode overwrite)", file=sys.stderr)
        return 1
    blobs = []
    for name in a.inputs:
        try:
            data = Path(name).read_bytes()
        except OSError as e:
            print(f"lakeconv: error: {name}: {e.strerror}", file=sys.stderr)
            return 1
        if name.lower().endswith((".gz", ".gzip")) or data[:2] == b"\x1f\x8b":
            if not data:
                print(f"lakeconv: error: {name}: empty file: not a gzip stream", file=sys.stderr)
                return 1
            try:
                data = gzip.decompress(data)
            except (EOFError, gzip.BadGzipFile, zlib.error) as e:
                if "gz_ok" not in bugs:
                    print(f"lakeconv: error: {name}: truncated or corrupt gzip stream ({e})", file=sys.stderr)
                    return 1
                d = zlib.decompressobj(wbits=31)
                data = d.decompress(Path(name).read_bytes())
        blobs.append(data)
    ref = cc.Reference.build(a.inputs, data=blobs)

    # rows
    rows = []
    for r in ref.rows:
        text = ref.inputs[r.file_index].data[r.start:r.end].decode("utf-8")
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(10000)
        try:
            value = cc.parse_line(text.encode("utf-8")).value
            _, tree = scan(text, _ws(text, 0))
        finally:
            sys.setrecursionlimit(old)
        rows.append([cell(value.get(n), *(tree.get(n) or (None, None)), t, bugs) for n, t in ref.schema])
    if "drop_last_row" in bugs and rows:
        rows.pop()
    if "swap_rows" in bugs and len(rows) > 1:
        rows[0], rows[1] = rows[1], rows[0]
    arrays = [pa.array([row[j] for row in rows], type=storage_type(t)) for j, (_, t) in enumerate(ref.schema)]
    names = [n for n, _ in ref.schema]
    table = pa.Table.from_arrays(arrays, names=names) if names else pa.table({"_": [None] * len(rows)}).drop_columns(["_"])
    table = table.cast(pa.schema([pa.field(n, arrow_type(t)) for n, t in ref.schema]))
    pq.write_table(table, a.output, store_schema=False)

    # bad records
    bad = list(ref.bad)
    if "miss_bad" in bugs and bad:
        bad.pop()
    if a.bad_records:
        with open(a.bad_records, "w", encoding="utf-8") as f:
            for b in bad:
                full = b.content
                rec = {"file": ref.inputs[b.file_index].name, "line": b.line,
                       "offset": b.offset + ("offset" in bugs)}
                reason = REASONS[b.category] + b.detail
                if b.category == "not_object" and "reason" in bugs:
                    reason = "invalid JSON: " + b.detail
                if b.category == "range":
                    reason = "invalid JSON: " + b.detail  # "number out of range: ..."
                rec["reason"] = reason
                shown = full[:cc.RAW_LIMIT]
                if "raw_cr" in bugs:
                    shown = shown[:-1]
                try:
                    full.decode("utf-8")
                    rec["raw"] = shown.decode("utf-8", "ignore")
                except UnicodeDecodeError:
                    rec["raw_base64"] = base64.b64encode(shown).decode("ascii")
                rec["raw_length"] = len(full)
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")

    inputs = []
    for inp in ref.inputs:
        e = {"path": inp.name, "lines_read": inp.lines_read, "rows_written": inp.rows,
             "bad_records": inp.bad, "blank_lines": inp.blank}
        if "blank_as_bad" in bugs:
            e["bad_records"] += e["blank_lines"]
            e["blank_lines"] = 0
        inputs.append(e)
    summary = {
        "rows_written": len(rows), "bad_records": sum(e["bad_records"] for e in inputs),
        "blank_lines": sum(e["blank_lines"] for e in inputs), "lines_read": ref.lines_read,
        "duplicate_keys": ref.dup_keys, "inputs": inputs,
        "output_files": [{"path": a.output, "rows": len(rows), "bytes": os.path.getsize(a.output)}],
        "schema_notes": [f"{n}: {cc.type_str(t)}" for n, t in ref.schema if t == cc.JSON_T],
    }
    if a.json:
        print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
