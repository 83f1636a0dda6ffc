"""Shared command line for the peer scripts of Benchmarks/run_benchmarks.py.

Every peer script is run as its own process and takes the same arguments:

    python3 PEER.py JOB INPUT OUTPUT [--threads N]

  JOB      a  NDJSON -> one Snappy Parquet file (OUTPUT is a file)
           b  Hive-partitioned by `source`               (OUTPUT is a folder)
           c  Hive-partitioned by year/month/day of `event_time` in UTC
           d  Hive-partitioned into 16 buckets of a hash of `user_id`
           (the harness's job a1 is job a with --threads 1)
  INPUT    the NDJSON file
  OUTPUT   the Parquet file (job a) or dataset folder (b, c, d); the harness
           removes it before every run
  --threads N  limit the library to N threads (default: the library's own)

A peer that cannot do a job exits with NA_EXIT after printing one line
"n/a: REASON" on standard error; the harness reports the cell as n/a with that
reason instead of a measurement.

This module must stay light: it is imported before the library under test, so
anything it imports would be counted in every measurement.
"""
import argparse
import sys

JOBS = ("a", "b", "c", "d")
NA_EXIT = 3                 # "this peer cannot do this job" (not a failure)
BUCKETS = 16                # job d


def parse_args(tool):
    ap = argparse.ArgumentParser(
        prog=f"{tool}_peer.py",
        description=f"{tool} peer for Benchmarks/run_benchmarks.py (see peers/common.py)")
    ap.add_argument("job", choices=JOBS)
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--threads", type=int, default=None,
                    help="limit the library to N threads (default: its own)")
    return ap.parse_args()


def not_available(reason):
    """Report that this peer cannot do the job, and exit."""
    print(f"n/a: {reason}", file=sys.stderr)
    sys.exit(NA_EXIT)
