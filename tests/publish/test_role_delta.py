"""A delta publish starts each role's file from its live file and brings what changed (publish/role_delta.py):
the files equal those a whole publish writes, table by table, and a live file that cannot be the start (it
holds another run's marts, another projection, or opens with no key) is written whole instead."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.audit import ensure_audit_schema
from orchestration.audit.writes import utc_now
from orchestration.control.serving_state import Publication
from orchestration.publish import roles as roles_module
from orchestration.publish.delta import since
from orchestration.publish.roles import RoleSpec, load_publications
from orchestration.publish.serving import Targets, update_serving, write_serving
from orchestration.settings import PUBLICATIONS_FILE

ROLES = load_publications(PUBLICATIONS_FILE)
D = date(2025, 12, 31)
FINANCE, SERVICE = "serving_finance.duckdb", "serving_service.duckdb"


def record(con, run_id: str, full: bool) -> None:
    con.execute("insert into audit.run_inputs (run_id, inputs_fingerprint, as_of_date, raw_files, code_fingerprint, "
                "recorded_at, dbt_full_refresh) values (?, 'fp', ?, 0, 'c', ?, ?)", [run_id, D, utc_now(), full])


def pub(run_id: str) -> Publication:
    return Publication(run_id, D, run_id, f"fp-{run_id}", "v1", "full", utc_now())


@pytest.fixture
def wh(tmp_path) -> Path:
    """Every mart publications.yml names (all its listed columns), fct_invoices an incremental fact."""
    columns: dict[str, list[str]] = {}
    for role in ROLES:
        for pattern, listed in role.tables.items():
            if pattern.startswith("marts.") and not pattern.endswith("*"):
                table = pattern.split(".")[1]
                columns[table] = list(dict.fromkeys([*columns.get(table, ["customer_key"]), *(listed or ())]))
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        ensure_audit_schema(con)
        con.execute("create schema marts")
        for table, names in columns.items():
            select = ", ".join(f"'k' || i || '-{n}' as {n}" for n in names)
            con.execute(f"create table marts.{table} as select {select} from range(20) t(i)")
            con.execute(f"comment on table marts.{table} is 'the {table} mart'")
        con.execute("create or replace table marts.fct_invoices as select 'INV' || i as invoice_no, "
                    "'k' || (i % 20) as customer_key, cast(i * 10.5 as decimal(18, 2)) as amount_cny, "
                    "'r1' as built_run_id from range(500) t(i)")
        con.execute("create table marts.customer_classification_history as select 'k' || (i % 20) as customer_key, "
                    "date '2025-12-30' + (i // 20)::int as as_of_date, 'A' as tier from range(40) t(i)")  # and D
        record(con, "r1", True)
    return path


def night(path: Path, run_id: str) -> None:
    """Invoices re-built and one new, every customer-level mart rebuilt, the history of D replaced."""
    with duckdb.connect(str(path)) as con:
        con.execute("delete from marts.fct_invoices where invoice_no in ('INV1', 'INV2')")
        con.execute("insert into marts.fct_invoices values ('INV1', 'k1', 1.00, ?), ('INV2', 'k3', 2.00, ?), "
                    "('INV900', 'k4', 3.00, ?)", [run_id] * 3)
        con.execute("update marts.customer_credit set customer_key = customer_key || '-b'")
        con.execute("update marts.dim_customer set customer_name = 'renamed'")
        con.execute("delete from marts.customer_classification_history where as_of_date = ?", [D])
        con.execute("insert into marts.customer_classification_history select customer_key, ?, 'B' "
                    "from marts.customer_classification_history where as_of_date = '2025-12-30'", [D])
        record(con, run_id, False)


def contents(path: Path, key: str | None = None) -> dict[str, object]:
    con = duckdb.connect()
    try:
        con.execute(f"attach '{path}' as f (read_only{f', encryption_key {chr(39)}{key}{chr(39)}' if key else ''})")
        out: dict[str, object] = {}
        for schema, table in con.execute("select schema_name, table_name from duckdb_tables() "
                                         "where database_name = 'f' order by 1, 2").fetchall():
            columns = [c for (c,) in con.execute("select column_name from duckdb_columns() where database_name = 'f' "
                                                 "and schema_name = ? and table_name = ? order by column_index",
                                                 [schema, table]).fetchall()]
            rows = con.execute(f'select * exclude (published_at) from f.{schema}."{table}"' if table == "publication"
                               else f'select * from f.{schema}."{table}"').fetchall()
            comment = con.execute("select comment from duckdb_tables() where database_name = 'f' and schema_name = ? "
                                  "and table_name = ?", [schema, table]).fetchone()[0]
            out[f"{schema}.{table}"] = (columns, sorted(map(repr, rows)), comment)
        return out
    finally:
        con.close()


def publish_night(wh: Path, folder: Path, targets: Targets, spoil=None) -> dict[str, str]:
    """Publish r1 whole, build r2, `spoil` the live files, publish r2 as a delta; a whole publish of r2 in
    `folder`/reference to compare with. How the delta brought each table and role file."""
    serving, reference = folder / "serving.duckdb", folder / "reference" / "serving.duckdb"
    write_serving(wh, serving, pub("r1"), targets=targets)
    night(wh, "r2")
    if spoil:
        spoil(folder)
    with duckdb.connect(str(wh), read_only=True) as con:
        changed = since(con, "r1", D)
    published = update_serving(wh, serving, pub("r2"), changed, targets=targets)
    write_serving(wh, reference, pub("r2"), targets=targets)
    return published.how


def test_a_nights_role_files_equal_those_a_whole_publish_writes(wh, tmp_path):
    how = publish_night(wh, tmp_path, Targets(roles=ROLES))
    assert how["fct_invoices"] == "3 rows built since"
    assert how[FINANCE] == how[SERVICE] == "from the live file and what changed"
    for file in (FINANCE, SERVICE):
        assert contents(tmp_path / file) == contents(tmp_path / "reference" / file), file
    with duckdb.connect(str(tmp_path / FINANCE), read_only=True) as con:
        assert con.execute("select amount_cny from marts.fct_invoices where invoice_no = 'INV900'").fetchall() == [
            (3,)]


def test_a_live_role_file_holding_another_runs_marts_is_written_whole(wh, tmp_path):
    def crash_between_renames(folder: Path) -> None:  # the finance file of a publish whose analyst file never came
        with duckdb.connect(str(folder / FINANCE)) as con:
            con.execute("update audit.publication set marts_run_id = 'r0'")
            con.execute("delete from marts.fct_invoices")

    how = publish_night(wh, tmp_path, Targets(roles=ROLES), crash_between_renames)
    assert how[FINANCE] == "written whole" and how[SERVICE] == "from the live file and what changed"
    assert contents(tmp_path / FINANCE) == contents(tmp_path / "reference" / FINANCE)


def test_a_changed_projection_is_written_whole(wh, tmp_path):
    def drop_a_column(folder: Path) -> None:  # as if publications.yml listed fewer columns last night
        with duckdb.connect(str(folder / SERVICE)) as con:
            con.execute("alter table marts.customer_actions drop column next_action")

    how = publish_night(wh, tmp_path, Targets(roles=ROLES), drop_a_column)
    assert how[SERVICE] == "written whole"
    assert contents(tmp_path / SERVICE) == contents(tmp_path / "reference" / SERVICE)


def test_an_encrypted_role_file_starts_from_its_live_file_only_with_its_key(wh, tmp_path, monkeypatch):
    monkeypatch.setattr(roles_module, "enable_encryption", lambda con: con.execute("set force_mbedtls_unsafe = true"))
    keys = {"finance": "k-finance"}
    how = publish_night(wh, tmp_path, Targets(roles=ROLES, keys=keys))
    assert how[FINANCE] == "from the live file and what changed"
    assert contents(tmp_path / FINANCE, "k-finance") == contents(tmp_path / "reference" / FINANCE, "k-finance")

    rotated = tmp_path / "rotated"
    rotated.mkdir()
    serving = rotated / "serving.duckdb"
    write_serving(wh, serving, pub("r2"), targets=Targets(roles=ROLES, keys=keys))
    with duckdb.connect(str(wh)) as con:
        record(con, "r3", False)
        changed = since(con, "r2", D)
    published = update_serving(wh, serving, pub("r3"), changed,
                               targets=Targets(roles=ROLES, keys={"finance": "new", "service": "k-service"}))
    assert published.how[FINANCE] == published.how[SERVICE] == "written whole"  # a rotated key, a new key
    assert "marts.fct_invoices" in contents(rotated / FINANCE, "new")
    with pytest.raises(duckdb.Error, match="(?i)encrypt"):  # the plain live file did not stay plain
        duckdb.connect(str(rotated / SERVICE), read_only=True)


def test_a_role_without_the_key_columns_copies_the_fact_whole_and_a_history_takes_its_date(wh, tmp_path):
    narrow = RoleSpec("narrow", "serving_narrow.duckdb", "", {"marts.fct_invoices": ("customer_key", "amount_cny"),
                                                              "marts.customer_classification_history": None})
    how = publish_night(wh, tmp_path, Targets(roles=(*ROLES, narrow)))
    assert how["serving_narrow.duckdb"] == "from the live file and what changed"
    assert contents(tmp_path / "serving_narrow.duckdb") == contents(tmp_path / "reference" / "serving_narrow.duckdb")
