"""dbt build of the core layer (staging, intermediate/core, marts/core, audit, snapshot) on a
tiny raw zone written by the test, in a temporary copy of the core part of the dbt project.

Checks behaviour end to end: identity (uscc, name_city with name variants, one city empty,
different cities, conflicting valid USCCs, a wrong check digit, orphan customer_nos, records
gone from the newest snapshot), stable customer keys, exact money, latest versions, the local
date of a social engagement and follower linking, PII-free marts, the SCD2 snapshot, that
the label-convergence test fails when the closure gets too few passes, and that a header-only
newest snapshot file (known only from `audit.load_log`) empties its feed.

Like the ingestion, the test writes one `audit.load_log` row per landed file: snapshot staging
models take their current file from it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.audit import ensure_audit_schema
from orchestration.feeds import FEEDS, LINEAGE_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT = ROOT / "dbt_project"
DBT = Path(sys.executable).with_name("dbt")
CORE_PARTS = ["models/staging", "models/intermediate/core", "models/marts/core", "models/audit", "snapshots"]
U_OK = "91310000MA1FL0000N"  # valid USCC
U_OTHER = "91320500MA1MXXXX0X"  # another valid USCC
U_BAD = "91310000MA1FL0000M"  # wrong check digit
U_THIRD = "91330100MA2AAAAA1E"  # valid
U_FOURTH = "91330100MA2BBBBB2R"  # valid

# feed -> list of loaded files: (export_date, loaded_at, rows); a row is a dict of raw-zone values;
# rows == [] is a header-only file (loaded, zero rows)
RAW = {
    "accounts": [
        ("2025-09-30", "2025-10-01 00:00:00", [
            {"account_id": "zcrm_A1", "account_name": "苏州（新）纺织有限公司", "uscc": U_OK.lower(), "city": "苏州",
             "industry": "Apparel", "account_owner": "王伟", "account_type": "Customer", "phone": "0512-65238899"},
            {"account_id": "zcrm_A2", "account_name": "苏州(新)纺织 Co., Ltd.", "city": None, "industry": "服装"},
            {"account_id": "zcrm_B1", "account_name": "华东贸易有限公司", "city": "杭州", "industry": "外星产业"},
            {"account_id": "zcrm_C1", "account_name": "东方布业有限公司", "city": "无锡", "uscc": U_OTHER},
            {"account_id": "zcrm_P2", "account_name": "Beta Ltd", "uscc": "91440300MA5ABCDE1H", "city": "上海"},
            {"account_id": "zcrm_P3", "account_name": "BETA Limited", "city": "上海"},
        ]),
        # an older snapshot loaded later: not the truth
        ("2025-05-01", "2025-12-01 00:00:00", [
            {"account_id": "zcrm_GONE", "account_name": "旧公司", "city": "苏州"},
        ]),
    ],
    "customers": [
        ("2025-09-30", "2025-10-01 00:00:00", [
            {"customer_no": "K000001", "customer_name": "苏州新纺织股份有限公司", "tax_id": U_OK, "city": "苏州"},
            {"customer_no": "K000002", "customer_name": "华东贸易有限公司", "city": "苏州"},
            {"customer_no": "K000003", "customer_name": "东方布业有限公司", "city": "无锡", "tax_id": U_THIRD},
            {"customer_no": "K000004", "customer_name": "错位科技有限公司", "city": "南京", "tax_id": U_BAD},
            {"customer_no": "K000005", "customer_name": "Alpha Co", "city": "上海", "tax_id": "91440300MA5ABCDE1H"},
            {"customer_no": "K000006", "customer_name": "错位科技有限公司", "city": "南京", "tax_id": U_FOURTH},
        ]),
    ],
    "order_lines": [
        ("2025-09-30", "2025-10-01 00:00:00", [
            {"order_no": "SO1", "line_no": "1", "customer_no": "K000001", "order_date": "2025-09-01", "sku": "P1",
             "quantity": 3, "unit_price": "0.335", "discount_rate": "0", "currency": "CNY", "fx_rate": "1",
             "status": "open", "updated_at": "2025-09-01 10:00:00"},
            {"order_no": "SO2", "line_no": "1", "customer_no": "K000009", "order_date": "2025-09-02", "sku": "P9",
             "quantity": 7, "unit_price": "12.5", "discount_rate": "0.15", "currency": "USD", "fx_rate": "7.1234",
             "status": "shipped", "updated_at": "2025-09-02 10:00:00"},
        ]),
        ("2025-10-31", "2025-11-01 00:00:00", [
            {"order_no": "SO1", "line_no": "1", "customer_no": "K000001", "order_date": "2025-09-01", "sku": "P1",
             "quantity": 3, "unit_price": "0.335", "discount_rate": "0", "currency": "CNY", "fx_rate": "1",
             "status": "shipped", "updated_at": "2025-10-05 10:00:00"},
        ]),
    ],
    "invoices": [
        ("2025-09-30", "2025-10-01 00:00:00", [
            {"invoice_no": "INV1", "customer_no": "K000001", "invoice_date": "2025-09-01", "due_date": "2025-10-01",
             "amount": "100.005", "currency": "CNY", "fx_rate": "1", "updated_at": "2025-09-01 10:00:00"},
        ]),
    ],
    "products": [("2025-09-30", "2025-10-01 00:00:00", [{"sku": "P1", "unit_cost": "0.2", "grade": "standard"}])],
    "contacts": [
        ("2025-09-30", "2025-10-01 00:00:00", [
            {"contact_id": "zcrm_c1", "account_id": "zcrm_A2", "full_name": "李娜", "mobile": "138 0000 0001",
             "email": " Li.Na@Example.com "},
        ]),
    ],
    "activities": [
        ("2025-09-30", "2025-10-01 00:00:00", [
            {"activity_id": "act1", "account_id": "zcrm_A1", "activity_type": "Complaint",
             "activity_time": "2025-09-03 23:30:00", "modified_time": "2025-09-03 23:30:00"},
        ]),
    ],
    "followers": [
        ("2025-09-30", "2025-10-01 00:00:00", [
            {"channel": "weibo", "user_id": "wb1", "mobile": "+86 138 0000 0001"},
            {"channel": "douyin", "user_id": "dy1", "mobile": "0512-65238899"},
        ]),
    ],
    "engagements": [
        ("2025-09-30", "2025-10-01 00:00:00", [
            {"event_id": "ev1", "channel": "weibo", "user_id": "wb1", "engagement_type": "complaint",
             "occurred_at_utc": "2025-06-30 18:30:00"},
            {"event_id": "ev2", "channel": "douyin", "user_id": "dy1", "engagement_type": "like",
             "occurred_at_utc": "2025-06-30 12:00:00"},
        ]),
    ],
}

# load_log rows that load nothing: (feed, export_date, status, sha256 of the file whose bytes it repeats)
NOT_LOADED = [
    # the bytes of the old 2025-05-01 accounts file again under a newer name: skipped, not current
    ("accounts", "2025-11-30", "skipped_duplicate", ("accounts", "2025-05-01")),
]

# a newer accounts snapshot with only its header: CRM now has no accounts
HEADER_ONLY_ACCOUNTS = {**RAW, "accounts": [*RAW["accounts"], ("2025-10-31", "2025-11-01 00:00:00", [])]}


def _landed_name(spec, export_date: str) -> str:
    return f"{spec.system}/{spec.name}/{spec.name}_{export_date.replace('-', '')}.{spec.extension}"


def _sha(spec, export_date: str, loaded_at: str) -> str:
    return hashlib.sha256(f"{_landed_name(spec, export_date)}{loaded_at}".encode()).hexdigest()


def _write_load_log(warehouse: Path, raw: dict) -> None:
    """One `audit.load_log` row per file, as the ingestion writes them."""
    rows = []
    for spec in FEEDS.values():
        for export_date, loaded_at, data in raw.get(spec.name, []):
            sha = _sha(spec, export_date, loaded_at)
            rows.append((_landed_name(spec, export_date), spec.name, sha, export_date, len(data), "loaded",
                         f"raw/{spec.system}/{spec.name}/{sha}.parquet", loaded_at))
    loaded_at_of = {(feed, d): at for feed, files in raw.items() for d, at, _ in files}
    for feed, export_date, status, (same_feed, same_date) in NOT_LOADED:
        spec = FEEDS[feed]
        sha = _sha(FEEDS[same_feed], same_date, loaded_at_of[(same_feed, same_date)])
        rows.append((_landed_name(spec, export_date), feed, sha, export_date, 0, status, None, "2025-12-02 00:00:00"))
    with duckdb.connect(str(warehouse / "warehouse.duckdb")) as con:
        ensure_audit_schema(con)
        con.executemany(
            """
            insert into audit.load_log (path, feed, sha256, bytes, export_date, rows_read, rows_loaded,
                                        rows_quarantined, status, raw_path, run_id, loaded_at)
            values (?, ?, ?, 0, ?, ?, ?, 0, ?, ?, 'test', ?)
            """,
            [(path, feed, sha, d, n, n if status == "loaded" else 0, status, raw_path, at)
             for path, feed, sha, d, n, status, raw_path, at in rows],
        )


def _write_raw_zone(warehouse: Path, raw: dict = RAW) -> None:
    con = duckdb.connect()
    for spec in FEEDS.values():
        folder = warehouse / "raw" / spec.system / spec.name
        folder.mkdir(parents=True)
        schema = spec.raw_schema()
        empty = ", ".join(f'cast(null as {t}) as "{c}"' for c, t in schema.items())
        con.execute(f"copy (select {empty} limit 0) to '{folder / '_schema.parquet'}' (format parquet)")
        for export_date, loaded_at, rows in raw.get(spec.name, []):
            name = _landed_name(spec, export_date)
            sha = _sha(spec, export_date, loaded_at)
            lineage = {"_file_path": name, "_file_sha256": sha, "_export_date": export_date,
                       "_load_run_id": "test", "_loaded_at": loaded_at}
            selects = []
            for number, row in enumerate(rows, start=1):
                values = {**row, **lineage, "_line_number": number + 1, "_row_number": number}
                assert set(values) <= set(schema), set(values) - set(schema)
                cells = []
                for column, sql_type in schema.items():
                    value = values.get(column)
                    literal = "null" if value is None else "'" + str(value).replace("'", "''") + "'"
                    cells.append(f'cast({literal} as {sql_type}) as "{column}"')
                selects.append("select " + ", ".join(cells))
            body = " union all ".join(selects) or f"select {empty} limit 0"  # header-only: zero rows
            con.execute(f"copy ({body}) to '{folder / (sha + '.parquet')}' (format parquet)")
    con.close()
    assert set(LINEAGE_COLUMNS) <= set(FEEDS["accounts"].raw_schema())
    _write_load_log(warehouse, raw)


def _copy_core_project(target: Path) -> None:
    for part in CORE_PARTS:
        shutil.copytree(DBT_PROJECT / part, target / part)
    shutil.copytree(DBT_PROJECT / "macros", target / "macros",
                    ignore=shutil.ignore_patterns("classification"))
    (target / "seeds").mkdir()
    for seed in (DBT_PROJECT / "seeds").glob("industry_map*"):
        shutil.copy(seed, target / "seeds" / seed.name)
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(DBT_PROJECT / name, target / name)


def _dbt(project: Path, warehouse: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "CW_WAREHOUSE_DIR": str(warehouse), "DBT_PROFILES_DIR": str(project), **(env or {})}
    return subprocess.run([str(DBT), *args, "--project-dir", str(project)], cwd=project, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("core")
    project, warehouse = root / "dbt_project", root / "warehouse"
    _copy_core_project(project)
    _write_raw_zone(warehouse)
    result = _dbt(project, warehouse, "build", "--vars", "{as_of_date: 2025-12-31}")
    assert result.returncode == 0, result.stdout[-4000:]
    return project, warehouse


def _query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def test_identity_groups_and_rules(built):
    _, warehouse = built
    rows = _query(warehouse, "select source_id, customer_key, match_rule, source_table from audit.identity_map")
    key = {source_id: customer_key for source_id, customer_key, _, _ in rows}
    rule = {source_id: match_rule for source_id, _, match_rule, _ in rows}
    groups: dict[str, set] = {}
    for source_id, customer_key in key.items():
        groups.setdefault(customer_key, set()).add(source_id)
    assert sorted(map(sorted, groups.values())) == sorted([
        ["K000001", "zcrm_A1", "zcrm_A2"],  # uscc (lower-case code) + name variant with empty city
        ["K000002"], ["zcrm_B1"],  # same name, different cities
        ["K000003"], ["zcrm_C1"],  # same name and city, conflicting valid USCCs
        ["K000004", "K000006"],  # a wrong check digit is absent: name_city merge
        ["K000005", "zcrm_P2", "zcrm_P3"],  # chain: uscc then name (two hops from the anchor)
        ["K000009"],  # only known from order lines
    ])
    assert "zcrm_GONE" not in key  # only in an older snapshot that was loaded later
    assert key["zcrm_A2"] == _md5("K000001")
    assert (rule["K000001"], rule["zcrm_A1"], rule["zcrm_A2"]) == ("uscc", "uscc", "name_city")
    assert (rule["K000002"], rule["K000009"], rule["zcrm_P3"]) == ("single_source", "single_source", "name_city")
    assert dict((s, t) for s, _, _, t in rows)["K000009"] == "order_lines/invoices"


def test_dim_customer_golden_record(built):
    _, warehouse = built
    row = _query(warehouse, f"""
        select customer_name, uscc, industry, city, sales_owner, account_type, first_order_date,
               n_crm_accounts, n_erp_customers, match_rule, company_phone
        from marts.dim_customer where customer_key = '{_md5("K000001")}'""")[0]
    assert row[:6] == ("苏州新纺织股份有限公司", U_OK, "apparel", "苏州", "王伟", "Customer")
    assert str(row[6]) == "2025-09-01"
    assert row[7:] == (2, 1, "uscc", "+8651265238899")
    unmapped = _query(warehouse, f"select industry from marts.dim_customer where customer_key = '{_md5('zcrm_B1')}'")
    assert unmapped == [("unknown",)]


def test_facts_money_and_latest_versions(built):
    _, warehouse = built
    lines = dict(_query(warehouse, "select order_no, net_amount_cny from marts.fct_order_lines"))
    assert lines == {"SO1": Decimal("1.01"), "SO2": Decimal("529.80")}
    status = _query(
        warehouse, "select status, has_product, unit_cost_cny from marts.fct_order_lines where order_no = 'SO1'")
    assert status == [("shipped", True, Decimal("0.200000"))]
    orphan = _query(warehouse, "select customer_key, has_product from marts.fct_order_lines where order_no = 'SO2'")
    assert orphan == [(_md5("K000009"), False)]
    assert _query(warehouse, "select amount_cny from marts.fct_invoices") == [(Decimal("100.01"),)]


def test_interactions_local_date_and_links(built):
    _, warehouse = built
    rows = _query(warehouse, """
        select interaction_id, customer_key, source, cast(interaction_date as varchar), is_complaint
        from marts.fct_interactions order by interaction_id""")
    assert rows == [
        ("act1", _md5("K000001"), "crm", "2025-09-03", True),
        ("ev1", _md5("K000001"), "weibo", "2025-07-01", True),  # 18:30Z = 02:30 local next day
        ("ev2", None, "douyin", "2025-06-30", False),  # a landline never links
    ]


def test_marts_hold_no_contact_pii(built):
    _, warehouse = built
    tables = [t for (t,) in _query(
        warehouse, "select table_name from information_schema.tables where table_schema = 'marts'")]
    for table in tables:
        text = str(_query(warehouse, f'select * from marts."{table}"'))
        assert "李娜" not in text and "13800000001" not in text and "li.na@example.com" not in text.lower()


def test_history_snapshot_has_validity_columns(built):
    _, warehouse = built
    columns = {c for (c,) in _query(warehouse, "select column_name from information_schema.columns "
                                               "where table_schema = 'marts' and table_name = 'dim_customer_history'")}
    assert {"customer_key", "customer_name", "valid_from", "valid_to"} <= columns
    assert _query(warehouse, "select count(*), count(valid_to) from marts.dim_customer_history") == [(8, 0)]


def test_history_versions_follow_each_other_when_the_clock_was_set_back(built, tmp_path):
    """A customer's new version opens where its previous one closes, after it, even when the clock now reads
    earlier than the last snapshot (a time sync stepped it back): the validity intervals never overlap."""
    project, built_warehouse = built
    warehouse = tmp_path / "warehouse"
    shutil.copytree(built_warehouse, warehouse)
    with duckdb.connect(str(warehouse / "warehouse.duckdb")) as con:
        # the last snapshot was taken by a clock a day ahead of this one
        con.execute("update marts.dim_customer_history set valid_from = valid_from + interval 1 day, "
                    "updated_at = updated_at + interval 1 day")
        key = con.execute("select min(customer_key) from marts.dim_customer").fetchone()[0]
        con.execute("update marts.dim_customer set customer_name = customer_name || ' (renamed)' "
                    "where customer_key = ?", [key])
    result = _dbt(project, warehouse, "snapshot", "-s", "dim_customer_history")
    assert result.returncode == 0, result.stdout[-2000:]
    versions = _query(warehouse, "select valid_from, valid_to from marts.dim_customer_history "
                                 f"where customer_key = '{key}' order by valid_to nulls last")
    assert len(versions) == 2
    (old_from, old_to), (new_from, new_to) = versions  # the closed version, then the open one
    assert new_to is None and old_to == new_from
    assert old_from < old_to, (old_from, old_to)


def test_each_model_writes_the_facts_its_materialization_shows(built, tmp_path):
    """As dbt builds a model, the model writes its columns and its parents', and its row count, where the
    pipeline's step reads them while dbt goes on (macros/node_metadata.sql); nothing without the folder."""
    from orchestration.transform.metadata import read_node_facts

    project, built_warehouse = built
    warehouse = tmp_path / "warehouse"
    shutil.copytree(built_warehouse, warehouse)
    folder = tmp_path / "o'brien's facts"
    folder.mkdir()
    model = "model.customer_warehouse.dim_customer"
    as_of = {"CW_AS_OF": "2025-12-31"}
    result = _dbt(project, warehouse, "run", "-s", "dim_customer", env=as_of)
    assert result.returncode == 0, result.stdout[-2000:]
    assert read_node_facts(folder, model) is None
    result = _dbt(project, warehouse, "run", "-s", "dim_customer", env={**as_of, "CW_NODE_METADATA_DIR": str(folder)})
    assert result.returncode == 0, result.stdout[-2000:]
    facts = read_node_facts(folder, model)
    assert facts.row_count == _query(warehouse, "select count(*) from marts.dim_customer")[0][0] == 8
    assert facts.distributions == {}
    assert list(facts.columns[("marts", "dim_customer")]) == [
        name for (name,) in _query(warehouse, "select column_name from information_schema.columns where "
                                              "table_name = 'dim_customer' order by ordinal_position")]
    assert facts.columns[("intermediate", "int_customers")]["customer_name"] == {"data_type": "VARCHAR"}


def test_convergence_test_fails_with_too_few_passes(built):
    project, warehouse = built
    run = _dbt(project, warehouse, "run", "-s", "int_identity_resolved", "--vars", "{identity_label_passes: 1}")
    assert run.returncode == 0, run.stdout[-2000:]
    test = _dbt(project, warehouse, "test", "-s", "int_identity_resolved,test_type:data")
    assert test.returncode != 0 and "identity_labels_converged" in test.stdout
    rebuilt = _dbt(project, warehouse, "build", "-s", "int_identity_resolved", "--exclude", "test_type:unit")
    assert rebuilt.returncode == 0, rebuilt.stdout[-2000:]


def test_primary_key_fails_on_a_duplicated_and_on_a_missing_key(built, tmp_path):
    """`primary_key` (macros/testing/generic_tests.sql) is dbt's unique + not_null in one test: a key held
    by two rows and a row without a key are each one failing row."""
    project, built_warehouse = built
    warehouse = tmp_path / "warehouse"
    shutil.copytree(built_warehouse, warehouse)
    select = "primary_key_dim_customer_customer_key"
    assert (clean := _dbt(project, warehouse, "test", "-s", select)).returncode == 0, clean.stdout[-2000:]
    with duckdb.connect(str(warehouse / "warehouse.duckdb")) as con:
        con.execute("create or replace table marts.dim_customer as select * from marts.dim_customer "
                    "union all (select * from marts.dim_customer order by customer_key limit 1) "
                    "union all (select * replace (null as customer_key) from marts.dim_customer limit 1)")
    failed = _dbt(project, warehouse, "test", "-s", select)
    assert failed.returncode != 0 and "Got 2 results" in failed.stdout, failed.stdout[-2000:]


def test_gate_tests_of_a_fact_read_the_rows_written_since_the_verified_build(built, tmp_path):
    """The fact's gate tests (macros/testing/verified_scope.sql) read the rows whose `built_run_id` is not a run
    recorded at or before CW_VERIFIED_BUILD. Two bad rows (a duplicated key, an unknown status): stamped by such
    a run they are not read (its tests passed on what it left); stamped by a later run or by a hand run they
    fail both tests; without the variable (a full build) every row is read."""
    project, built_warehouse = built
    warehouse = tmp_path / "warehouse"
    shutil.copytree(built_warehouse, warehouse)
    failures = ("Failure in test unique_key_combination_fct_order_lines_order_no__line_no",
                "Failure in test accepted_values_fct_order_lines_status")

    def test_with(stamp: str, verified: str) -> tuple[bool, ...]:
        with duckdb.connect(str(warehouse / "warehouse.duckdb")) as con:
            con.execute("delete from marts.fct_order_lines where status = 'bogus'")
            con.execute("update marts.fct_order_lines set built_run_id = 'old'")
            con.execute("create temp table bad as select * replace ('bogus' as status, ? as built_run_id) "
                        "from marts.fct_order_lines order by order_no limit 1", [stamp])
            con.execute("insert into marts.fct_order_lines select * from bad union all select * from bad")
        result = _dbt(project, warehouse, "test", "-s", "fct_order_lines,test_type:data",
                      env={"CW_VERIFIED_BUILD": verified})
        return tuple(failure in result.stdout for failure in failures)

    with duckdb.connect(str(warehouse / "warehouse.duckdb")) as con:
        con.executemany("insert into audit.run_inputs (run_id, inputs_fingerprint, raw_files, code_fingerprint, "
                        "recorded_at) values (?, '', 0, '', ?)",
                        [("old", "2026-01-01"), ("verified", "2026-01-02"), ("later", "2026-01-03")])
    assert test_with("old", "verified") == (False, False)
    assert test_with("old", "") == (True, True)
    assert test_with("later", "verified") == (True, True)
    assert test_with("manual", "verified") == (True, True)


def test_header_only_newest_accounts_snapshot_empties_crm(built, tmp_path):
    """The newest accounts file has only its header: stg_crm__accounts is empty (the older
    snapshot's rows do not stay current) and the CRM-only customers leave dim_customer."""
    project, _ = built
    warehouse = tmp_path / "warehouse"
    _write_raw_zone(warehouse, HEADER_ONLY_ACCOUNTS)
    result = _dbt(project, warehouse, "build", "--exclude", "test_type:unit", "--vars", "{as_of_date: 2025-12-31}")
    assert result.returncode == 0, result.stdout[-4000:]
    assert _query(warehouse, "select count(*) from staging.stg_crm__accounts") == [(0,)]
    assert _query(warehouse, "select count(*) from audit.identity_map where source_system = 'crm'") == [(0,)]
    keys = {k for (k,) in _query(warehouse, "select customer_key from marts.dim_customer")}
    assert _md5("zcrm_B1") not in keys and _md5("zcrm_C1") not in keys  # CRM-only customers are gone
    assert _md5("K000001") in keys and _md5("K000002") in keys  # ERP customers stay
    assert _query(warehouse, "select max(n_crm_accounts) from marts.dim_customer") == [(0,)]


def _line(order_no: str, customer_no: str, sku: str, quantity: int, updated_at: str, status: str = "shipped") -> dict:
    return {"order_no": order_no, "line_no": "1", "customer_no": customer_no, "order_date": updated_at[:10],
            "sku": sku, "quantity": quantity, "unit_price": "10", "discount_rate": "0", "currency": "CNY",
            "fx_rate": "1", "status": status, "updated_at": updated_at}


def _invoice(invoice_no: str, customer_no: str, updated_at: str, paid_date: str | None = None) -> dict:
    return {"invoice_no": invoice_no, "customer_no": customer_no, "invoice_date": updated_at[:10],
            "due_date": "2026-01-31", "amount": "100", "currency": "CNY", "fx_rate": "1", "paid_date": paid_date,
            "updated_at": updated_at}


# Day 1: RAW plus lines and an invoice of K000003, lines of K000002 on SKUs P1 and P2, an activity of the
# CRM-only account zcrm_B1 (杭州) and an engagement of the unlinked follower dy1.
INCREMENTAL_DAY_1 = {**RAW, "order_lines": [*RAW["order_lines"], ("2025-11-15", "2025-11-16 00:00:00", [
    _line("SO7", "K000003", "P1", 2, "2025-11-10 10:00:00"), _line("SO8", "K000002", "P2", 1, "2025-11-11 10:00:00")])],
    "invoices": [*RAW["invoices"], ("2025-11-15", "2025-11-16 00:00:00", [
        _invoice("INV7", "K000003", "2025-11-10 10:00:00"), _invoice("INV8", "K000002", "2025-11-11 10:00:00")])],
    "products": [("2025-09-30", "2025-10-01 00:00:00", [
        {"sku": "P1", "unit_cost": "0.2"}, {"sku": "P2", "unit_cost": "1"}])],
    "activities": [*RAW["activities"], ("2025-11-15", "2025-11-16 00:00:00", [
        {"activity_id": "act3", "account_id": "zcrm_B1", "activity_type": "Visit",
         "activity_time": "2025-11-10 10:00:00", "modified_time": "2025-11-10 10:00:00"}])],
    "engagements": [*RAW["engagements"], ("2025-11-15", "2025-11-16 00:00:00", [
        {"event_id": "ev4", "channel": "douyin", "user_id": "dy1", "engagement_type": "comment",
         "occurred_at_utc": "2025-11-10 12:00:00"}])]}
# Day 2: K000003 now carries K000001's USCC (their clusters merge: its lines get another customer_key),
# P2 costs 2 and P1 left the products snapshot, SO8 is re-sent cancelled, SO9 is new, INV8 is re-sent paid,
# INV9 is new, act1 and ev2 are re-sent changed, act2 and ev3 are new; SO7 and INV7 come again in an older
# version (an earlier updated_at) and ev4 in an older export loaded now: the versions built on day 1 stay.
# zcrm_B1 moved to 苏州 (it merges with K000002 by name and city: act3, not re-sent, gets K000002's key) and
# follower dy1 now has zcrm_c1's mobile (ev4's day-1 version, still current, reaches zcrm_c1's customer).
INCREMENTAL_DAY_2 = {
    **INCREMENTAL_DAY_1,
    "accounts": [*RAW["accounts"], ("2025-12-15", "2025-12-16 00:00:00", [
        {**row, "city": "苏州"} if row["account_id"] == "zcrm_B1" else row for row in RAW["accounts"][0][2]])],
    "followers": [*RAW["followers"], ("2025-12-15", "2025-12-16 00:00:00", [
        {**row, "mobile": "13800000001"} if row["user_id"] == "dy1" else row for row in RAW["followers"][0][2]])],
    "customers": [*RAW["customers"], ("2025-12-15", "2025-12-16 00:00:00", [
        {**row, "tax_id": U_OK} if row["customer_no"] == "K000003" else row for row in RAW["customers"][0][2]])],
    "products": [*INCREMENTAL_DAY_1["products"], ("2025-12-15", "2025-12-16 00:00:00", [
        {"sku": "P2", "unit_cost": "2"}])],
    "order_lines": [*INCREMENTAL_DAY_1["order_lines"], ("2025-12-15", "2025-12-16 00:00:00", [
        _line("SO8", "K000002", "P2", 1, "2025-12-01 10:00:00", status="cancelled"),
        _line("SO9", "K000002", "P1", 4, "2025-12-02 10:00:00"),
        {**_line("SO7", "K000003", "P1", 99, "2025-11-01 10:00:00"), "order_date": "2025-11-10"}])],
    "invoices": [*INCREMENTAL_DAY_1["invoices"], ("2025-12-15", "2025-12-16 00:00:00", [
        _invoice("INV8", "K000002", "2025-12-01 10:00:00", paid_date="2025-12-01"),
        _invoice("INV9", "K000002", "2025-12-02 10:00:00"),
        {**_invoice("INV7", "K000003", "2025-11-01 10:00:00", paid_date="2025-11-01"), "invoice_date": "2025-11-10"}])],
    "activities": [*INCREMENTAL_DAY_1["activities"], ("2025-12-15", "2025-12-16 00:00:00", [
        {"activity_id": "act1", "account_id": "zcrm_A1", "activity_type": "Call",
         "activity_time": "2025-09-03 23:30:00", "modified_time": "2025-12-01 09:00:00"},
        {"activity_id": "act2", "account_id": "zcrm_B1", "activity_type": "Visit",
         "activity_time": "2025-12-02 10:00:00", "modified_time": "2025-12-02 10:00:00"}])],
    "engagements": [*INCREMENTAL_DAY_1["engagements"], ("2025-11-01", "2025-12-16 00:00:00", [
        {"event_id": "ev4", "channel": "douyin", "user_id": "dy1", "engagement_type": "like",
         "occurred_at_utc": "2025-11-10 12:00:00"}]), ("2025-12-15", "2025-12-16 00:00:00", [
        {"event_id": "ev2", "channel": "douyin", "user_id": "dy1", "engagement_type": "share",
         "occurred_at_utc": "2025-06-30 12:00:00"},
        {"event_id": "ev3", "channel": "weibo", "user_id": "wb1", "engagement_type": "like",
         "occurred_at_utc": "2025-12-01 12:00:00"}])],
}


def test_incremental_facts_equal_a_full_build(built, tmp_path):
    """Day 1 built, day 2 landed: the incremental build of the order lines and invoices (staging and
    facts: new rows, re-sent versions, a customer re-keyed by an identity merge, SKUs whose product
    changed), activities and engagements equals a fresh full build of the same raw zone, row for row."""
    project, _ = built
    build = ("build", "--exclude", "test_type:unit", "--vars", "{as_of_date: 2025-12-31}")
    incremental, fresh = tmp_path / "incremental", tmp_path / "fresh"
    _write_raw_zone(incremental, INCREMENTAL_DAY_1)
    assert (result := _dbt(project, incremental, *build)).returncode == 0, result.stdout[-4000:]
    day_1 = dict(_query(incremental, "select order_no, customer_key from marts.fct_order_lines"))
    interactions_1 = dict(_query(incremental, "select interaction_id, customer_key from marts.fct_interactions"))
    _write_raw_zone(fresh, INCREMENTAL_DAY_2)
    shutil.rmtree(incremental / "raw")
    shutil.copytree(fresh / "raw", incremental / "raw")  # day 1's files are the same bytes under the same names
    with duckdb.connect(str(incremental / "warehouse.duckdb")) as con:
        con.execute(f"attach '{fresh / 'warehouse.duckdb'}' as fresh (read_only)")
        con.execute("delete from audit.load_log")
        con.execute("insert into audit.load_log select * from fresh.audit.load_log")
        con.execute("detach fresh")
    assert (result := _dbt(project, incremental, *build)).returncode == 0, result.stdout[-4000:]
    assert (result := _dbt(project, fresh, *build)).returncode == 0, result.stdout[-4000:]
    for table in ("staging.stg_erp__order_lines", "marts.fct_order_lines", "staging.stg_erp__invoices",
                  "marts.fct_invoices", "staging.stg_crm__activities", "staging.stg_social__engagements",
                  "intermediate.int_interactions", "marts.fct_interactions"):
        rows = f"select * from {table} order by all"
        assert _query(incremental, rows) == _query(fresh, rows), table
    day_2 = dict(_query(incremental, "select order_no, customer_key from marts.fct_order_lines"))
    assert day_1["SO7"] != day_2["SO7"] == day_2["SO1"] == _md5("K000001")  # re-keyed by the merge
    assert _query(incremental, "select invoice_no, customer_key, paid_date is not null from marts.fct_invoices "
                               "where invoice_no in ('INV7', 'INV8', 'INV9') order by 1") == [
        ("INV7", _md5("K000001"), False), ("INV8", _md5("K000002"), True), ("INV9", _md5("K000002"), False)]
    assert _query(incremental, "select interaction_id, interaction_type from marts.fct_interactions order by 1") == [
        ("act1", "Call"), ("act2", "Visit"), ("act3", "Visit"), ("ev1", "complaint"), ("ev2", "share"),
        ("ev3", "like"), ("ev4", "comment")]
    interactions_2 = dict(_query(incremental, "select interaction_id, customer_key from marts.fct_interactions"))
    assert interactions_1["act3"] == _md5("zcrm_B1") and interactions_2["act3"] == _md5("K000002")  # re-keyed
    assert interactions_1["ev4"] is None and interactions_2["ev4"] == interactions_2["ev1"] is not None  # re-linked
    assert _query(incremental, "select quantity from staging.stg_erp__order_lines where order_no = 'SO7'") == [(2,)]
    assert _query(incremental, "select paid_date from staging.stg_erp__invoices where invoice_no = 'INV7'") == [(None,)]
    assert _query(incremental, "select order_no, status, has_product, unit_cost_cny from marts.fct_order_lines "
                               "where order_no in ('SO7', 'SO8', 'SO9') order by 1") == [
        ("SO7", "shipped", False, None), ("SO8", "cancelled", True, Decimal("2")), ("SO9", "shipped", False, None)]
