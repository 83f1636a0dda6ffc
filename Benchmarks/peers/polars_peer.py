#!/usr/bin/env python3
"""polars peer: the streaming engine, scan_ndjson(...).sink_parquet(...).

scan_ndjson infers the schema from the whole file (infer_schema_length=None,
like lakeconv's default; polars' default of 100 rows could miss the optional
`referrer` key); event_time stays a string.  Job a sinks to one Snappy file.
Partitioned jobs sink to pl.PartitionBy(folder, key=..., include_key=False)
(Hive key=value folders, partition columns only in the paths; polars marks
PartitionBy unstable).  This was measured faster than read_ndjson +
write_parquet(partition_by=...) at the same peak RSS.

Job c parses event_time with str.to_datetime(time_zone="UTC") and takes
dt.year/month/day; job d uses polars' own hash: user_id.hash(seed=42) % 16.

Threads: polars sizes its pool from POLARS_MAX_THREADS when it is imported.
The harness sets that variable for job a1; --threads N also sets it here
(before the import) and checks that the pool really has N threads.
Usage: see common.py.
"""
import os

from common import BUCKETS, parse_args

ARGS = parse_args("polars")
if ARGS.threads:
    os.environ["POLARS_MAX_THREADS"] = str(ARGS.threads)

import polars as pl  # noqa: E402  (after POLARS_MAX_THREADS is set)


def main(a):
    if a.threads and pl.thread_pool_size() != a.threads:
        raise SystemExit(f"polars thread pool has {pl.thread_pool_size()} threads, "
                         f"expected {a.threads}")
    lf = pl.scan_ndjson(a.input, infer_schema_length=None)
    if a.job == "a":
        lf.sink_parquet(a.output, compression="snappy")
        return
    if a.job == "b":
        keys = ["source"]
    elif a.job == "c":
        ts = pl.col("event_time").str.to_datetime(time_zone="UTC")
        lf = lf.with_columns(year=ts.dt.year(), month=ts.dt.month(), day=ts.dt.day())
        keys = ["year", "month", "day"]
    else:
        lf = lf.with_columns(bucket=pl.col("user_id").hash(seed=42) % BUCKETS)
        keys = ["bucket"]
    lf.sink_parquet(pl.PartitionBy(a.output, key=keys, include_key=False),
                    compression="snappy", mkdir=True)


if __name__ == "__main__":
    main(ARGS)
