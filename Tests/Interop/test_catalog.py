"""The catalog files lakeconv writes (``--table DB.NAME --location s3://... --catalog-out DIR``
and ``lakeconv ddl``), proven against real clients on loopback only.

Run (from the repository root)::

    .venv/bin/python -m pytest -q Tests/Interop/test_catalog.py

The binary is ``LAKECONV_BIN`` (default ``.build/release/lakeconv``); when it is missing every
test FAILS.  Clients:

* **Glue API** -- moto's server (``moto_server``) started on 127.0.0.1 on a free port for the
  module and stopped at the end; boto3 (region us-east-1, dummy credentials,
  ``endpoint_url=http://127.0.0.1:PORT``): create-database, create-table with
  ``glue-table.json``, batch-create-partition with every ``glue-partitions-*.json``; then
  get-table and get-partitions (paginated) must describe the dataset: every partition directory
  registered once, with its decoded values and ``LOCATION + directory + '/'``, the columns and
  types of ``create-table.sql``.  The same files through the AWS CLI (``aws glue ...
  --endpoint-url``) when ``aws`` is on PATH (skipped otherwise: it is not a Python package of
  the venv).
* **Spark SQL** -- pyspark ``local[2]`` with Hive support (Derby metastore and warehouse in a
  temporary folder): ``create-table.sql`` and every ``add-partitions-*.sql`` executed as written,
  only the ``s3://`` location prefix rewritten to ``file://<dataset>/``; then the per-partition
  row counts, a nested field, partition values against the data they were derived from
  (bucket = Spark's own ``pmod(hash(user_id), N)``, day = the UTC date of event_time) and the
  table properties must come back exactly.

Partition values with a single quote and a backslash (``it's a \\ test``, ``x\\' OR '1'='1``)
must be registered with the exact value in both clients (no injection, no breakage), and the
hostile category values of test_datasets.py (null / "" default partition, ``%``, ``/``, ``=``,
control characters, emoji, ``__hive_default_partition__`` ...) must register one partition per
directory in both clients and read back through Spark.  The literal ``__HIVE_DEFAULT_PARTITION__``
beside a null is tested on its own: Hive reads that partition value as NULL, so only the
invariant is asserted -- one registered partition per directory, every written row reachable.

The ``--projection`` CREATE TABLE is run with ``spark.sql.variable.substitute=false`` (a client
setting): Spark, like the Hive CLI, would otherwise substitute the ``${source}``... of
``storage.location.template``, which Athena takes literally.

``lakeconv ddl DIR`` with the same options must regenerate exactly the files the conversion
wrote (with and without ``--projection``).
"""

from __future__ import annotations

import collections
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Optional

import pyarrow as pa
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
ATHENA_QUERY_LIMIT = 262_144
GLUE_BATCH = 100

LOCATION = "s3://lake-bucket/events/"
SPECS = ["source", "date:event_time:day", "hash:user_id:8"]
KEYS = ["source", "year", "month", "day", "bucket"]
BUCKETS = 8
QUOTED_SOURCES = ["it's a \\ test", "x\\' OR '1'='1"]  # it's a \ test / x\' OR '1'='1

# ---------------------------------------------------------------------------
# lakeconv


def lakeconv() -> str:
    if not BIN.is_file() or not os.access(BIN, os.X_OK):
        pytest.fail(f"lakeconv binary not found or not executable: {BIN} (build it or set LAKECONV_BIN)",
                    pytrace=False)
    return str(BIN)


def run_ok(args: list) -> subprocess.CompletedProcess:
    p = subprocess.run([lakeconv(), *map(str, args)], capture_output=True, text=True, timeout=TIMEOUT,
                       stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        pytest.fail(f"lakeconv failed: {' '.join(map(str, p.args))}\nexit status {p.returncode}\n"
                    f"stderr: {p.stderr[-3000:]}", pytrace=False)
    return p


def convert(src: Path, out: Path, specs: list, table: str, location: str, catalog: Path,
            extra: tuple = ()) -> dict:
    args = ["ndjson-to-parquet", src, "--output", out]
    for s in specs:
        args += ["--partition-by", s]
    args += ["--table", table, "--location", location, "--catalog-out", catalog, *extra, "--quiet", "--json"]
    return json.loads(run_ok(args).stdout)


def ddl(dataset: Path, table: str, location: str, catalog: Path, extra: tuple = ()) -> None:
    run_ok(["ddl", dataset, "--table", table, "--location", location, "--catalog-out", catalog, *extra])


def hive_unescape(text: str) -> str:
    return re.sub(r"%([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), text)


class Dataset:
    """A converted dataset with its catalog files."""

    def __init__(self, root: Path, catalog: Path, location: str, table: str, summary: dict) -> None:
        self.root, self.catalog, self.location, self.table, self.summary = root, catalog, location, table, summary
        self.db, self.name = table.split(".")
        self.manifest = json.loads((root / "_SUCCESS").read_text(encoding="utf-8"))
        files = sorted(str(p.relative_to(root)) for p in root.rglob("*.parquet"))
        assert files == sorted(f["path"] for f in self.manifest["files"]), "_SUCCESS does not list the files on disk"
        # partition directory -> rows (from the files on disk, not from the manifest)
        self.partition_rows: dict[str, int] = collections.Counter()
        for f in files:
            self.partition_rows[f.rsplit("/", 1)[0]] += pq.ParquetFile(root / f).metadata.num_rows
        self.directories = sorted(self.partition_rows)

    @staticmethod
    def decoded(directory: str) -> list[tuple[str, Optional[str]]]:
        out = []
        for seg in directory.split("/"):
            k, _, v = seg.partition("=")
            out.append((k, None if v == DEFAULT_PARTITION else hive_unescape(v)))
        return out

    def sql_files(self) -> list[Path]:
        return sorted(self.catalog.glob("add-partitions-*.sql"))

    def glue_partition_files(self) -> list[Path]:
        return sorted(self.catalog.glob("glue-partitions-*.json"))


# ---------------------------------------------------------------------------
# create-table.sql, parsed (only to compare clients' answers with it)

COLUMN_LINE = re.compile(r"^\s*`((?:[^`]|``)+)`\s+(.+?),?\s*$")


def sql_columns(sql: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(columns, partition keys) of create-table.sql as (name, type)."""
    m = re.search(r"\((.*?)\n\)\s*PARTITIONED BY \((.*?)\n\)", sql, re.S)
    assert m, f"cannot find the column list and PARTITIONED BY in:\n{sql}"

    def cols(block: str) -> list[tuple[str, str]]:
        out = []
        for line in block.strip("\n").splitlines():
            c = COLUMN_LINE.match(line)
            assert c, f"unexpected column line {line!r}"
            out.append((c.group(1).replace("``", "`"), c.group(2)))
        return out
    return cols(m.group(1)), cols(m.group(2))


def hive_type(t: pa.DataType) -> str:
    if pa.types.is_struct(t):
        return "struct<" + ",".join(f"{t.field(i).name}:{hive_type(t.field(i).type)}" for i in range(t.num_fields)) + ">"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return f"array<{hive_type(t.value_type)}>"
    if pa.types.is_timestamp(t):
        return "timestamp"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or getattr(t, "extension_name", None) == "arrow.json":
        return "string"
    return {pa.int64(): "bigint", pa.int32(): "int", pa.float64(): "double", pa.bool_(): "boolean",
            pa.date32(): "date"}[t]


# ---------------------------------------------------------------------------
# Fixtures: data


def gen_events(path: Path, rows: int, seed: int) -> Path:
    subprocess.run([sys.executable, str(GEN_EVENTS), "--rows", str(rows), "--seed", str(seed), "--out", str(path)],
                   check=True, capture_output=True)
    return path


@pytest.fixture(scope="module")
def events_input(tmp_path_factory) -> Path:
    """20,000 events (seed 5) and six more whose source holds a quote and a backslash."""
    base = tmp_path_factory.mktemp("catalog-input")
    main = gen_events(base / "main.ndjson", 20000, 5)
    extra = gen_events(base / "extra.ndjson", 6, 6)
    lines = main.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(extra.read_text(encoding="utf-8").splitlines()):
        rec = json.loads(line)
        rec["source"] = QUOTED_SOURCES[i // 3]
        lines.append(json.dumps(rec, ensure_ascii=False, separators=(",", ":")))
    src = base / "events.ndjson"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return src


@pytest.fixture(scope="module")
def events_ref(events_input: Path) -> list[dict]:
    ref = cc.Reference.build([str(events_input)])
    return [cc.parse_line(ref.inputs[0].data[r.start:r.end]).value for r in ref.rows]


@pytest.fixture(scope="module")
def events_ds(events_input: Path, tmp_path_factory) -> Dataset:
    base = tmp_path_factory.mktemp("catalog-events")
    summary = convert(events_input, base / "ds", SPECS, "analytics.events", LOCATION, base / "catalog")
    ds = Dataset(base / "ds", base / "catalog", LOCATION, "analytics.events", summary)
    assert summary["rows_written"] == 20006 and summary["bad_records"] == 0, summary
    return ds


@pytest.fixture(scope="module")
def projection_ds(tmp_path_factory) -> Dataset:
    """Events whose every partition projection can address (no value needing escaping)."""
    base = tmp_path_factory.mktemp("catalog-projection")
    src = gen_events(base / "events.ndjson", 20000, 5)
    summary = convert(src, base / "ds", SPECS, "analytics.events_projected", LOCATION, base / "catalog",
                      ("--projection",))
    assert not [n for n in summary["catalog_notes"] if n.startswith("projection:")], summary["catalog_notes"]
    return Dataset(base / "ds", base / "catalog", LOCATION, "analytics.events_projected", summary)


def test_projection_left_off_when_it_cannot_reach_every_partition(events_input: Path, tmp_path: Path) -> None:
    """With projection on, Athena ignores registered partitions: source values holding a quote and
    a backslash (escaped in their directory names) would be invisible, so the table is written
    without projection, with a note, and every partition is in the add-partitions files."""
    summary = convert(events_input, tmp_path / "ds", SPECS, "analytics.events_unprojected", LOCATION,
                      tmp_path / "catalog", ("--projection",))
    notes = [n for n in summary["catalog_notes"] if n.startswith("projection: not enabled")]
    assert len(notes) == 1, summary["catalog_notes"]
    sql = (tmp_path / "catalog" / "create-table.sql").read_text(encoding="utf-8")
    assert "projection." not in sql, sql
    glue = json.loads((tmp_path / "catalog" / "glue-table.json").read_text(encoding="utf-8"))
    assert not [k for k in glue["Parameters"] if k.startswith("projection.")], glue["Parameters"]
    added = "".join(p.read_text(encoding="utf-8") for p in sorted((tmp_path / "catalog").glob("add-partitions-*.sql")))
    directories = {str(p.parent.relative_to(tmp_path / "ds")) for p in (tmp_path / "ds").rglob("*.parquet")}
    assert added.count("PARTITION (") == len(directories)


HOSTILE = ["a/b", "..", "k=v", "100%", "%2F", "it's", 'say "hi"', "with space", "🚀 emoji", "中文",
           "#*:?\\{[]^}", "tab\there\x01\x7f", "<>|", "back\\slash", "", None, "__hive_default_partition__"]
# The literal Hive marker as a value (written to cat=%5F_HIVE_DEFAULT_PARTITION__) beside a null.
MARKER = [None, DEFAULT_PARTITION, "web"]


def category_dataset(base: Path, name: str, values: list) -> Dataset:
    """id, cat, n rows (plus one without cat), partitioned by cat, with catalog files."""
    src = base / f"{name}.ndjson"
    lines = [json.dumps({"id": i, "cat": v, "n": i * 10}, ensure_ascii=False) for i, v in enumerate(values)]
    lines.append(json.dumps({"id": len(values), "n": 0}))  # cat missing
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    location = f"s3://lake-bucket/{name}/"
    summary = convert(src, base / "ds", ["cat"], f"analytics.{name}", location, base / "catalog")
    # The literal null marker is a bad record (catalogs would read it back as null).
    rejected = sum(1 for v in values if v == DEFAULT_PARTITION)
    assert (summary["rows_written"], summary["bad_records"]) == (len(values) + 1 - rejected, rejected), summary
    return Dataset(base / "ds", base / "catalog", location, f"analytics.{name}", summary)


@pytest.fixture(scope="module")
def hostile_ds(tmp_path_factory) -> Dataset:
    return category_dataset(tmp_path_factory.mktemp("catalog-hostile"), "hostile", HOSTILE)


@pytest.fixture(scope="module")
def marker_ds(tmp_path_factory) -> Dataset:
    return category_dataset(tmp_path_factory.mktemp("catalog-marker"), "marker", MARKER)


# ---------------------------------------------------------------------------
# lakeconv ddl and the files themselves


@pytest.mark.parametrize("which", ["events_ds", "projection_ds", "hostile_ds"])
def test_ddl_regenerates_identical_files(which: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    ds: Dataset = request.getfixturevalue(which)
    extra = ("--projection",) if which == "projection_ds" else ()
    ddl(ds.root, ds.table, ds.location, tmp_path / "again", extra)
    want = sorted(p.name for p in ds.catalog.iterdir())
    got = sorted(p.name for p in (tmp_path / "again").iterdir())
    assert got == want, f"ddl wrote {got}, the conversion wrote {want}"
    differ = [n for n in want if (ds.catalog / n).read_bytes() != (tmp_path / "again" / n).read_bytes()]
    assert not differ, f"files that differ: {differ}"
    # also from the _SUCCESS path itself
    ddl(ds.root / "_SUCCESS", ds.table, ds.location, tmp_path / "from-manifest", extra)
    differ = [n for n in want if (ds.catalog / n).read_bytes() != (tmp_path / "from-manifest" / n).read_bytes()]
    assert not differ, f"ddl DIR/_SUCCESS: files that differ: {differ}"


def test_catalog_files_shape(events_ds: Dataset) -> None:
    """Columns and types of create-table.sql are the files' schema; partition keys have the
    contract's types; one statement per SQL file within Athena's query limit; ≤100 partitions per
    Glue file; every directory appears exactly once in each form."""
    ds = events_ds
    sql = (ds.catalog / "create-table.sql").read_text(encoding="utf-8")
    assert sql.startswith("CREATE EXTERNAL TABLE IF NOT EXISTS `analytics`.`events` ("), sql[:100]
    assert "STORED AS PARQUET" in sql and f"LOCATION '{LOCATION}'" in sql
    columns, keys = sql_columns(sql)
    schema = pq.read_schema(ds.root / ds.manifest["files"][0]["path"])
    assert columns == [(f.name, hive_type(f.type)) for f in schema], (columns, schema)
    assert keys == [("source", "string"), ("year", "string"), ("month", "string"), ("day", "string"),
                    ("bucket", "int")], keys
    sql_files = ds.sql_files()
    assert [p.name for p in sql_files] == [f"add-partitions-{i:04d}.sql" for i in range(1, len(sql_files) + 1)]
    assert len(sql_files) >= 2, "expected the registrations to need more than one statement"
    clauses = 0
    for p in sql_files:
        text = p.read_text(encoding="utf-8")
        assert len(text.encode()) <= ATHENA_QUERY_LIMIT, f"{p.name}: {len(text.encode())} bytes"
        assert text.startswith("ALTER TABLE `analytics`.`events` ADD IF NOT EXISTS\n"), text[:80]
        assert text.rstrip().endswith(";") and text.count("ALTER TABLE") == 1
        clauses += len(re.findall(r"^\s*PARTITION \(", text, re.M))
    assert clauses == len(ds.directories), (clauses, len(ds.directories))
    glue = [json.loads(p.read_text(encoding="utf-8")) for p in ds.glue_partition_files()]
    assert all(1 <= len(batch) <= GLUE_BATCH for batch in glue)
    locations = [p["StorageDescriptor"]["Location"] for batch in glue for p in batch]
    assert sorted(locations) == sorted(LOCATION + d + "/" for d in ds.directories)


# ---------------------------------------------------------------------------
# Glue API: moto on loopback


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def aws_env(tmp: Path) -> dict:
    """Dummy credentials and no AWS configuration files: nothing real is ever read or reached."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_SESSION_TOKEN="testing",
               AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1",
               AWS_CONFIG_FILE=str(tmp / "no-aws-config"), AWS_SHARED_CREDENTIALS_FILE=str(tmp / "no-aws-credentials"),
               AWS_EC2_METADATA_DISABLED="true")
    return env


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("moto")
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    exe = Path(sys.executable).with_name("moto_server")
    cmd = ([str(exe)] if exe.exists() else [sys.executable, "-m", "moto.server"]) + ["-H", "127.0.0.1", "-p", str(port)]
    env = aws_env(tmp)
    log = open(tmp / "moto.log", "wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"moto_server exited with {proc.returncode}: "
                            f"{(tmp / 'moto.log').read_text(errors='replace')[-2000:]}", pytrace=False)
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=2).read()
                break
            except urllib.error.HTTPError:
                break  # it answers
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    pytest.fail(f"moto_server did not answer on {endpoint} within 60 s", pytrace=False)
                time.sleep(0.2)
        with pytest.MonkeyPatch.context() as mp:
            for k in [k for k in os.environ if k.startswith("AWS_")]:
                mp.delenv(k)
            for k, v in env.items():
                if k.startswith("AWS_"):
                    mp.setenv(k, v)
            yield {"endpoint": endpoint, "env": env}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def glue_client(moto: dict):
    import boto3

    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                    aws_session_token="testing", region_name="us-east-1")
    return session.client("glue", endpoint_url=moto["endpoint"])


def register_with_boto3(glue, ds: Dataset, database: str) -> None:
    glue.create_database(DatabaseInput={"Name": database})
    table_input = json.loads((ds.catalog / "glue-table.json").read_text(encoding="utf-8"))
    glue.create_table(DatabaseName=database, TableInput=table_input)
    for p in ds.glue_partition_files():
        batch = json.loads(p.read_text(encoding="utf-8"))
        try:
            r = glue.batch_create_partition(DatabaseName=database, TableName=table_input["Name"],
                                            PartitionInputList=batch)
        except Exception as e:  # botocore validates against the Glue API model before sending
            pytest.fail(f"the Glue client rejected {p.name}: {type(e).__name__}: {e}", pytrace=False)
        if r.get("Errors"):
            pytest.fail(f"Glue BatchCreatePartition {p.name}: {len(r['Errors'])} partitions refused: "
                        f"{r['Errors'][:5]}", pytrace=False)


def all_partitions(glue, database: str, table: str) -> list[dict]:
    pages = glue.get_paginator("get_partitions").paginate(DatabaseName=database, TableName=table)
    return [p for page in pages for p in page["Partitions"]]


def expected_glue_values(ds: Dataset) -> dict[tuple, str]:
    """Decoded values (the Hive default partition as its marker) -> LOCATION + directory + '/'."""
    out = {}
    _, keys = sql_columns((ds.catalog / "create-table.sql").read_text(encoding="utf-8"))
    integer_keys = {name for name, kind in keys if kind in ("int", "bigint", "smallint", "tinyint")}
    for d in ds.directories:
        # Integer keys are registered as canonical numbers (bucket=06 -> "6"), as in the SQL.
        values = tuple(DEFAULT_PARTITION if v is None else (str(int(v)) if k in integer_keys else v)
                       for k, v in Dataset.decoded(d))
        assert values not in out, f"two directories decode to the same values {values}: {out[values]!r} and {d!r}"
        out[values] = ds.location + d + "/"
    return out


def check_glue(glue, ds: Dataset, database: str) -> None:
    sql = (ds.catalog / "create-table.sql").read_text(encoding="utf-8")
    columns, keys = sql_columns(sql)
    table = glue.get_table(DatabaseName=database, Name=ds.name)["Table"]
    sd = table["StorageDescriptor"]
    assert [(c["Name"], c["Type"]) for c in sd["Columns"]] == columns
    assert [(c["Name"], c["Type"]) for c in table["PartitionKeys"]] == keys
    assert sd["Location"] == ds.location and table["TableType"] == "EXTERNAL_TABLE"
    assert "parquet" in sd["SerdeInfo"]["SerializationLibrary"].lower()
    parts = all_partitions(glue, database, ds.name)
    got: dict[tuple, str] = {}
    for p in parts:
        values = tuple(p["Values"])
        assert values not in got, f"partition {values} registered twice"
        got[values] = p["StorageDescriptor"]["Location"]
        assert [(c["Name"], c["Type"]) for c in p["StorageDescriptor"]["Columns"]] == columns, values
    want = expected_glue_values(ds)
    missing = sorted(set(want) - set(got))[:5]
    extra = sorted(set(got) - set(want))[:5]
    wrong = [(v, got[v], want[v]) for v in want if v in got and got[v] != want[v]][:5]
    assert not missing and not extra and not wrong, (
        f"Glue partitions vs the dataset's directories:\nmissing {missing}\nunexpected {extra}\n"
        f"wrong location (values, registered, expected) {wrong}")
    assert len(parts) == len(ds.directories)


def test_glue_boto3(moto: dict, events_ds: Dataset) -> None:
    glue = glue_client(moto)
    register_with_boto3(glue, events_ds, "analytics")
    check_glue(glue, events_ds, "analytics")
    table = glue.get_table(DatabaseName="analytics", Name="events")["Table"]
    want_params = json.loads((events_ds.catalog / "glue-table.json").read_text(encoding="utf-8"))["Parameters"]
    assert {k: table["Parameters"].get(k) for k in want_params} == want_params
    # the quoted values, exactly
    sources = {p["Values"][0] for p in all_partitions(glue, "analytics", "events")}
    assert set(QUOTED_SOURCES) <= sources, sorted(sources)


def test_glue_boto3_hostile_values(moto: dict, hostile_ds: Dataset) -> None:
    """One Glue partition per directory, Values decoded (the default partition as the Hive
    marker __HIVE_DEFAULT_PARTITION__, which Athena and Hive read as NULL)."""
    glue = glue_client(moto)
    register_with_boto3(glue, hostile_ds, "hostile_db")
    check_glue(glue, hostile_ds, "hostile_db")


def test_glue_boto3_marker_value_beside_null(moto: dict, marker_ds: Dataset) -> None:
    """A value equal to __HIVE_DEFAULT_PARTITION__ and a null: every directory lakeconv wrote must
    be registered as its own partition (Glue Values identify a partition)."""
    glue = glue_client(moto)
    register_with_boto3(glue, marker_ds, "marker_db")
    got = sorted((tuple(p["Values"]), p["StorageDescriptor"]["Location"]) for p in all_partitions(glue, "marker_db", "marker"))
    assert len(got) == len(marker_ds.directories) and len({v for v, _ in got}) == len(got), (
        f"directories {marker_ds.directories}\nregistered {got}")


def test_glue_projection_table(moto: dict, projection_ds: Dataset) -> None:
    glue = glue_client(moto)
    glue.create_database(DatabaseInput={"Name": "projected"})
    table_input = json.loads((projection_ds.catalog / "glue-table.json").read_text(encoding="utf-8"))
    glue.create_table(DatabaseName="projected", TableInput=table_input)
    table = glue.get_table(DatabaseName="projected", Name="events_projected")["Table"]
    assert table["Parameters"].get("projection.enabled") == "true", table["Parameters"]
    assert {k: table["Parameters"].get(k) for k in table_input["Parameters"]} == table_input["Parameters"]


def aws_cli(moto: dict, *args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("aws")
    if exe is None:
        pytest.skip("the AWS CLI (aws) is not on PATH")
    return subprocess.run([exe, "--endpoint-url", moto["endpoint"], "--region", "us-east-1", "--output", "json",
                           *args], capture_output=True, text=True, timeout=120, env=moto["env"],
                          stdin=subprocess.DEVNULL)


def test_glue_aws_cli(moto: dict, events_ds: Dataset) -> None:
    ds = events_ds
    cmds = [["glue", "create-database", "--database-input", "Name=cli_db"],
            ["glue", "create-table", "--database-name", "cli_db", "--table-input", f"file://{ds.catalog / 'glue-table.json'}"]]
    files = ds.glue_partition_files()
    quoted = [p for p in files if any(s in p.read_text(encoding="utf-8") for s in ('"it\'s a', '"x\\\\'))]
    assert quoted, "no glue-partitions file holds the quoted source values"
    chosen = sorted({files[0], *quoted})
    for p in chosen:
        cmds.append(["glue", "batch-create-partition", "--database-name", "cli_db", "--table-name", ds.name,
                     "--partition-input-list", f"file://{p}"])
    for c in cmds:
        r = aws_cli(moto, *c)
        assert r.returncode == 0, f"aws {' '.join(c)}\nexit status {r.returncode}\nstderr: {r.stderr[-2000:]}"
        if r.stdout.strip():
            assert not json.loads(r.stdout).get("Errors"), f"aws {' '.join(c)}: {r.stdout[:2000]}"
    glue = glue_client(moto)
    got = {tuple(p["Values"]): p["StorageDescriptor"]["Location"] for p in all_partitions(glue, "cli_db", ds.name)}
    want = {tuple(p["Values"]): p["StorageDescriptor"]["Location"]
            for f in chosen for p in json.loads(f.read_text(encoding="utf-8"))}
    assert got == want
    assert any(v[0] in QUOTED_SOURCES for v in got)
    table = glue.get_table(DatabaseName="cli_db", Name=ds.name)["Table"]
    columns, keys = sql_columns((ds.catalog / "create-table.sql").read_text(encoding="utf-8"))
    assert [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]] == columns
    assert [(c["Name"], c["Type"]) for c in table["PartitionKeys"]] == keys


# ---------------------------------------------------------------------------
# Spark SQL with a Hive metastore


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    session = spark_session(tmp_path_factory.mktemp("spark-hive"), "lakeconv-test-catalog", hive_metastore=True)
    yield session
    session.stop()


def run_statements(spark, ds: Dataset, paths: list[Path]) -> None:
    """Executes each file as one statement, only the location prefix rewritten."""
    local = f"file://{ds.root}/"
    for p in paths:
        text = p.read_text(encoding="utf-8")
        assert ds.location in text, f"{p.name} does not mention {ds.location}"
        try:
            spark.sql(text.replace(ds.location, local))
        except Exception as e:  # report the client's own words
            pytest.fail(f"Spark rejected {p.name}: {type(e).__name__}: {str(e)[:3000]}\n"
                        f"statement starts: {text[:600]}", pytrace=False)


def register_in_spark(spark, ds: Dataset) -> None:
    spark.sql(f"CREATE DATABASE IF NOT EXISTS `{ds.db}`")
    run_statements(spark, ds, [ds.catalog / "create-table.sql"])
    run_statements(spark, ds, ds.sql_files())


@pytest.fixture(scope="module")
def spark_events(spark, events_ds: Dataset) -> Dataset:
    register_in_spark(spark, events_ds)
    return events_ds


def test_spark_registers_every_partition(spark, spark_events: Dataset) -> None:
    ds = spark_events
    shown = [r[0] for r in spark.sql(f"SHOW PARTITIONS `{ds.db}`.`{ds.name}`").collect()]
    # Spark escapes the registered values with Hive's escapePathName: the directory names come
    # back, except that bucket (an int key) shows its value as an int (bucket=6 for bucket=06).
    norm = sorted(re.sub(r"bucket=0*(\d)", r"bucket=\1", d) for d in ds.directories)
    assert sorted(shown) == norm, (f"{len(shown)} partitions in Spark, {len(norm)} directories; "
                                   f"only in Spark {sorted(set(shown) - set(norm))[:5]}, "
                                   f"only on disk {sorted(set(norm) - set(shown))[:5]}")
    columns, keys = sql_columns((ds.catalog / "create-table.sql").read_text(encoding="utf-8"))
    described = [(r[0], r[1]) for r in spark.sql(f"DESCRIBE `{ds.db}`.`{ds.name}`").collect()]
    table_part = described[:described.index(("# Partition Information", ""))] if \
        ("# Partition Information", "") in described else described
    assert table_part == columns + keys, table_part


def test_spark_row_counts_per_partition(spark, spark_events: Dataset) -> None:
    ds = spark_events
    rows = spark.sql(f"SELECT source, year, month, day, count(*) FROM `{ds.db}`.`{ds.name}` "
                     f"GROUP BY source, year, month, day").collect()
    got = {(r[0], r[1], r[2], r[3]): r[4] for r in rows}
    want: dict = collections.Counter()
    for f in ds.manifest["files"]:
        p = f["partition"]
        want[(p["source"], p["year"], p["month"], p["day"])] += f["rows"]
    assert got == dict(want), (f"{len(got)} groups in Spark, {len(want)} in _SUCCESS; differing: "
                               f"{[(k, got.get(k), want.get(k)) for k in set(got) | set(want) if got.get(k) != want.get(k)][:10]}")
    assert sum(got.values()) == ds.summary["rows_written"]
    for s in QUOTED_SOURCES:
        assert sum(v for k, v in got.items() if k[0] == s) == 3, (s, sorted({k[0] for k in got}))


def test_spark_nested_field_and_derived_partitions(spark, spark_events: Dataset, events_ref: list) -> None:
    ds = spark_events
    t = f"`{ds.db}`.`{ds.name}`"
    w = sorted(r[0] for r in spark.sql(f"SELECT device.screen.w FROM {t}").collect())
    assert w == sorted(r["device"]["screen"]["w"] for r in events_ref)
    bad = spark.sql(f"SELECT count(*) FROM {t} WHERE bucket <> pmod(hash(user_id), {BUCKETS}) "
                    f"OR concat(year, '-', month, '-', day) <> date_format(event_time, 'yyyy-MM-dd')").collect()[0][0]
    assert bad == 0, f"{bad} rows whose bucket or day disagree with Spark's hash / the UTC date of event_time"
    # The quoted values select exactly their rows (passed as data, not as SQL text).
    from pyspark.sql.functions import col
    got = {r[0]: r[1] for r in spark.table(f"{ds.db}.{ds.name}").where(col("source").isin(QUOTED_SOURCES))
           .select("event_id", "source").collect()}
    want = {r["event_id"]: r["source"] for r in events_ref if r["source"] in QUOTED_SOURCES}
    assert got == want and len(want) == 6
    sources = {r[0] for r in spark.sql(f"SELECT DISTINCT source FROM {t}").collect()}
    assert sources == {r["source"] for r in events_ref}


def test_spark_table_properties(spark, projection_ds: Dataset) -> None:
    """TBLPROPERTIES (with --projection) parse in Spark to exactly the Parameters of
    glue-table.json."""
    ds = projection_ds
    spark.sql(f"CREATE DATABASE IF NOT EXISTS `{ds.db}`")
    # storage.location.template holds ${source}...: Athena takes it literally, but Spark (like the
    # Hive CLI) substitutes ${...} variables in SQL text unless told not to -- a client setting,
    # the statement is unchanged.
    substitute = spark.conf.get("spark.sql.variable.substitute")
    spark.conf.set("spark.sql.variable.substitute", "false")
    try:
        run_statements(spark, ds, [ds.catalog / "create-table.sql"])
    finally:
        spark.conf.set("spark.sql.variable.substitute", substitute)
    props = {r[0]: r[1] for r in spark.sql(f"SHOW TBLPROPERTIES `{ds.db}`.`{ds.name}`").collect()}
    want = json.loads((ds.catalog / "glue-table.json").read_text(encoding="utf-8"))["Parameters"]
    # the location prefix was rewritten in the statement, so in the template too
    want = {k: v.replace(ds.location, f"file://{ds.root}/") for k, v in want.items() if k != "EXTERNAL"}
    assert {k: props.get(k) for k in want} == want, props
    assert props["projection.enabled"] == "true", props


def check_spark_category(spark, ds: Dataset, values: list, exempt: tuple = ()) -> None:
    """Every directory registers as its own partition; every row reads back through the catalog
    with its value (null, "" and missing: NULL)."""
    register_in_spark(spark, ds)
    t = f"`{ds.db}`.`{ds.name}`"
    shown = sorted(r[0] for r in spark.sql(f"SHOW PARTITIONS {t}").collect())
    assert len(shown) == len(ds.directories), (
        f"{len(ds.directories)} directories but {len(shown)} partitions in Spark: {shown}\n"
        f"directories: {ds.directories}")
    rows = {r[0]: r[1] for r in spark.sql(f"SELECT id, cat FROM {t}").collect()}
    assert len(rows) == ds.summary["rows_written"], (
        f"Spark reads {len(rows)} rows through the catalog, {ds.summary['rows_written']} were written; "
        f"ids missing: {sorted(set(range(len(values) + 1)) - set(rows))}")
    wrong = []
    for i, v in enumerate(values + [None]):
        want = None if v in (None, "") else v
        got = rows.get(i)
        if v in exempt and got is None:
            continue
        if got != want:
            wrong.append((i, v, got))
    assert not wrong, f"(id, value, read by Spark): {wrong}"


def test_spark_hostile_values(spark, hostile_ds: Dataset) -> None:
    check_spark_category(spark, hostile_ds, HOSTILE)


def test_spark_marker_value_beside_null(spark, marker_ds: Dataset) -> None:
    """Hive reads a partition value equal to __HIVE_DEFAULT_PARTITION__ as NULL, so that row may
    read back as NULL; but every row lakeconv wrote must be reachable through the catalog."""
    check_spark_category(spark, marker_ds, MARKER, exempt=(DEFAULT_PARTITION,))


def test_kept_partition_columns_declared_once_and_struct_names_reported(tmp_path: Path) -> None:
    """--keep-partition-columns: the kept columns are partition keys only (Hive and Spark refuse a
    table column that is also a partition key); struct field names no Hive type string can hold
    are reported in the catalog notes."""
    src = tmp_path / "kp.ndjson"
    src.write_text('{"id":1,"k":"x","n":5,"s":{"x:y":1,"a,b":2,"ok":3}}\n{"id":2,"k":"y","n":6,"s":{"x:y":4,"a,b":5,"ok":6}}\n')
    summary = convert(src, tmp_path / "kp", ["k", "n"], "d.t", "s3://b/kp/", tmp_path / "cat", ("--keep-partition-columns",))
    columns, keys = sql_columns((tmp_path / "cat" / "create-table.sql").read_text())
    assert [c for c, _ in columns] == ["id", "s"] and [k for k, _ in keys] == ["k", "n"], (columns, keys)
    table = json.loads((tmp_path / "cat" / "glue-table.json").read_text())
    assert [c["Name"] for c in table["StorageDescriptor"]["Columns"]] == ["id", "s"]
    notes = summary["catalog_notes"]
    assert any("'s.x:y'" in n for n in notes) and any("'s.a,b'" in n for n in notes) and not any("'s.ok'" in n for n in notes), notes
    # The files keep the columns.
    assert {"k", "n"} <= set(pq.read_schema(next((tmp_path / "kp").rglob("*.parquet"))).names)
