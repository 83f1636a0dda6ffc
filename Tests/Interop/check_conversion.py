#!/usr/bin/env python3
"""Check one lakeconv NDJSON -> Parquet conversion against Python's ``json``.

Usage::

    check_conversion.py INPUT... --parquet OUT.parquet
                        [--bad-records BAD.ndjson] [--summary SUMMARY.json]
                        [--lenient-reasons]

INPUT are the input paths exactly as they were given to lakeconv (the
bad-records file and the summary name inputs by those strings).  SUMMARY.json
is what ``lakeconv ... --json`` printed on stdout.  Every input line is
classified independently with Python's ``json`` (the reference); then

* ``summary``      the counters in SUMMARY.json equal the reference, per input
                   and in total, and rows + bad_records + blank_lines ==
                   lines_read for every input;
* ``bad-records``  BAD.ndjson lists exactly the lines the reference calls bad,
                   with the right file, line, offset, reason prefix, raw text
                   (or raw_base64) and raw_length;
* ``schema``       the Arrow schema pyarrow reads, the Parquet leaf
                   physical/logical types and the footer row count match the
                   types the reference infers;
* ``values/pyarrow``, ``values/duckdb``
                   every value of every row, read by that reader, equals the
                   reference value.

Exit status 0 only if every check passes.  Differences are printed as
``FILE:LINE column PATH: expected X, got Y`` (the first 10 per check); the last
line is ``N passed, M failed`` (N, M count checks).  ``import check_conversion``
gives the same as a library: ``Reference.build(inputs)``, ``check(...)``.

The converter's contract checked here
-------------------------------------

Command: ``lakeconv ndjson-to-parquet INPUT... --output OUT.parquet
--bad-records BAD.ndjson --json``; exit 0 on success (bad records allowed),
1 on failure (e.g. a truncated gzip), 2 on usage errors.  ``--json`` prints one
object: ``{"rows_written", "bad_records", "blank_lines", "lines_read",
"duplicate_keys", "inputs": [{"path", "lines_read", "rows_written",
"bad_records", "blank_lines"}], "output_files": [{"path", "rows", "bytes"}],
"schema_notes": [str]}``.

Bad-records file: one object per bad line: ``{"file": input path as given,
"line": 1-based, "offset": byte offset of the line start, "reason",
"raw": line text without newline (truncated to 65536 bytes), "raw_length":
original byte length}``; for a line that is not UTF-8, ``raw_base64`` instead
of ``raw``.

Lines: split on ``\\n``; one trailing ``\\r`` is stripped; a UTF-8 BOM is
skipped at the very start of a file only; an empty line or one of only space,
tab, CR is blank; the last line may lack ``\\n``.  An input whose name ends in
``.gz`` is gunzipped (all members); lines and offsets are those of the
decompressed bytes.

Bad lines and their reason prefixes: ``invalid JSON`` (syntax, invalid UTF-8,
lone surrogate escapes, NaN/Infinity, numbers such as 01 or 1.; a number out
of double range gives ``invalid JSON: number out of range``), ``not a JSON
object`` (valid JSON, but an array or scalar at the top), and limit reasons
(``nesting deeper than 1000``, ``record longer than ...``).  Duplicate keys:
the last value wins (as in Python); ``duplicate_keys`` counts them.

Types are inferred over all rows; every column is nullable; columns appear in
the order their keys first appear; rows are written in input order.  The
non-null values of one key path map to:

* only booleans -> bool; only integers in int64 -> int64; other numbers ->
  double holding ``float(x)`` (``-0`` is the integer 0, ``-0.0`` keeps its sign);
* only strings: all ISO-8601 timestamps ``YYYY-MM-DD[T ]HH:MM:SS[.f{1,9}]``
  + ``Z|z|+HH:MM|+HHMM`` -> timestamp[ms, UTC] (timestamp[us, UTC] if any has
  more than 3 fraction digits; a string column if any has more than 6, since
  microseconds would lose its digits); else all ``YYYY-MM-DD`` -> date32; else string;
* only objects -> struct of the union of their keys; objects that never have a
  key -> a JSON column (below);
* only arrays -> list of the merged element type (never an element: list<string>);
* several kinds (number and string, object and string, bool and number ...)
  -> string column with Parquet logical type JSON holding each value's raw
  JSON text as written in the line (checked: ``json.loads(cell)`` equals the
  reference value, type for type, and the cell is a substring of the line);
* only null or missing -> string, all null.

Where the contract is silent the checker accepts each reasonable reading:
an empty input (or one holding just a BOM) may count as 0 lines or 1 blank
line; line 1 of a file with a BOM may have offset 0 or 3 and its raw text may
include the BOM or not; ``raw`` may keep the CR of a CRLF line or not;
``raw_length`` may count the raw text or the original line (BOM and CR
included); a limit reason may carry a ``limit: `` tag in front;
``duplicate_keys`` may count repeated keys or records with repeated keys;
a raw text cut inside a UTF-8 character may end early or be given as
``raw_base64``.  Fractions beyond the column unit are truncated (digits
dropped).  Timestamp-looking strings that are not real dates/times (month 13,
Feb 30, hour 24) do not count as timestamps.  A line nested deeper than 1000
(the top-level value is depth 1) may be reported with any "invalid JSON" or
limit reason; a "record longer than" reason is accepted for any bad line (the
limit is not specified), never for a line the reference takes as a row.  An
integer too large for a double (float() overflows) counts as "number out of
range" like 1e400.  The discarded value of a repeated key plays no part in type
inference.  A conversion without rows may write no Parquet file (then
output_files may be empty); when no row has a key, the file has no columns,
which DuckDB cannot read: that is printed as a note, not a failure.  The order
of the bad-records file is not checked.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import datetime
import gzip
import json
import math
import os
import re
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional, Union

BOM = b"\xef\xbb\xbf"
BLANK_BYTES = b" \t\r"
MAX_DEPTH = 1000
RAW_LIMIT = 65536
I64_MIN, I64_MAX = -(2**63), 2**63 - 1
MAX_DIFFS_SHOWN = 10
# Rows nested up to MAX_DEPTH are parsed, inferred and compared recursively.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 4 * MAX_DEPTH + 2000))

REASON_INVALID = "invalid JSON"
REASON_RANGE = "invalid JSON: number out of range"
REASON_NOT_OBJECT = "not a JSON object"
LIMIT_PREFIXES = ("nesting deeper than", "record longer than")
LIMIT_TAG = "limit: "  # accepted in front of a limit reason ("limit: nesting deeper than 1000")


def is_limit_reason(reason: Any) -> bool:
    if not isinstance(reason, str):
        return False
    if reason.startswith(LIMIT_TAG):
        reason = reason[len(LIMIT_TAG):]
    return reason.startswith(LIMIT_PREFIXES)

# ---------------------------------------------------------------------------
# Types


@dataclasses.dataclass(frozen=True)
class Prim:
    # bool int64 double string json date timestamp_ms timestamp_us
    name: str


@dataclasses.dataclass(frozen=True)
class Struct:
    fields: tuple  # ((name, type), ...)


@dataclasses.dataclass(frozen=True)
class ListOf:
    item: Any


Type = Union[Prim, Struct, ListOf]
BOOL, INT64, DOUBLE, STRING, JSON_T, DATE = (Prim(n) for n in ("bool", "int64", "double", "string", "json", "date"))
TS_MS, TS_US = Prim("timestamp_ms"), Prim("timestamp_us")


def type_str(t: Type) -> str:
    if isinstance(t, Struct):
        return "struct<" + ", ".join(f"{n}: {type_str(ft)}" for n, ft in t.fields) + ">"
    if isinstance(t, ListOf):
        return f"list<{type_str(t.item)}>"
    return {"timestamp_ms": "timestamp[ms, tz=UTC]", "timestamp_us": "timestamp[us, tz=UTC]",
            "date": "date32", "json": "string (JSON)"}.get(t.name, t.name)


# ---------------------------------------------------------------------------
# Timestamps and dates (ISO-8601 subset of the contract)

TS_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]{1,9}))?(?:([Zz])|([+-])([0-9]{2}):?([0-9]{2}))", re.ASCII)
DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)
EPOCH_DATE = datetime.date(1970, 1, 1)
EPOCH_UTC = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
EPOCH_NAIVE = datetime.datetime(1970, 1, 1)


def parse_timestamp(s: str) -> Optional[tuple[int, int]]:
    """(ns since the epoch UTC, number of fraction digits) or None."""
    m = TS_RE.fullmatch(s)
    if not m:
        return None
    y, mo, d, hh, mi, ss, frac, z, sign, oh, om = m.groups()
    try:
        day = datetime.date(int(y), int(mo), int(d))
    except ValueError:
        return None
    if int(hh) > 23 or int(mi) > 59 or int(ss) > 59:
        return None
    offset = 0
    if not z:
        if int(oh) > 23 or int(om) > 59:
            return None
        offset = (int(oh) * 3600 + int(om) * 60) * (1 if sign == "+" else -1)
    secs = (day - EPOCH_DATE).days * 86400 + int(hh) * 3600 + int(mi) * 60 + int(ss) - offset
    ns = int(frac.ljust(9, "0")) if frac else 0
    return secs * 10**9 + ns, len(frac or "")


def parse_date(s: str) -> Optional[int]:
    m = DATE_RE.fullmatch(s)
    if not m:
        return None
    try:
        return (datetime.date(*map(int, m.groups())) - EPOCH_DATE).days
    except ValueError:
        return None


# ---------------------------------------------------------------------------
# Reference parser: one line -> blank / row / bad


class OutOfRange(Exception):
    pass


def _parse_float(s: str) -> float:
    v = float(s)
    if math.isinf(v):
        raise OutOfRange(s)
    return v


def _parse_int(s: str) -> int:
    if len(s) > 400:  # far beyond double range (and Python's int() digit limit)
        raise OutOfRange(s[:30] + "...")
    v = int(s)
    if not I64_MIN <= v <= I64_MAX:
        try:
            float(v)
        except OverflowError:
            raise OutOfRange(s) from None
    return v


def _parse_constant(s: str) -> Any:
    raise ValueError(f"{s} is not JSON")


SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
SURROGATE_CHAR = re.compile("[\ud800-\udfff]")


def _has_surrogate(v: Any) -> bool:
    if isinstance(v, str):
        return SURROGATE_CHAR.search(v) is not None
    if isinstance(v, dict):
        return any(_has_surrogate(k) or _has_surrogate(x) for k, x in v.items())
    if isinstance(v, list):
        return any(_has_surrogate(x) for x in v)
    return False


def nesting_depth(text: str) -> int:
    """Maximum depth of [ and { outside strings (the top-level container is 1)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return 0  # cannot exceed the limit
    depth = best = 0
    in_str = esc = False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            best = max(best, depth)
        elif ch in "]}":
            depth -= 1
    return best


@dataclasses.dataclass
class Parsed:
    kind: str  # "row" | "bad" | "blank"
    value: Any = None  # the row's dict
    category: str = ""  # bad: "invalid" | "range" | "not_object" | "depth"
    detail: str = ""
    dup_keys: int = 0  # repeated keys (each repetition counts once)
    dup_objects: int = 0  # objects with a repeated key


def parse_line(content: bytes) -> Parsed:
    """Classify one line (newline, trailing CR and a file-start BOM removed)."""
    if not content.strip(BLANK_BYTES):
        return Parsed("blank")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as e:
        return Parsed("bad", category="invalid", detail=f"invalid UTF-8 at byte {e.start}")
    if nesting_depth(text) > MAX_DEPTH:
        return Parsed("bad", category="depth", detail=f"nesting deeper than {MAX_DEPTH}")
    counts = [0, 0]

    def hook(pairs: list) -> dict:
        d = dict(pairs)
        if len(d) != len(pairs):
            counts[0] += len(pairs) - len(d)
            counts[1] += 1
        return d

    try:
        value = json.loads(text, object_pairs_hook=hook, parse_float=_parse_float,
                           parse_int=_parse_int, parse_constant=_parse_constant)
    except OutOfRange as e:
        return Parsed("bad", category="range", detail=f"number out of range: {e}")
    except ValueError as e:
        return Parsed("bad", category="invalid", detail=str(e))
    if SURROGATE_ESCAPE.search(text) and _has_surrogate(value):
        return Parsed("bad", category="invalid", detail="lone surrogate escape")
    if not isinstance(value, dict):
        return Parsed("bad", category="not_object", detail=f"top level is {type(value).__name__}")
    return Parsed("row", value=value, dup_keys=counts[0], dup_objects=counts[1])


def reason_ok(category: str, reason: str, raw_text: str, lenient: bool = False) -> bool:
    """Does a converter's reason fit the reference's category for the line?"""
    if not isinstance(reason, str):
        return False
    if lenient:
        return reason.startswith((REASON_INVALID, REASON_NOT_OBJECT)) or is_limit_reason(reason)
    if is_limit_reason(reason):
        return True  # a limit (length, depth) may hit any bad line first
    if category == "not_object":
        return reason.startswith(REASON_NOT_OBJECT)
    if category == "range":
        # a lone surrogate escape earlier in the line may be reported first
        return reason.startswith(REASON_RANGE) or (
            reason.startswith(REASON_INVALID) and SURROGATE_ESCAPE.search(raw_text) is not None)
    return reason.startswith(REASON_INVALID)  # invalid, depth


def expected_reason(category: str) -> str:
    return {"not_object": REASON_NOT_OBJECT + "...", "range": REASON_RANGE,
            "depth": "nesting deeper than 1000 (or invalid JSON...)"}.get(category, REASON_INVALID + "...")


# ---------------------------------------------------------------------------
# Type inference


class Node:
    """What the values of one key path have been so far."""

    __slots__ = ("kinds", "children", "item", "all_ts", "all_date", "ts_us")

    def __init__(self) -> None:
        self.kinds: set[str] = set()
        self.children: Optional[dict[str, Node]] = None
        self.item: Optional[Node] = None
        self.all_ts = self.all_date = True
        self.ts_us = False

    def add(self, v: Any) -> None:
        if v is None:
            return
        if v is True or v is False:
            self.kinds.add("bool")
        elif isinstance(v, int):
            self.kinds.add("int" if I64_MIN <= v <= I64_MAX else "bigint")
        elif isinstance(v, float):
            self.kinds.add("float")
        elif isinstance(v, str):
            self.kinds.add("string")
            if self.all_ts:
                ts = parse_timestamp(v)
                if ts is None:
                    self.all_ts = False
                elif ts[1] > 6:
                    self.all_ts = False  # nanosecond digits: kept as text, losslessly
                elif ts[1] > 3:
                    self.ts_us = True
            if self.all_date and parse_date(v) is None:
                self.all_date = False
        elif isinstance(v, dict):
            self.kinds.add("object")
            if self.children is None:
                self.children = {}
            ch = self.children
            for k, x in v.items():
                n = ch.get(k)
                if n is None:
                    n = ch[k] = Node()
                n.add(x)
        elif isinstance(v, list):
            self.kinds.add("array")
            if self.item is None:
                self.item = Node()
            for x in v:
                self.item.add(x)
        else:  # pragma: no cover
            raise TypeError(type(v))

    def resolve(self) -> Type:
        k = self.kinds
        if not k:
            return STRING
        if k == {"bool"}:
            return BOOL
        if k == {"int"}:
            return INT64
        if k <= {"int", "bigint", "float"}:
            return DOUBLE
        if k == {"string"}:
            if self.all_ts:
                return TS_US if self.ts_us else TS_MS
            return DATE if self.all_date else STRING
        if k == {"object"}:
            if not self.children:
                return JSON_T
            return Struct(tuple((n, c.resolve()) for n, c in self.children.items()))
        if k == {"array"}:
            return ListOf(self.item.resolve())
        return JSON_T


# ---------------------------------------------------------------------------
# Expected values


class JsonCell:
    """A JSON-column cell: the value and the line its raw text must come from."""

    __slots__ = ("value", "line")

    def __init__(self, value: Any, line: str) -> None:
        self.value, self.line = value, line

    def __repr__(self) -> str:
        return f"JSON {json.dumps(self.value, ensure_ascii=False)}"


def expected_value(v: Any, t: Type, line: str) -> Any:
    if v is None:
        return None
    if isinstance(t, Struct):
        return {n: expected_value(v.get(n), ft, line) for n, ft in t.fields}
    if isinstance(t, ListOf):
        return [expected_value(x, t.item, line) for x in v]
    name = t.name
    if name == "double":
        return float(v)
    if name == "json":
        return JsonCell(v, line)
    if name == "timestamp_ms":
        return parse_timestamp(v)[0] // 10**6
    if name == "timestamp_us":
        return parse_timestamp(v)[0] // 10**3
    if name == "date":
        return parse_date(v)
    return v


# ---------------------------------------------------------------------------
# The reference for a whole conversion


@dataclasses.dataclass
class BadLine:
    file_index: int
    line: int
    offset: int
    category: str
    detail: str
    content: bytes  # without newline, CR and BOM
    had_cr: bool
    had_bom: bool


@dataclasses.dataclass
class InputRef:
    name: str  # as given
    data: bytes  # decompressed
    lines_read: int = 0
    rows: int = 0
    bad: int = 0
    blank: int = 0
    empty_content: bool = False  # no bytes after an optional BOM


@dataclasses.dataclass
class RowRef:
    file_index: int
    line: int
    start: int  # content start (after BOM)
    end: int  # content end (before CR/newline)


def read_input(path: Union[str, Path]) -> bytes:
    data = Path(path).read_bytes()
    if str(path).endswith(".gz"):
        data = gzip.decompress(data)  # all members
    return data


def iter_lines(data: bytes) -> Iterator[tuple[int, int, int, int, bool, bool]]:
    """(line number, offset, content start, content end, had CR, had BOM)."""
    n = len(data)
    pos = 0
    number = 0
    while pos < n:
        nl = data.find(b"\n", pos)
        end = n if nl < 0 else nl
        number += 1
        start = pos
        had_bom = pos == 0 and data.startswith(BOM)
        if had_bom:
            start = 3
        cend = end
        had_cr = cend > start and data[cend - 1] == 0x0D
        if had_cr:
            cend -= 1
        yield number, pos, start, cend, had_cr, had_bom
        pos = end + 1


class Reference:
    """Independent classification and typing of a conversion's inputs."""

    def __init__(self) -> None:
        self.inputs: list[InputRef] = []
        self.rows: list[RowRef] = []
        self.bad: list[BadLine] = []
        self.root = Node()
        self.dup_keys = 0
        self.dup_objects = 0
        self.schema: list[tuple[str, Type]] = []

    @classmethod
    def build(cls, inputs: Iterable[Union[str, Path]], data: Optional[list[bytes]] = None) -> "Reference":
        ref = cls()
        for i, name in enumerate(inputs):
            blob = data[i] if data is not None else read_input(name)
            inp = InputRef(str(name), blob, empty_content=not blob[3 if blob.startswith(BOM) else 0:])
            ref.inputs.append(inp)
            for number, offset, start, end, had_cr, had_bom in iter_lines(blob):
                inp.lines_read += 1
                p = parse_line(blob[start:end])
                if p.kind == "blank":
                    inp.blank += 1
                elif p.kind == "bad":
                    inp.bad += 1
                    ref.bad.append(BadLine(i, number, offset, p.category, p.detail,
                                           blob[start:end], had_cr, had_bom))
                else:
                    inp.rows += 1
                    ref.rows.append(RowRef(i, number, start, end))
                    ref.root.add(p.value)
                    ref.dup_keys += p.dup_keys
                    ref.dup_objects += p.dup_objects
        children = ref.root.children or {}
        ref.schema = [(n, c.resolve()) for n, c in children.items()]
        return ref

    # totals
    @property
    def lines_read(self) -> int:
        return sum(i.lines_read for i in self.inputs)

    @property
    def blank_lines(self) -> int:
        return sum(i.blank for i in self.inputs)

    def location(self, row_index: int) -> str:
        r = self.rows[row_index]
        return f"{self.inputs[r.file_index].name}:{r.line}"

    def iter_expected(self) -> Iterator[tuple[Any, ...]]:
        """The expected cells of every row, in schema order (re-parses each row)."""
        for r in self.rows:
            content = self.inputs[r.file_index].data[r.start:r.end]
            p = parse_line(content)
            assert p.kind == "row"
            text = content.decode("utf-8")
            v = p.value
            yield tuple(expected_value(v.get(n), t, text) for n, t in self.schema)


# ---------------------------------------------------------------------------
# Reader values -> canonical form, and comparison


def _instant_us(v: Any) -> Optional[int]:
    if isinstance(v, datetime.datetime):
        delta = v - (EPOCH_NAIVE if v.tzinfo is None else EPOCH_UTC)
        return (delta.days * 86400 + delta.seconds) * 10**6 + delta.microseconds
    return None


def _same_json(a: Any, b: Any) -> bool:
    """Equality that tells bool, int and float apart and keeps the sign of 0.0."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same_json(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same_json(x, y) for x, y in zip(a, b))
    return a == b


def make_comparator(t: Type) -> Callable[[Any, Any, str, list], None]:
    """compare(expected, actual, path, out) appends (path, expected, got) to out."""
    if isinstance(t, Struct):
        names = [n for n, _ in t.fields]
        subs = [(n, make_comparator(ft)) for n, ft in t.fields]

        def cmp_struct(e: Any, a: Any, path: str, out: list) -> None:
            if e is None or a is None:
                if e is not a:
                    out.append((path, e, a))
                return
            if not isinstance(a, dict) or list(a) != names:
                out.append((path, e, a))
                return
            for n, c in subs:
                c(e[n], a[n], f"{path}.{n}", out)
        return cmp_struct
    if isinstance(t, ListOf):
        sub = make_comparator(t.item)

        def cmp_list(e: Any, a: Any, path: str, out: list) -> None:
            if e is None or a is None:
                if e is not a:
                    out.append((path, e, a))
                return
            if isinstance(a, tuple) or type(a).__name__ == "ndarray":
                a = list(a)
            if not isinstance(a, list) or len(a) != len(e):
                out.append((path, e, a))
                return
            for i, (x, y) in enumerate(zip(e, a)):
                sub(x, y, f"{path}[{i}]", out)
        return cmp_list
    name = t.name
    if name in ("bool", "int64", "string"):
        want = {"bool": bool, "int64": int, "string": str}[name]

        def cmp_plain(e: Any, a: Any, path: str, out: list) -> None:
            if e is None or a is None:
                if e is not a:
                    out.append((path, e, a))
            elif type(a) is not want or a != e:
                out.append((path, e, a))
        return cmp_plain
    if name == "double":
        def cmp_double(e: Any, a: Any, path: str, out: list) -> None:
            if e is None or a is None:
                if e is not a:
                    out.append((path, e, a))
            elif type(a) is not float or a != e or math.copysign(1.0, a) != math.copysign(1.0, e):
                out.append((path, e, a))
        return cmp_double
    if name in ("timestamp_ms", "timestamp_us"):
        per = 1000 if name == "timestamp_ms" else 1

        def cmp_ts(e: Any, a: Any, path: str, out: list) -> None:
            if e is None or a is None:
                if e is not a:
                    out.append((path, _ts_show(e, per), a))
                return
            us = _instant_us(a)
            if us is None or us != e * per:
                out.append((path, _ts_show(e, per), a))
        return cmp_ts
    if name == "date":
        def cmp_date(e: Any, a: Any, path: str, out: list) -> None:
            if e is None or a is None:
                if e is not a:
                    out.append((path, e, a))
                return
            ok = (isinstance(a, datetime.date) and not isinstance(a, datetime.datetime)
                  and (a - EPOCH_DATE).days == e)
            if not ok:
                out.append((path, EPOCH_DATE + datetime.timedelta(days=e) if -700000 < e < 2900000 else e, a))
        return cmp_date
    if name == "json":
        def cmp_json(e: Any, a: Any, path: str, out: list) -> None:
            if e is None or a is None:
                if e is not a:
                    out.append((path, e, a))
                return
            if isinstance(a, (bytes, bytearray)):
                try:
                    a = bytes(a).decode("utf-8")
                except UnicodeDecodeError:
                    out.append((path, e, a))
                    return
            if not isinstance(a, str):
                out.append((path, e, a))
                return
            try:
                parsed = json.loads(a)
            except ValueError:
                out.append((path, e, f"{a!r} (not JSON)"))
                return
            if not _same_json(parsed, e.value):
                out.append((path, e, a))
            elif a not in e.line:
                out.append((path, e, f"{a!r} (not the raw text of the line)"))
        return cmp_json
    raise ValueError(f"unknown type {t}")  # pragma: no cover


def _ts_show(e: Any, per: int) -> Any:
    if e is None:
        return None
    us = e * per
    try:
        return EPOCH_UTC + datetime.timedelta(microseconds=us)
    except OverflowError:
        return f"{us} us since epoch"


# ---------------------------------------------------------------------------
# Checks


@dataclasses.dataclass
class CheckResult:
    name: str
    problems: list
    total_problems: int = 0  # may exceed len(problems) (only the first are kept)
    notes: list = dataclasses.field(default_factory=list)  # printed, never a failure

    @property
    def ok(self) -> bool:
        return not self.problems and self.total_problems == 0


@dataclasses.dataclass
class Report:
    checks: list

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def get(self, name: str) -> Optional[CheckResult]:
        return next((c for c in self.checks if c.name == name), None)

    def format(self) -> str:
        lines = []
        for c in self.checks:
            notes = [f"    note: {n}" for n in c.notes]
            if c.ok:
                lines.append(f"PASS {c.name}")
                lines += notes
                continue
            lines.append(f"FAIL {c.name}")
            for p in c.problems[:MAX_DIFFS_SHOWN]:
                lines.append(f"    {p}")
            more = max(c.total_problems, len(c.problems)) - min(len(c.problems), MAX_DIFFS_SHOWN)
            if more > 0:
                lines.append(f"    ... and {more} more")
            lines += notes
        passed = sum(c.ok for c in self.checks)
        lines.append(f"{passed} passed, {len(self.checks) - passed} failed")
        return "\n".join(lines)


def show(v: Any, limit: int = 200) -> str:
    text = repr(v)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def check_summary(ref: Reference, summary: Any, parquet: Union[str, Path]) -> CheckResult:
    probs: list[str] = []
    res = CheckResult("summary", probs)
    if not isinstance(summary, dict):
        probs.append(f"summary is not a JSON object: {show(summary)}")
        return res
    keys = ["rows_written", "bad_records", "blank_lines", "lines_read", "duplicate_keys"]
    for k in keys:
        if not _int(summary.get(k)):
            probs.append(f"{k!r} missing or not an integer: {show(summary.get(k))}")
    for k in ("inputs", "output_files", "schema_notes"):
        if not isinstance(summary.get(k), list):
            probs.append(f"{k!r} missing or not an array: {show(summary.get(k))}")
    if probs:
        return res
    # per input
    empty_extra = 0  # accepted extra blank lines of empty inputs
    ins = summary["inputs"]
    if len(ins) != len(ref.inputs):
        probs.append(f"inputs has {len(ins)} entries, expected {len(ref.inputs)}")
    for i, (want, got) in enumerate(zip(ref.inputs, ins)):
        label = f"inputs[{i}]"
        if not isinstance(got, dict):
            probs.append(f"{label} is not an object: {show(got)}")
            continue
        if got.get("path") != want.name:
            probs.append(f"{label}.path is {show(got.get('path'))}, expected the path as given {want.name!r}")
        fields = {"lines_read": want.lines_read, "rows_written": want.rows,
                  "bad_records": want.bad, "blank_lines": want.blank}
        if not all(_int(got.get(f)) for f in fields):
            probs.append(f"{label} ({want.name}): counters missing or not integers: {show(got)}")
            continue
        if got["rows_written"] + got["bad_records"] + got["blank_lines"] != got["lines_read"]:
            probs.append(f"{label} ({want.name}): rows_written {got['rows_written']} + bad_records "
                         f"{got['bad_records']} + blank_lines {got['blank_lines']} != lines_read {got['lines_read']}")
        if want.empty_content and got["rows_written"] == 0 and got["bad_records"] == 0 and got["lines_read"] == got["blank_lines"] in (0, 1):
            empty_extra += got["lines_read"] - want.lines_read
            continue  # empty input: 0 lines or 1 blank line are both accepted
        for f, v in fields.items():
            if got[f] != v:
                probs.append(f"{label} ({want.name}): {f} is {got[f]}, expected {v}")
    # totals
    totals = {"rows_written": len(ref.rows), "bad_records": len(ref.bad),
              "blank_lines": ref.blank_lines + empty_extra, "lines_read": ref.lines_read + empty_extra}
    for k, v in totals.items():
        if summary[k] != v:
            probs.append(f"{k} is {summary[k]}, expected {v}")
    if summary["rows_written"] + summary["bad_records"] + summary["blank_lines"] != summary["lines_read"]:
        probs.append("rows_written + bad_records + blank_lines != lines_read in the totals")
    if summary["duplicate_keys"] not in (ref.dup_keys, ref.dup_objects):
        probs.append(f"duplicate_keys is {summary['duplicate_keys']}, expected {ref.dup_keys} "
                     f"(repeated keys) or {ref.dup_objects} (objects with a repeated key)")
    # output files
    outs = summary["output_files"]
    if not outs and summary["rows_written"] != 0:
        probs.append("output_files is empty")
    total_rows = 0
    for j, o in enumerate(outs):
        if not isinstance(o, dict) or not isinstance(o.get("path"), str) or not _int(o.get("rows")) \
                or not _int(o.get("bytes")):
            probs.append(f"output_files[{j}] is not {{path, rows, bytes}}: {show(o)}")
            continue
        total_rows += o["rows"]
        p = Path(o["path"])
        if not p.is_file():
            probs.append(f"output_files[{j}].path {o['path']!r} does not exist")
            continue
        if o["bytes"] != p.stat().st_size:
            probs.append(f"output_files[{j}].bytes is {o['bytes']}, the file has {p.stat().st_size}")
    if len(outs) == 1 and isinstance(outs[0], dict) and isinstance(outs[0].get("path"), str):
        try:
            same = Path(outs[0]["path"]).exists() and os.path.samefile(outs[0]["path"], parquet)
        except OSError:
            same = False
        if not same:
            probs.append(f"output_files[0].path {outs[0]['path']!r} is not {str(parquet)!r}")
    if total_rows != summary["rows_written"]:
        probs.append(f"output_files rows add up to {total_rows}, rows_written is {summary['rows_written']}")
    if not all(isinstance(s, str) for s in summary["schema_notes"]):
        probs.append(f"schema_notes holds a non-string: {show(summary['schema_notes'])}")
    return res


def _raw_candidates(b: BadLine) -> list[bytes]:
    """Acceptable 'full raw line' byte strings (BOM and CR each optional where present)."""
    out = []
    for bom in ([b"", BOM] if b.had_bom else [b""]):
        for cr in ([b"", b"\r"] if b.had_cr else [b""]):
            out.append(bom + b.content + cr)
    return out


def _raw_matches(rec: dict, full: bytes, original_length: int) -> Optional[str]:
    """None if rec's raw / raw_base64 / raw_length fit the line bytes ``full``,
    else what is wrong.  raw_length may be that of ``full`` or of the original
    line (BOM and CR included)."""
    if rec.get("raw_length") not in (len(full), original_length):
        want = sorted({len(full), original_length})
        return f"raw_length is {show(rec.get('raw_length'))}, expected {' or '.join(map(str, want))}"
    cut = full[:RAW_LIMIT]
    try:
        cut.decode("utf-8")
        cut_valid = True
    except UnicodeDecodeError:
        cut_valid = False
    try:
        full.decode("utf-8")
        full_valid = True
    except UnicodeDecodeError:
        full_valid = False
    has_raw, has_b64 = "raw" in rec, "raw_base64" in rec
    if has_raw == has_b64:
        return "needs exactly one of raw and raw_base64"
    if has_b64:
        if full_valid and cut_valid:
            return "raw_base64 given for a UTF-8 line (expected raw)"
        try:
            got = base64.b64decode(rec["raw_base64"], validate=True)
        except (ValueError, TypeError):
            return f"raw_base64 is not base64: {show(rec['raw_base64'])}"
        if got != cut:
            return f"raw_base64 decodes to {show(got)}, expected {show(cut)}"
        return None
    if not full_valid:
        return "raw given for a line that is not UTF-8 (expected raw_base64)"
    raw = rec["raw"]
    if not isinstance(raw, str):
        return f"raw is not a string: {show(raw)}"
    if cut_valid:
        return None if raw == cut.decode("utf-8") else f"raw is {show(raw)}, expected {show(cut.decode('utf-8'))}"
    # the cut falls inside a character: accept the longest whole-character prefix
    for k in range(1, 4):
        try:
            want = full[: RAW_LIMIT - k].decode("utf-8")
            break
        except UnicodeDecodeError:
            continue
    return None if raw == want else f"raw is {show(raw)}, expected {show(want)}"


def check_bad_records(ref: Reference, bad_path: Union[str, Path], lenient_reasons: bool = False) -> CheckResult:
    probs: list[str] = []
    res = CheckResult("bad-records", probs)
    try:
        data = Path(bad_path).read_bytes()
    except OSError as e:
        if not ref.bad and isinstance(e, FileNotFoundError):
            return res  # no bad lines: a missing file is fine
        probs.append(f"cannot read {bad_path}: {e}")
        return res
    names = {inp.name: i for i, inp in enumerate(ref.inputs)}
    want = {(b.file_index, b.line): b for b in ref.bad}
    seen: set = set()
    records = [ln for ln in data.split(b"\n") if ln.strip()]
    for k, line in enumerate(records, 1):
        where = f"{bad_path}:{k}"
        try:
            rec = json.loads(line)
        except ValueError as e:
            probs.append(f"{where}: not JSON ({e}): {show(line)}")
            continue
        if not isinstance(rec, dict):
            probs.append(f"{where}: not an object: {show(rec)}")
            continue
        fi = names.get(rec.get("file"))
        if fi is None:
            probs.append(f"{where}: file {show(rec.get('file'))} is not an input path as given "
                         f"({list(names)})")
            continue
        if not _int(rec.get("line")):
            probs.append(f"{where}: line is {show(rec.get('line'))}")
            continue
        key = (fi, rec["line"])
        loc = f"{ref.inputs[fi].name}:{rec['line']}"
        if key in seen:
            probs.append(f"{loc}: listed twice in the bad-records file")
            continue
        seen.add(key)
        b = want.get(key)
        if b is None:
            probs.append(f"{loc}: listed as bad ({show(rec.get('reason'))}), but the reference says "
                         f"{_ref_kind(ref, fi, rec['line'])}")
            continue
        raw_text = b.content.decode("utf-8", "replace")
        offsets = {b.offset, b.offset + 3} if b.had_bom else {b.offset}
        if rec.get("offset") not in offsets:
            probs.append(f"{loc}: offset is {show(rec.get('offset'))}, expected {sorted(offsets)}")
        if not reason_ok(b.category, rec.get("reason"), raw_text, lenient_reasons):
            probs.append(f"{loc}: reason is {show(rec.get('reason'))}, expected {expected_reason(b.category)}"
                         f" (reference: {b.detail})")
        original = len(b.content) + 3 * b.had_bom + b.had_cr
        errors = [_raw_matches(rec, full, original) for full in _raw_candidates(b)]
        if all(errors):
            probs.append(f"{loc}: {errors[0]}")
    for key, b in want.items():
        if key not in seen:
            probs.append(f"{ref.inputs[b.file_index].name}:{b.line}: bad per the reference ({b.category}: "
                         f"{b.detail}) but not in the bad-records file; raw {show(b.content)}")
    return res


def _ref_kind(ref: Reference, fi: int, line: int) -> str:
    if line < 1 or line > ref.inputs[fi].lines_read:
        return f"there is no such line (the input has {ref.inputs[fi].lines_read})"
    for number, offset, start, end, _, _ in iter_lines(ref.inputs[fi].data):
        if number == line:
            return f"it is a {parse_line(ref.inputs[fi].data[start:end]).kind} line"
    return "?"  # pragma: no cover


def _arrow_type_problem(t: Type, at: Any, path: str) -> list[str]:
    import pyarrow as pa

    def bad() -> list[str]:
        return [f"column {path}: type is {at}, expected {type_str(t)}"]

    if isinstance(t, Struct):
        if not pa.types.is_struct(at):
            return bad()
        names = [at.field(i).name for i in range(at.num_fields)]
        if names != [n for n, _ in t.fields]:
            return [f"column {path}: struct fields are {names}, expected {[n for n, _ in t.fields]}"]
        out = []
        for i, (n, ft) in enumerate(t.fields):
            f = at.field(i)
            if not f.nullable:
                out.append(f"column {path}.{n}: not nullable")
            out += _arrow_type_problem(ft, f.type, f"{path}.{n}")
        return out
    if isinstance(t, ListOf):
        if not (pa.types.is_list(at) or pa.types.is_large_list(at)):
            return bad()
        out = [] if at.value_field.nullable else [f"column {path}[]: list element not nullable"]
        return out + _arrow_type_problem(t.item, at.value_type, f"{path}[]")
    name = t.name
    strings = (pa.types.is_string(at) or pa.types.is_large_string(at) or
               getattr(pa.types, "is_string_view", lambda _: False)(at))
    if name == "json":
        ok = strings or getattr(at, "extension_name", None) == "arrow.json"
    elif name == "string":
        ok = strings
    elif name in ("timestamp_ms", "timestamp_us"):
        ok = (pa.types.is_timestamp(at) and at.unit == name[-2:] and at.tz in ("UTC", "+00:00", "Etc/UTC"))
    else:
        ok = at == {"bool": pa.bool_(), "int64": pa.int64(), "double": pa.float64(), "date": pa.date32()}[name]
    return [] if ok else bad()


LEAF_PARQUET = {  # type -> (physical, accepted logical type strings or prefixes)
    "bool": ("BOOLEAN", ("None",)),
    "int64": ("INT64", ("None", "Int(bitWidth=64, isSigned=true)")),
    "double": ("DOUBLE", ("None",)),
    "string": ("BYTE_ARRAY", ("String",)),
    "json": ("BYTE_ARRAY", ("JSON",)),
    "date": ("INT32", ("Date",)),
    "timestamp_ms": ("INT64", ("Timestamp(isAdjustedToUTC=true, timeUnit=milliseconds",)),
    "timestamp_us": ("INT64", ("Timestamp(isAdjustedToUTC=true, timeUnit=microseconds",)),
}


def _leaves(t: Type, path: str) -> Iterator[tuple[str, Prim]]:
    if isinstance(t, Struct):
        for n, ft in t.fields:
            yield from _leaves(ft, f"{path}.{n}")
    elif isinstance(t, ListOf):
        yield from _leaves(t.item, f"{path}[]")
    else:
        yield path, t


def check_schema(ref: Reference, parquet: Union[str, Path]) -> CheckResult:
    import pyarrow.parquet as pq

    probs: list[str] = []
    res = CheckResult("schema", probs)
    try:
        pf = pq.ParquetFile(str(parquet))
        arrow = pf.schema_arrow
        num_rows = pf.metadata.num_rows
        leaves = [pf.schema.column(i) for i in range(len(pf.schema))]
    except Exception as e:
        probs.append(f"cannot read the footer of {parquet}: {type(e).__name__}: {e}")
        return res
    if num_rows != len(ref.rows):
        probs.append(f"footer says {num_rows} rows, expected {len(ref.rows)}")
    want_names = [n for n, _ in ref.schema]
    if arrow.names != want_names:
        probs.append(f"top-level columns are {arrow.names}, expected {want_names}")
        return res
    for (n, t), f in zip(ref.schema, arrow):
        if not f.nullable:
            probs.append(f"column {n}: not nullable")
        probs += _arrow_type_problem(t, f.type, n)
    want_leaves = [x for n, t in ref.schema for x in _leaves(t, n)]
    if len(leaves) != len(want_leaves):
        probs.append(f"file has {len(leaves)} leaf columns, expected {len(want_leaves)}")
    else:
        for (path, t), leaf in zip(want_leaves, leaves):
            phys, logical = LEAF_PARQUET[t.name]
            got_logical = str(leaf.logical_type)
            if leaf.physical_type != phys or not got_logical.startswith(logical):
                probs.append(f"column {path} ({type_str(t)}): Parquet type is {leaf.physical_type} / "
                             f"{got_logical}, expected {phys} / {' or '.join(logical)}")
    return res


def _pyarrow_rows(parquet: str) -> tuple[list[str], Iterator[tuple]]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(parquet)
    names = pf.schema_arrow.names

    def gen() -> Iterator[tuple]:
        if not names:
            for _ in range(pf.metadata.num_rows):
                yield ()
            return
        for batch in pf.iter_batches(batch_size=8192):
            cols = [batch.column(j).to_pylist() for j in range(batch.num_columns)]
            yield from zip(*cols)
    return names, gen()


def _duckdb_rows(parquet: str, ncols: int) -> tuple[list[str], Iterator[tuple]]:
    import duckdb

    con = duckdb.connect()
    if ncols == 0:  # "select *" needs a column: count the rows instead
        n = con.execute("select count(*) from read_parquet(?)", [parquet]).fetchone()[0]
        con.close()
        return [], iter([()] * n)
    cur = con.execute("select * from read_parquet(?)", [parquet])
    names = [d[0] for d in cur.description]

    def gen() -> Iterator[tuple]:
        try:
            while True:
                chunk = cur.fetchmany(8192)
                if not chunk:
                    break
                yield from chunk
        finally:
            con.close()
    return names, gen()


def _duckdb_renamed(want: list[str], got: list[str]) -> bool:
    """DuckDB renames an empty column name and case-insensitive duplicates."""
    if len(want) != len(got):
        return False
    seen: set = set()
    for w, g in zip(want, got):
        if w != g and not (w == "" or w.lower() in seen):
            return False
        seen.add(w.lower())
    return True


def check_values(ref: Reference, parquet: Union[str, Path],
                 readers: tuple = ("pyarrow", "duckdb")) -> list[CheckResult]:
    """One ``values/READER`` check per reader; the expected rows are built once
    and compared with every reader's rows in the same pass."""
    want_names = [n for n, _ in ref.schema]
    results, streams = [], []
    for reader in readers:
        res = CheckResult(f"values/{reader}", [])
        results.append(res)
        try:
            if reader == "pyarrow":
                names, rows = _pyarrow_rows(str(parquet))
            elif reader == "duckdb":
                names, rows = _duckdb_rows(str(parquet), len(want_names))
            else:
                raise ValueError(f"unknown reader {reader!r}")
        except Exception as e:
            if reader == "duckdb" and not want_names and "non-root column" in str(e):
                # The contract does not say what to write when no row has a key.
                res.notes.append(f"DuckDB cannot read a Parquet file without columns ({e}); "
                                 f"the row count was checked with pyarrow only")
            else:
                res.problems.append(f"read failed: {type(e).__name__}: {e}")
            continue
        if names != want_names and not (reader == "duckdb" and _duckdb_renamed(want_names, names)):
            res.problems.append(f"columns are {names}, expected {want_names}")
            continue
        streams.append([res, rows, 0, False])  # result, rows, rows read, finished
    comparators = [make_comparator(t) for _, t in ref.schema]
    schema = ref.schema
    for i, e_row in enumerate(ref.iter_expected()):
        for st in streams:
            res, rows, _, done = st
            if done:
                continue
            try:
                a_row = next(rows)
            except StopIteration:
                st[3] = True
                continue
            except Exception as e:
                res.problems.append(f"read failed after {st[2]} rows: {type(e).__name__}: {e}")
                res.total_problems += 1
                st[3] = True
                continue
            st[2] += 1
            if len(a_row) != len(comparators):
                res.total_problems += 1
                if len(res.problems) < MAX_DIFFS_SHOWN:
                    res.problems.append(f"{ref.location(i)}: row has {len(a_row)} cells")
                continue
            found: list = []
            for (name, _), cmp_, e, a in zip(schema, comparators, e_row, a_row):
                cmp_(e, a, name, found)
            for path, ev, av in found:
                res.total_problems += 1
                if len(res.problems) < MAX_DIFFS_SHOWN:
                    res.problems.append(f"{ref.location(i)} column {path}: expected {show(ev)}, got {show(av)}")
    for res, rows, n, done in streams:
        try:
            n += 0 if done else sum(1 for _ in rows)
        except Exception as e:
            res.problems.append(f"read failed after {n} rows: {type(e).__name__}: {e}")
            res.total_problems += 1
            continue
        if n != len(ref.rows):
            res.problems.append(f"reader returned {n} rows, expected {len(ref.rows)}")
            res.total_problems += 1
    return results


def check(inputs: list, parquet: Union[str, Path], bad_records: Optional[Union[str, Path]] = None,
          summary: Any = None, *, reference: Optional[Reference] = None,
          lenient_reasons: bool = False, readers: tuple = ("pyarrow", "duckdb")) -> Report:
    """Run every check.  ``summary`` is the parsed stdout object (or a path to it)."""
    ref = reference or Reference.build(inputs)
    checks = []
    if summary is not None:
        if isinstance(summary, (str, Path)):
            try:
                summary = json.loads(Path(summary).read_text(encoding="utf-8"))
            except (OSError, ValueError) as e:
                summary = f"unreadable: {e}"
        checks.append(check_summary(ref, summary, parquet))
    if bad_records is not None:
        checks.append(check_bad_records(ref, bad_records, lenient_reasons))
    if not Path(parquet).is_file():
        if ref.rows:
            checks.append(CheckResult("parquet", [f"{parquet} does not exist"]))
        else:  # the contract does not say whether a conversion without rows writes a file
            checks.append(CheckResult("parquet", [], notes=[f"no rows and no Parquet file {parquet}"]))
        return Report(checks)
    checks.append(check_schema(ref, parquet))
    checks += check_values(ref, parquet, readers)
    return Report(checks)


def main(argv: Optional[list] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inputs", nargs="+", help="input paths exactly as given to lakeconv")
    ap.add_argument("--parquet", required=True, help="the Parquet file lakeconv wrote")
    ap.add_argument("--bad-records", help="the bad-records NDJSON file lakeconv wrote")
    ap.add_argument("--summary", help="a file holding what lakeconv --json printed")
    ap.add_argument("--lenient-reasons", action="store_true",
                    help="accept any known reason prefix for a bad line")
    a = ap.parse_args(argv)
    try:
        ref = Reference.build(a.inputs)
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        print(f"cannot read the inputs: {type(e).__name__}: {e}")
        print("0 passed, 1 failed")
        return 1
    print(f"reference: {ref.lines_read} lines, {len(ref.rows)} rows, {len(ref.bad)} bad, "
          f"{ref.blank_lines} blank; columns: "
          + ", ".join(f"{n} {type_str(t)}" for n, t in ref.schema))
    report = check(a.inputs, a.parquet, a.bad_records, a.summary, reference=ref,
                   lenient_reasons=a.lenient_reasons)
    print(report.format())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
