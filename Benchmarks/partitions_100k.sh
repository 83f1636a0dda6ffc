#!/usr/bin/env bash
# A 100,000-partition run: peak RSS must stay within --memory-limit (default 1 GiB) whatever the
# number of partitions. Generates ROWS records whose `key` column has 100,000 distinct values,
# converts with --partition-by key, then checks row and partition counts with DuckDB.
#   usage: Benchmarks/partitions_100k.sh [ROWS=500000]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rows="${1:-500000}"
data="$root/bench-data"; mkdir -p "$data"
input="$data/partitions_100k_${rows}.ndjson"
[ -f "$input" ] || python3 - "$rows" "$input" <<'PY'
import random, sys
n, path = int(sys.argv[1]), sys.argv[2]
r = random.Random(7)
with open(path, "w") as f:
    for i in range(n):
        key = i % 100_000 if i < 100_000 else r.randrange(100_000)
        f.write(f'{{"key":"k{key:05d}","i":{i},"v":{r.random():.6f},"t":"2021-03-{1 + i % 28:02d}T{i % 24:02d}:00:00Z","tag":"{r.choice("abcdef")}"}}\n')
PY
(cd "$root" && swift build -c release --product lakeconv >/dev/null)
out="$data/partitions_100k_out"
rm -rf "$out" "$out.bad_records.ndjson"
/usr/bin/time -f "wall %e s, user %U s, sys %S s, peak RSS %M KB" \
  "$root/.build/release/lakeconv" ndjson-to-parquet "$input" --output "$out" --partition-by key --quiet
"$root/.venv/bin/python" - "$out" "$rows" <<'PY'
import duckdb, sys
out, rows = sys.argv[1], int(sys.argv[2])
n, parts = duckdb.connect().execute(f"select count(*), count(distinct key) from read_parquet('{out}/**/*.parquet', hive_partitioning=true)").fetchall()[0]
print(f"rows {n} (expected {rows}), partitions {parts} (expected 100000)")
assert n == rows and parts == 100_000
PY
