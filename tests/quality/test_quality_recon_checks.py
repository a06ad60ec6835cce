"""Raw-to-mart reconciliations: order-line money, classification coverage, identity coverage."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from orchestration.audit.writes import utc_now
from orchestration.feeds import ACCOUNTS, CUSTOMERS, INVOICES, ORDER_LINES
from orchestration.quality.recon_checks import covers_dim_customer, covers_source_records, net_amount_reconciles
from orchestration.quality.recon_totals import FULL_EVERY, derive, loaded_files


def _fct(con, rows: list[tuple[str, str, str]]) -> None:
    con.execute("create schema if not exists marts")
    con.execute("create or replace table marts.fct_order_lines "
                "(order_no varchar, line_no varchar, net_amount_cny decimal(18, 2))")
    con.executemany("insert into marts.fct_order_lines values (?, ?, ?)", rows)


def test_net_amount_reconciles_with_the_latest_raw_versions(warehouse, raw_file, line, order_lines_spec):
    # 3 × 0.005 = 0.015 → 0.02 (half away from zero); SO1/1 is re-sent later with quantity 20
    raw_file(warehouse, order_lines_spec, [line("SO1", "1"), line("SO2", "1", quantity=3, unit_price="0.005",
                                                                    discount_rate="0")],
             run_id="r1", name="order_lines_20250601.csv")
    raw_file(warehouse, order_lines_spec, [line("SO1", "1", quantity=20, updated_at="2025-06-20 08:00:00")],
             run_id="r2", name="order_lines_20250620.csv")
    with warehouse.connect() as con:
        _fct(con, [("SO1", "1", "225.00"), ("SO2", "1", "0.02")])
        good = net_amount_reconciles(con, warehouse.root)
        _fct(con, [("SO1", "1", "112.50"), ("SO2", "1", "0.02")])  # an old version won in the mart
        bad = net_amount_reconciles(con, warehouse.root)
    assert good.passed, good.observed
    assert good.metadata["raw_net_amount_cny"] == str(Decimal("225.02"))
    assert not bad.passed and "difference -112.50" in bad.observed


NIGHT_1, NIGHT_2 = datetime(2025, 7, 1, 2, 0), datetime(2025, 7, 2, 2, 0)


def _night_1(warehouse, raw_file, line) -> None:
    raw_file(warehouse, ORDER_LINES, [line("SO1", "1"), line("SO2", "1", quantity=3, unit_price="0.005",
                                                             discount_rate="0")],
             run_id="r1", name="order_lines_20250630.csv", loaded_at=NIGHT_1)


def _night_2(warehouse, raw_file, line, loaded_at=NIGHT_2) -> None:
    # SO1/1 re-sent with quantity 20, an older version of SO2/1 that loses, SO3/1 new
    raw_file(warehouse, ORDER_LINES, [line("SO1", "1", quantity=20, updated_at="2025-06-20 08:00:00"),
                                      line("SO2", "1", quantity=9, updated_at="2025-05-01 08:00:00"),
                                      line("SO3", "1", quantity=1, unit_price="1", discount_rate="0")],
             run_id="r2", name="order_lines_20250701.csv", loaded_at=loaded_at)


def test_a_night_starts_from_the_last_passing_totals_and_equals_a_full_derivation(warehouse, raw_file, line):
    _night_1(warehouse, raw_file, line)
    with warehouse.connect() as con:
        _fct(con, [("SO1", "1", "112.50"), ("SO2", "1", "0.02")])
        first = net_amount_reconciles(con, warehouse.root, "r1")
    _night_2(warehouse, raw_file, line)
    with warehouse.connect() as con:
        _fct(con, [("SO1", "1", "225.00"), ("SO2", "1", "0.02"), ("SO3", "1", "1.00")])
        second = net_amount_reconciles(con, warehouse.root, "r2")
        con.execute("delete from audit.reconciliation_totals")
        full, _ = derive(con, ORDER_LINES, loaded_files(con, warehouse.root, ORDER_LINES))
    assert first.passed and first.metadata["raw_derived"] == "full", first.observed
    assert second.passed and second.metadata["raw_derived"] == "incremental", second.observed
    assert (second.metadata["raw_lines"], second.metadata["raw_net_amount_cny"]) == (3, "226.02")
    assert (full.lines, full.net_amount_cny, full.derived) == (3, Decimal("226.02"), "full")


def test_an_incremental_night_still_fails_on_a_wrong_mart_and_keeps_no_totals(warehouse, raw_file, line):
    _night_1(warehouse, raw_file, line)
    with warehouse.connect() as con:
        _fct(con, [("SO1", "1", "112.50"), ("SO2", "1", "0.02")])
        assert net_amount_reconciles(con, warehouse.root, "r1").passed
    _night_2(warehouse, raw_file, line)
    with warehouse.connect() as con:
        _fct(con, [("SO1", "1", "112.50"), ("SO2", "1", "0.02"), ("SO3", "1", "1.00")])  # SO1's re-send missed
        bad = net_amount_reconciles(con, warehouse.root, "r2")
        runs = con.execute("select run_id from audit.reconciliation_totals").fetchall()
    assert not bad.passed and bad.metadata["raw_derived"] == "incremental" and "difference -112.50" in bad.observed
    assert runs == [("r1",)]


def test_totals_are_derived_in_full_again_when_the_chain_cannot_be_trusted(warehouse, raw_file, line):
    _night_1(warehouse, raw_file, line)
    with warehouse.connect() as con:
        _fct(con, [("SO1", "1", "112.50"), ("SO2", "1", "0.02")])
        assert net_amount_reconciles(con, warehouse.root, "r1").passed
        files = loaded_files(con, warehouse.root, ORDER_LINES)
        in_a_week, _ = derive(con, ORDER_LINES, files, now=utc_now() + FULL_EVERY - timedelta(hours=1))
        after_a_week, _ = derive(con, ORDER_LINES, files, now=utc_now() + FULL_EVERY + timedelta(hours=1))
    _night_2(warehouse, raw_file, line, loaded_at=NIGHT_1 - timedelta(minutes=1))  # logged with an earlier time
    with warehouse.connect() as con:
        earlier, _ = derive(con, ORDER_LINES, loaded_files(con, warehouse.root, ORDER_LINES))
    assert (in_a_week.derived, after_a_week.derived) == ("incremental", "full")
    assert (earlier.derived, earlier.lines, earlier.net_amount_cny) == ("full", 3, Decimal("226.02"))


def test_every_dim_customer_row_needs_a_classification_row(warehouse):
    with warehouse.connect() as con:
        con.execute("create schema marts")
        con.execute("create table marts.dim_customer as select * from (values ('c1'), ('c2')) as t(customer_key)")
        con.execute("create table marts.customer_classification as select * from (values ('c1')) as t(customer_key)")
        missing = covers_dim_customer(con, warehouse.root)
        con.execute("insert into marts.customer_classification values ('c2')")
        complete = covers_dim_customer(con, warehouse.root)
    assert not missing.passed and "1 dim_customer row(s) without" in missing.observed and "c2" in missing.observed
    assert complete.passed


def test_every_source_record_needs_an_identity_map_row(warehouse, raw_file, line, order_lines_spec):
    raw_file(warehouse, ACCOUNTS, [{"account_id": "zcrm_1", "account_name": "A"}], run_id="r1",
             export_date=date(2025, 1, 1))
    raw_file(warehouse, ACCOUNTS, [{"account_id": "zcrm_2", "account_name": "B"}], run_id="r1")  # current
    raw_file(warehouse, CUSTOMERS, [{"customer_no": "K100001", "customer_name": "B"}], run_id="r1")
    raw_file(warehouse, order_lines_spec, [line(customer_no="K100001"), line("SO2", customer_no="K999999")],
             run_id="r1")
    with warehouse.connect() as con:
        con.execute("create table audit.identity_map (source_system varchar, source_table varchar, "
                    "source_id varchar, customer_key varchar, match_rule varchar)")
        con.execute("insert into audit.identity_map values ('crm', 'accounts', 'zcrm_2', 'c1', 'name_city'), "
                    "('erp', 'customers', 'K100001', 'c1', 'name_city')")
        orphan_missing = covers_source_records(con, warehouse.root)
        con.execute("insert into audit.identity_map values ('erp', 'order_lines', 'K999999', 'c2', 'single_source')")
        complete = covers_source_records(con, warehouse.root)
    assert not orphan_missing.passed and "erp:K999999" in orphan_missing.observed
    assert complete.passed and complete.metadata["source_records"] == 3  # zcrm_1 is not current


def test_only_the_customer_numbers_latest_versions_name_need_an_identity_map_row(warehouse, raw_file, line):
    # SO1/1 first named K200001, its later version K100001: K200001 is no longer referenced. SO2/1's only
    # version names K300001, and an invoice whose later version dropped K400001 names nobody now.
    raw_file(warehouse, ORDER_LINES, [line("SO1", "1", customer_no="K200001"), line("SO2", "1", customer_no="K300001")],
             run_id="r1", name="order_lines_20250630.csv", loaded_at=NIGHT_1)
    raw_file(warehouse, ORDER_LINES, [line("SO1", "1", customer_no="K100001", updated_at="2025-06-20 08:00:00")],
             run_id="r2", name="order_lines_20250701.csv", loaded_at=NIGHT_2)
    invoice = {"invoice_no": "INV1", "updated_at": "2025-06-01 10:00:00"}
    raw_file(warehouse, INVOICES, [{**invoice, "customer_no": "K400001"}], run_id="r1", name="invoices_20250630.csv",
             loaded_at=NIGHT_1)
    raw_file(warehouse, INVOICES, [{**invoice, "customer_no": None, "updated_at": "2025-06-02 10:00:00"}], run_id="r2",
             name="invoices_20250701.csv", loaded_at=NIGHT_2)
    with warehouse.connect() as con:
        con.execute("create table audit.identity_map (source_system varchar, source_table varchar, "
                    "source_id varchar, customer_key varchar, match_rule varchar)")
        con.execute("insert into audit.identity_map values ('erp', 'order_lines/invoices', 'K100001', 'c1', 'x')")
        missing = covers_source_records(con, warehouse.root)
        con.execute("insert into audit.identity_map values ('erp', 'order_lines/invoices', 'K300001', 'c2', 'x')")
        complete = covers_source_records(con, warehouse.root)
    assert not missing.passed and missing.metadata["unmapped"] == 1 and "erp:K300001" in missing.observed
    assert complete.passed, complete.observed
