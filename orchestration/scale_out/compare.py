"""The same answers: every published table of a Spark build against the DuckDB build, row for row.

Both sides are read by one DuckDB connection: the working warehouse's tables (attached read-only) and the
Parquet files of the Spark tables (lake.py). Columns are compared by name; values after one normalisation
that keeps every business difference visible: money and other DECIMALs exactly (to the cent), integers of
any width as integers, dates, booleans and NULLs as they are, DOUBLEs (shares, rates, day averages) rounded
to 9 decimals (sums of doubles may be added in another order). The snapshot's bookkeeping columns (the time
of the build: valid_from, valid_to, updated_at, scd_id) are replaced by whether the version is current; the
facts' `built_run_id` (which run last wrote the row) is left out: Spark's incremental build rewrites a keyed
table whole (Parquet has no row-level delete), so every row carries the night's run, where DuckDB's
delete+insert stamps only the rows it replaced — the same rows, written by different amounts of work.
Multisets are compared (`except all` both ways), so a duplicated or missing row is a difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.ingest.sql_text import literal
from orchestration.scale_out.lake import lake_tables, parquet_scan

#: Schemas of the working warehouse that are published (serving.duckdb's `marts`, and dbt's audit model).
COMPARED = {"marts": None, "audit": ["identity_map"]}
SNAPSHOT_BOOKKEEPING = ("valid_from", "valid_to", "updated_at", "scd_id", "is_deleted")
BUILD_BOOKKEEPING = ("built_run_id",)
DOUBLE_DECIMALS = 9


@dataclass
class TableDiff:
    table: str
    duckdb_rows: int
    spark_rows: int
    only_duckdb: int = 0
    only_spark: int = 0
    columns: str = ""  # differing column sets
    sample: list | None = None

    @property
    def equal(self) -> bool:
        return not (self.only_duckdb or self.only_spark or self.columns) and self.duckdb_rows == self.spark_rows


def _expression(name: str, duck_type: str, spark_type: str) -> str:
    types = {duck_type.upper(), spark_type.upper()}
    if any(t in ("DOUBLE", "FLOAT", "REAL") for t in types):
        return f'round(cast("{name}" as double), {DOUBLE_DECIMALS}) as "{name}"'
    if all(t in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT") for t in types):
        return f'cast("{name}" as hugeint) as "{name}"'
    if duck_type != spark_type:  # e.g. DECIMAL(38,2) sum vs DECIMAL(18,2): compared as exact decimals
        return f'cast("{name}" as {duck_type}) as "{name}"'
    return f'"{name}"'


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    return {row[0]: row[1] for row in con.execute(f"describe select * from {relation}").fetchall()}


def compare_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, lake: Path) -> TableDiff:
    duck, spark = f'wh.{schema}."{table}"', parquet_scan(lake, schema, table)
    duck_cols, spark_cols = _columns(con, duck), _columns(con, spark)
    if set(duck_cols) != set(spark_cols):
        diff = TableDiff(f"{schema}.{table}", 0, 0, columns=f"duckdb only {sorted(set(duck_cols) - set(spark_cols))}, "
                                                            f"spark only {sorted(set(spark_cols) - set(duck_cols))}")
        return diff
    names = [c for c in duck_cols if c not in SNAPSHOT_BOOKKEEPING + BUILD_BOOKKEEPING]
    select = ", ".join(_expression(c, duck_cols[c], spark_cols[c]) for c in names)
    if "valid_to" in duck_cols:
        select += ", valid_to is null as is_current_version"
    sides = {"duck": f"select {select} from {duck}", "spark": f"select {select} from {spark}"}
    counts = {k: con.execute(f"select count(*) from ({q})").fetchone()[0] for k, q in sides.items()}
    only = {k: con.execute(f"select count(*) from ({sides[k]} except all {sides[o]})").fetchone()[0]
            for k, o in (("duck", "spark"), ("spark", "duck"))}
    sample = None
    if only["duck"] or only["spark"]:
        sample = (con.execute(f"select 'duckdb' as side, * from ({sides['duck']} except all {sides['spark']}) limit 3")
                  .fetchall() + con.execute(f"select 'spark' as side, * from ({sides['spark']} except all "
                                            f"{sides['duck']}) limit 3").fetchall())
    return TableDiff(f"{schema}.{table}", counts["duck"], counts["spark"], only["duck"], only["spark"], sample=sample)


def compare_builds(warehouse_db: Path, lake: Path) -> list[TableDiff]:
    """Every published table of the DuckDB build in `warehouse_db` against its Spark twin in `lake`."""
    con = duckdb.connect()
    try:
        con.execute(f"attach {literal(warehouse_db)} as wh (read_only)")
        diffs = []
        for schema, only in COMPARED.items():
            tables = only or [t for (t,) in con.execute(
                "select table_name from duckdb_tables() where database_name = 'wh' and schema_name = ? order by 1",
                [schema]).fetchall()]
            spark_tables = set(lake_tables(lake, schema))
            for table in tables:
                if table not in spark_tables:
                    diffs.append(TableDiff(f"{schema}.{table}", -1, 0, columns="no Spark table"))
                    continue
                diffs.append(compare_table(con, schema, table, lake))
        return diffs
    finally:
        con.close()
