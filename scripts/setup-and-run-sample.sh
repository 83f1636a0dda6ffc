#!/usr/bin/env bash
# Quick start, command 1: install what is missing, build lakeconv, convert the bundled sample.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/install-deps.sh
swift build -c release --product lakeconv
mkdir -p out
rm -f out/events_sample.parquet
.build/release/lakeconv ndjson-to-parquet Fixtures/ndjson/events_sample.ndjson --output out/events_sample.parquet
echo "lakeconv: wrote $root/out/events_sample.parquet"
.venv/bin/python - "$root/out/events_sample.parquet" <<'PY'
import sys, pyarrow.parquet as pq
f = pq.ParquetFile(sys.argv[1])
print(f"lakeconv: pyarrow reads {f.metadata.num_rows} rows, {f.metadata.num_columns} columns; schema:")
print(f.schema_arrow)
PY
