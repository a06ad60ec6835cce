"""`explain`, sections 7 and 8: the needs figures with the purchases behind them, and why the action fired."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from orchestration.explain import explain_customer
from orchestration.settings import Settings
from tests.explain.test_explain import FACTS_SQL, WAREHOUSE_SQL
from tests.report.builders import build_serving

# k2's order lines: two purchases with a product, one without, a return and a line of D-365 (not purchases)
K2_LINES_SQL = """
alter table marts.fct_order_lines alter unit_price type decimal(18, 6);
alter table marts.fct_order_lines alter discount_rate type decimal(18, 6);
alter table marts.fct_order_lines alter fx_rate type decimal(18, 6);
insert into marts.fct_order_lines (order_no, line_no, customer_key, customer_no, order_date, sku, quantity, unit_price,
                                   discount_rate, currency, fx_rate, net_amount_cny, status, is_counted, source_file,
                                   source_line)
values
    ('SO-K2-1', 1, 'k2', 'C0002', date '2025-11-01', 'P1', 10, 100.00, 0.10, 'CNY', 1.0, 900.00, 'shipped', true,
     'erp/order_lines/order_lines_20251231.csv', 5),
    ('SO-K2-2', 1, 'k2', 'C0002', date '2025-10-01', 'E1', 5, 20.00, 0.00, 'USD', 7.0, 700.00, 'shipped', true,
     'erp/order_lines/order_lines_20251231.csv', 6),
    ('SO-K2-3', 1, 'k2', 'C0002', date '2025-09-01', 'X9', 1, 400.00, 0.50, 'CNY', 1.0, 200.00, 'open', true,
     'erp/order_lines/order_lines_20251231.csv', 7),
    ('SO-K2-4', 1, 'k2', 'C0002', date '2025-08-01', 'P1', -2, 100.00, 0.10, 'CNY', 1.0, -180.00, 'returned', true,
     'erp/order_lines/order_lines_20251231.csv', 8),
    ('SO-K2-5', 1, 'k2', 'C0002', date '2024-12-31', 'P1', 99, 100.00, 0.00, 'CNY', 1.0, 9900.00, 'shipped', true,
     'erp/order_lines/order_lines_20250101.csv', 9);
"""

PLAYBOOK_SQL = """
create table staging.stg_erp__products as
select * from (values ('P1', '牛仔布', 'premium'), ('E1', '帆布', 'economy')) as t(sku, product_line, grade);
create table rules.service_playbook as
select * from (values
    ('v1', 1, 'collect_receivables', 'credit_risk_high', null, 7),
    ('v1', 2, 'retention_visit', 'churn_band_high', 'value_core_or_important', 7),
    ('v1', 3, 'retention_call', 'churn_band_high', null, 3),
    ('v1', 4, 'satisfaction_recovery', 'satisfaction_falling_or_complaint', null, 7),
    ('v1', 10, 'none', 'always', null, null),
    ('v2', 1, 'none', 'always', null, null)
) as t(rule_version, priority, action, condition, and_condition, due_days);
"""


@pytest.fixture
def settings(tmp_path) -> Settings:
    serving = build_serving(tmp_path / "serving.duckdb")
    with duckdb.connect(str(serving)) as con:
        con.execute(FACTS_SQL)
        con.execute(K2_LINES_SQL)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute(WAREHOUSE_SQL)
        con.execute(PLAYBOOK_SQL)
    return Settings(warehouse_dir=tmp_path)


def explain(settings, capsys, customer, as_of=None) -> str:
    assert explain_customer(settings, customer, as_of) == 0
    return capsys.readouterr().out


def _section(out: str, number: int) -> str:
    start = out.index(f"\n{number}. ")
    end = out.find(f"\n{number + 1}. ", start)
    return out[start:] if end < 0 else out[start:end]


def test_needs_figures_with_the_purchases_behind_them(settings, capsys):
    needs = _section(explain(settings, capsys, "k2"), 7)
    assert "primary_need = price" in " ".join(needs.split())  # the published row
    # list 1,000 + 700 (fx 7) + 400; discount 100 + 200; with a product 900 premium + 700 economy
    assert ("3 purchase line(s); recomputed: discount_share_12m = 0.1429, premium_share_12m = 0.5625, "
            "economy_share_12m = 0.4375, top_product_line = 牛仔布, top_line_share_12m = 0.5625") in needs
    premium = next(line for line in needs.splitlines() if line.split()[:2] == ["premium", "牛仔布"])
    assert premium.split()[2:] == ["1", "900.00", "0.5625"]
    assert any(line.split()[:3] == ["(no", "product)", "-"] for line in needs.splitlines())
    sold = next(line for line in needs.splitlines() if "SO-K2-2" in line)
    assert "economy" in sold and "帆布" in sold and "erp/order_lines/order_lines_20251231.csv" in sold
    assert sold.rstrip().endswith("6")
    assert "SO-K2-4" not in needs and "SO-K2-5" not in needs  # a return and a line of D-365 are no purchases


def test_why_the_action_fired(settings, capsys):
    action = _section(explain(settings, capsys, "k2"), 8)
    assert "next_action     = satisfaction_recovery" in action
    assert "why: rule 4 (satisfaction_recovery) is the first rule of the playbook whose condition holds; " \
           "the facts: satisfaction falling (3.0 vs 4.0 before)" in action
    marks = {line.split()[1]: line.split()[0] for line in action.splitlines()
             if line.strip() and line.split()[0] in ("no", "->")}
    assert marks == {"1": "no", "2": "no", "3": "no", "4": "->"}
    assert "satisfaction_falling_or_complaint" in action
    assert "v2" not in action  # only the rule version that produced the row


def test_without_the_working_warehouse_grades_and_playbook_are_na(settings, capsys):
    (settings.warehouse_dir / "warehouse.duckdb").unlink()
    out = explain(settings, capsys, "k2")
    assert "grade / product line: n/a" in _section(out, 7)
    assert "3 purchase line(s)" in _section(out, 7)
    action = _section(out, 8)
    assert "the playbook rules: n/a" in action and "satisfaction falling (3.0 vs 4.0 before)" in action


def test_an_older_as_of_date_shows_that_dates_purchases(settings, capsys):
    needs = _section(explain(settings, capsys, "k1", date(2025, 6, 30)), 7)
    assert "customer_needs holds the latest as-of date 2025-12-31 only" in needs
    assert "7 purchase line(s)" in needs  # lines of k1 dated up to 2025-06-30, none cancelled among them


def test_a_prospect_has_no_needs_row(settings, capsys):
    out = explain(settings, capsys, "k5")
    assert "no row (no counted order on or before D" in _section(out, 7)
    assert "next_action     = qualify_prospect" in _section(out, 8)
