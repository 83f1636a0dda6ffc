"""Partitioned datasets written by ``lakeconv ndjson-to-parquet --partition-by ...``, read back
by DuckDB (``read_parquet('DIR/**/*.parquet', hive_partitioning=true)``) and by pyarrow
(``pyarrow.dataset.dataset(DIR, format='parquet', partitioning='hive')``).

Run (from the repository root)::

    .venv/bin/python -m pytest -q Tests/Interop/test_datasets.py

The binary is ``LAKECONV_BIN`` (default ``.build/release/lakeconv``); when it is missing every
test FAILS (none is skipped).  pyspark (``local[2]``, one session for the module) computes the
expected hash buckets: ``pmod(hash(x), N)`` is Spark's own Murmur3 x86_32 (seed 42).

What is checked, for 20,000 events of ``gen_events.py --seed 5`` and each partitioning
(``source``; ``date:event_time:day``; the same with ``--date-layout dt``;
``date:event_time:hour --timezone +05:30``; ``hash:user_id:16``; and
``source`` + ``date:event_time:day`` + ``hash:user_id:16``):

* every row is found by ``event_id`` and every column equals the reference parse of
  check_conversion.py (its comparators), for both readers;
* partition columns equal what they were derived from: source -> the record's source,
  year/month/day[/hour] (or dt) -> the date of event_time in UTC (or the --timezone offset),
  bucket -> Spark's ``pmod(hash(user_id), 16)`` (all distinct user_ids in one Spark query);
* the directory of every row's file is exactly the one the contract names
  (``source=web/year=2021/month=03/day=01/bucket=07``, zero padded, Hive-escaped);
* category partition columns are not stored in the files (date and hash sources are);
* ``_SUCCESS`` lists exactly the files on disk, with their decoded partition values, rows and
  bytes, and the counters of the run.

Also: hostile category values (exact escaped directory names, nothing created outside DIR,
decoded values read back, null / "" -> the default partition, a 300-byte value -> bad record),
``--keep-partition-columns``, buckets of string (multi-byte UTF-8 tails) and double columns
against Spark, partition specs whose key names collide, and the write modes
(error / append / overwrite-partitions / overwrite).
"""

from __future__ import annotations

import datetime
import json
import random
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

import duckdb
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest

INTEROP = Path(__file__).resolve().parent
REPO = INTEROP.parents[1]
sys.path.insert(0, str(INTEROP))
import check_conversion as cc  # noqa: E402
from spark_support import spark_session  # noqa: E402

GEN_EVENTS = REPO / "Benchmarks" / "datagen" / "gen_events.py"
BIN = Path(os.path.abspath(os.environ.get("LAKECONV_BIN") or REPO / ".build" / "release" / "lakeconv"))
TIMEOUT = float(os.environ.get("LAKECONV_TIMEOUT", "300"))
DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__"
MAX_SHOWN = 10

# ---------------------------------------------------------------------------
# Running lakeconv


def lakeconv() -> str:
    if not BIN.is_file() or not os.access(BIN, os.X_OK):
        pytest.fail(f"lakeconv binary not found or not executable: {BIN} (build it or set LAKECONV_BIN)",
                    pytrace=False)
    return str(BIN)


def run(args: list, *, cwd: Optional[Path] = None) -> subprocess.CompletedProcess:
    cmd = [lakeconv(), "ndjson-to-parquet", *map(str, args), "--quiet", "--json"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, cwd=cwd,
                          stdin=subprocess.DEVNULL)


def describe(p: subprocess.CompletedProcess) -> str:
    return (f"command: {' '.join(map(str, p.args))}\nexit status {p.returncode}\n"
            f"stderr: {p.stderr[-3000:] or '(empty)'}\nstdout: {p.stdout[:1500] or '(empty)'}")


def convert(inputs: Iterable, out: Path, specs: Iterable[str] = (), extra: Iterable[str] = ()) -> dict:
    """Runs a conversion that must succeed; returns the --json summary."""
    args = [*inputs, "--output", out]
    for s in specs:
        args += ["--partition-by", s]
    p = run([*args, *extra])
    if p.returncode != 0:
        pytest.fail(f"lakeconv failed\n{describe(p)}", pytrace=False)
    try:
        return json.loads(p.stdout)
    except ValueError as e:
        pytest.fail(f"stdout is not JSON ({e})\n{describe(p)}", pytrace=False)


def gen_events(path: Path, rows: int, seed: int) -> Path:
    subprocess.run([sys.executable, str(GEN_EVENTS), "--rows", str(rows), "--seed", str(seed),
                    "--out", str(path)], check=True, capture_output=True)
    return path


# ---------------------------------------------------------------------------
# The contract's partition paths, written independently of lakeconv

# Hive FileUtils.escapePathName: these ASCII characters become %XX (upper-case hex).
HIVE_ESCAPED = set(range(0x01, 0x20)) | {0x00, 0x7F} | set(b"\"#%'*/:=?\\{[]^")


def escape_path_name(value: str) -> str:
    return "".join(f"%{ord(ch):02X}" if ord(ch) < 0x80 and ord(ch) in HIVE_ESCAPED else ch for ch in value)


def unescape_path_name(text: str) -> str:
    return re.sub(r"%([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), text)


def category_segment(column: str, value: Optional[str]) -> str:
    if value is None or value == "":
        return f"{column}={DEFAULT_PARTITION}"
    if value.upper() == DEFAULT_PARTITION:
        return f"{column}=%5F{escape_path_name(value[1:])}"
    return f"{column}={escape_path_name(value)}"


def decode_segment(segment: str) -> tuple[str, Optional[str]]:
    key, _, text = segment.partition("=")
    return key, (None if text == DEFAULT_PARTITION else unescape_path_name(text))


def local_time(ts: str, offset_minutes: int = 0) -> datetime.datetime:
    ns = cc.parse_timestamp(ts)[0]
    return cc.EPOCH_UTC.replace(tzinfo=None) + datetime.timedelta(microseconds=ns // 1000, minutes=offset_minutes)


def bucket_width(n: int) -> int:
    return max(2, len(str(n - 1)))


# ---------------------------------------------------------------------------
# Reference rows


class Events:
    """The reference parse of one or more NDJSON inputs, row by row."""

    def __init__(self, inputs: list) -> None:
        self.ref = cc.Reference.build([str(p) for p in inputs])
        self.schema = self.ref.schema
        self.records: list[dict] = []  # the parsed objects
        self.expected: list[tuple] = []  # check_conversion's expected cells, schema order
        for r in self.ref.rows:
            content = self.ref.inputs[r.file_index].data[r.start:r.end]
            value = cc.parse_line(content).value
            text = content.decode("utf-8")
            self.records.append(value)
            self.expected.append(tuple(cc.expected_value(value.get(n), t, text) for n, t in self.schema))
        self.comparators = {n: cc.make_comparator(t) for n, t in self.schema}
        self.names = [n for n, _ in self.schema]


# ---------------------------------------------------------------------------
# Readers


def duckdb_rows(root: Path) -> list[dict]:
    con = duckdb.connect()
    try:
        cur = con.execute("select * from read_parquet(?, hive_partitioning=true, filename=true)",
                          [f"{root}/**/*.parquet"])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        con.close()


def pyarrow_rows(root: Path) -> list[dict]:
    dataset = pads.dataset(str(root), format="parquet", partitioning="hive")
    return dataset.to_table().to_pylist()


READERS = {"duckdb": duckdb_rows, "pyarrow": pyarrow_rows}

PartExpect = Callable[[dict], Any]  # record -> expected partition column value


def as_int(a: Any) -> Optional[int]:
    return a if isinstance(a, int) and not isinstance(a, bool) else None


def check_rows(reader: str, rows: list[dict], ev: Events, *, ids: Optional[set] = None,
               partition_cols: Optional[dict] = None, category: Iterable[str] = (),
               category_value: Optional[Callable[[str, dict, Any], bool]] = None) -> list[str]:
    """Every row of ``ev`` (or those whose event_id is in ``ids``) read back, every column equal.

    ``partition_cols``: key -> (expected(record), kind) for partition columns that are not data
    columns; kind "int" (year, month, day, hour, bucket: expected(record) is (number, directory
    text); a reader may give an integer equal to the number, or the text exactly: DuckDB keeps
    zero-padded values such as month=03 as text) or "date" (dt: str(value) == YYYY-MM-DD, a date
    or a string).  ``category``: partition columns that are data columns (compared with the data
    column's comparator), ``category_value`` may take over that comparison for a row."""
    partition_cols = partition_cols or {}
    problems: list[str] = []
    want_cols = set(ev.names) | set(partition_cols)
    by_id: dict = {}
    for row in rows:
        row = {k: v for k, v in row.items() if k != "filename"}
        if set(row) != want_cols:
            return [f"{reader}: columns {sorted(row)}, expected {sorted(want_cols)}"]
        if row["event_id"] in by_id:
            problems.append(f"{reader}: event_id {row['event_id']} read twice")
        by_id[row["event_id"]] = row
    n = 0
    for rec, exp in zip(ev.records, ev.expected):
        if ids is not None and rec.get("event_id") not in ids:
            continue
        n += 1
        got = by_id.get(rec.get("event_id"))
        if got is None:
            problems.append(f"{reader}: event_id {rec.get('event_id')} not read back")
            continue
        found: list = []
        for (name, _), e in zip(ev.schema, exp):
            if name in category and category_value is not None and category_value(name, rec, got[name]):
                continue
            ev.comparators[name](e, got[name], name, found)
        for key, (expect, kind) in partition_cols.items():
            want, a = expect(rec), got[key]
            if kind == "int":  # zero-padded text ("03", DuckDB keeps it) or an integer (3)
                want_text = want[1] if isinstance(want, tuple) else None
                want = want[0] if isinstance(want, tuple) else want
                ok = as_int(a) == want or (isinstance(a, str) and a == want_text)
            else:
                ok = a is not None and str(a) == want
            if not ok:
                found.append((key, want, a))
        for path, e, a in found:
            problems.append(f"{reader}: event_id {rec.get('event_id')} column {path}: expected "
                            f"{cc.show(e)}, got {cc.show(a)}")
    if len(by_id) != n:
        problems.append(f"{reader}: read {len(by_id)} distinct rows, expected {n}")
    return problems


def fail_if(problems: list[str], what: str) -> None:
    if problems:
        more = f"\n... and {len(problems) - MAX_SHOWN} more" if len(problems) > MAX_SHOWN else ""
        pytest.fail(f"{what}:\n" + "\n".join(problems[:MAX_SHOWN]) + more, pytrace=False)


def parquet_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.parquet"))


def check_manifest(root: Path, keys: list[str], summary: Optional[dict] = None) -> tuple[dict, list[str]]:
    """_SUCCESS lists exactly the Parquet files under root, each with the partition values its
    directories decode to, its row count and size; totals equal the run's summary."""
    problems: list[str] = []
    manifest = json.loads((root / "_SUCCESS").read_text(encoding="utf-8"))
    files = manifest.get("files", [])
    listed = sorted(f["path"] for f in files)
    on_disk = parquet_files(root)
    if listed != on_disk:
        problems.append(f"_SUCCESS lists {len(listed)} files, {len(on_disk)} on disk; "
                        f"only listed: {sorted(set(listed) - set(on_disk))[:5]}, "
                        f"only on disk: {sorted(set(on_disk) - set(listed))[:5]}")
    if [k.get("name") for k in manifest.get("partition_keys", [])] != keys:
        problems.append(f"partition_keys {manifest.get('partition_keys')}, expected names {keys}")
    for f in files:
        path = root / f["path"]
        segments = f["path"].split("/")[:-1]
        want = dict(decode_segment(s) for s in segments)
        if [s.partition("=")[0] for s in segments] != keys:
            problems.append(f"{f['path']}: directory keys {[s.partition('=')[0] for s in segments]}, expected {keys}")
        if f.get("partition") != want:
            problems.append(f"{f['path']}: partition {f.get('partition')!r}, its directories decode to {want!r}")
        if path.is_file():
            if f.get("rows") != pq.ParquetFile(path).metadata.num_rows:
                problems.append(f"{f['path']}: rows {f.get('rows')}, the footer says "
                                f"{pq.ParquetFile(path).metadata.num_rows}")
            if f.get("bytes") != path.stat().st_size:
                problems.append(f"{f['path']}: bytes {f.get('bytes')}, the file has {path.stat().st_size}")
    total = sum(f.get("rows", 0) for f in files)
    if total != manifest.get("rows_written"):
        problems.append(f"files hold {total} rows, rows_written is {manifest.get('rows_written')}")
    if summary is not None:
        for k in ("rows_written", "bad_records", "blank_lines", "lines_read"):
            if manifest.get(k) != summary.get(k):
                problems.append(f"_SUCCESS {k} {manifest.get(k)}, the run printed {summary.get(k)}")
    return manifest, problems


def check_directories(root: Path, ev: Events, expected_dir: Callable[[dict], str]) -> list[str]:
    """The file holding each row (DuckDB's filename column) sits exactly in expected_dir(record)."""
    con = duckdb.connect()
    try:
        got = dict(con.execute("select event_id, filename from read_parquet(?, filename=true, "
                               "hive_partitioning=false)", [f"{root}/**/*.parquet"]).fetchall())
    finally:
        con.close()
    problems = []
    for rec in ev.records:
        f = got.get(rec["event_id"])
        want = expected_dir(rec)
        have = None if f is None else str(Path(f).parent.relative_to(root))
        if have != want:
            problems.append(f"event_id {rec['event_id']}: in directory {have!r}, expected {want!r}")
    return problems


# ---------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def events_path(tmp_path_factory) -> Path:
    return gen_events(tmp_path_factory.mktemp("events") / "events.ndjson", 20000, 5)


@pytest.fixture(scope="module")
def events(events_path: Path) -> Events:
    ev = Events([events_path])
    assert len(ev.records) == 20000 and ev.names[:3] == ["event_id", "event_time", "source"]
    return ev


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    session = spark_session(tmp_path_factory.mktemp("spark"), "lakeconv-test-datasets")
    # Spark's Murmur3 is the one the contract names: hash(1) over an int is -559580957.
    assert session.sql("select hash(1)").collect()[0][0] == -559580957
    yield session
    session.stop()


def spark_query(spark, tmp: Path, columns: dict[str, pa.Array], sql: str) -> list:
    """Runs ``sql`` over a view ``v`` of the given columns (written with pyarrow, so Spark sees
    the reference values with their exact types)."""
    path = tmp / f"spark-input-{len(list(tmp.glob('spark-input-*')))}.parquet"
    pq.write_table(pa.table(columns), path)
    spark.read.parquet(str(path)).createOrReplaceTempView("v")
    return spark.sql(sql).collect()


@pytest.fixture(scope="module")
def user_buckets(spark, events: Events, tmp_path_factory) -> dict:
    """user_id -> Spark's pmod(hash(user_id), 16), every distinct user_id in one query."""
    ids = sorted({r["user_id"] for r in events.records})
    rows = spark_query(spark, tmp_path_factory.mktemp("ub"), {"user_id": pa.array(ids, pa.int64())},
                       "select user_id, pmod(hash(user_id), 16) from v")
    got = {r[0]: r[1] for r in rows}
    assert len(got) == len(ids)
    return got


# ---------------------------------------------------------------------------
# Each partitioning kind


def day_of(rec: dict, offset: int = 0) -> datetime.datetime:
    return local_time(rec["event_time"], offset)


def date_key(t: datetime.datetime, key: str) -> tuple[int, str]:
    """(number, directory text) of a date partition key: year=2021, month=03, day=01, hour=09."""
    v = getattr(t, key)
    return v, (f"{v:04d}" if key == "year" else f"{v:02d}")


KINDS = {
    # id: (specs, extra options, partition keys)
    "source": (["source"], [], ["source"]),
    "day": (["date:event_time:day"], [], ["year", "month", "day"]),
    "day-dt": (["date:event_time:day"], ["--date-layout", "dt"], ["dt"]),
    "hour-tz": (["date:event_time:hour"], ["--timezone", "+05:30"], ["year", "month", "day", "hour"]),
    "hash16": (["hash:user_id:16"], [], ["bucket"]),
    "combined": (["source", "date:event_time:day", "hash:user_id:16"], [], ["source", "year", "month", "day", "bucket"]),
    # A folder without partitioning: part files at the root. Small row groups and files, two
    # threads: many chunks, several files (this shape once published an empty folder).
    "none": ([], ["--row-group-size", "256KiB", "--target-file-size", "1MiB", "--threads", "2"], []),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_partitioning_read_back(kind: str, events_path: Path, events: Events, tmp_path: Path,
                                request: pytest.FixtureRequest) -> None:
    specs, extra, keys = KINDS[kind]
    buckets = request.getfixturevalue("user_buckets") if "bucket" in keys else {}
    offset = 330 if "--timezone" in extra else 0
    out = tmp_path / "ds"
    summary = convert([events_path], out, specs, extra)
    assert (summary["rows_written"], summary["bad_records"], summary["lines_read"]) == (20000, 0, 20000), summary

    def segments(rec: dict) -> list[str]:
        out_: list[str] = []
        t = day_of(rec, offset)
        for k in keys:
            if k == "source":
                out_.append(category_segment("source", rec["source"]))
            elif k == "dt":
                out_.append(f"dt={t:%Y-%m-%d}")
            elif k in ("year", "month", "day", "hour"):
                v = {"year": t.year, "month": t.month, "day": t.day, "hour": t.hour}[k]
                out_.append(f"{k}={v:04d}" if k == "year" else f"{k}={v:02d}")
            elif k == "bucket":
                out_.append(f"bucket={buckets[rec['user_id']]:0{bucket_width(16)}d}")
        return out_

    # Exact directories, one level per key, outermost first.
    fail_if(check_directories(out, events, lambda r: "/".join(segments(r)) or "."), f"{kind}: directories")
    manifest, problems = check_manifest(out, keys, summary)
    fail_if(problems, f"{kind}: _SUCCESS")
    if kind == "none":
        assert len(manifest["files"]) >= 2, f"expected several files past --target-file-size, got {manifest['files']}"
        # Near the target: at most one row group (of at most the target's size, compressed) past it.
        sizes = [e["bytes"] for e in manifest["files"]]
        assert max(sizes) <= 2 * (1 << 20), f"--target-file-size 1MiB overshot: {sizes}"

    # Category partition columns are not in the files; date and hash sources are.
    stored = [n for n in events.names if not (n == "source" and "source" in keys)]
    for f in parquet_files(out)[:3] + parquet_files(out)[-3:]:
        assert pq.read_schema(out / f).names == stored, f"{f}: columns {pq.read_schema(out / f).names}"

    partition_cols: dict = {}
    for k in keys:
        if k == "dt":
            partition_cols[k] = (lambda r: f"{day_of(r, offset):%Y-%m-%d}", "date")
        elif k in ("year", "month", "day", "hour"):
            partition_cols[k] = ((lambda key: lambda r: date_key(day_of(r, offset), key))(k), "int")
        elif k == "bucket":
            partition_cols[k] = (lambda r: (buckets[r["user_id"]], f"{buckets[r['user_id']]:02d}"), "int")
    for reader, read in READERS.items():
        fail_if(check_rows(reader, read(out), events, partition_cols=partition_cols,
                           category=["source"] if "source" in keys else []),
                f"{kind}: values read by {reader}")


def test_keep_partition_columns(events_path: Path, events: Events, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    convert([events_path], out, ["source"], ["--keep-partition-columns"])
    for f in parquet_files(out)[:3]:
        assert pq.read_schema(out / f).names == events.names, f"{f}: source not kept in the file"
    # Read the files alone (no partitioning): the stored source equals the input.
    rows = pads.dataset(str(out), format="parquet").to_table().to_pylist()
    fail_if(check_rows("pyarrow (files only)", rows, events), "--keep-partition-columns")
    fail_if(check_rows("duckdb", duckdb_rows(out), events), "--keep-partition-columns, DuckDB with hive_partitioning")


def test_hash_buckets_of_strings_and_doubles(spark, tmp_path: Path) -> None:
    """Strings hash over their UTF-8 bytes with Spark's per-byte tail (messages hold multi-byte
    characters at every position), doubles as doubles (integer literals in a double column
    included), null as the seed: every row's bucket equals Spark's pmod(hash(col), N)."""
    src = gen_events(tmp_path / "e.ndjson", 3000, 9)
    ev = Events([src])
    assert dict(ev.schema)["amount"] == cc.DOUBLE and any(r["amount"] is None for r in ev.records)
    assert any(isinstance(r["amount"], int) for r in ev.records)
    assert any(len(r["message"].encode()) % 4 and max(r["message"]) > "\x7f" for r in ev.records)
    rows = spark_query(spark, tmp_path, {
        "event_id": pa.array([r["event_id"] for r in ev.records]),
        "message": pa.array([r["message"] for r in ev.records], pa.string()),
        "session_id": pa.array([r["session_id"] for r in ev.records], pa.string()),
        "amount": pa.array([None if r["amount"] is None else float(r["amount"]) for r in ev.records], pa.float64()),
    }, "select event_id, pmod(hash(message), 13), pmod(hash(session_id), 7), pmod(hash(amount), 5) from v")
    want = {r[0]: r[1:] for r in rows}
    for i, (col, n) in enumerate([("message", 13), ("session_id", 7), ("amount", 5)]):
        out = tmp_path / f"ds-{col}"
        convert([src], out, [f"hash:{col}:{n}"])
        fail_if(check_directories(out, ev, lambda r: f"bucket={want[r['event_id']][i]:02d}"),
                f"hash:{col}:{n}: buckets differ from Spark's pmod(hash({col}), {n})")


def test_hash_buckets_of_schema_types(spark, tmp_path: Path) -> None:
    """Buckets of decimal(38,0) (Spark hashes the unscaled value's two's complement bytes), int,
    smallint, tinyint (hashInt) and float (floatToIntBits) columns equal Spark's
    pmod(hash(col), n) over the same values with the same types."""
    import decimal
    rng = random.Random(38)
    big = [0, 1, -1, 127, 128, -128, -129, 255, 256, 2**63, -(2**63) - 1, 10**37, -(10**37), 10**38 - 1]
    big += [rng.randrange(-(10**38) + 1, 10**38) for _ in range(150)] + [rng.randrange(-10**6, 10**6) for _ in range(50)]
    rows = []
    for k, b in enumerate(big):
        rows.append({"id": k, "b": b, "i": rng.randrange(-2**31, 2**31), "s": rng.randrange(-2**15, 2**15),
                     "t": rng.randrange(-128, 128), "f": rng.choice([0.0, -0.0, 1.5, rng.uniform(-1e6, 1e6)])})
    src = tmp_path / "in.ndjson"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"fields": [{"name": "id", "type": "bigint"}, {"name": "b", "type": "decimal(38,0)"},
                                             {"name": "i", "type": "int"}, {"name": "s", "type": "smallint"},
                                             {"name": "t", "type": "tinyint"}, {"name": "f", "type": "float"}]}), encoding="utf-8")
    got_rows = spark_query(spark, tmp_path, {
        "id": pa.array([r["id"] for r in rows], pa.int64()),
        "b": pa.array([decimal.Decimal(r["b"]) for r in rows], pa.decimal128(38, 0)),
        "i": pa.array([r["i"] for r in rows], pa.int32()), "s": pa.array([r["s"] for r in rows], pa.int16()),
        "t": pa.array([r["t"] for r in rows], pa.int8()), "f": pa.array([r["f"] for r in rows], pa.float32()),
    }, "select id, pmod(hash(b), 8), pmod(hash(i), 8), pmod(hash(s), 8), pmod(hash(t), 8), pmod(hash(f), 8) from v")
    want = {r[0]: r[1:] for r in got_rows}
    for position, col in enumerate(["b", "i", "s", "t", "f"]):
        out = tmp_path / f"ds-{col}"
        p = run([src, "--output", out, "--schema", schema, "--partition-by", f"hash:{col}:8"])
        assert p.returncode == 0, describe(p)
        where = {}
        for f in parquet_files(out):
            for rec in pq.read_table(out / f, columns=["id"]).to_pylist():
                where[rec["id"]] = f.split("/")[0]
        wrong = [(k, rows[k][col], where.get(k), want[k][position]) for k in want
                 if where.get(k) != f"bucket={want[k][position]:02d}"]
        assert not wrong, f"hash:{col}:8: {len(wrong)} rows in another bucket than Spark's, e.g. {wrong[:5]}"


@pytest.mark.parametrize("specs", [["hash:session_id:7", "hash:amount:5"], ["source", "source"],
                                   ["date:event_time:day", "date:event_time:hour"]],
                         ids=["two-hash", "same-category", "two-dates"])
def test_colliding_partition_keys_are_refused(specs: list, tmp_path: Path) -> None:
    """Specs that give two partition keys the same name (bucket=01/bucket=03/, year=/.../year=/)
    cannot be read back (a Hive path or catalog has one column per name): a usage error."""
    src = gen_events(tmp_path / "e.ndjson", 50, 9)
    args = [src, "--output", tmp_path / "ds"]
    for s in specs:
        args += ["--partition-by", s]
    p = run(args)
    if p.returncode != 2 or (tmp_path / "ds").exists():
        files = parquet_files(tmp_path / "ds")[:2] if (tmp_path / "ds").exists() else []
        keys = (json.loads((tmp_path / "ds" / "_SUCCESS").read_text())["partition_keys"]
                if (tmp_path / "ds" / "_SUCCESS").exists() else None)
        pytest.fail(f"partition keys with the same name: expected exit status 2 and no dataset, got exit "
                    f"status {p.returncode}\ncommand: {' '.join(map(str, p.args))}\nstderr: {p.stderr[-500:]}\n"
                    f"files: {files}\n_SUCCESS partition_keys: {keys}", pytrace=False)


@pytest.mark.parametrize("case", [
    ('{"year":1999,"ts":"2021-03-01T00:00:00Z","id":1}', ["date:ts:year"], []),
    ('{"Day":5,"ts":"2021-03-01T00:00:00Z","id":1}', ["date:ts:day"], []),
    ('{"dt":"x","ts":"2021-03-01T00:00:00Z","id":1}', ["date:ts:day"], ["--date-layout", "dt"]),
    ('{"bucket":"b","id":1}', ["hash:id:2"], []),
    ('{"ts":"2021-03-01T00:00:00Z","id":1}', ["date:ts:day"], ["--date-layout", "../up"]),
    ('{"ts":"2021-03-01T00:00:00Z","id":1}', ["date:ts:day"], ["--date-layout", "DT"]),
    ('{"ts":"2021-03-01T00:00:00Z","id":1}', ["date:ts:day"], ["--date-layout", "a=b"]),
], ids=["year-column", "day-column-other-case", "layout-key-column", "bucket-column", "layout-slash",
        "layout-upper-case", "layout-equals"])
def test_partition_key_named_like_a_column_is_refused(case: tuple, tmp_path: Path) -> None:
    """A date or bucket directory key named like a data column would hide the column (Hive-style
    readers return the directory's value), and a --date-layout key must be a plain lower-case
    name: a usage error, nothing written."""
    line, specs, extra = case
    src = tmp_path / "in.ndjson"
    src.write_text(line + "\n", encoding="utf-8")
    args = [src, "--output", tmp_path / "ds"]
    for spec in specs:
        args += ["--partition-by", spec]
    p = run([*args, *extra])
    assert p.returncode == 2 and not (tmp_path / "ds").exists(), f"{p.returncode}\n{p.stderr[-600:]}"


def test_dates_are_not_moved_by_the_time_zone(tmp_path: Path) -> None:
    """A YYYY-MM-DD value is a calendar day: --timezone moves timestamps' instants, never dates.
    Also `--timezone -08:00` (a value starting with '-') is read as the option's value."""
    src = tmp_path / "in.ndjson"
    src.write_text('{"d":"2022-01-01","id":1}\n{"d":"2022-01-01T00:30:00Z","id":2}\n'
                   '{"d":"2021-12-31","id":3}\n', encoding="utf-8")
    out = tmp_path / "ds"
    p = run([src, "--output", out, "--partition-by", "date:d:hour", "--timezone", "-08:00", "--json"])
    assert p.returncode == 0, p.stderr[-500:]
    got = {}
    for f in parquet_files(out):
        for rec in pq.read_table(out / f).to_pylist():
            got[rec["id"]] = f.rsplit("/", 1)[0]
    assert got == {1: "year=2022/month=01/day=01/hour=00",
                   2: "year=2021/month=12/day=31/hour=16",  # 00:30 UTC is 16:30 the day before at -08:00
                   3: "year=2021/month=12/day=31/hour=00"}, got


def test_numeric_category_values_are_canonical(tmp_path: Path) -> None:
    """Category partitions over numbers go by value: 0 and -0 are one folder, 1, 1.0, 1.00,
    10e-1 and 1E0 are one (Java's Double.toString text, as Hive and Spark write them), so a
    catalog never registers one partition twice."""
    src = tmp_path / "in.ndjson"
    src.write_text('{"n":0,"d":1,"v":1}\n{"n":-0,"d":1.0,"v":2}\n{"n":7,"d":1.00,"v":3}\n{"n":7,"d":10e-1,"v":4}\n'
                   '{"n":0,"d":1E0,"v":5}\n{"n":7,"d":1e7,"v":6}\n{"n":0,"d":0.0001,"v":7}\n{"n":7,"d":-0.0,"v":8}\n',
                   encoding="utf-8")
    for col, want in (("n", {"n=0", "n=7"}), ("d", {"d=1.0", "d=1.0E7", "d=1.0E-4", "d=0.0"})):
        out = tmp_path / f"ds-{col}"
        p = run([src, "--output", out, "--partition-by", col, "--table", "db.t", "--location", "s3://b/t/",
                 "--catalog-out", tmp_path / f"cat-{col}"])
        assert p.returncode == 0, describe(p)
        assert {d.name for d in out.iterdir() if d.is_dir()} == want
        sql = "".join(f.read_text(encoding="utf-8") for f in (tmp_path / f"cat-{col}").glob("add-partitions-*.sql"))
        assert sql.count("PARTITION (") == len(want), sql
        rows = duckdb_rows(out)
        assert len(rows) == 8


def test_early_years_and_unpartitioned_catalog(tmp_path: Path) -> None:
    """Year directories have four digits (year=0001, as the 4-digit projection expects); an
    unpartitioned folder's catalog has a table and no partition registrations (`PARTITION ()`
    is a syntax error); an empty --output is a usage error."""
    src = tmp_path / "in.ndjson"
    src.write_text('{"t":"0001-03-01T00:00:00Z","v":1}\n{"t":"0999-12-31T23:00:00Z","v":2}\n', encoding="utf-8")
    out = tmp_path / "ds"
    p = run([src, "--output", out, "--partition-by", "date:t:year"])
    assert p.returncode == 0, describe(p)
    assert {d.name for d in out.iterdir() if d.is_dir()} == {"year=0001", "year=0999"}
    flat = tmp_path / "flat"
    p = run([src, "--output", flat, "--table", "db.t", "--location", "s3://b/t/", "--catalog-out", tmp_path / "cat"])
    assert p.returncode == 0, describe(p)
    assert sorted(f.name for f in (tmp_path / "cat").iterdir()) == ["create-table.sql", "glue-table.json"]
    assert run([src, "--output", ""]).returncode == 2


# ---------------------------------------------------------------------------
# Hostile category values

LONG_VALUE = "x" * 300
HOSTILE = [  # (value, exact directory name)
    ("a/b", "cat=a%2Fb"),
    ("..", "cat=.."),
    (".", "cat=."),
    ("../../escape", "cat=..%2F..%2Fescape"),
    ("k=v", "cat=k%3Dv"),
    ("100%", "cat=100%25"),
    ("%2F", "cat=%252F"),
    ("it's", "cat=it%27s"),
    ('say "hi"', "cat=say %22hi%22"),
    ("with space", "cat=with space"),
    (" lead", "cat= lead"),
    ("🚀 emoji", "cat=🚀 emoji"),
    ("中文", "cat=中文"),
    ("#*:?\\{[]^}", "cat=%23%2A%3A%3F%5C%7B%5B%5D%5E}"),
    ("tab\there\x01\x7f", "cat=tab%09here%01%7F"),
    ("<>|", "cat=<>|"),
    ("", "cat=" + DEFAULT_PARTITION),
    (None, "cat=" + DEFAULT_PARTITION),
    ("__hive_default_partition__", "cat=%5F_hive_default_partition__"),
]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    src = base / "hostile.ndjson"
    lines = [json.dumps({"id": i, "cat": v, "n": i * 10}, ensure_ascii=False) for i, (v, _) in enumerate(HOSTILE)]
    lines.append(json.dumps({"id": 100, "n": 1}))  # cat missing: the default partition too
    lines.append(json.dumps({"id": 101, "cat": LONG_VALUE, "n": 2}))
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    work = base / "work"
    (work / "nested").mkdir(parents=True)
    before = sorted(str(p.relative_to(base)) for p in base.rglob("*"))
    out = work / "nested" / "ds"
    p = run([src, "--output", out, "--partition-by", "cat"])
    after = sorted(str(p_.relative_to(base)) for p_ in base.rglob("*"))
    return {"src": src, "base": base, "out": out, "proc": p, "before": before, "after": after,
            "ev": Events([src])}


def _hostile_ok(h: dict) -> dict:
    if h["proc"].returncode != 0:
        pytest.fail(f"lakeconv failed on hostile category values\n{describe(h['proc'])}", pytrace=False)
    return json.loads(h["proc"].stdout)


def test_hostile_directory_names(hostile: dict) -> None:
    s = _hostile_ok(hostile)
    out = hostile["out"]
    assert (s["rows_written"], s["bad_records"]) == (len(HOSTILE) + 1, 1), s
    want = sorted({d for _, d in HOSTILE})
    got = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert got == want, f"directories {got}\nexpected {want}"
    # one file level below each directory, nothing nested deeper
    for f in parquet_files(out):
        assert f.count("/") == 1, f"{f} is not directly inside a cat=... directory"
    ev = hostile["ev"]
    by_id = {i: d for i, (_, d) in enumerate(HOSTILE)}
    by_id[100] = "cat=" + DEFAULT_PARTITION
    con = duckdb.connect()
    rows = con.execute("select id, filename from read_parquet(?, filename=true, hive_partitioning=false)",
                       [f"{out}/**/*.parquet"]).fetchall()
    con.close()
    wrong = [(i, str(Path(f).parent.relative_to(out)), by_id.get(i)) for i, f in rows
             if str(Path(f).parent.relative_to(out)) != by_id.get(i)]
    assert not wrong and len(rows) == len(ev.records) - 1, f"(id, directory, expected): {wrong}"


def test_hostile_nothing_outside_dir(hostile: dict) -> None:
    _hostile_ok(hostile)
    base, out = hostile["base"], hostile["out"]
    rel_out = str(out.relative_to(base))
    created = sorted(set(hostile["after"]) - set(hostile["before"]))
    outside = [p for p in created if p != rel_out and not p.startswith(rel_out + "/")
               and p != rel_out + ".bad_records.ndjson"]
    assert outside == [], f"created outside {out}: {outside}"
    removed = sorted(set(hostile["before"]) - set(hostile["after"]))
    assert removed == [], f"removed: {removed}"
    real_out = os.path.realpath(out)
    for dirpath, dirnames, filenames in os.walk(out):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            assert not os.path.islink(p), f"symlink {p}"
            assert os.path.realpath(p).startswith(real_out + os.sep), f"{p} resolves outside {out}"
            assert not name.startswith("."), f"hidden leftover {p}"
    assert sorted(os.listdir(out.parent)) == ["ds", "ds.bad_records.ndjson"], os.listdir(out.parent)


def test_marker_value_is_bad_record(tmp_path: Path) -> None:
    """The literal `__HIVE_DEFAULT_PARTITION__` is Hive's null marker: Hive, Spark and Glue would
    read it back as null whatever its directory, so lakeconv rejects it as a bad record."""
    src = tmp_path / "marker.ndjson"
    src.write_text("\n".join(json.dumps({"id": i, "cat": v}) for i, v in enumerate([DEFAULT_PARTITION, "web", None])) + "\n")
    out = tmp_path / "ds"
    result = subprocess.run([BIN, "ndjson-to-parquet", str(src), "--output", str(out), "--partition-by", "cat", "--json", "--quiet"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["rows_written"], summary["bad_records"]) == (2, 1), summary
    bad = [json.loads(x) for x in (tmp_path / "ds.bad_records.ndjson").read_text().splitlines()]
    assert bad[0]["line"] == 1 and "null marker" in bad[0]["reason"], bad
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["cat=" + DEFAULT_PARTITION, "cat=web"]


def test_hostile_long_value_is_bad_record(hostile: dict) -> None:
    _hostile_ok(hostile)
    bad_path = Path(str(hostile["out"]) + ".bad_records.ndjson")
    recs = [json.loads(x) for x in bad_path.read_text(encoding="utf-8").splitlines() if x.strip()]
    assert len(recs) == 1, recs
    r = recs[0]
    assert r["line"] == len(HOSTILE) + 2 and json.loads(r["raw"])["cat"] == LONG_VALUE, r
    assert "longer than 255" in r["reason"], r["reason"]


def test_hostile_values_read_back(hostile: dict) -> None:
    """DuckDB and pyarrow decode every directory back to the value; null, "" and a missing key
    read back as NULL (the default partition)."""
    _hostile_ok(hostile)
    ev = hostile["ev"]
    keep = [i for i, r in enumerate(ev.records) if r["id"] != 101]  # the 300-byte line is bad
    sub = Events.__new__(Events)
    sub.schema, sub.names, sub.comparators = ev.schema, ev.names, ev.comparators
    sub.records = [ev.records[i] for i in keep]
    sub.expected = [ev.expected[i] for i in keep]
    sub = _with_event_id(sub)
    assert len(sub.records) == len(HOSTILE) + 1
    problems: list[str] = []
    for reader, read in READERS.items():
        def category_value(name: str, rec: dict, got: Any, reader: str = reader) -> bool:
            want = rec.get("cat")
            if want in (None, ""):
                if got is not None:
                    problems.append(f"{reader}: id {rec['id']} cat {want!r}: expected NULL, got {got!r}")
                return True
            if reader == "pyarrow" and want == DEFAULT_PARTITION and got is None:
                # pyarrow's HivePartitioning URI-decodes %5F_HIVE... and then takes the decoded
                # text for its null marker: a pyarrow limitation, not lakeconv's (DuckDB reads
                # the literal; the directory name is checked exactly above).
                return True
            return False

        rows = [dict(r, event_id=r["id"]) for r in read(hostile["out"])]
        problems += check_rows(reader, rows, sub, category=["cat"], category_value=category_value)
    fail_if(problems, "hostile values read back")


def _with_event_id(ev: Events) -> Events:
    """A view of ``ev`` whose rows carry event_id = id (check_rows joins on event_id) and whose
    reader rows are compared on the data columns plus that alias."""
    out = Events.__new__(Events)
    out.schema = ev.schema + [("event_id", cc.INT64)]
    out.names = ev.names + ["event_id"]
    out.comparators = dict(ev.comparators, event_id=cc.make_comparator(cc.INT64))
    out.records = [dict(r, event_id=r["id"]) for r in ev.records]
    out.expected = [e + (r["id"],) for e, r in zip(ev.expected, ev.records)]
    return out


def test_hostile_manifest_partition_values(hostile: dict) -> None:
    """_SUCCESS gives each file's decoded partition value, null for the default partition
    (which holds the null, "" and missing values alike)."""
    s = _hostile_ok(hostile)
    _, problems = check_manifest(hostile["out"], ["cat"], s)
    fail_if(problems, "_SUCCESS of the hostile dataset")


# ---------------------------------------------------------------------------
# Write modes


MODE_SPECS = ["source", "date:event_time:day"]


@pytest.fixture(scope="module")
def mode_inputs(tmp_path_factory):
    base = tmp_path_factory.mktemp("modes")
    first = gen_events(base / "first.ndjson", 3000, 5)
    # The second input: other events, only web/ios in the first four days of March.
    other = gen_events(base / "other.ndjson", 3000, 6)
    keep = []
    for line in other.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec["source"] in ("web", "ios") and rec["event_time"] < "2021-03-05":
            keep.append(line)
    second = base / "second.ndjson"
    second.write_text("\n".join(keep) + "\n", encoding="utf-8")
    return first, second, Events([first, second])


def partition_of(rec: dict) -> tuple:
    t = local_time(rec["event_time"])
    return rec["source"], t.year, t.month, t.day


def dataset_ids(root: Path) -> list[str]:
    return pads.dataset(str(root), format="parquet", partitioning="hive").to_table(columns=["event_id"]) \
        .column(0).to_pylist()


def check_mode_values(root: Path, ev: Events, ids: set, what: str) -> None:
    cols = {k: ((lambda key: lambda r: date_key(local_time(r["event_time"]), key))(k), "int")
            for k in ("year", "month", "day")}
    for reader, read in READERS.items():
        fail_if(check_rows(reader, read(root), ev, ids=ids, partition_cols=cols, category=["source"]),
                f"{what}: {reader}")


def test_mode_error_refuses(mode_inputs, tmp_path: Path) -> None:
    first, _, _ = mode_inputs
    out = tmp_path / "ds"
    convert([first], out, MODE_SPECS)
    snapshot = {f: (out / f).read_bytes() for f in parquet_files(out) + ["_SUCCESS"]}
    for extra in ([], ["--mode", "error"]):
        args = [first, "--output", out, "--partition-by", MODE_SPECS[0], "--partition-by", MODE_SPECS[1], *extra]
        p = run(args)
        assert p.returncode == 1, describe(p)
        assert "not empty" in p.stderr or "exists" in p.stderr, describe(p)
    after = {f: (out / f).read_bytes() for f in parquet_files(out) + ["_SUCCESS"]}
    assert after == snapshot, "a refused run changed the dataset"
    assert sorted(os.listdir(tmp_path)) == ["ds"], os.listdir(tmp_path)


def test_mode_append_doubles_rows(mode_inputs, tmp_path: Path) -> None:
    first, _, ev = mode_inputs
    out = tmp_path / "ds"
    convert([first], out, MODE_SPECS)
    files_before = set(parquet_files(out))
    s = convert([first], out, MODE_SPECS, ["--mode", "append"])
    assert s["rows_written"] == 3000, s
    ids = dataset_ids(out)
    first_ids = {r["event_id"] for r in ev.records[:3000]}
    assert len(ids) == 6000 and set(ids) == first_ids and all(ids.count(i) == 2 for i in list(first_ids)[:200]), \
        f"{len(ids)} rows after append, {len(set(ids))} distinct"
    files_after = set(parquet_files(out))
    assert files_before < files_after and len(files_after) == 2 * len(files_before), \
        (len(files_before), len(files_after))
    manifest, problems = _manifest_of_run(out, s)
    fail_if(problems, "_SUCCESS after append")
    assert manifest["mode"] == "append"


def _manifest_of_run(root: Path, summary: dict) -> tuple[dict, list[str]]:
    """_SUCCESS after append / overwrite-partitions: it lists every data file of the dataset
    (earlier runs' too), each with its rows and bytes, and its counters are this run's."""
    manifest = json.loads((root / "_SUCCESS").read_text(encoding="utf-8"))
    problems = []
    listed = sorted(f["path"] for f in manifest["files"])
    if listed != parquet_files(root):
        problems.append(f"_SUCCESS lists {len(listed)} files, the dataset has {len(parquet_files(root))}: "
                        f"unlisted {sorted(set(parquet_files(root)) - set(listed))[:3]}")
    for f in manifest["files"]:
        p = root / f["path"]
        if not p.is_file():
            problems.append(f"_SUCCESS lists a missing file {f['path']}")
        elif pq.ParquetFile(p).metadata.num_rows != f["rows"] or p.stat().st_size != f["bytes"]:
            problems.append(f"{f['path']}: rows/bytes differ from the file")
        want = dict(decode_segment(s_) for s_ in f["path"].split("/")[:-1])
        if f["partition"] != want:
            problems.append(f"{f['path']}: partition {f['partition']}, expected {want}")
    for k in ("rows_written", "bad_records", "lines_read"):
        if manifest.get(k) != summary.get(k):
            problems.append(f"_SUCCESS {k} {manifest.get(k)}, the run printed {summary.get(k)}")
    return manifest, problems


def test_mode_overwrite_partitions(mode_inputs, tmp_path: Path) -> None:
    first, second, ev = mode_inputs
    out = tmp_path / "ds"
    convert([first], out, MODE_SPECS)
    n_second = len(second.read_text(encoding="utf-8").splitlines())
    assert 20 < n_second < 1000
    firsts, seconds = ev.records[:3000], ev.records[3000:]
    replaced = {partition_of(r) for r in seconds}
    assert len(replaced) == 8  # web, ios x 1..4 March
    replaced_dirs = tuple(f"source={s_}/year=2021/month=03/day=0{d}/" for s_ in ("web", "ios") for d in "1234")
    untouched_dirs = {f.rsplit("/", 1)[0]: (out / f).read_bytes() for f in parquet_files(out)
                      if not f.startswith(replaced_dirs)}
    assert len(untouched_dirs) == len(parquet_files(out)) - 8
    s = convert([second], out, MODE_SPECS, ["--mode", "overwrite-partitions"])
    assert s["rows_written"] == n_second, s
    want = {r["event_id"] for r in firsts if partition_of(r) not in replaced} | {r["event_id"] for r in seconds}
    ids = dataset_ids(out)
    assert len(ids) == len(want) and set(ids) == want, (
        f"{len(ids)} rows, expected {len(want)}; missing {len(want - set(ids))}, "
        f"unexpected {len(set(ids) - want)}")
    check_mode_values(out, ev, want, "overwrite-partitions")
    # Partitions the second input did not touch keep their files byte for byte.
    now = {f.rsplit("/", 1)[0]: (out / f).read_bytes() for f in parquet_files(out)}
    changed = [d for d, b in untouched_dirs.items() if now.get(d) != b]
    assert not changed, f"untouched partitions changed: {changed[:5]}"
    _, problems = _manifest_of_run(out, s)
    fail_if(problems, "_SUCCESS after overwrite-partitions")
    assert not [p for p in out.parent.iterdir() if p.name not in ("ds",)], list(out.parent.iterdir())


@pytest.mark.parametrize("mode", ["append", "overwrite-partitions"])
def test_mode_refuses_other_partitioning_or_type(mode: str, tmp_path: Path) -> None:
    """Adding to a dataset (append) or replacing some of its partitions (the others stay) needs
    the dataset's partitioning and types: anything else is refused and the dataset is unchanged."""
    first = tmp_path / "b1.ndjson"
    first.write_text('{"s":"x","v":1}\n{"s":"y","v":2}\n', encoding="utf-8")
    out = tmp_path / "ds"
    convert([first], out, ["s"])

    def snapshot() -> dict:
        return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}

    before = snapshot()
    typed = tmp_path / "typed.ndjson"
    typed.write_text('{"s":"x","v":"text"}\n', encoding="utf-8")
    for inputs, specs in (([first], []), ([first], ["v"]), ([typed], ["s"])):
        args = [*inputs, "--output", out, "--mode", mode]
        for spec in specs:
            args += ["--partition-by", spec]
        p = run(args)
        assert p.returncode != 0, f"{mode} with {specs} / {inputs[0].name} was accepted\n{p.stderr[-400:]}"
        assert snapshot() == before, f"{mode} with {specs} / {inputs[0].name} changed the dataset"


def test_mode_overwrite(mode_inputs, tmp_path: Path) -> None:
    first, second, ev = mode_inputs
    out = tmp_path / "ds"
    convert([first], out, MODE_SPECS)
    s = convert([second], out, MODE_SPECS, ["--mode", "overwrite"])
    want = {r["event_id"] for r in ev.records[3000:]}
    ids = dataset_ids(out)
    assert len(ids) == len(want) == s["rows_written"] and set(ids) == want, (len(ids), len(want))
    check_mode_values(out, ev, want, "overwrite")
    _, problems = check_manifest(out, ["source", "year", "month", "day"], s)
    fail_if(problems, "_SUCCESS after overwrite")
    assert {f.split("/")[0] for f in parquet_files(out)} == {"source=web", "source=ios"}


def test_runs_on_one_dataset_take_turns(tmp_path: Path) -> None:
    """A run on a dataset another run is writing stops at once and writes nothing (two appends
    at once both exited 0, mixed types in one partition and dropped files from _SUCCESS)."""
    import fcntl
    (tmp_path / "a.ndjson").write_text('{"id":1,"k":"x","v":1}\n')
    (tmp_path / "b.ndjson").write_text('{"id":2,"k":"x","v":"text"}\n')
    out = tmp_path / "ds"
    convert([tmp_path / "a.ndjson"], out, ["k"])
    with open(tmp_path / ".ds.lakeconv-lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a running lakeconv holds it
        for mode in ["append", "overwrite-partitions", "overwrite"]:
            p = run([tmp_path / "b.ndjson", "--output", out, "--partition-by", "k", "--mode", mode])
            assert p.returncode == 1 and "another lakeconv run is writing this dataset" in p.stderr, describe(p)
        fcntl.flock(held, fcntl.LOCK_UN)
    assert sorted(pq.read_table(out).column("id").to_pylist()) == [1]
    assert not [p for p in tmp_path.iterdir() if "staging" in p.name]
    # Released: the next run goes ahead (and refuses the type change itself).
    p = run([tmp_path / "b.ndjson", "--output", out, "--partition-by", "k", "--mode", "append"])
    assert p.returncode == 1 and "string" in p.stderr and "another lakeconv run" not in p.stderr, describe(p)


def test_timezone_is_the_datasets(tmp_path: Path) -> None:
    """--timezone is recorded in _SUCCESS and append/overwrite-partitions with another one are
    refused (a row landed in two day folders)."""
    (tmp_path / "t.ndjson").write_text('{"id":1,"t":"2021-01-01T22:00:00Z"}\n')
    out = tmp_path / "tz"
    convert([tmp_path / "t.ndjson"], out, ["date:t:day"], ["--date-layout", "dt"])
    assert json.loads((out / "_SUCCESS").read_text())["date_timezone"] == "UTC"
    for mode in ["append", "overwrite-partitions"]:
        p = run([tmp_path / "t.ndjson", "--output", out, "--partition-by", "date:t:day", "--date-layout", "dt",
                 "--timezone", "+05:00", "--mode", mode])
        assert p.returncode == 2 and "--timezone UTC but this run asks for +05:00" in p.stderr, describe(p)
    assert [q.parent.name for q in out.rglob("*.parquet")] == ["dt=2021-01-01"]


def test_killed_publish_then_ddl_and_no_empty_folders(tmp_path: Path) -> None:
    """`ddl` on a dataset a killed append left mid-publish finishes it (it said there was no
    _SUCCESS); a rolled-back append leaves no empty partition folder behind."""
    for i, k in enumerate(["x", "z", "w"], 1):
        (tmp_path / f"r{i}.ndjson").write_text('{"id":%d,"k":"%s"}\n' % (i, k))
    out = tmp_path / "kd"
    convert([tmp_path / "r1.ndjson"], out, ["k"])
    env = {**os.environ, "LAKECONV_FAILPOINT": "publish-committed"}
    p = subprocess.run([lakeconv(), "ndjson-to-parquet", tmp_path / "r2.ndjson", "--output", out, "--partition-by", "k",
                        "--mode", "append", "--quiet"], capture_output=True, text=True, env=env, timeout=TIMEOUT)
    assert p.returncode == 137, p.stderr
    d = subprocess.run([lakeconv(), "ddl", out, "--table", "a.b", "--location", "s3://x/y/", "--catalog-out", tmp_path / "cat"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert d.returncode == 0, d.stderr
    added = (tmp_path / "cat" / "add-partitions-0001.sql").read_text()
    assert "k=x" in added and "k=z" in added, added
    env["LAKECONV_FAILPOINT"] = "publish-moved"
    p = subprocess.run([lakeconv(), "ndjson-to-parquet", tmp_path / "r3.ndjson", "--output", out, "--partition-by", "k",
                        "--mode", "append", "--quiet"], capture_output=True, text=True, env=env, timeout=TIMEOUT)
    assert p.returncode == 137, p.stderr
    convert([tmp_path / "r1.ndjson"], out, ["k"], ["--mode", "append"])  # recovers: r3 rolled back
    assert not (out / "k=w").exists(), list(out.iterdir())
    assert sorted(pq.read_table(out).column("id").to_pylist()) == [1, 1, 2]
