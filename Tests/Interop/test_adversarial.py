"""Adversarial inputs (Fixtures/scripts/make_adversarial.py): for each, the documented outcome,
the accounting invariant (rows + bad records + blank lines = lines read), no crash or hang
(timeout), bounded memory (peak RSS of the converter), and every created path inside the output
root. The small cases are committed in Fixtures/adversarial/; the big ones (10,000-deep nesting,
a 50 MiB string, a 2 GiB gzip bomb line, 100,000 distinct partition values) are made here."""
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("LAKECONV_BIN", str(ROOT / ".build/release/lakeconv"))
MEMORY_BOUND_MB = 1024


@pytest.fixture(scope="module")
def big_cases(tmp_path_factory):
    folder = tmp_path_factory.mktemp("adversarial")
    subprocess.run([sys.executable, str(ROOT / "Fixtures/scripts/make_adversarial.py"), str(folder), "--big"], check=True, stdout=subprocess.DEVNULL)
    return folder


def small_index():
    return json.loads((ROOT / "Fixtures/adversarial/index.json").read_text())


def run_case(folder: Path, name: str, case: dict, tmp_path: Path):
    source = folder / case["file"]
    partition = case.get("partition", [])
    out = tmp_path / ("ds" if partition else "out.parquet")
    args = [BIN, "ndjson-to-parquet", str(source), "--output", str(out), "--json", "--quiet"]
    for spec in partition:
        args += ["--partition-by", spec]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = subprocess.run(args, capture_output=True, timeout=300)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert result.returncode in (0, 1), f"{name}: crashed with {result.returncode}: {result.stderr[-2000:]!r}"
    if "exit" in case:
        assert result.returncode == case["exit"], f"{name}: {result.stderr!r}"
        assert b"error" in result.stderr
    else:
        assert result.returncode == 0, f"{name}: {result.stderr!r}"
        summary = json.loads(result.stdout)
        assert (summary["rows_written"], summary["bad_records"], summary["blank_lines"]) == (case["rows"], case["bad"], case["blank"]), (name, summary)
        for entry in summary["inputs"]:
            assert entry["rows_written"] + entry["bad_records"] + entry["blank_lines"] == entry["lines_read"], (name, entry)
    if before < peak_mb * 1024:  # this child set a new high-water mark
        assert peak_mb < MEMORY_BOUND_MB, f"{name}: peak RSS {peak_mb:.0f} MB"
    # Nothing outside the output root: only the output and its bad-records file beside it.
    allowed = {out.name, out.name.removesuffix(".parquet") + ".bad_records.ndjson" if out.suffix else out.name + ".bad_records.ndjson"}
    assert {p.name for p in tmp_path.iterdir()} <= allowed, (name, sorted(p.name for p in tmp_path.iterdir()))
    if partition and out.exists():
        root = out.resolve()
        for path in out.rglob("*"):
            assert path.resolve().is_relative_to(root), f"{name}: {path} escapes the root"
            assert path.name not in (".", ".."), path
    return result


@pytest.mark.parametrize("name", sorted(small_index()))
def test_small(name, tmp_path):
    run_case(ROOT / "Fixtures/adversarial", name, small_index()[name], tmp_path)


@pytest.mark.parametrize("name", ["deep_nesting_10000", "string_50mib", "bomb.ndjson.gz", "partitions_100k_distinct"])
def test_big(name, big_cases, tmp_path):
    run_case(big_cases, name, json.loads((big_cases / "index.json").read_text())[name], tmp_path)


def test_hostile_partition_directories(tmp_path):
    case = small_index()["hostile_partition_values"]
    run_case(ROOT / "Fixtures/adversarial", "hostile_partition_values", case, tmp_path)
    names = sorted(p.name for p in (tmp_path / "ds").iterdir() if p.is_dir())
    assert names == sorted([
        "source=%2E%2E%2F%2E%2E%2Fetc".replace("%2E", "."), "source=..", "source=.", "source=a%2Fb", "source=k%3Dv", "source=50%25",
        "source=it%27s", "source=q%22uote", "source=tab%09ch", "source=\u00e9\u4e2d\U0001F680", "source=__HIVE_DEFAULT_PARTITION__",
    ])
    reasons = sorted(json.loads(line)["reason"] for line in (tmp_path / "ds.bad_records.ndjson").read_text().splitlines())
    assert len(reasons) == 2 and "longer than 255" in reasons[0] and "null marker" in reasons[1], reasons
