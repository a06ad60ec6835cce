"""Where the Spark build keeps its tables, and reading them back (DuckDB over the Parquet Spark wrote).

The lake (`CW_SPARK_LAKE_URI`, default `<warehouse>/lake`) holds `tables/<schema>.db/<table>/` (Spark's
warehouse directory: managed Parquet tables, one folder per table, `<column>=<value>/` folders for a
partitioned table), `metastore_db/` (the local session's Derby metastore) and `audit/load_log/` (the export of
the working warehouse's load log, the one non-raw source of the models).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from orchestration.ingest.sql_text import glob_root, literal

LOAD_LOG_EXPORT = Path("audit") / "load_log" / "load_log.parquet"


def lake_dir(warehouse: Path) -> Path:
    return warehouse / "lake"


def table_dir(lake: Path, schema: str, table: str) -> Path:
    return lake / "tables" / f"{schema}.db" / table


def lake_tables(lake: Path, schema: str) -> list[str]:
    """The tables Spark wrote in `schema` (dbt's scratch relations excluded)."""
    folder = lake / "tables" / f"{schema}.db"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and "__dbt" not in p.name)


def parquet_scan(lake: Path, schema: str, table: str) -> str:
    """A DuckDB table expression over a Spark table's files (partition folders become columns)."""
    glob = f"{glob_root(table_dir(lake, schema, table))}/**/*.parquet"
    return f"read_parquet({literal(glob)}, hive_partitioning = true, union_by_name = true)"


def export_load_log(warehouse_db: Path, lake: Path) -> Path:
    """Write `audit.load_log` of the working warehouse as Parquet into the lake (replaced atomically), where
    the Spark build's `audit.load_log` source reads it (snapshot staging takes its current files from it)."""
    target = lake / LOAD_LOG_EXPORT
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    con = duckdb.connect(str(warehouse_db), read_only=True)
    try:
        columns = ", ".join(name for (name,) in con.execute(
            "select column_name from duckdb_columns() where schema_name = 'audit' and table_name = 'load_log' "
            "order by column_index").fetchall())
        con.execute(f"copy (select {columns} from audit.load_log) to {literal(tmp)} (format parquet)")
    finally:
        con.close()
    os.replace(tmp, target)
    return target
