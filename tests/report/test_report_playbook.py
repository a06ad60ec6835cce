"""The report's needs and action-list sections: numbers that match the marts, overdue risks first."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.report import playbook, write_report
from tests.report.builders import CONTACT_EMAIL, CONTACT_MOBILE, build_serving


@pytest.fixture
def serving(tmp_path):
    return build_serving(tmp_path / "serving.duckdb")


def _html(serving, tmp_path) -> str:
    return write_report(serving, tmp_path / "report.html").read_text(encoding="utf-8")


def _part(html: str, anchor: str, next_anchor: str) -> str:
    return html[html.index(f'<section id="{anchor}">'):html.index(f'<section id="{next_anchor}">')]


def test_primary_needs_by_tier_match_customer_needs(serving, tmp_path):
    with duckdb.connect(str(serving), read_only=True) as con:
        data = playbook.needs_by_tier(con)
    cells = {(c["tier"], c["primary_need"]): c["customers"] for c in data["cells"]}
    assert cells == {("A", "quality"): 1, ("B", "price"): 1, ("C", "price"): 1, ("C", "general"): 1}
    needs = _part(_html(serving, tmp_path), "needs", "actions")
    # tier C: one price, one general of two buyers
    assert ('<td>C · 小客户</td><td class="n">0 <small>0.0%</small></td><td class="n">1 <small>50.0%</small></td>'
            in needs)


def test_needs_match_by_industry(serving, tmp_path):
    with duckdb.connect(str(serving), read_only=True) as con:
        industries = {r["industry"]: r for r in playbook.needs_by_tier(con)["industries"]}
    assert {k: (r["compared"], r["matched"], r["mismatched"]) for k, r in industries.items()} == {
        "apparel": (1, 1, 0), "home_textile": (1, 0, 1), "retail": (1, 1, 0), "wholesale": (0, 0, 0)}
    assert industries["wholesale"]["match_rate"] is None  # a general buyer is not compared
    needs = _part(_html(serving, tmp_path), "needs", "actions")
    assert "<td>home_textile</td><td>quality 重品质</td>" in needs and "0.0%" in needs


def test_action_counts_per_action_and_owner(serving, tmp_path):
    with duckdb.connect(str(serving), read_only=True) as con:
        counts = playbook.action_list(con)["counts"]
    assert [(r["next_action"], r["action_owner"], r["customers"]) for r in counts] == [
        ("collect_receivables", "赵经理", 1), ("satisfaction_recovery", "李经理", 1), ("win_back", "钱经理", 1),
        ("account_review", "王经理", 1), ("qualify_prospect", "孙经理", 1)]
    actions = _part(_html(serving, tmp_path), "actions", "quality")
    assert "<th>赵经理</th>" in actions and "1. collect receivables 催收" in actions


def test_overdue_risk_customers_come_first(serving, tmp_path):
    with duckdb.connect(str(serving)) as con:  # a reordered playbook: k3 (credit risk high) gets another action
        con.execute("update marts.customer_actions set next_action = 'retention_call', action_priority = 3 "
                    "where customer_key = 'k3'")
        con.execute("update marts.customer_actions set next_action = 'collect_receivables', action_priority = 1 "
                    "where customer_key = 'k5'")
    with duckdb.connect(str(serving), read_only=True) as con:
        listed = [r["customer_key"] for r in playbook.action_list(con)["customers"]]
    # collect_receivables (k5) and high credit risk (k3) first, then by rule: k2 (4), k4 (5), k1 (8)
    assert listed == ["k5", "k3", "k2", "k4", "k1"]
    actions = _part(_html(serving, tmp_path), "actions", "quality")
    assert actions.index("上海新客") < actions.index("坏&lt;script&gt;") < actions.index("杭州丝绸股份有限公司")
    assert "credit risk high: 120 days overdue" in actions


def test_customers_without_an_action_are_not_listed(serving):
    with duckdb.connect(str(serving)) as con:
        con.execute("update marts.customer_actions set next_action = 'none', action_priority = 10, "
                    "action_reason = '' where customer_key = 'k1'")
    with duckdb.connect(str(serving), read_only=True) as con:
        data = playbook.action_list(con)
    assert "k1" not in [r["customer_key"] for r in data["customers"]] and data["with_action"] == 4


def test_missing_playbook_tables_leave_notes(serving, tmp_path):
    with duckdb.connect(str(serving)) as con:
        con.execute("drop table marts.customer_actions")
        con.execute("drop table marts.customer_needs")
    html = _html(serving, tmp_path)
    assert "customer_needs" in _part(html, "needs", "actions") and "not available" in _part(html, "needs", "actions")
    assert "customer_actions" in _part(html, "actions", "quality")
    assert '<section id="tiers">' in html


def test_no_personal_data_in_the_new_sections(serving, tmp_path):
    html = _html(serving, tmp_path)
    part = _part(html, "needs", "quality")
    assert CONTACT_EMAIL not in part and CONTACT_MOBILE not in part
