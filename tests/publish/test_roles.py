"""Publications per role (publications.yml): each role's file holds its tables and columns, the service file
no purchase amounts; every kind of publish (full copy, delta, history_only) writes every role's file
through the same swap; files are their owner's only; descriptions travel as comments; a key encrypts."""

from __future__ import annotations

import os
import stat
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration import spill
from orchestration.audit import ensure_audit_schema
from orchestration.audit.writes import utc_now
from orchestration.control.serving_state import Publication, read_publication
from orchestration.publish import roles as roles_module
from orchestration.publish.delta import Since
from orchestration.publish.roles import PublicationsError, RoleSpec, load_publications
from orchestration.publish.serving import Targets, published_mode, update_serving, write_serving
from orchestration.settings import PUBLICATIONS_FILE, Settings

ROLES = load_publications(PUBLICATIONS_FILE)
MONEY_WORDS = ("revenue", "amount", "margin", "profit", "receivable", "price", "cost", "credit_limit")
#: columns the marts hold beyond what a role lists (the service role must not get them)
EXTRA = {"customer_profile": ["revenue_12m", "outstanding_amount"], "customer_actions": ["action_reason"],
         "dim_customer": ["credit_limit"]}


def pub(run_id: str, kind: str = "full", marts_run_id: str | None = None, as_of: date = date(2025, 12, 31)
        ) -> Publication:
    return Publication(run_id, as_of, marts_run_id or run_id, f"fp-{run_id}", "v1", kind, utc_now())


def make_warehouse(path: Path, tier: str = "A") -> Path:
    """Every table publications.yml names, with the columns it lists and the money columns the marts have."""
    wanted: dict[str, list[str]] = {}
    for role in ROLES:
        for pattern, columns in role.tables.items():
            if pattern.startswith("marts.") and not pattern.endswith("*"):
                wanted.setdefault(pattern.split(".")[1], [])
                wanted[pattern.split(".")[1]] += [c for c in columns or () if c not in wanted[pattern.split(".")[1]]]
    with duckdb.connect(str(path)) as con:
        ensure_audit_schema(con)
        con.execute("create schema if not exists marts")
        for table, columns in wanted.items():
            cols = list(dict.fromkeys(["customer_key", *columns, *EXTRA.get(table, [])]))
            select = ", ".join(f"'{tier}' as {c}" if c == "tier" else
                               f"cast(1234.5 as decimal(18,2)) as {c}" if c in EXTRA.get(table, []) else
                               f"'v' as {c}" for c in cols)
            con.execute(f"create or replace table marts.{table} as select {select}")
            con.execute(f"comment on table marts.{table} is 'the {table} mart'")
            con.execute(f"comment on column marts.{table}.customer_key is 'the customer'")
        con.execute("create or replace table marts.customer_classification_history as select 'k' as customer_key, "
                    "date '2025-12-31' as as_of_date")
    return path


def targets(**changes) -> Targets:
    return Targets(**{"roles": ROLES, "file_mode": 0o600, "keys": {}, "keep_archives": 0, **changes})


def columns_of(path: Path, key: str | None = None) -> dict[str, list[str]]:
    con = duckdb.connect()
    try:
        options = f" (read_only, encryption_key '{key}')" if key else " (read_only)"
        con.execute(f"attach '{path}' as f{options}")
        found: dict[str, list[str]] = {}
        for schema, table, column in con.execute(
                "select schema_name, table_name, column_name from duckdb_columns() where database_name = 'f' "
                "order by schema_name, table_name, column_index").fetchall():
            found.setdefault(f"{schema}.{table}", []).append(column)
        return found
    finally:
        con.close()


def test_the_defaults_give_service_and_finance_their_tables_and_the_analyst_everything():
    by_name = {r.name: r for r in ROLES}
    assert set(by_name) == {"analyst", "service", "finance"}
    assert by_name["analyst"].file == "serving.duckdb"
    assert set(by_name["service"].tables) == {"marts.customer_profile", "marts.customer_actions", "marts.dim_customer",
                                              "marts.display_labels"}
    assert set(by_name["finance"].tables) == {"marts.customer_credit", "marts.fct_invoices", "marts.dim_customer",
                                              "marts.customer_classification", "marts.display_labels"}


def test_each_role_file_holds_its_tables_and_columns_and_service_no_amounts(tmp_path):
    wh = make_warehouse(tmp_path / "warehouse.duckdb")
    published = write_serving(wh, tmp_path / "serving.duckdb", pub("r1"), targets=targets())
    assert set(published.roles) == {"service", "finance"}
    for role in ROLES:
        if role.is_analyst:
            continue
        held = columns_of(tmp_path / role.file)
        assert set(held) == {*role.tables, "audit.publication"}
        for table, columns in role.tables.items():
            assert held[table] == list(columns) if columns else held[table], table
    service = columns_of(tmp_path / "serving_service.duckdb")
    money = [f"{t}.{c}" for t, cols in service.items() for c in cols if any(w in c for w in MONEY_WORDS)]
    assert not money and "action_reason" not in service["marts.customer_actions"]
    finance = columns_of(tmp_path / "serving_finance.duckdb")
    assert "credit_limit" in finance["marts.dim_customer"]  # finance sees every column of its tables
    analyst = columns_of(tmp_path / "serving.duckdb")
    assert "revenue_12m" in analyst["marts.customer_profile"] and "audit.runs" in analyst
    for role in ROLES:  # owner only (the write bit of the configured 0600 dropped), and each says which run it holds
        path = tmp_path / role.file
        assert stat.S_IMODE(path.stat().st_mode) == 0o400
        with duckdb.connect(str(path), read_only=True) as con:
            assert con.execute("select run_id from audit.publication").fetchall() == [("r1",)]
            # descriptions travel with the tables
            assert con.execute("select comment from duckdb_tables() where table_name = 'dim_customer'"
                               ).fetchone() == ("the dim_customer mart",)
            assert con.execute("select comment from duckdb_columns() where table_name = 'dim_customer' and "
                               "column_name = 'customer_key'").fetchone() == ("the customer",)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["warehouse.duckdb", *(r.file for r in ROLES)])


def test_every_kind_of_publish_writes_every_role_file(tmp_path):
    wh = make_warehouse(tmp_path / "warehouse.duckdb", tier="A")
    serving = tmp_path / "serving.duckdb"
    write_serving(wh, serving, pub("r1"), targets=targets())
    make_warehouse(wh, tier="B")  # the warehouse moved on: a delta publish brings the new classes
    changed = Since(runs=("r2",), full_refresh=True, as_of=date(2025, 12, 31), marts_run="r1")
    update_serving(wh, serving, pub("r2"), changed, targets=targets())
    for role in ROLES:
        with duckdb.connect(str(tmp_path / role.file), read_only=True) as con:
            assert con.execute("select run_id, marts_run_id, kind from audit.publication").fetchall() == [
                ("r2", "r2", "full")]
            if role.is_analyst or "marts.customer_profile" in role.tables:
                assert con.execute("select distinct tier from marts.customer_profile").fetchall() == [("B",)]
    make_warehouse(wh, tier="C")  # an older D: serving keeps its marts, every role file says who published
    update_serving(wh, serving, pub("r3", "history_only", "r2", as_of=date(2025, 12, 1)),
                   Since(runs=("r3",), full_refresh=False, as_of=date(2025, 12, 1), marts_run="r2"), targets=targets())
    for role in ROLES:
        with duckdb.connect(str(tmp_path / role.file), read_only=True) as con:
            assert con.execute("select run_id, kind from audit.publication").fetchall() == [("r3", "history_only")]
            if role.is_analyst or "marts.customer_profile" in role.tables:
                assert con.execute("select distinct tier from marts.customer_profile").fetchall() == [("B",)]
    assert read_publication(serving).run_id == "r3"
    # a new role file appears on the next publish of any kind
    extra = RoleSpec("sales", "serving_sales.duckdb", "", {"marts.dim_customer": ("customer_key", "customer_name")})
    update_serving(wh, serving, pub("r4", "history_only", "r2", as_of=date(2025, 12, 1)),
                   Since(runs=("r4",), full_refresh=False, as_of=date(2025, 12, 1), marts_run="r2"),
                   targets=targets(roles=(*ROLES, extra)))
    assert columns_of(tmp_path / "serving_sales.duckdb")["marts.dim_customer"] == ["customer_key", "customer_name"]


def test_a_role_listing_a_denied_column_publishes_nothing(tmp_path):
    wh = make_warehouse(tmp_path / "warehouse.duckdb")
    serving = tmp_path / "serving.duckdb"
    write_serving(wh, serving, pub("r1"), targets=targets())
    before = {r.file: (tmp_path / r.file).read_bytes() for r in ROLES}
    leaky = RoleSpec("service", "serving_service.duckdb", "",
                     {"marts.customer_profile": ("customer_key", "revenue_12m")}, ("revenue",))
    with pytest.raises(PublicationsError, match="revenue_12m"):
        write_serving(wh, serving, pub("r2"), targets=targets(roles=(ROLES[0], leaky)))
    assert {r.file: (tmp_path / r.file).read_bytes() for r in ROLES} == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_publications_file_is_checked(tmp_path):
    bad = tmp_path / "publications.yml"
    bad.write_text("roles:\n  service:\n    file: serving_service.duckdb\n    tables: {marts.dim_customer: all}\n")
    with pytest.raises(PublicationsError, match="serving.duckdb"):
        load_publications(bad)  # no analyst file
    with pytest.raises(PublicationsError, match="no role 'sales'"):
        write_serving(make_warehouse(tmp_path / "warehouse.duckdb"), tmp_path / "serving.duckdb", pub("r1"),
                      targets=targets(keys={"sales": "k"}))


def test_settings_read_the_mode_the_archives_and_the_keys_as_secrets():
    settings = Settings.from_env({"CW_SERVING_FILE_MODE": "0640", "CW_PUBLISHED_KEEP": "5",
                                  "CW_SERVING_KEY_FINANCE": "s3cret"})
    assert settings.publishing.file_mode == 0o640 and settings.publishing.keep_published == 5
    assert settings.publishing.keys == {"finance": "s3cret"} and "s3cret" not in repr(settings)
    from orchestration.settings import environ_without_secrets

    assert "CW_SERVING_KEY_FINANCE" not in environ_without_secrets({"CW_SERVING_KEY_FINANCE": "s3cret", "A": "1"})
    assert Settings.from_env({}).publishing.file_mode == 0o400
    assert published_mode(0o640) == 0o440 and published_mode(0o666) == 0o444  # nothing writes a published file


def _httpfs_loadable() -> bool:
    con = duckdb.connect(config={"autoinstall_known_extensions": False})
    try:
        con.execute("load httpfs")
        return True
    except duckdb.Error:
        return False
    finally:
        con.close()


def test_a_role_key_encrypts_its_file(tmp_path, monkeypatch):
    """DuckDB writes encrypted files with httpfs's OpenSSL; where it is not installed this test stands in
    DuckDB's own (insecure) generator, which checks the rest of the path: the key, the storage version, readers."""
    if not _httpfs_loadable():
        monkeypatch.setattr(roles_module, "enable_encryption",
                            lambda con: con.execute("set force_mbedtls_unsafe = true"))
    wh = make_warehouse(tmp_path / "warehouse.duckdb")
    write_serving(wh, tmp_path / "serving.duckdb", pub("r1"), targets=targets(keys={"finance": "k-finance"}))
    finance = tmp_path / "serving_finance.duckdb"
    with pytest.raises(duckdb.Error, match="(?i)encrypt"):
        duckdb.connect(str(finance), read_only=True)
    assert "marts.customer_credit" in columns_of(finance, key="k-finance")
    with duckdb.connect(str(tmp_path / "serving_service.duckdb"), read_only=True) as con:  # no key: plain
        assert con.execute("select count(*) from marts.dim_customer").fetchone()[0] == 1


def test_without_a_secure_generator_an_encrypted_publish_refuses_and_publishes_nothing(tmp_path):
    if _httpfs_loadable():
        pytest.skip("httpfs is installed here: DuckDB can encrypt, nothing to refuse")
    wh = make_warehouse(tmp_path / "warehouse.duckdb")
    with pytest.raises(PublicationsError, match="httpfs"):
        write_serving(wh, tmp_path / "serving.duckdb", pub("r1"), targets=targets(keys={"finance": "k"}))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["warehouse.duckdb"]


def test_the_analyst_file_is_not_encrypted(tmp_path):
    with pytest.raises(PublicationsError, match="analyst"):
        write_serving(make_warehouse(tmp_path / "warehouse.duckdb"), tmp_path / "serving.duckdb", pub("r1"),
                      targets=targets(keys={"analyst": "k"}))
    assert not (tmp_path / "serving.duckdb").exists()
    assert os.listdir(tmp_path) == ["warehouse.duckdb"]


def test_publishing_spills_beside_the_warehouse_it_publishes(tmp_path, monkeypatch):
    """Every in-memory database of a publish (the analyst file's, then each other role's) spills in the warehouse
    directory (spill.py), not in the process's working directory."""
    folders = []
    connect = spill.ScratchDuckDB.connect

    def recording(scratch, **config):
        folders.append(scratch.warehouse_dir)
        return connect(scratch, **config)

    monkeypatch.setattr(spill.ScratchDuckDB, "connect", recording)
    wh = make_warehouse(tmp_path / "warehouse.duckdb")
    serving = tmp_path / "published" / "serving.duckdb"
    write_serving(wh, serving, pub("r1"), targets=targets())
    update_serving(wh, serving, pub("r2"), Since(runs=("r2",), full_refresh=True, as_of=date(2025, 12, 31),
                                                 marts_run="r1"), targets=targets())
    assert len(folders) == 2 * len(ROLES)
    assert set(folders) == {tmp_path}
