#!/usr/bin/env bash
# Interim side-by-side: lakeconv vs DuckDB COPY on the same generated NDJSON, job a (one Snappy
# file), interleaved, median of N runs, peak RSS from /usr/bin/time. The full harness (all jobs,
# pyarrow and polars, charts) is issue #6; this script gives the figures BENCHMARKS.md quotes now.
#   usage: Benchmarks/quick_compare.sh [MB=100] [RUNS=3]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mb="${1:-100}"; runs="${2:-3}"
data="$root/bench-data"; mkdir -p "$data"
input="$data/events_${mb}mb.ndjson"
[ -f "$input" ] || python3 "$root/Benchmarks/datagen/gen_events.py" --mb "$mb" --seed 42 --out "$input"
(cd "$root" && swift build -c release --product lakeconv >/dev/null)
py="$root/.venv/bin/python"
cat > "$data/duck_copy.py" <<'PY'
import duckdb, sys
duckdb.connect().execute(f"COPY (SELECT * FROM read_json('{sys.argv[1]}', format='newline_delimited')) TO '{sys.argv[2]}' (FORMAT parquet, COMPRESSION snappy)")
PY
measure() {  # name, command...
  local name=$1; shift
  /usr/bin/time -f "$name %e %U %S %M" "$@" 2>&1 >/dev/null | tail -1
}
for i in $(seq "$runs"); do
  rm -f "$data/duck.parquet" "$data/lakeconv.parquet"
  measure duckdb "$py" "$data/duck_copy.py" "$input" "$data/duck.parquet"
  measure lakeconv "$root/.build/release/lakeconv" ndjson-to-parquet "$input" --output "$data/lakeconv.parquet" --mode overwrite --quiet
done | python3 -c '
import sys, statistics
rows = {}
for line in sys.stdin:
    name, wall, user, system, rss = line.split()
    rows.setdefault(name, []).append((float(wall), float(user) + float(system), int(rss)))
mb = float(sys.argv[1])
print("tool          wall s     MB/s    cpu s  peak MB")
for name, runs in sorted(rows.items()):
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    peak = max(r[2] for r in runs) / 1024
    print(f"{name:9} {wall:8.2f} {mb / wall:8.0f} {cpu:8.2f} {peak:8.0f}")
' "$mb"
ls -l "$data/duck.parquet" "$data/lakeconv.parquet" | awk '{print $5, $9}'
