#!/usr/bin/env python3
"""DuckDB peer: one `COPY (SELECT ... FROM read_json(...)) TO ... (FORMAT parquet)`.

read_json's own type detection (it samples the input; event_time becomes
TIMESTAMP WITH TIME ZONE, event_id UUID).  Partitioned jobs use COPY's
PARTITION_BY, which writes Hive folders and leaves the partition columns out of
the files.  Job c derives year/month/day in UTC (the session time zone is set
to UTC); job d uses DuckDB's hash(user_id) % 16.  Usage: see common.py.
"""
from common import BUCKETS, parse_args

import duckdb


def sql_string(s):
    return "'" + s.replace("'", "''") + "'"


def main():
    a = parse_args("duckdb")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    if a.threads:
        con.execute(f"SET threads = {int(a.threads)}")
    src = f"read_json({sql_string(a.input)}, format = 'newline_delimited')"
    options = "FORMAT parquet, COMPRESSION snappy"
    if a.job == "a":
        select = f"SELECT * FROM {src}"
    elif a.job == "b":
        select = f"SELECT * FROM {src}"
        options += ", PARTITION_BY (source), OVERWRITE_OR_IGNORE true"
    elif a.job == "c":
        select = (f"SELECT *, year(event_time) AS year, month(event_time) AS month, "
                  f"day(event_time) AS day FROM {src}")
        options += ", PARTITION_BY (year, month, day), OVERWRITE_OR_IGNORE true"
    else:
        select = f"SELECT *, hash(user_id) % {BUCKETS} AS bucket FROM {src}"
        options += ", PARTITION_BY (bucket), OVERWRITE_OR_IGNORE true"
    con.execute(f"COPY ({select}) TO {sql_string(a.output)} ({options})")


if __name__ == "__main__":
    main()
