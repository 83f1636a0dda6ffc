"""A local Spark session for the interop tests (test_datasets.py, test_catalog.py).

Two cores, no UI, UTC, shuffle partitions 2, warehouse and Derby logs under ``tmp`` so nothing
lands in the repository. ``hive_metastore`` adds a Derby metastore under ``tmp`` and Hive
support (for CREATE EXTERNAL TABLE / ALTER TABLE ADD PARTITION), with partition folders listed
on the driver (a Spark job per listing is slow on 2 cores).
"""
from __future__ import annotations

from pathlib import Path


def spark_session(tmp: Path, app: str, hive_metastore: bool = False):
    from pyspark.sql import SparkSession

    builder = (SparkSession.builder.master("local[2]").appName(app)
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.warehouse.dir", str(tmp / "warehouse"))
               .config("spark.driver.extraJavaOptions",
                       f"-Dderby.stream.error.file={tmp / 'derby.log'} -Djava.io.tmpdir={tmp}"))
    if hive_metastore:
        builder = (builder
                   .config("spark.hadoop.javax.jdo.option.ConnectionURL",
                           f"jdbc:derby:;databaseName={tmp / 'metastore_db'};create=true")
                   .config("spark.sql.sources.parallelPartitionDiscovery.threshold", "1000000")
                   .enableHiveSupport())
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
