"""Disk full: ENOSPC while writing gives a clear error naming the path, exit code 1, and no visible
or leftover file (single-file and dataset outputs). Uses a 256 KiB tmpfs, so it needs root (CI
runs as root); elsewhere it is skipped with that reason."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("LAKECONV_BIN", str(ROOT / ".build/release/lakeconv"))


@pytest.fixture()
def tiny(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "tiny"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


@pytest.fixture(scope="module")
def events(tmp_path_factory):
    path = tmp_path_factory.mktemp("full") / "events.ndjson"
    subprocess.run([sys.executable, str(ROOT / "Benchmarks/datagen/gen_events.py"), "--rows", "20000", "--seed", "9", "--out", str(path)], check=True)
    return path


@pytest.mark.parametrize("target,extra", [("out.parquet", []), ("ds", ["--partition-by", "source"])])
def test_enospc(tiny: Path, events: Path, target: str, extra: list[str]):
    out = tiny / target
    result = subprocess.run([BIN, "ndjson-to-parquet", str(events), "--output", str(out), *extra, "--quiet"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "No space left on device" in result.stderr, result.stderr
    assert str(tiny) in result.stderr, result.stderr  # the error names the path
    left = sorted(str(p.relative_to(tiny)) for p in tiny.rglob("*"))
    assert left == [], f"left behind: {left}"
