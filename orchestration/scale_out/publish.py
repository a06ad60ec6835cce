"""Publishing on the scale-out path: `serving.duckdb` from the tables a Spark build wrote.

What is published (docs/decisions.md, "Scale-out"): the customer-level marts (one row per customer, or per
customer and as-of date, or per segment: dimensions, classification, needs, actions, profile, their history)
and the audit schema, exactly as on the DuckDB path, read from the Parquet files of the Spark tables through
the same atomic swap (publish/serving.py: a complete file beside the live one, fsynced, renamed). The big
facts (`LAKE_FACTS`, millions of rows at L and growing with history) stay in the lake: BI reads them as the
lake's tables (the Spark Thrift server, or any Parquet reader over their folders); `include_facts=True`
copies them too, as the DuckDB path does.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.audit import utc_now_after
from orchestration.control.serving_state import Publication, read_publication
from orchestration.ingest.sql_text import literal
from orchestration.publish.serving import (
    PUBLISHED_SCHEMAS,
    STORAGE_VERSION,
    PublishedFile,
    Targets,
    _swap_in,
    _write_audit,
    whole_role_file,
)
from orchestration.scale_out.lake import lake_tables, parquet_scan
from orchestration.settings import DUCKDB_MEMORY_LIMIT

LAKE_FACTS = ("fct_order_lines", "fct_invoices", "fct_interactions")
#: dbt models in schema `audit` (built by Spark): they replace the working warehouse's copy in serving.
LAKE_AUDIT_MODELS = ("identity_map",)


def publish_from_lake(warehouse_db: Path, lake: Path, serving_path: Path, run_id: str, as_of,
                      rule_version: str | None, *, include_facts: bool = False, threads: int = 2,
                      memory_limit: str = DUCKDB_MEMORY_LIMIT) -> PublishedFile:
    """Write `serving_path` from the Spark build in `lake` (marts) and the working warehouse (audit)."""
    live = read_publication(serving_path)  # published after it, whatever the clock reads (as on the DuckDB path)
    now = utc_now_after(live.published_at if live is not None else None)
    publication = Publication(run_id=run_id, as_of=as_of, marts_run_id=run_id, marts_fingerprint="spark",
                              rule_version=rule_version, kind="full", published_at=now)

    def fill(con: duckdb.DuckDBPyConnection, tmp: Path) -> None:
        con.execute(f"attach {literal(tmp)} as srv (storage_version '{STORAGE_VERSION}')")
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema if not exists srv.{schema}")
        for table in lake_tables(lake, "marts"):
            if include_facts or table not in LAKE_FACTS:
                con.execute(f'create table srv.marts."{table}" as select * from {parquet_scan(lake, "marts", table)}')
        _write_audit(con, publication)
        for table in LAKE_AUDIT_MODELS:
            con.execute(f'drop table if exists srv.audit."{table}"')
            con.execute(f'create table srv.audit."{table}" as select * from {parquet_scan(lake, "audit", table)}')

    return _swap_in(warehouse_db, serving_path, fill, threads, memory_limit, publication, Targets(), whole_role_file)
