"""Crash safety: lakeconv killed with SIGKILL at random moments during a partitioned run.

After every kill:
  * every visible ``.parquet`` file (no path component starting with ``.``) opens with pyarrow and
    reads its full row count;
  * ``_SUCCESS`` is either absent or describes only files that exist with the rows it lists;
  * for a first write (``--mode error`` into a missing folder, published by one atomic rename)
    the dataset is either absent or complete.
Then the next runs over the leftovers behave: ``error`` refuses a non-empty target, ``append``
succeeds and cleans up the killed run's staging folder and journal, ``overwrite`` leaves exactly
the input's rows.

The converter binary comes from ``LAKECONV_BIN`` (default: the release build).
"""
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("LAKECONV_BIN", str(ROOT / ".build/release/lakeconv"))
KILLS = 20


def visible_parquet(root: Path) -> list[Path]:
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*.parquet") if not any(part.startswith(".") for part in p.relative_to(root).parts))


def check_consistent(root: Path) -> int:
    """Asserts the visible state is consistent; returns the visible row count."""
    total = 0
    for path in visible_parquet(root):
        table = pq.read_table(path)  # raises on a partial or corrupt file
        assert table.num_rows == pq.ParquetFile(path).metadata.num_rows
        total += table.num_rows
    success = root / "_SUCCESS"
    if success.exists():
        manifest = json.loads(success.read_text())
        for entry in manifest["files"]:
            f = root / entry["path"]
            assert f.exists(), f"_SUCCESS lists a missing file {entry['path']}"
            assert pq.ParquetFile(f).metadata.num_rows == entry["rows"]
    return total


def run(args: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run([BIN, "ndjson-to-parquet", *args, "--quiet"], capture_output=True, text=True, timeout=300, **kw)


@pytest.fixture(scope="module")
def events(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("crash") / "events.ndjson"
    subprocess.run([sys.executable, str(ROOT / "Benchmarks/datagen/gen_events.py"), "--rows", "60000", "--seed", "3", "--out", str(path)], check=True)
    return path


def test_binary_exists():
    assert Path(BIN).exists(), f"lakeconv binary not found at {BIN} (build it or set LAKECONV_BIN)"


def test_sigkill_at_random_moments(events: Path, tmp_path: Path):
    out = tmp_path / "ds"
    spec = ["--partition-by", "source", "--partition-by", "date:event_time:day"]
    rows = sum(1 for _ in events.open("rb"))
    started = time.monotonic()
    assert run([str(events), "--output", str(tmp_path / "timing"), *spec]).returncode == 0
    duration = time.monotonic() - started
    rng = random.Random(20261124)
    first_write_outcomes = set()
    for attempt in range(KILLS):
        mode = "error" if attempt < KILLS // 2 else "append"
        if mode == "error" and out.exists():
            subprocess.run(["rm", "-rf", str(out)], check=True)
        proc = subprocess.Popen([BIN, "ndjson-to-parquet", str(events), "--output", str(out), *spec, "--mode", mode, "--quiet"])
        time.sleep(rng.uniform(0.0, duration * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        visible = check_consistent(out)
        if mode == "error":
            # One atomic rename publishes the whole tree: nothing, or everything with _SUCCESS.
            complete = (out / "_SUCCESS").exists()
            assert visible in (0, rows) and complete == (visible == rows), f"attempt {attempt}: {visible} rows visible"
            first_write_outcomes.add(complete)
    # The next runs over the leftovers.
    if visible_parquet(out):
        assert run([str(events), "--output", str(out), *spec]).returncode == 1  # error mode refuses
    before = check_consistent(out)
    assert run([str(events), "--output", str(out), *spec, "--mode", "append"]).returncode == 0
    assert check_consistent(out) == before + rows
    leftovers = [p.name for p in out.parent.iterdir() if "lakeconv-staging" in p.name] + [p.name for p in out.iterdir() if p.name.startswith(".lakeconv-journal")]
    assert leftovers == []
    assert run([str(events), "--output", str(out), *spec, "--mode", "overwrite"]).returncode == 0
    assert check_consistent(out) == rows
    manifest = json.loads((out / "_SUCCESS").read_text())
    assert manifest["rows_written"] == rows and sum(f["rows"] for f in manifest["files"]) == rows


def test_stale_temporary_files_of_dead_runs_are_removed(tmp_path: Path):
    """A single-file run killed before its commit leaves `.NAME.tmp-PID`; the next run on that
    output removes the temporaries of dead processes (never those of a live one)."""
    src = tmp_path / "in.ndjson"
    src.write_text('{"a":1}\n', encoding="utf-8")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = tmp_path / "out.parquet"
    stale = [tmp_path / f".out.parquet.tmp-{dead.pid}", tmp_path / f".out.bad_records.ndjson.tmp-{dead.pid}"]
    live = tmp_path / f".out.parquet.tmp-{os.getpid()}"
    for p in stale + [live]:
        p.write_bytes(b"PAR1 half written")
    p = run([str(src), "--output", str(out)])
    assert p.returncode == 0, p.stderr
    assert not [s for s in stale if s.exists()], "temporaries of a dead run are still there"
    assert live.exists(), "the temporary of a live process was removed"
    assert pq.read_table(out).num_rows == 1


def test_input_truncated_while_read_is_a_clear_error(tmp_path: Path, events: Path):
    """Inputs are memory-mapped: a file that shrinks during the run stops it with a clear error
    (exit status 1) and publishes nothing, whenever the truncation lands."""
    big = tmp_path / "big.ndjson"
    data = events.read_bytes()
    outcomes = set()
    for attempt in range(6):
        big.write_bytes(data * 4)
        out = tmp_path / f"o{attempt}.parquet"
        proc = subprocess.Popen([BIN, "ndjson-to-parquet", str(big), "--output", str(out), "--quiet", "--threads", "1"],
                                stderr=subprocess.PIPE, text=True)
        time.sleep(0.05 + 0.1 * attempt)
        os.truncate(big, 1000)
        _, err = proc.communicate(timeout=300)
        if proc.returncode == 0:
            outcomes.add("finished")  # read the whole file before the truncation, or cut at a line
            check_consistent(tmp_path)
        else:
            assert proc.returncode == 1 and "shrank while it was being read" in err, (proc.returncode, err[-400:])
            assert not out.exists(), "a failed run published its output"
            outcomes.add("refused")
    assert outcomes, outcomes


@pytest.mark.parametrize("mode", ["append", "overwrite-partitions"])
@pytest.mark.parametrize("failpoint", ["publish-set-aside", "publish-moved", "publish-committed"])
def test_killed_during_publish_leaves_a_whole_dataset(mode: str, failpoint: str, tmp_path: Path):
    """A run stopped at each step of the file-by-file publish (LAKECONV_FAILPOINT, as a kill):
    the next run finds the dataset whole, either as before (stopped before the commit point) or
    as after (stopped after it), with a _SUCCESS that lists exactly its files, and still checks
    new input against the dataset's types."""
    first = tmp_path / "first.ndjson"
    first.write_text('{"s":"x","v":1}\n{"s":"y","v":2}\n', encoding="utf-8")
    second = tmp_path / "second.ndjson"
    second.write_text('{"s":"x","v":10}\n{"s":"z","v":30}\n', encoding="utf-8")
    out = tmp_path / "ds"
    assert run([str(first), "--output", str(out), "--partition-by", "s"]).returncode == 0
    p = subprocess.run([BIN, "ndjson-to-parquet", str(second), "--output", str(out), "--partition-by", "s",
                        "--mode", mode, "--quiet"], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "LAKECONV_FAILPOINT": failpoint})
    assert p.returncode == 137, p.stderr
    # The next run on the dataset recovers it first; a type change is still refused.
    bad = tmp_path / "bad.ndjson"
    bad.write_text('{"s":"x","v":"text"}\n', encoding="utf-8")
    refused = run([str(bad), "--output", str(out), "--partition-by", "s", "--mode", "append"])
    assert refused.returncode != 0, "a type change was accepted after the recovery"
    assert not [p_ for p_ in out.rglob(".lakeconv-*")], list(out.rglob(".lakeconv-*"))
    manifest = json.loads((out / "_SUCCESS").read_text())
    listed = sorted(f["path"] for f in manifest["files"])
    on_disk = [str(p_.relative_to(out)) for p_ in visible_parquet(out)]
    assert listed == on_disk, (listed, on_disk)
    rows = sorted((r["s"], r["v"]) for r in __import__("pyarrow.dataset", fromlist=["dataset"]).dataset(
        str(out), format="parquet", partitioning="hive").to_table().to_pylist())
    before = [("x", 1), ("y", 2)]
    after = sorted(before + [("x", 10), ("z", 30)]) if mode == "append" else [("x", 10), ("y", 2), ("z", 30)]
    want = after if failpoint == "publish-committed" else before
    assert rows == want, (rows, want)


@pytest.fixture(scope="module")
def forty_mb(tmp_path_factory) -> Path:
    """About 40 MB of small records: more than one hand-over (16 MB for a dataset, a 32 MB row
    group for a file), so a signal after the first still finds the run with work left."""
    path = tmp_path_factory.mktemp("signal") / "in.ndjson"
    sources = ["web", "ios", "android", "api"]
    with open(path, "w") as f:
        for i in range(800_000):
            f.write('{"source":"%s","n":%d,"text":"%s"}\n' % (sources[i % 4], i, "x" * (i % 50)))
    return path


@pytest.mark.parametrize("target", ["ds", "one.parquet"])
def test_signal_mid_run_stops_cleanly_and_removes_staged_files(target: str, forty_mb: Path, tmp_path: Path):
    """SIGTERM after the first chunk went to the writer (LAKECONV_FAILPOINT raises it, through
    the real handler): exit 143, a clear message, and nothing left behind, neither visible nor
    hidden (no staging folder, no temporary file). A kill -9 leaves staging for the next run
    (test_sigkill_at_random_moments); a signal cleans up at once."""
    out = tmp_path / "out"
    out.mkdir()
    args = [BIN, "ndjson-to-parquet", str(forty_mb), "--output", str(out / target), "--quiet"]
    if target == "ds":
        args += ["--partition-by", "source"]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "LAKECONV_FAILPOINT": "signal-after-first-chunk"})
    assert proc.returncode == 128 + signal.SIGTERM, proc.stderr
    assert "interrupted by SIGTERM; nothing was published" in proc.stderr
    assert list(out.iterdir()) == [], [p.name for p in out.iterdir()]
    # Without the signal the same run publishes every row.
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert check_consistent(out / target) == 800_000 if target == "ds" else pq.ParquetFile(out / target).metadata.num_rows == 800_000


@pytest.mark.parametrize("signo", [signal.SIGTERM, signal.SIGINT])
def test_signal_while_a_stream_is_copied(signo, tmp_path: Path):
    """A FIFO input is copied to a temporary file before it is read (it can be read only once);
    a signal while it waits for more input stops the run with no output and no copy left."""
    fifo = tmp_path / "in.ndjson"
    os.mkfifo(fifo)
    out = tmp_path / "out"
    out.mkdir()
    spool_dir = tmp_path / "tmp"
    spool_dir.mkdir()
    proc = subprocess.Popen([BIN, "ndjson-to-parquet", str(fifo), "--output", str(out / "one.parquet"), "--quiet"],
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "TMPDIR": str(spool_dir)})
    with open(fifo, "w") as writer:
        writer.write('{"a":1}\n' * 1000)
        writer.flush()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(spool_dir.iterdir()):
            time.sleep(0.05)
        assert any(spool_dir.iterdir()), "the stream is not being copied"
        time.sleep(0.2)
        proc.send_signal(signo)
        stderr = proc.communicate(timeout=60)[1]
    name = "SIGTERM" if signo == signal.SIGTERM else "SIGINT"
    assert proc.returncode == 128 + signo, stderr
    assert f"interrupted by {name}; nothing was published" in stderr
    assert list(out.iterdir()) == [] and list(spool_dir.iterdir()) == []
