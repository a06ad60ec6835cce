"""serving.duckdb is a complete copy of marts + audit, swapped in atomically, readable by DuckDB 1.x."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from orchestration.audit import ensure_audit_schema
from orchestration.publish.runs import record_run
from orchestration.publish.serving import write_serving


def make_warehouse(path: Path, tier: str = "A") -> Path:
    with duckdb.connect(str(path)) as con:
        ensure_audit_schema(con)
        con.execute("create schema if not exists marts")
        con.execute("create schema if not exists staging")
        con.execute(f"create or replace table marts.customer_tier as select 'k1' as customer_key, '{tier}' as tier")
        con.execute("create or replace table staging.contacts as select '13812345678' as mobile")
    return path


def test_copies_marts_and_audit_only(tmp_path):
    wh = make_warehouse(tmp_path / "warehouse.duckdb")
    published = write_serving(wh, tmp_path / "serving.duckdb")
    assert published.tables["marts.customer_tier"] == 1
    assert "audit.load_log" in published.tables
    with duckdb.connect(str(published.path), read_only=True) as con:
        schemas = {r[0] for r in con.execute("select distinct schema_name from duckdb_tables()").fetchall()}
    assert schemas == {"marts", "audit"}  # staging (contact PII) never reaches serving


def test_no_temporary_files_left_behind(tmp_path):
    wh = make_warehouse(tmp_path / "warehouse.duckdb")
    write_serving(wh, tmp_path / "serving.duckdb")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["serving.duckdb", "warehouse.duckdb"]


def test_failed_copy_leaves_previous_file_untouched(tmp_path):
    wh = make_warehouse(tmp_path / "warehouse.duckdb")
    serving = tmp_path / "serving.duckdb"
    write_serving(wh, serving)
    before = serving.read_bytes()
    with pytest.raises(duckdb.Error):
        write_serving(tmp_path / "missing" / "warehouse.duckdb", serving)
    assert serving.read_bytes() == before


def test_reader_holding_old_file_sees_old_state_then_new_file_sees_new(tmp_path):
    """A BI reader in another process keeps a consistent view while the file is replaced."""
    wh = make_warehouse(tmp_path / "warehouse.duckdb", tier="A")
    serving = tmp_path / "serving.duckdb"
    write_serving(wh, serving)
    reader = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys
            con = duckdb.connect({str(serving)!r}, read_only=True)
            print(con.execute("select tier from marts.customer_tier").fetchone()[0], flush=True)
            sys.stdin.readline()  # the publish happens while this connection is open
            print(con.execute("select tier from marts.customer_tier").fetchone()[0], flush=True)
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert reader.stdout.readline().strip() == "A"
    make_warehouse(wh, tier="B")
    write_serving(wh, serving)  # not blocked by the open reader
    reader.stdin.write("go\n")
    reader.stdin.flush()
    assert reader.stdout.readline().strip() == "A"  # the old, complete state
    reader.wait(timeout=30)
    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute("select tier from marts.customer_tier").fetchone()[0] == "B"


def test_run_rows_are_upserted(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ensure_audit_schema(con)
        record_run(con, "r1", status="started", finished=False)
        record_run(con, "r1", status="success", published=True, rule_version="v1")
        rows = con.execute("select status, published, rule_version, finished_at is not null from audit.runs").fetchall()
    assert rows == [("success", True, "v1", True)]
