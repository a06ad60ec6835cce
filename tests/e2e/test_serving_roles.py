"""End to end, on the session's published warehouse: what BI tools, service staff and auditors get from a run —
documented tables, each role's file, the rules in force, the run's provenance, and an archived answer that
explain reproduces after serving moved on."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.audit.writes import utc_now
from orchestration.control.serving_state import Publication
from orchestration.publish.roles import load_publications
from orchestration.publish.serving import Targets, write_serving
from orchestration.settings import PUBLICATIONS_FILE
from tests.conftest import run_cli

pytestmark = pytest.mark.slow
ROLES = load_publications(PUBLICATIONS_FILE)
MONEY_WORDS = ("revenue", "amount", "margin", "profit", "receivable", "price", "cost", "credit_limit", "outstanding",
               "overdue")


def _columns(path: Path) -> dict[str, list[str]]:
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute("select schema_name, table_name, column_name from duckdb_columns() where not internal "
                           "and schema_name in ('marts', 'audit') order by schema_name, table_name, column_index"
                           ).fetchall()
    found: dict[str, list[str]] = {}
    for schema, table, column in rows:
        found.setdefault(f"{schema}.{table}", []).append(column)
    return found


def test_every_published_table_and_column_carries_its_description(published):
    warehouse, _ = published
    with duckdb.connect(str(warehouse / "serving.duckdb"), read_only=True) as con:
        bare_tables = con.execute("select schema_name || '.' || table_name from duckdb_tables() where schema_name in "
                                  "('marts', 'audit') and coalesce(comment, '') = ''").fetchall()
        bare_columns = con.execute("select schema_name || '.' || table_name || '.' || column_name "
                                   "from duckdb_columns() where schema_name in ('marts', 'audit') "
                                   "and coalesce(comment, '') = ''").fetchall()
        tier = con.execute("select comment from duckdb_columns() where table_name = 'customer_tier' and "
                           "column_name = 'tier'").fetchone()[0]
    assert not bare_tables and not bare_columns
    assert tier.startswith("A when revenue_12m > tier_a_above")


def test_each_role_file_holds_its_tables_and_columns_and_service_no_purchase_amounts(published):
    warehouse, _ = published
    analyst = _columns(warehouse / "serving.duckdb")
    for role in ROLES:
        path = warehouse / role.file
        assert stat.S_IMODE(path.stat().st_mode) == 0o400, role.file  # its owner's, read-only
        held = _columns(path)
        if role.is_analyst:
            assert held == analyst
            continue
        assert set(held) == {*role.tables, "audit.publication"}, role.name
        for table, columns in role.tables.items():
            assert held[table] == (list(columns) if columns else analyst[table]), (role.name, table)
    service = _columns(warehouse / "serving_service.duckdb")
    assert not [f"{t}.{c}" for t, cols in service.items() for c in cols if any(w in c for w in MONEY_WORDS)]
    assert "marts.fct_order_lines" not in service and "action_reason" not in service["marts.customer_actions"]
    with duckdb.connect(str(warehouse / "serving_service.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from marts.customer_profile").fetchone()[0] > 0
    finance = _columns(warehouse / "serving_finance.duckdb")
    assert {"marts.customer_credit", "marts.fct_invoices", "marts.dim_customer",
            "marts.customer_classification"} <= set(finance)


def test_the_rules_and_labels_in_force_are_published_with_who_changed_them(published):
    warehouse, _ = published
    with duckdb.connect(str(warehouse / "serving.duckdb"), read_only=True) as con:
        rules = con.execute("select distinct rule_version, changed_by, change_reason, is_active from "
                            "marts.classification_rules").fetchall()
        for table in ("rfm_cut_points", "industry_expected_needs", "service_levels", "service_playbook",
                      "industry_map"):
            assert con.execute(f"select count(*) from marts.{table} where is_active").fetchone()[0] > 0, table
        unlabelled = con.execute("""
            select distinct p.tier from marts.customer_profile as p
            where p.tier is not null and not exists (
                select 1 from marts.display_labels as l
                where l.is_active and l.code_type = 'tier' and l.code = p.tier and l.label_set = 'textile')
            union all
            select distinct a.next_action from marts.customer_actions as a
            where not exists (
                select 1 from marts.display_labels as l
                where l.is_active and l.code_type = 'next_action' and l.code = a.next_action)
        """).fetchall()
    assert [r[0] for r in rules] == ["v1"] and rules[0][1] and rules[0][2] and rules[0][3] is True
    assert not unlabelled


def test_the_run_records_its_trigger_code_version_rule_version_and_overrides(published):
    warehouse, _ = published
    with duckdb.connect(str(warehouse / "serving.duckdb"), read_only=True) as con:
        run = con.execute("select trigger, code_version, rule_version, gate_overrides, published from audit.runs"
                          ).fetchone()
        code = con.execute("select code_fingerprint from audit.run_inputs").fetchone()[0]
    trigger, code_version, rule_version, overrides, was_published = run
    assert trigger == "cli" and rule_version == "v1" and overrides is None and was_published
    assert code_version.startswith("git:") or code_version == f"fingerprint:{code}"


def test_an_archived_answer_is_explained_after_serving_moved_on(published_copy):
    """The session's run archived its files; a later publish (D + 1) replaces serving; explain --as-of D
    reads the archived file and names the run that published it."""
    serving = published_copy / "serving.duckdb"
    with duckdb.connect(str(serving), read_only=True) as con:
        first_run, d = con.execute("select run_id, as_of_date from audit.publication").fetchone()
        key, tier = con.execute("select customer_key, tier from marts.customer_classification where tier is not null "
                                "order by revenue_12m desc limit 1").fetchone()
    archived = published_copy / "published" / first_run / "serving.duckdb"
    assert archived.exists()
    # serving moves on: the next day's marts (stand-ins: the same rows one day later, every tier C)
    with duckdb.connect(str(published_copy / "warehouse.duckdb")) as con:
        con.execute("update marts.customer_classification set as_of_date = as_of_date + 1, tier = 'C'")
        con.execute("insert into marts.customer_classification_history by name "
                    "select * replace (as_of_date + 1 as as_of_date, 'later' as run_id, 'C' as tier) "
                    "from marts.customer_classification_history where as_of_date = ?", [d])
    later = Publication("later", d + timedelta(days=1), "later", "fp-later", "v1", "full", utc_now())
    write_serving(published_copy / "warehouse.duckdb", serving, later, targets=Targets(ROLES, 0o600, {}, 30))

    result = run_cli("explain", "--warehouse", str(published_copy), "--customer", key, "--as-of", d.isoformat())
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"as of {d} (latest published)" in out  # the archived file's own D: every section is that file's
    assert f"published by run {first_run} (" in out and f"source: archived serving file {archived}" in out
    assert f"tier            = {tier}" in out
    assert "rule version v1: changed by" in out
    now = run_cli("explain", "--warehouse", str(published_copy), "--customer", key)
    assert "published by run later (full" in now.stdout and "tier            = C" in now.stdout
