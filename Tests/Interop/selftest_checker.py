#!/usr/bin/env python3
"""Self-test for check_parquet.py.

Writes cases with pyarrow (every leaf type of the sidecar grammar with NaN,
-0.0, integer extremes, empty and multi-byte strings and nulls; INT96
timestamps; structs, lists of lists, maps) together with hand-written
expected.json sidecars, then runs check_parquet.py on them as a subprocess and
checks that it

* passes on the correct sidecars (with --no-created-by-check, since pyarrow
  writes created_by "parquet-cpp-arrow ..."),
* fails without --no-created-by-check,
* fails when one value, the sign of a -0.0, or a declared logical type in a
  sidecar is changed, naming the column and row,
* fails when a reader module cannot be imported.

Run with the interop venv's Python:
    .venv/bin/python Tests/Interop/selftest_checker.py
"""

from __future__ import annotations

import decimal
import json
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

CHECKER = Path(__file__).with_name("check_parquet.py")
NAN, INF = float("nan"), float("inf")
I64_MIN, I64_MAX = -(2**63), 2**63 - 1


def ts_logical(unit: str) -> str:
    return (f"Timestamp(isAdjustedToUTC=true, timeUnit={unit}, "
            "is_from_converted_type=false, force_set_converted_type=false)")


def int_logical(bits: int, signed: bool) -> str:
    return f"Int(bitWidth={bits}, isSigned={'true' if signed else 'false'})"


# (name, sidecar type, arrow type, values, parquet expectations or None)
LEAVES = [
    ("bool", "bool", pa.bool_(), [True, False, None, True, False], ("BOOLEAN", "None")),
    ("int8", "int8", pa.int8(), [-128, 127, None, 0, -1], ("INT32", int_logical(8, True))),
    ("int16", "int16", pa.int16(), [-(2**15), 2**15 - 1, None, 0, -1], ("INT32", int_logical(16, True))),
    ("int32", "int32", pa.int32(), [-(2**31), 2**31 - 1, None, 0, -1], ("INT32", "None")),
    ("int64", "int64", pa.int64(), [I64_MIN, I64_MAX, None, 0, -1], ("INT64", "None")),
    ("uint8", "uint8", pa.uint8(), [0, 255, None, 1, 128], ("INT32", int_logical(8, False))),
    ("uint16", "uint16", pa.uint16(), [0, 2**16 - 1, None, 1, 2**15], ("INT32", int_logical(16, False))),
    ("uint32", "uint32", pa.uint32(), [0, 2**32 - 1, None, 1, 2**31], ("INT32", int_logical(32, False))),
    ("uint64", "uint64", pa.uint64(), [0, 2**64 - 1, None, 1, 2**63], ("INT64", int_logical(64, False))),
    ("float", "float", pa.float32(), [NAN, -0.0, None, 0.1, INF], ("FLOAT", "None")),
    ("double", "double", pa.float64(), [NAN, -0.0, None, -INF, 0.0], ("DOUBLE", "None")),
    ("string", "string", pa.string(), ["", "héllo", None, "日本語 → 😀", "tab\tquote\""], ("BYTE_ARRAY", "String")),
    ("binary", "binary", pa.binary(), ["", "00ff10", None, "deadbeef", "00"], ("BYTE_ARRAY", "None")),
    ("fixed", "fixed", pa.binary(3), ["000000", "ffffff", None, "616263", "7f8081"],
     ("FIXED_LEN_BYTE_ARRAY", "None")),
    ("date", "date", pa.date32(), [0, -1, None, 19000, -25567], ("INT32", "Date")),
    ("ts_ms", "timestamp_ms", pa.timestamp("ms", tz="UTC"),
     [0, -1, None, 1_700_000_000_123, 253_402_300_799_999], ("INT64", ts_logical("milliseconds"))),
    ("ts_us", "timestamp_us", pa.timestamp("us", tz="UTC"),
     [0, -1, None, 1_700_000_000_123_456, -62_135_596_800_000_000], ("INT64", ts_logical("microseconds"))),
    ("dec", "decimal(10,2)", pa.decimal128(10, 2), [12345, -1, None, 9_999_999_999, 0],
     ("FIXED_LEN_BYTE_ARRAY", "Decimal(precision=10, scale=2)")),
    ("dec38", "decimal(38,10)", pa.decimal128(38, 10), [10**37 + 7, -(10**38 - 1), None, 1, 0],
     ("FIXED_LEN_BYTE_ARRAY", "Decimal(precision=38, scale=10)")),
    ("uuid", "uuid", pa.uuid(),
     ["00000000-0000-0000-0000-000000000000", "123e4567-e89b-12d3-a456-426614174000", None,
      "ffffffff-ffff-ffff-ffff-ffffffffffff", "00000000-0000-0000-0000-000000000001"],
     ("FIXED_LEN_BYTE_ARRAY", "UUID")),
    ("json", "json", pa.json_(), ['{"a": [1, 2.5, null]}', "[]", None, '"ü"', "123"], ("BYTE_ARRAY", "JSON")),
]

INT96 = [
    ("ts96", "timestamp_int96", pa.timestamp("ns"),
     [0, -1, None, 1_700_000_000_123_456_789, -9_000_000_000_000_000_001], ("INT96", "None")),
]

STRUCT_XY = {"struct": [["x", "int32"], ["y", {"list": "string"}]]}
STRUCT_MT = {"struct": [["m", {"map": ["string", "double"]}], ["t", "timestamp_us"]]}
LIST_OF_STRUCT = {"list": {"struct": [["a", "string"], ["b", "decimal(10,2)"]]}}
NESTED = [
    ("s", STRUCT_XY, pa.struct([("x", pa.int32()), ("y", pa.list_(pa.string()))]),
     [{"x": 1, "y": ["a", None]}, None, {"x": None, "y": []}, {"x": -5, "y": None}], None),
    ("ll", {"list": {"list": "int64"}}, pa.list_(pa.list_(pa.int64())),
     [[[1, None], None, []], None, [], [[I64_MAX]]], None),
    ("sm", STRUCT_MT, pa.struct([("m", pa.map_(pa.string(), pa.float64())), ("t", pa.timestamp("us", tz="UTC"))]),
     [{"m": [["k", -0.0], ["n", None]], "t": 1}, {"m": None, "t": None}, None, {"m": [], "t": -1}], None),
    ("ls", LIST_OF_STRUCT, pa.list_(pa.struct([("a", pa.string()), ("b", pa.decimal128(10, 2))])),
     [[{"a": "é", "b": 1}, None], [], None, [{"a": None, "b": None}]], None),
]

MAPS = [
    ("m", {"map": ["string", "int32"]}, pa.map_(pa.string(), pa.int32()),
     [[["a", 1], ["b", None]], None, [], [["ü", -1]]], None),
    ("mi", {"map": ["int64", "string"]}, pa.map_(pa.int64(), pa.string()),
     [[[1, "x"]], [], None, [[-1, None], [I64_MAX, ""]]], None),
]

FASTPARQUET_NESTED = ("flattens structs (losing struct-level nulls and mangling lists inside them) "
                      "and returns None for lists of lists and lists of structs")

# case name -> (columns, pyarrow write options, skip_readers)
CASES = {
    "leaves": (LEAVES, {}, {}),
    "int96": (INT96, {"use_deprecated_int96_timestamps": True}, {}),
    "nested": (NESTED, {}, {"fastparquet": FASTPARQUET_NESTED}),
    "maps": (MAPS, {}, {}),
}


def arrow_value(v, spec):
    """A sidecar value as pyarrow's pa.array() takes it for the column type."""
    if v is None:
        return None
    if isinstance(spec, dict):
        ((kind, arg),) = spec.items()
        if kind == "struct":
            return {name: arrow_value(v[name], t) for name, t in arg}
        if kind == "list":
            return [arrow_value(x, arg) for x in v]
        return [(arrow_value(k, arg[0]), arrow_value(x, arg[1])) for k, x in v]
    if spec in ("binary", "fixed"):
        return bytes.fromhex(v)
    if spec == "uuid":
        return uuid.UUID(v).bytes
    if spec.startswith("decimal("):
        scale = int(spec[:-1].split(",")[1])
        return decimal.Decimal(v).scaleb(-scale, decimal.Context(prec=100))
    return v


def write_cases(directory: Path) -> int:
    """Write every case; return the number of checks expected to pass."""
    checks = 0
    for name, (columns, options, skip) in CASES.items():
        table = pa.table({c[0]: pa.array([arrow_value(v, c[1]) for v in c[3]], c[2]) for c in columns})
        pq.write_table(table, directory / f"{name}.parquet", store_schema=False, **options)
        sidecar = {"rows": len(columns[0][3]), "columns": [], "skip_readers": skip}
        for col_name, spec, _, values, parquet in columns:
            column = {"name": col_name, "type": spec, "values": values}
            if parquet:
                column["parquet"] = {"physical": parquet[0], "logical": parquet[1]}
            sidecar["columns"].append(column)
        (directory / f"{name}.expected.json").write_text(json.dumps(sidecar, ensure_ascii=False, indent=1))
        checks += 5 - len(skip)  # schema + four readers
    return checks


def run_checker(directory: Path, *flags: str, env: dict | None = None) -> tuple[int, str]:
    proc = subprocess.run([sys.executable, str(CHECKER), str(directory), *flags],
                          capture_output=True, text=True, env=env)
    return proc.returncode, proc.stdout + proc.stderr


def edit_sidecar(directory: Path, case: str, column: str, change) -> None:
    path = directory / f"{case}.expected.json"
    sidecar = json.loads(path.read_text())
    change(next(c for c in sidecar["columns"] if c["name"] == column))
    path.write_text(json.dumps(sidecar, ensure_ascii=False))


def main() -> int:
    results = []

    def expect(title: str, ok: bool, output: str) -> None:
        results.append(ok)
        print(f"{'PASS' if ok else 'FAIL'} {title}")
        if not ok:
            print("    " + output.replace("\n", "\n    "))

    with tempfile.TemporaryDirectory() as tmp:
        good = Path(tmp) / "good"
        good.mkdir()
        checks = write_cases(good)

        def variant(name: str) -> Path:
            path = Path(tmp) / name
            shutil.copytree(good, path)
            return path

        code, out = run_checker(good, "--no-created-by-check")
        expect("correct sidecars pass", code == 0 and out.rstrip().endswith(f"\n{checks} passed, 0 failed"), out)

        code, out = run_checker(good)
        expect("created_by check fails on pyarrow-written files",
               code == 1 and "FAIL leaves/schema" in out and "parquet-cpp-arrow" in out, out)

        changed = variant("changed_value")
        edit_sidecar(changed, "leaves", "int64", lambda c: c["values"].__setitem__(1, I64_MAX - 1))
        code, out = run_checker(changed, "--no-created-by-check")
        line = f"column 'int64' row 1: expected {I64_MAX - 1}, got {I64_MAX}"
        expect("a changed int64 fails with every reader",
               code == 1 and out.count(line) == 4 and out.rstrip().endswith(f"{checks - 4} passed, 4 failed"), out)

        nested = variant("changed_nested")
        edit_sidecar(nested, "nested", "s", lambda c: c["values"][0]["y"].__setitem__(1, "b"))
        code, out = run_checker(nested, "--no-created-by-check")
        expect("a changed nested list element fails",
               code == 1 and out.count("column 's' row 0.y[1]: expected 'b', got None") == 3, out)

        zero = variant("changed_sign")
        edit_sidecar(zero, "leaves", "double", lambda c: c["values"].__setitem__(1, 0.0))
        code, out = run_checker(zero, "--no-created-by-check")
        expect("-0.0 is told from 0.0", code == 1 and out.count("column 'double' row 1: expected 0.0, got -0.0") == 4, out)

        ns = variant("changed_ns")
        edit_sidecar(ns, "int96", "ts96", lambda c: c["values"].__setitem__(3, c["values"][3] + 1))
        code, out = run_checker(ns, "--no-created-by-check")
        expect("one nanosecond off fails every reader but duckdb (microsecond INT96)",
               code == 1 and out.count("column 'ts96' row 3") == 3 and "PASS int96/duckdb" in out, out)

        us = variant("changed_us")
        edit_sidecar(us, "int96", "ts96", lambda c: c["values"].__setitem__(3, c["values"][3] + 1000))
        code, out = run_checker(us, "--no-created-by-check")
        expect("one microsecond off fails every reader", code == 1 and out.count("column 'ts96' row 3") == 4, out)

        invalid = variant("invalid_sidecar")
        edit_sidecar(invalid, "maps", "m", lambda c: c.__setitem__("type", "int128"))
        code, out = run_checker(invalid, "--no-created-by-check")
        expect("an invalid sidecar fails", code == 1 and "unknown leaf type 'int128'" in out, out)

        logical = variant("changed_logical")
        edit_sidecar(logical, "leaves", "date", lambda c: c["parquet"].__setitem__("logical", "None"))
        code, out = run_checker(logical, "--no-created-by-check")
        expect("a wrong logical type fails the schema check",
               code == 1 and "column 'date': logical type is 'Date', expected 'None'" in out, out)

        shim = Path(tmp) / "shim"
        (shim / "polars").mkdir(parents=True)
        (shim / "polars" / "__init__.py").write_text("raise ImportError('simulated missing polars')\n")
        code, out = run_checker(good, "--no-created-by-check", env={"PYTHONPATH": str(shim)})
        expect("a reader that cannot be imported fails every case",
               code == 1 and "simulated missing polars" in out
               and out.rstrip().endswith(f"\n{checks - len(CASES)} passed, {len(CASES)} failed"), out)

    print(f"selftest: {results.count(True)} passed, {results.count(False)} failed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
