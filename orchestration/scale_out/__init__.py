"""Scale-out (issue #15; README "Scaling out"): the same dbt project built on Apache Spark.

Ingestion stays on one machine (DuckDB writes the immutable Parquet raw zone and `audit.load_log`);
`spark_build` exports the load log beside the lake, declares the raw zone as external Parquet tables and runs
`dbt build --target spark`; `lake` reads the Parquet tables Spark wrote; `publish` writes `serving.duckdb`
from them through the same atomic swap as the DuckDB path (publish/serving.py). Needs the scale-out
environment (`make install-scale-out`: pyspark, dbt-spark, Java).
"""
