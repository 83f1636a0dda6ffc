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
