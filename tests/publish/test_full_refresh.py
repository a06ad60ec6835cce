"""When the dbt step rebuilds the incremental models from the raw zone (transform/inputs.py)."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from orchestration.audit import ensure_audit_schema
from orchestration.transform.inputs import full_refresh_reason, record_dbt_outcome, record_inputs, run_inputs

D = date(2025, 12, 31)


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        ensure_audit_schema(con)
        yield con


def _build(con, run_id: str, dbt_code: str = "dbt-v1", succeeded: bool | None = True) -> None:
    record_inputs(con, run_id, run_inputs(con, D, code="code", dbt_code=dbt_code), full_refresh=False)
    if succeeded is not None:
        record_dbt_outcome(con, run_id, succeeded)


def reason(con, run_id: str = "r9", dbt_code: str = "dbt-v1", rebuild: bool = False) -> str | None:
    return full_refresh_reason(con, run_id, run_inputs(con, D, code="code", dbt_code=dbt_code), rebuild)


def test_a_new_warehouse_builds_in_full(con):
    assert "no successful dbt build" in reason(con)


def test_same_dbt_project_as_the_last_successful_build_is_incremental(con):
    _build(con, "r1")
    assert reason(con) is None


def test_a_changed_dbt_project_builds_in_full(con):
    _build(con, "r1", dbt_code="dbt-v1")
    assert "changed" in reason(con, dbt_code="dbt-v2")


def test_rebuild_builds_in_full(con):
    _build(con, "r1")
    assert "rebuild" in reason(con, rebuild=True)


def test_a_failed_or_unfinished_build_does_not_count(con):
    """Only successful builds vouch for the tables: after v1 succeeded and a v2 build failed, a v2 run
    still rebuilds in full, and a v1 run may go on incrementally (each model's change is atomic)."""
    _build(con, "r1", dbt_code="dbt-v1")
    _build(con, "r2", dbt_code="dbt-v2", succeeded=False)
    _build(con, "r3", dbt_code="dbt-v2", succeeded=None)  # crashed before dbt exited
    assert "changed" in reason(con, dbt_code="dbt-v2")
    assert reason(con, dbt_code="dbt-v1") is None


def test_the_audit_table_of_an_older_warehouse_gains_the_columns(tmp_path):
    with duckdb.connect(str(tmp_path / "old.duckdb")) as con:
        con.execute("create schema audit")
        con.execute("create table audit.run_inputs (run_id varchar primary key, inputs_fingerprint varchar not null, "
                    "as_of_date date not null, raw_files bigint not null, code_fingerprint varchar not null, "
                    "recorded_at timestamp not null)")
        con.execute("insert into audit.run_inputs values ('r0', 'f', '2025-01-01', 1, 'c', now())")
        ensure_audit_schema(con)
        assert "no successful dbt build" in reason(con)
