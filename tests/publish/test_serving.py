"""serving.duckdb is a complete copy of marts + audit, swapped in atomically, readable by DuckDB 1.x,
records which run it holds, and carries no personal data."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.audit import ensure_audit_schema, record_run
from orchestration.audit.writes import utc_now
from orchestration.control.serving_state import Publication, read_publication
from orchestration.publish.serving import write_serving


def pub(run_id: str = "r1", kind: str = "full", marts_run_id: str | None = None) -> Publication:
    return Publication(run_id, date(2025, 12, 31), marts_run_id or run_id, f"fp-{marts_run_id or run_id}", "v1",
                       kind, utc_now())


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
    published = write_serving(wh, tmp_path / "serving.duckdb", pub())
    assert published.tables["marts.customer_tier"] == 1
    assert "audit.load_log" in published.tables
    with duckdb.connect(str(published.path), read_only=True) as con:
        schemas = {r[0] for r in con.execute("select distinct schema_name from duckdb_tables()").fetchall()}
    assert schemas == {"marts", "audit"}  # staging (contact PII) never reaches serving


def test_no_temporary_files_left_behind(tmp_path):
    wh = make_warehouse(tmp_path / "warehouse.duckdb")
    write_serving(wh, tmp_path / "serving.duckdb", pub())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["serving.duckdb", "warehouse.duckdb"]


def test_failed_copy_leaves_previous_file_untouched(tmp_path):
    wh = make_warehouse(tmp_path / "warehouse.duckdb")
    serving = tmp_path / "serving.duckdb"
    write_serving(wh, serving, pub())
    before = serving.read_bytes()
    with pytest.raises(duckdb.Error):
        write_serving(tmp_path / "missing" / "warehouse.duckdb", serving, pub("r2"))
    assert serving.read_bytes() == before


def test_reader_holding_old_file_sees_old_state_then_new_file_sees_new(tmp_path):
    """A BI reader in another process keeps a consistent view while the file is replaced."""
    wh = make_warehouse(tmp_path / "warehouse.duckdb", tier="A")
    serving = tmp_path / "serving.duckdb"
    write_serving(wh, serving, pub())
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
    write_serving(wh, serving, pub())  # not blocked by the open reader
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


def test_serving_says_which_run_it_holds_and_that_the_run_published(tmp_path):
    wh = make_warehouse(tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(wh)) as con:
        record_run(con, "r1", status="publishing", finished=False)
    serving = tmp_path / "serving.duckdb"
    write_serving(wh, serving, pub("r1"))
    assert read_publication(serving).run_id == "r1" and read_publication(serving).kind == "full"
    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute("select status, published from audit.runs").fetchall() == [("success", True)]


def test_quarantined_lines_of_personal_data_feeds_lose_their_text_in_serving(tmp_path):
    wh = make_warehouse(tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(wh)) as con:
        con.execute("insert into audit.quarantine values "
                    "('contacts', 'crm/contacts/contacts_20250101.csv', 's1', 7, 'zcrm_1,王小明,13812345678', "
                    "'bad date', 'r1', now()), "
                    "('order_lines', 'erp/order_lines/order_lines_20250101.csv', 's2', 3, 'SO1,1,K1,2025-13-01', "
                    "'bad date', 'r1', now())")
    serving = tmp_path / "serving.duckdb"
    write_serving(wh, serving, pub())
    with duckdb.connect(str(serving), read_only=True) as con:
        rows = con.execute("select feed, line_number, raw_record, reason from audit.quarantine order by feed"
                           ).fetchall()
    assert rows == [("contacts", 7, None, "bad date"), ("order_lines", 3, "SO1,1,K1,2025-13-01", "bad date")]
    with duckdb.connect(str(wh), read_only=True) as con:  # the text stays in the working warehouse
        assert con.execute("select count(*) from audit.quarantine where raw_record like '%13812345678%'"
                           ).fetchone()[0] == 1


def test_every_table_and_column_keeps_its_description_as_a_comment(tmp_path):
    wh = make_warehouse(tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(wh)) as con:  # as dbt's persist_docs leaves them
        con.execute("comment on table marts.customer_tier is 'Tier A/B/C per customer'")
        con.execute("comment on column marts.customer_tier.tier is 'A, B or C'")
        con.execute("comment on column marts.customer_tier.customer_key is 'the customer'")
    serving = write_serving(wh, tmp_path / "serving.duckdb", pub()).path
    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute("select comment from duckdb_tables() where table_name = 'customer_tier'").fetchone() == (
            "Tier A/B/C per customer",)
        assert dict(con.execute("select column_name, comment from duckdb_columns() where table_name = "
                                "'customer_tier'").fetchall()) == {"customer_key": "the customer", "tier": "A, B or C"}
        bare = con.execute("select table_name, column_name from duckdb_columns() where schema_name = 'audit' "
                           "and coalesce(comment, '') = ''").fetchall()
        assert not bare  # the audit schema's own descriptions (audit/descriptions.py)
        assert con.execute("select count(*) from duckdb_tables() where schema_name = 'audit' and "
                           "coalesce(comment, '') = ''").fetchone()[0] == 0
