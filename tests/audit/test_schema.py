"""The audit schema is created and upgraded on every writable connection: an older warehouse is upgraded once,
and a current one is left as it is (nothing written, so closing the connection checkpoints nothing)."""

from __future__ import annotations

import duckdb

from orchestration.audit import ensure_audit_schema

OLD_RUN_INPUTS = """
create schema audit;
create table audit.run_inputs (run_id varchar primary key, inputs_fingerprint varchar not null,
    as_of_date date not null, raw_files bigint not null, code_fingerprint varchar not null,
    recorded_at timestamp not null);
"""


def _as_of_nullable(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("select is_nullable from duckdb_columns() where schema_name = 'audit' and "
                       "table_name = 'run_inputs' and column_name = 'as_of_date'").fetchone()[0]


def test_an_older_warehouse_is_upgraded_for_ingest_only_runs(tmp_path):
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute(OLD_RUN_INPUTS)
        ensure_audit_schema(con)
        assert _as_of_nullable(con)
        columns = {r[0] for r in con.execute("select column_name from duckdb_columns() where table_name = "
                                             "'run_inputs'").fetchall()}
        assert {"mode", "dbt_succeeded", "serving_run_id"} <= columns


def test_a_current_warehouse_is_not_written_to(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(db)) as con:
        ensure_audit_schema(con)
        con.execute("checkpoint")
    wal = db.with_name(db.name + ".wal")
    with duckdb.connect(str(db)) as con:
        ensure_audit_schema(con)
        assert not wal.exists() or wal.stat().st_size == 0
