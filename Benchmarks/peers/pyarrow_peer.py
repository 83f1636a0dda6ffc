#!/usr/bin/env python3
"""pyarrow peer: pyarrow.json.read_json, then pq.write_table or ds.write_dataset.

The whole input is read into one Arrow table (read_json has no streaming
reader), with its own type inference (event_time stays a string).  Job a writes
it with pq.write_table; b, c, d with pyarrow.dataset.write_dataset in the Hive
flavor (partition columns only in the paths).  write_dataset refuses more than
`max_partitions` partitions (1024 by default); it is raised to 4096 so that the
harness never trips it (the jobs make 8, 30 and 16 partitions).

Job c casts event_time to timestamp[ms, UTC] (Arrow parses ISO-8601 with
fractional seconds and "Z") and takes year/month/day.  pyarrow.compute has no
scalar hash kernel, so job d buckets by a Fibonacci (multiplicative) hash of
user_id: (uint64(user_id) * 0x9E3779B97F4A7C15 mod 2^64) >> 60, which gives
16 stable, evenly filled buckets.

With --threads N: pa.set_cpu_count(N), pa.set_io_thread_count(N), and for
N == 1 no threads in read_json or write_dataset either.  Usage: see common.py.
"""
from common import BUCKETS, parse_args

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.json as pj
import pyarrow.parquet as pq

MAX_PARTITIONS = 4096
GOLDEN = 0x9E3779B97F4A7C15       # 2^64 / golden ratio
BUCKET_SHIFT = 64 - (BUCKETS - 1).bit_length()
assert 1 << (64 - BUCKET_SHIFT) == BUCKETS


def main():
    a = parse_args("pyarrow")
    threaded = a.threads != 1
    if a.threads:
        pa.set_cpu_count(a.threads)
        pa.set_io_thread_count(a.threads)
    table = pj.read_json(a.input, read_options=pj.ReadOptions(use_threads=threaded))
    if a.job == "a":
        pq.write_table(table, a.output, compression="snappy")
        return
    if a.job == "b":
        keys = ["source"]
    elif a.job == "c":
        ts = pc.cast(table["event_time"], pa.timestamp("ms", tz="UTC"))
        table = (table.append_column("year", pc.year(ts))
                      .append_column("month", pc.month(ts))
                      .append_column("day", pc.day(ts)))
        keys = ["year", "month", "day"]
    else:
        uid = pc.cast(table["user_id"], pa.uint64())
        mixed = pc.multiply(uid, pa.scalar(GOLDEN, pa.uint64()))      # wraps mod 2^64
        bucket = pc.cast(pc.shift_right(mixed, pa.scalar(BUCKET_SHIFT, pa.uint64())),
                         pa.int32())
        table = table.append_column("bucket", bucket)
        keys = ["bucket"]
    ds.write_dataset(
        table, a.output, format="parquet",
        file_options=ds.ParquetFileFormat().make_write_options(compression="snappy"),
        partitioning=keys, partitioning_flavor="hive",
        existing_data_behavior="overwrite_or_ignore",
        max_partitions=MAX_PARTITIONS, use_threads=threaded)


if __name__ == "__main__":
    main()
