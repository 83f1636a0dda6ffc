#!/usr/bin/env python3
"""Check Parquet files written by lakeconv with four independent readers.

Usage::

    check_parquet.py DIR [--no-created-by-check]

Every case in DIR is a pair ``NAME.parquet`` + ``NAME.expected.json``.  Each
case is read by pyarrow, duckdb, polars and fastparquet; every value each
reader returns is compared with the sidecar.  A separate "schema" check per
case inspects the Parquet schema and footer through pyarrow.parquet.
The script exits 0 only if every check passes, and ends with the line
``N passed, M failed`` (N and M count (case, check) pairs).  A reader whose
module cannot be imported fails every case: no run passes with a reader
missing.

Sidecar format (the contract with the Swift writer)
---------------------------------------------------

::

    {
      "rows": 3,
      "columns": [
        {"name": "a", "type": "int64",
         "parquet": {"physical": "INT64", "logical": "Int(bitWidth=64, isSigned=true)"},
         "values": [1, null, 9223372036854775807]},
        {"name": "s", "type": {"struct": [["x", "int32"], ["y", {"list": "string"}]]},
         "values": [{"x": 1, "y": ["a", null]}, null, {"x": null, "y": []}]}
      ],
      "skip_readers": {"fastparquet": "reason text"}
    }

``columns`` lists the top-level fields in schema order; ``values`` has
``rows`` entries, ``null`` for a null.

Types are a string for a leaf or an object for a nested type:

=====================  =====================================================
type                   value in ``values``
=====================  =====================================================
bool                   true / false
int8 .. int64,         integer
uint8 .. uint64
float, double          number; ``NaN``, ``Infinity``, ``-Infinity`` and
                       ``-0.0`` are distinguished.  float values are rounded
                       to float32 before comparing.
string                 string (UTF-8)
binary                 lowercase hex string
fixed                  lowercase hex string (FIXED_LEN_BYTE_ARRAY, no
                       logical type)
date                   integer days since 1970-01-01
timestamp_ms,          integer ms / us since the epoch, UTC
timestamp_us           (isAdjustedToUTC=true)
timestamp_int96        integer ns since the epoch (legacy INT96 encoding)
decimal(P,S)           the unscaled integer (12345 in decimal(10,2) = 123.45)
uuid                   canonical lowercase 8-4-4-4-12 string
json                   string holding the JSON text
{"struct": [[n, t],..]} object with exactly those fields, or null
{"list": t}            array (elements may be null), or null
{"map": [kt, vt]}      array of [key, value] pairs in file order, or null
=====================  =====================================================

``parquet`` (optional, top-level leaf columns only) gives the column's
``physical`` type and ``logical`` type exactly as pyarrow prints them
(``ParquetFile(path).schema.column(i).physical_type`` and
``str(....logical_type)``; "None" when the column has no logical type).
Every file's ``created_by`` must start with "lakeconv version" unless
``--no-created-by-check`` is given (used by the self-test, whose files are
written by pyarrow).

``skip_readers`` (optional) maps a reader name to the reason that reader
genuinely cannot read the case; the check is reported as SKIP and counts as
neither passed nor failed.

Reader quirks that are compared leniently
-----------------------------------------

Each reader's values are normalised to the sidecar representation.  Where a
reader surfaces a value with less information than the file holds, the value
is compared at the reader's precision, and a mismatch prints what the reader
returned:

* duckdb reads INT96 as a microsecond TIMESTAMP: timestamp_int96 values are
  compared after flooring the expected nanoseconds to microseconds.
* fastparquet returns DECIMAL as float64: compared to the exact decimal within
  4 ulp.
* fastparquet cannot tell null from NaN in a top-level FLOAT/DOUBLE/DECIMAL
  column: a NaN it returns there matches either.
* fastparquet parses JSON columns: the parsed value is compared with the
  parsed expected text.
* fastparquet drops trailing zero bytes of FIXED_LEN_BYTE_ARRAY values (numpy
  fixed-width bytes); they are restored to the column's declared length.
* fastparquet flattens a struct into ``name.field`` columns; they are put back
  together here, but a null struct then reads as a struct of nulls and does
  not match (such cases need a ``skip_readers`` entry).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import decimal
import importlib
import importlib.metadata
import json
import math
import numbers
import re
import struct
import sys
import uuid
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Union

# reader name -> module its checks use (also the distribution whose version is printed)
READER_MODULES = {
    "pyarrow": "pyarrow.parquet",
    "duckdb": "duckdb",
    "polars": "polars",
    "fastparquet": "fastparquet",
}
READERS = tuple(READER_MODULES)
SCHEMA_CHECK = "schema"
CREATED_BY_PREFIX = "lakeconv version"
MAX_DIFFS_PER_COLUMN = 5

# ---------------------------------------------------------------------------
# Type grammar


@dataclasses.dataclass(frozen=True)
class Leaf:
    name: str
    precision: int = 0  # decimal only
    scale: int = 0  # decimal only


@dataclasses.dataclass(frozen=True)
class Struct:
    fields: tuple[tuple[str, "Type"], ...]


@dataclasses.dataclass(frozen=True)
class ListOf:
    item: "Type"


@dataclasses.dataclass(frozen=True)
class MapOf:
    key: "Type"
    value: "Type"


Type = Union[Leaf, Struct, ListOf, MapOf]

INT_TYPES = frozenset(
    ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
)
FLOAT_TYPES = frozenset(["float", "double"])
TIMESTAMP_UNITS = {"timestamp_ms": "ms", "timestamp_us": "us", "timestamp_int96": "ns"}
LEAF_TYPES = (
    INT_TYPES
    | FLOAT_TYPES
    | TIMESTAMP_UNITS.keys()
    | {"bool", "string", "binary", "fixed", "date", "uuid", "json"}
)
DECIMAL_RE = re.compile(r"decimal\((\d+),\s*(\d+)\)\Z")
NS_PER_UNIT = {"D": 86_400 * 10**9, "s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
EPOCH_DATE = datetime.date(1970, 1, 1)
EPOCH = datetime.datetime(1970, 1, 1)


class SidecarError(Exception):
    """The expected.json file does not follow the format above."""


def parse_type(spec: Any) -> Type:
    if isinstance(spec, str):
        if spec in LEAF_TYPES:
            return Leaf(spec)
        m = DECIMAL_RE.match(spec)
        if m:
            return Leaf("decimal", int(m.group(1)), int(m.group(2)))
        raise SidecarError(f"unknown leaf type {spec!r}")
    if isinstance(spec, dict) and len(spec) == 1:
        ((kind, arg),) = spec.items()
        if kind == "struct" and isinstance(arg, list):
            if not all(isinstance(f, list) and len(f) == 2 and isinstance(f[0], str) for f in arg):
                raise SidecarError(f"struct fields must be [name, type] pairs: {arg!r}")
            return Struct(tuple((name, parse_type(t)) for name, t in arg))
        if kind == "list":
            return ListOf(parse_type(arg))
        if kind == "map" and isinstance(arg, list) and len(arg) == 2:
            return MapOf(parse_type(arg[0]), parse_type(arg[1]))
    raise SidecarError(f"malformed type {spec!r}")


# ---------------------------------------------------------------------------
# Expected values: validated and brought into canonical form


def _to_float32(x: float) -> float:
    try:
        return struct.unpack("<f", struct.pack("<f", x))[0]
    except OverflowError:  # not representable: leave it, the comparison fails
        return x


def canonical_expected(v: Any, t: Type, where: str) -> Any:
    """Validate a sidecar value against its type and return its canonical form."""
    if v is None:
        return None

    def bad(what: str) -> SidecarError:
        return SidecarError(f"{where}: expected {what}, sidecar has {v!r}")

    if isinstance(t, Struct):
        names = [n for n, _ in t.fields]
        if not isinstance(v, dict) or sorted(v) != sorted(names):
            raise bad(f"an object with fields {names}")
        return {n: canonical_expected(v[n], ft, f"{where}.{n}") for n, ft in t.fields}
    if isinstance(t, ListOf):
        if not isinstance(v, list):
            raise bad("an array")
        return [canonical_expected(x, t.item, f"{where}[{i}]") for i, x in enumerate(v)]
    if isinstance(t, MapOf):
        if not isinstance(v, list) or not all(isinstance(p, list) and len(p) == 2 for p in v):
            raise bad("an array of [key, value] pairs")
        return [
            [canonical_expected(k, t.key, f"{where}{{{i}}}.key"),
             canonical_expected(x, t.value, f"{where}{{{i}}}.value")]
            for i, (k, x) in enumerate(v)
        ]
    name = t.name
    if name == "bool":
        if not isinstance(v, bool):
            raise bad("true or false")
        return v
    if name in FLOAT_TYPES:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise bad("a number")
        return _to_float32(float(v)) if name == "float" else float(v)
    if name in INT_TYPES or name in TIMESTAMP_UNITS or name in ("date", "decimal"):
        if isinstance(v, bool) or not isinstance(v, int):
            raise bad("an integer")
        if name == "decimal" and abs(v) >= 10**t.precision:
            raise bad(f"an unscaled integer of at most {t.precision} digits")
        return v
    if not isinstance(v, str):
        raise bad("a string")
    if name in ("binary", "fixed"):
        if v != v.lower() or len(v) % 2:
            raise bad("a lowercase hex string")
        try:
            bytes.fromhex(v)
        except ValueError:
            raise bad("a lowercase hex string") from None
    if name == "uuid":
        try:
            canonical = str(uuid.UUID(v))
        except ValueError:
            canonical = None
        if canonical != v:
            raise bad("a canonical lowercase UUID")
    return v


# ---------------------------------------------------------------------------
# Reader values: normalised to the canonical form


class Lenient:
    """A reader value holding less information than the file: it matches every
    expected value the reader could have turned into it."""

    def matches(self, expected: Any) -> bool:
        raise NotImplementedError


@dataclasses.dataclass
class Coarse(Lenient):
    """A timestamp the reader surfaced in units of ``step`` expected units."""

    value: int
    step: int
    resolution: str

    def matches(self, expected: Any) -> bool:
        return isinstance(expected, int) and expected // self.step == self.value

    def __repr__(self) -> str:
        return f"{self.value} {self.resolution} (reader resolution; expected value floored to it)"


@dataclasses.dataclass
class FloatDecimal(Lenient):
    """A decimal the reader surfaced as a float."""

    value: float
    scale: int

    def matches(self, expected: Any) -> bool:
        if not isinstance(expected, int):
            return False
        exact = float(Fraction(expected, 10**self.scale))
        return math.isclose(self.value, exact, rel_tol=4 * sys.float_info.epsilon)

    def __repr__(self) -> str:
        return f"{self.value!r} (float64 from reader)"


class NullOrNaN(Lenient):
    """A NaN from a reader that also uses NaN for null."""

    def matches(self, expected: Any) -> bool:
        return expected is None or (isinstance(expected, float) and math.isnan(expected))

    def __repr__(self) -> str:
        return "NaN (reader does not distinguish null)"


@dataclasses.dataclass
class ParsedJSON(Lenient):
    """A JSON value the reader parsed instead of returning its text."""

    value: Any

    def matches(self, expected: Any) -> bool:
        try:
            return isinstance(expected, str) and json.loads(expected) == self.value
        except ValueError:
            return False

    def __repr__(self) -> str:
        return f"{self.value!r} (parsed by reader)"


def _is_missing(v: Any) -> bool:
    """None, pandas NA/NaT, or a numpy NaT (readers' various nulls)."""
    if v is None or type(v).__name__ in ("NAType", "NaTType"):
        return True
    return type(v).__name__ == "datetime64" and v != v


def _is_bool(v: Any) -> bool:
    return type(v).__name__ in ("bool", "bool_")  # Python bool or numpy bool


def _instant_ns(v: Any) -> tuple[int, int] | None:
    """(nanoseconds since the epoch, reader resolution in ns) of a datetime-like
    value; naive values are UTC.  None if v is not datetime-like."""
    if hasattr(v, "asm8"):  # pandas.Timestamp: its numpy value keeps every digit
        v = v.asm8
    if type(v).__name__ == "datetime64":
        unit = re.fullmatch(r"datetime64\[(\w+)\]", v.dtype.name).group(1)
        return int(v.astype("int64")) * NS_PER_UNIT[unit], NS_PER_UNIT[unit]
    if isinstance(v, datetime.datetime):
        delta = v - (EPOCH if v.tzinfo is None else EPOCH.replace(tzinfo=datetime.timezone.utc))
        us = (delta.days * 86_400 + delta.seconds) * 10**6 + delta.microseconds
        return us * 1000, 1000
    return None


def _in_unit(ns: int, resolution: int, unit: str) -> Any:
    """ns expressed in ``unit``: an int, a Fraction if it has a remainder, or
    Coarse if the reader's resolution is coarser than the unit."""
    per = NS_PER_UNIT[unit]
    if resolution > per:
        unit_name = next(u for u, n in NS_PER_UNIT.items() if n == resolution)
        return Coarse(ns // resolution, resolution // per, unit_name)
    return ns // per if ns % per == 0 else Fraction(ns, per)


def _normalise_leaf(v: Any, t: Leaf) -> Any:
    name = t.name
    if name == "bool":
        return bool(v) if _is_bool(v) else v
    if name in INT_TYPES:
        return int(v) if isinstance(v, numbers.Integral) and not _is_bool(v) else v
    if name in FLOAT_TYPES:
        ok = isinstance(v, numbers.Real) and not isinstance(v, numbers.Integral)
        return float(v) if ok else v
    if name in ("binary", "fixed"):
        return bytes(v).hex() if isinstance(v, (bytes, bytearray, memoryview)) else v
    if name == "uuid":
        if isinstance(v, uuid.UUID):
            return str(v)
        if isinstance(v, (bytes, bytearray)) and len(v) == 16:
            return str(uuid.UUID(bytes=bytes(v)))
        return v
    if name == "json":
        if isinstance(v, (bytes, bytearray)):
            try:
                return bytes(v).decode("utf-8")
            except UnicodeDecodeError:
                return v
        return v
    if name == "date":
        if isinstance(v, datetime.date) and not isinstance(v, datetime.datetime):
            return (v - EPOCH_DATE).days
        instant = _instant_ns(v)
        return v if instant is None else _in_unit(*instant, "D")
    if name in TIMESTAMP_UNITS:
        if name == "timestamp_int96" and isinstance(v, int) and not _is_bool(v):
            return v  # polars' nanosecond Datetime, cast to Int64 by read_polars
        instant = _instant_ns(v)
        return v if instant is None else _in_unit(*instant, TIMESTAMP_UNITS[name])
    if name == "decimal":
        if isinstance(v, decimal.Decimal) and v.is_finite():
            unscaled = Fraction(v) * 10**t.scale
            return unscaled.numerator if unscaled.denominator == 1 else unscaled
        if isinstance(v, float):
            return FloatDecimal(v, t.scale)
        return v
    return v  # string


def _map_pairs(v: Any) -> list | None:
    """The (key, value) pairs of a reader's map value, however it is shaped:
    a dict, a list of 2-tuples, or a list of {key, value} structs."""
    if isinstance(v, dict):
        return list(v.items())
    if not isinstance(v, (list, tuple)):
        return None
    pairs = []
    for p in v:
        if isinstance(p, dict) and len(p) == 2:
            pairs.append(tuple(p.values()))
        elif isinstance(p, (list, tuple)) and len(p) == 2:
            pairs.append(tuple(p))
        else:
            return None
    return pairs


def normalise(v: Any, t: Type) -> Any:
    """A reader's value in the canonical form.  A value of the wrong shape is
    returned unchanged, so that the comparison reports it as it was read."""
    if _is_missing(v):
        return None
    if isinstance(v, Lenient):
        return v
    if isinstance(t, Struct):
        if not isinstance(v, dict):
            return v
        types = dict(t.fields)
        return {k: normalise(x, types[k]) if k in types else x for k, x in v.items()}
    if isinstance(t, ListOf):
        if not isinstance(v, (list, tuple)) and type(v).__name__ != "ndarray":
            return v
        return [normalise(x, t.item) for x in v]
    if isinstance(t, MapOf):
        pairs = _map_pairs(v)
        if pairs is None:
            return v
        return [[normalise(k, t.key), normalise(x, t.value)] for k, x in pairs]
    return _normalise_leaf(v, t)


# ---------------------------------------------------------------------------
# Comparison


def _same_float(e: float, a: float) -> bool:
    if math.isnan(e) or math.isnan(a):
        return math.isnan(e) and math.isnan(a)
    return e == a and math.copysign(1.0, e) == math.copysign(1.0, a)


def diff(expected: Any, actual: Any, t: Type, path: str, out: list) -> None:
    """Append (path, expected, actual) for every mismatch below ``path``."""
    if isinstance(actual, Lenient):
        if not actual.matches(expected):
            out.append((path, expected, actual))
        return
    if expected is None or actual is None:
        if expected is not None or actual is not None:
            out.append((path, expected, actual))
        return
    if isinstance(t, Struct):
        if not isinstance(actual, dict) or list(actual) != [n for n, _ in t.fields]:
            out.append((path, expected, actual))
            return
        for n, ft in t.fields:
            diff(expected[n], actual[n], ft, f"{path}.{n}", out)
        return
    if isinstance(t, (ListOf, MapOf)):
        if not isinstance(actual, list) or len(actual) != len(expected):
            out.append((path, expected, actual))
            return
        for i, (e, a) in enumerate(zip(expected, actual)):
            if isinstance(t, ListOf):
                diff(e, a, t.item, f"{path}[{i}]", out)
            else:
                diff(e[0], a[0], t.key, f"{path}{{{i}}}.key", out)
                diff(e[1], a[1], t.value, f"{path}{{{i}}}.value", out)
        return
    if t.name in FLOAT_TYPES:
        same = isinstance(actual, float) and _same_float(expected, actual)
    else:
        same = type(actual) is type(expected) and actual == expected
    if not same:
        out.append((path, expected, actual))


# ---------------------------------------------------------------------------
# Readers: each returns {column name: [value per row]} in the reader's order


@dataclasses.dataclass
class Column:
    name: str
    type: Type
    values: list
    parquet: dict


@dataclasses.dataclass
class Case:
    name: str
    path: Path
    rows: int
    columns: list[Column]
    skip: dict[str, str]


def read_pyarrow(pq: Any, case: Case) -> dict[str, list]:
    table = pq.read_table(case.path)
    return {name: table.column(name).to_pylist() for name in table.column_names}


def read_duckdb(duckdb: Any, case: Case) -> dict[str, list]:
    with duckdb.connect() as con:
        cur = con.execute("select * from read_parquet(?)", [str(case.path)])
        names = [d[0] for d in cur.description]
        rows = cur.fetchall()
    return {name: [row[i] for row in rows] for i, name in enumerate(names)}


def _polars_ns_as_int(pl: Any, dtype: Any) -> Any:
    """dtype with every nanosecond Datetime replaced by Int64: polars converts
    Datetime to Python datetime, which would drop the nanoseconds."""
    if isinstance(dtype, pl.Datetime) and dtype.time_unit == "ns":
        return pl.Int64
    if isinstance(dtype, pl.List):
        return pl.List(_polars_ns_as_int(pl, dtype.inner))
    if isinstance(dtype, pl.Struct):
        return pl.Struct([pl.Field(f.name, _polars_ns_as_int(pl, f.dtype)) for f in dtype.fields])
    if isinstance(dtype, pl.Map):
        return pl.Map(_polars_ns_as_int(pl, dtype.key), _polars_ns_as_int(pl, dtype.value))
    return dtype


def read_polars(pl: Any, case: Case) -> dict[str, list]:
    df = pl.read_parquet(case.path)
    return {
        name: df[name].cast(_polars_ns_as_int(pl, df[name].dtype)).to_list()
        for name in df.columns
    }


def read_fastparquet(fastparquet: Any, case: Case) -> dict[str, list]:
    pf = fastparquet.ParquetFile(str(case.path))
    df = pf.to_pandas()
    thrift = fastparquet.parquet_thrift
    used: set[str] = set()

    def column(name: str, t: Type) -> list | None:
        if name in df.columns:
            used.add(name)
            values = df[name].tolist()
            element = pf.schema.schema_element(name)
            if df[name].dtype.kind == "f":  # fastparquet reads null as NaN here
                return [NullOrNaN() if x != x else x for x in values]
            if element.converted_type == thrift.ConvertedType.JSON:  # parsed by fastparquet
                return [x if x is None else ParsedJSON(x) for x in values]
            if element.type == thrift.Type.FIXED_LEN_BYTE_ARRAY:
                # numpy's fixed-width bytes drop trailing zero bytes: restore them
                return [x.ljust(element.type_length, b"\0") if isinstance(x, bytes) else x for x in values]
            return values
        if isinstance(t, Struct):  # flattened into name.field columns
            parts = {f: column(f"{name}.{f}", ft) for f, ft in t.fields}
            if all(p is not None for p in parts.values()):
                return [{f: p[i] for f, p in parts.items()} for i in range(len(df))]
        return None

    result = {}
    for c in case.columns:
        values = column(c.name, c.type)
        if values is not None:
            result[c.name] = values
    for name in df.columns:
        if name not in used:
            result[name] = df[name].tolist()
    return result


READ: dict[str, Callable[[Any, Case], dict[str, list]]] = {
    "pyarrow": read_pyarrow,
    "duckdb": read_duckdb,
    "polars": read_polars,
    "fastparquet": read_fastparquet,
}


def _show(v: Any, limit: int = 160) -> str:
    text = repr(v)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_reader(mod: Any, reader: str, case: Case) -> list[str]:
    """Problems found reading ``case`` with ``reader``; empty if it passed."""
    try:
        got = READ[reader](mod, case)
    except Exception as e:  # any reader error is a finding, reported verbatim
        return [f"read failed: {type(e).__name__}: {e}"]
    problems = []
    expected_names = [c.name for c in case.columns]
    if list(got) != expected_names:
        problems.append(f"columns differ: expected {expected_names}, reader returned {list(got)}")
    for c in case.columns:
        if c.name not in got:
            continue
        values = got[c.name]
        if len(values) != case.rows:
            problems.append(f"column {c.name!r}: expected {case.rows} rows, reader returned {len(values)}")
            continue
        mismatches: list = []
        for row, (e, a) in enumerate(zip(c.values, values)):
            diff(e, normalise(a, c.type), c.type, f"row {row}", mismatches)
        for path, e, a in mismatches[:MAX_DIFFS_PER_COLUMN]:
            problems.append(f"column {c.name!r} {path}: expected {_show(e)}, got {_show(a)}")
        if len(mismatches) > MAX_DIFFS_PER_COLUMN:
            problems.append(f"column {c.name!r}: {len(mismatches) - MAX_DIFFS_PER_COLUMN} more mismatches")
    return problems


def check_schema(pq: Any, case: Case, check_created_by: bool) -> list[str]:
    """Problems in the Parquet footer of ``case``: created_by, row count,
    top-level names and declared physical/logical types."""
    try:
        pf = pq.ParquetFile(case.path)
        created_by = pf.metadata.created_by or ""
        num_rows = pf.metadata.num_rows
        names = pf.schema_arrow.names
        leaves = [pf.schema.column(i) for i in range(len(pf.schema))]
    except Exception as e:
        return [f"cannot read footer: {type(e).__name__}: {e}"]
    problems = []
    if check_created_by and not created_by.startswith(CREATED_BY_PREFIX):
        problems.append(f"created_by is {created_by!r}, expected it to start with {CREATED_BY_PREFIX!r}")
    if num_rows != case.rows:
        problems.append(f"footer says {num_rows} rows, expected {case.rows}")
    expected_names = [c.name for c in case.columns]
    if names != expected_names:
        problems.append(f"top-level fields are {names}, expected {expected_names}")
    for c in case.columns:
        if not c.parquet:
            continue
        leaf = next((l for l in leaves if l.path == c.name and l.max_repetition_level == 0), None)
        if leaf is None:
            problems.append(f"column {c.name!r}: no top-level leaf column of that name")
            continue
        actual = {"physical": leaf.physical_type, "logical": str(leaf.logical_type)}
        for key, want in c.parquet.items():
            if actual[key] != want:
                problems.append(f"column {c.name!r}: {key} type is {actual[key]!r}, expected {want!r}")
    return problems


# ---------------------------------------------------------------------------
# Cases and main


def load_case(sidecar: Path) -> Case:
    name = sidecar.name[: -len(".expected.json")]
    try:
        spec = json.loads(sidecar.read_text(encoding="utf-8"))
    except ValueError as e:
        raise SidecarError(f"not valid JSON: {e}") from None
    if not isinstance(spec, dict) or not isinstance(spec.get("rows"), int) or not isinstance(spec.get("columns"), list):
        raise SidecarError('needs an integer "rows" and a "columns" array')
    skip = spec.get("skip_readers", {})
    if not isinstance(skip, dict) or not set(skip) <= set(READERS):
        raise SidecarError(f'"skip_readers" must map reader names {list(READERS)} to reasons')
    columns = []
    for i, col in enumerate(spec["columns"]):
        if not isinstance(col, dict) or not isinstance(col.get("name"), str) or not isinstance(col.get("values"), list):
            raise SidecarError(f'column {i} needs a "name", a "type" and a "values" array')
        t = parse_type(col.get("type"))
        if len(col["values"]) != spec["rows"]:
            raise SidecarError(f"column {col['name']!r} has {len(col['values'])} values for {spec['rows']} rows")
        parquet = col.get("parquet", {})
        if not isinstance(parquet, dict) or not set(parquet) <= {"physical", "logical"}:
            raise SidecarError(f'column {col["name"]!r}: "parquet" may only have "physical" and "logical"')
        values = [canonical_expected(v, t, f"column {col['name']!r} row {r}") for r, v in enumerate(col["values"])]
        columns.append(Column(col["name"], t, values, parquet))
    return Case(name, sidecar.with_name(name + ".parquet"), spec["rows"], columns, skip)


def import_readers() -> tuple[dict[str, Any], dict[str, str]]:
    """({reader: module}, {reader: import error}) for every reader."""
    modules, errors = {}, {}
    for name, module in READER_MODULES.items():
        try:
            modules[name] = importlib.import_module(module)
        except Exception as e:  # ImportError, or a broken install failing otherwise
            errors[name] = f"{type(e).__name__}: {e}"
    return modules, errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path, help="directory of NAME.parquet + NAME.expected.json cases")
    parser.add_argument("--no-created-by-check", action="store_true",
                        help="do not require created_by to start with 'lakeconv version' (self-test only)")
    args = parser.parse_args(argv)

    modules, import_errors = import_readers()
    for name in READERS:
        if name in modules:
            print(f"reader {name} {importlib.metadata.version(name)}")
        else:
            print(f"ERROR: reader module {name!r} cannot be imported ({import_errors[name]}); "
                  f"every case fails for it. Install Tests/Interop requirements "
                  f"(pip install -r requirements-interop.txt).")

    passed = failed = 0

    def report(label: str, problems: list[str]) -> None:
        nonlocal passed, failed
        if problems:
            failed += 1
            print(f"FAIL {label}")
            for p in problems:
                print(f"    {p}")
        else:
            passed += 1
            print(f"PASS {label}")

    sidecars = sorted(args.dir.glob("*.expected.json"))
    named = {s.name[: -len(".expected.json")] for s in sidecars}
    for orphan in sorted(p for p in args.dir.glob("*.parquet") if p.stem not in named):
        report(orphan.stem, [f"{orphan.name} has no {orphan.stem}.expected.json"])
    if not sidecars:
        report(str(args.dir), ["no cases (*.expected.json) found" if args.dir.is_dir() else "not a directory"])

    for sidecar in sidecars:
        try:
            case = load_case(sidecar)
        except SidecarError as e:
            report(sidecar.name, [f"invalid sidecar: {e}"])
            continue
        if not case.path.exists():
            report(case.name, [f"{case.path.name} is missing"])
            continue
        report(f"{case.name}/{SCHEMA_CHECK}",
               check_schema(modules["pyarrow"], case, not args.no_created_by_check)
               if "pyarrow" in modules
               else [f"pyarrow cannot be imported: {import_errors['pyarrow']}"])
        for reader in READERS:
            label = f"{case.name}/{reader}"
            if reader in import_errors:  # a missing reader fails even where skipped
                report(label, [f"reader module cannot be imported: {import_errors[reader]}"])
            elif reader in case.skip:
                print(f"SKIP {label}: {case.skip[reader]}")
            else:
                report(label, check_reader(modules[reader], reader, case))

    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
