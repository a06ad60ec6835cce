"""`explain`: one customer traced back to source records, file rows, rules and results."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from orchestration.explain import explain_customer
from orchestration.settings import Settings
from tests.report.builders import build_serving

FACTS_SQL = """
create or replace table audit.identity_map as
select * from (values
    ('crm', 'accounts', 'ACC-001', 'k1', 'uscc'),
    ('erp', 'customers', 'C0001', 'k1', 'uscc'),
    ('erp', 'customers', 'C0002', 'k2', 'single_source'),
    ('crm', 'accounts', 'DUP-1', 'k3', 'single_source'),
    ('erp', 'customers', 'DUP-1', 'k4', 'single_source'),
    ('erp', 'order_lines', 'C9999', 'k4', 'single_source')
) as t(source_system, source_table, source_id, customer_key, match_rule);

create or replace table marts.fct_order_lines as
select
    'SO-' || lpad(cast(i as varchar), 3, '0') as order_no, 1 as line_no, 'k1' as customer_key, 'C0001' as customer_no,
    date '2025-12-31' - cast(i * 10 as integer) as order_date, 'SKU-' || i as sku, cast(2 as bigint) as quantity,
    10.0 as unit_price, 0.0 as discount_rate, 'CNY' as currency, 1.0 as fx_rate,
    cast(10000 as decimal(18, 2)) as net_amount_cny, null::decimal(18, 2) as unit_cost_cny, true as has_product,
    case when i = 3 then 'cancelled' else 'shipped' end as status, i <> 3 as is_counted,
    timestamp '2025-12-31 00:00:00' as updated_at, 'erp/order_lines/order_lines_20251231.csv' as source_file,
    cast(i + 1 as bigint) as source_line
from range(1, 26) as t(i)
union all
select 'SO-900', 1, 'k4', 'C9999', date '2025-01-15', 'SKU-X', 1, 5.0, 0.0, 'CNY', 1.0, 5.00, null, false, 'shipped',
       true, timestamp '2025-01-15 00:00:00', 'erp/order_lines/order_lines_20250115.csv', 42;

create or replace table marts.fct_invoices as
select * from (values
    ('INV-1', 'k1', 'C0001', date '2025-10-01', date '2025-10-31', 1000.00, 'CNY', 1.0, 1000.00, null::date,
     timestamp '2025-10-01 00:00:00', 'erp/invoices/invoices_20251231.csv', 7),
    ('INV-2', 'k1', 'C0001', date '2025-03-01', date '2025-03-31', 500.00, 'CNY', 1.0, 500.00, date '2025-04-10',
     timestamp '2025-04-10 00:00:00', 'erp/invoices/invoices_20251231.csv', 8)
) as t(invoice_no, customer_key, customer_no, invoice_date, due_date, amount, currency, fx_rate, amount_cny,
       paid_date, updated_at, source_file, source_line);
"""

WAREHOUSE_SQL = """
create schema staging;
create schema rules;
create table staging.stg_crm__accounts as
select 'ACC-001' as account_id, '苏州华纺有限公司' as account_name, 'crm/accounts/accounts_20251231.csv' as source_file,
       cast(17 as bigint) as source_line;
create table staging.stg_erp__customers as select 'C0001' as customer_no, '苏州华纺' as customer_name;
create table rules.classification_rules as
select * from (values
    ('v1', 'tier_a_above', 100000, 'CNY'),
    ('v1', 'tier_b_from', 50000, 'CNY'),
    ('v2', 'tier_a_above', 999999, 'CNY')
) as t(rule_version, parameter, value, unit);
create table rules.industry_map as select '纺织' as industry_text, 'apparel' as industry;
"""


@pytest.fixture
def settings(tmp_path) -> Settings:
    serving = build_serving(tmp_path / "serving.duckdb")
    with duckdb.connect(str(serving)) as con:
        con.execute(FACTS_SQL)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute(WAREHOUSE_SQL)
    return Settings(warehouse_dir=tmp_path)


def explain(settings, capsys, customer, as_of=None):
    code = explain_customer(settings, customer, as_of)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_explains_by_customer_key(settings, capsys):
    code, out, _ = explain(settings, capsys, "k1")
    assert code == 0
    assert "Customer k1 — 苏州华纺有限公司" in out
    assert "as of 2025-12-31 (latest published)" in out
    # source records with file/line from staging, and n/a where staging kept no lineage
    acc = next(line for line in out.splitlines() if "ACC-001" in line)
    assert "crm/accounts/accounts_20251231.csv" in acc and acc.rstrip().endswith("17")
    erp = next(line for line in out.splitlines() if "C0001" in line and "customers" in line)
    assert erp.split()[-2:] == ["n/a", "n/a"]


def test_order_lines_in_window_capped_with_count(settings, capsys):
    _, out, _ = explain(settings, capsys, "k1")
    # 25 lines dated D-10 .. D-250, all in the 12-month window; line 3 is cancelled
    assert "25 line(s); recomputed from them: revenue_12m = 240,000.00, orders_12m = 24" in out
    assert "showing the latest 20 of 25" in out
    facts = out[out.index("3. Order lines"):out.index("4. Invoices")]
    assert "SO-001" in facts and "SO-020" in facts and "SO-021" not in facts
    assert "erp/order_lines/order_lines_20251231.csv" in out
    assert "prior 12 months: 0 line(s)" in out


def test_invoices_rules_and_result(settings, capsys):
    _, out, _ = explain(settings, capsys, "k1")
    assert "2 invoice(s); recomputed: outstanding = 1,000.00, overdue = 1,000.00" in out
    assert "overdue 61 days" in out
    assert "rules.classification_rules:" in out and "tier_a_above" in out and "100000" in out
    assert "999999" not in out  # only the rule version that produced the classification
    assert "rules.industry_map:" in out
    assert "tier            = A (high, 大客户)" in out
    assert "value_class     = core" in out


def test_churn_signals_listed(settings, capsys):
    _, out, _ = explain(settings, capsys, "k3")
    assert "churn signals   = overdue_order, frequency_drop -> churn_risk_score 60" in out


def test_resolves_a_source_id(settings, capsys):
    code, out, _ = explain(settings, capsys, "acc-001")
    assert code == 0
    assert "Customer k1" in out and "resolved from source id 'acc-001'" in out


def test_customer_known_only_from_facts_gets_the_first_fact_row(settings, capsys):
    code, out, _ = explain(settings, capsys, "C9999")
    assert code == 0 and "Customer k4" in out
    row = next(line for line in out.splitlines() if "C9999" in line and "order_lines" in line)
    assert "erp/order_lines/order_lines_20250115.csv" in row and row.rstrip().endswith("42")


def test_unknown_customer_exits_1_with_a_message(settings, capsys):
    code, out, err = explain(settings, capsys, "nobody")
    assert code == 1 and out == ""
    assert "unknown customer 'nobody'" in err


def test_ambiguous_source_id_exits_1(settings, capsys):
    code, _, err = explain(settings, capsys, "DUP-1")
    assert code == 1 and "ambiguous" in err and "k3" in err and "k4" in err


def test_as_of_picks_the_history_partition(settings, capsys):
    code, out, _ = explain(settings, capsys, "k1", date(2025, 6, 30))
    assert code == 0
    assert "as of 2025-06-30 (latest published: 2025-12-31)" in out
    assert "tier            = B" in out
    # the window of 2025-06-30: lines dated up to D only (i = 19..25 are <= 2025-06-30)
    assert "7 line(s)" in out
    assert "churn signals   = n/a" in out


def test_unpublished_as_of_exits_1(settings, capsys):
    code, _, err = explain(settings, capsys, "k1", date(2024, 1, 1))
    assert code == 1 and "no classification published for as-of date 2024-01-01" in err
    assert "2025-06-30, 2025-12-31" in err


def test_without_working_warehouse_lineage_and_rules_are_na(settings, capsys):
    (settings.warehouse_dir / "warehouse.duckdb").unlink()
    code, out, _ = explain(settings, capsys, "k1")
    assert code == 0
    assert "file/line of CRM accounts and ERP customers: n/a" in out
    assert "5. Rules applied" in out and "n/a — working warehouse" in out


def test_no_serving_database_exits_1(tmp_path, capsys):
    code, _, err = explain(Settings(warehouse_dir=tmp_path), capsys, "k1")
    assert code == 1 and "publish a run first" in err


def test_serving_without_the_marts_exits_1(tmp_path, capsys):
    with duckdb.connect(str(tmp_path / "serving.duckdb")) as con:
        con.execute("create schema marts")
    code, _, err = explain(Settings(warehouse_dir=tmp_path), capsys, "k1")
    assert code == 1 and "cannot read" in err and "dim_customer" in err
