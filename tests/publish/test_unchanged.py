"""When a run may skip the rebuild (transform/inputs.py), and the audit-only publish (serving.refresh_audit)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.audit import ensure_audit_schema
from orchestration.publish.runs import record_run
from orchestration.publish.serving import refresh_audit, write_serving
from orchestration.transform.inputs import record_inputs, run_inputs, unchanged_since

D = date(2025, 12, 31)


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        ensure_audit_schema(con)
        con.execute("insert into audit.load_log (path, feed, sha256, bytes, status, run_id, loaded_at) values "
                    "('erp/order_lines/a.csv', 'order_lines', 'aaa', 1, 'loaded', 'r0', now())")
        yield con


@pytest.fixture
def serving(tmp_path) -> Path:
    path = tmp_path / "serving.duckdb"
    path.write_bytes(b"")
    return path


def _published_run(con, run_id: str, as_of: date = D, status: str = "success") -> None:
    record_inputs(con, run_id, run_inputs(con, as_of, code="code-v1"))
    record_run(con, run_id, status=status, as_of=as_of, published=status == "success")


def test_same_files_same_date_same_code_is_unchanged(con, serving):
    _published_run(con, "r1")
    assert unchanged_since(con, "r2", run_inputs(con, D, code="code-v1"), serving) == "r1"


@pytest.mark.parametrize("change", ["new file", "other date", "other code"])
def test_any_input_change_rebuilds(con, serving, change):
    _published_run(con, "r1")
    as_of, code = D, "code-v1"
    if change == "new file":
        con.execute("insert into audit.load_log (path, feed, sha256, bytes, status, run_id, loaded_at) values "
                    "('erp/order_lines/b.csv', 'order_lines', 'bbb', 1, 'loaded', 'r2', now())")
    elif change == "other date":
        as_of = date(2026, 1, 1)
    else:
        code = "code-v2"
    assert unchanged_since(con, "r2", run_inputs(con, as_of, code=code), serving) is None


def test_rejected_or_duplicate_files_are_not_inputs(con, serving):
    _published_run(con, "r1")
    con.execute("insert into audit.load_log (path, feed, sha256, bytes, status, run_id, loaded_at) values "
                "('erp/order_lines/c.csv', 'order_lines', 'ccc', 1, 'rejected', 'r2', now())")
    assert unchanged_since(con, "r2", run_inputs(con, D, code="code-v1"), serving) == "r1"


def test_a_failed_run_in_between_forces_a_rebuild(con, serving):
    """The failed run rebuilt the warehouse's marts: they are no longer the published ones."""
    _published_run(con, "r1")
    _published_run(con, "r2", status="failed")
    assert unchanged_since(con, "r3", run_inputs(con, D, code="code-v1"), serving) is None


def test_no_serving_file_forces_a_rebuild(con, serving):
    _published_run(con, "r1")
    serving.unlink()
    assert unchanged_since(con, "r2", run_inputs(con, D, code="code-v1"), serving) is None


def test_refresh_audit_keeps_the_marts_and_replaces_the_audit(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        ensure_audit_schema(con)
        con.execute("create schema marts; create table marts.t as select 1 as x")
        record_run(con, "r1", status="success", published=True)
    serving = write_serving(warehouse, tmp_path / "serving.duckdb")
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.t set x = 2")  # the warehouse moved on; serving's marts must not
        record_run(con, "r2", status="success", published=True)
    refreshed = refresh_audit(warehouse, serving.path)
    assert refreshed.tables["audit.runs"] == 2
    with duckdb.connect(str(serving.path), read_only=True) as con:
        assert con.execute("select x from marts.t").fetchall() == [(1,)]
        assert sorted(r for (r,) in con.execute("select run_id from audit.runs").fetchall()) == ["r1", "r2"]
        storage = con.execute("select tags['storage_version'] from duckdb_databases() "
                              "where database_name = current_database()").fetchone()[0]
    assert storage.startswith("v1.0")
