"""The business report: every section, numbers that match the tables, escaped text, offline, no contact PII."""

from __future__ import annotations

import re
from datetime import date

import duckdb
import pytest

from orchestration.report import charts, queries, render_report, write_report
from tests.report.builders import CONTACT_EMAIL, CONTACT_MOBILE, EVIL_NAME, build_serving

SECTION_IDS = ("tiers", "values", "lifecycle", "migration", "churn", "credit", "needs", "actions", "quality")


@pytest.fixture
def serving(tmp_path):
    return build_serving(tmp_path / "serving.duckdb")


@pytest.fixture
def html(serving, tmp_path):
    return write_report(serving, tmp_path / "report.html").read_text(encoding="utf-8")


def test_every_section_is_rendered(html):
    for anchor in SECTION_IDS:
        assert f'<section id="{anchor}">' in html
    assert "not available" not in html
    assert "as of 2025-12-31" in html and "rule version v1" in html


def test_tier_distribution_matches_customer_tier(serving, html):
    with duckdb.connect(str(serving), read_only=True) as con:
        tiers = {r["tier"]: r for r in queries.tier_distribution(con)}
    assert {t: r["customers"] for t, r in tiers.items()} == {"A": 1, "B": 1, "C": 2}
    assert tiers["C"]["share"] == pytest.approx(0.5)
    assert float(tiers["A"]["revenue_share"]) == pytest.approx(250000 / 311000)
    assert "A · 大客户" in html and "C · 小客户" in html
    # the A row of the table: 1 customer, 25.0% of customers, guideline 10.0%, revenue ¥250,000
    assert re.search(r"A · 大客户</td><td class=\"n\">1</td><td class=\"n\">25.0%</td><td class=\"n\">10.0%</td>"
                     r"<td class=\"n\">¥250,000</td>", html)


def test_overview_and_receivables_totals(html):
    assert "¥311,000" in html  # revenue_12m over all customers
    assert "¥71,000" in html and "¥65,000" in html  # outstanding, overdue


def test_tier_migration_matrix(serving, html):
    with duckdb.connect(str(serving), read_only=True) as con:
        migration = queries.tier_migration(con)
    assert (migration.previous, migration.current) == (date(2025, 6, 30), date(2025, 12, 31))
    cells = {(c["from_tier"], c["to_tier"]): c["customers"] for c in migration.cells}
    assert cells == {("B", "A"): 1, ("B", "B"): 1, ("C", "C"): 2, ("-", "-"): 1}
    assert "from 2025-06-30 (rows) to 2025-12-31 (columns)" in html
    assert "1 moved up, 0 moved down" in html
    assert html.count("<th>from ") == 4  # A, B, C, no tier: each once


def test_first_run_has_no_migration(tmp_path):
    serving = build_serving(tmp_path / "serving.duckdb", with_previous=False)
    html = write_report(serving, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "First run" in html


def test_top_churn_risks_sorted_by_score_then_revenue(serving, html):
    with duckdb.connect(str(serving), read_only=True) as con:
        top = queries.top_churn_risk(con)
    assert [r["customer_key"] for r in top] == ["k3", "k2", "k4"]  # k1 scores 0: not a risk
    assert top[0]["signal_frequency_drop"] is True
    churn_html = html[html.index('<section id="churn">'):html.index('<section id="credit">')]
    assert churn_html.index("杭州丝绸股份有限公司") < churn_html.index("北京文具批发")
    assert "fewer orders 频次下降" in churn_html


def test_data_quality_of_latest_published_run(html):
    quality = html[html.index('<section id="quality">'):]
    assert "run r2" in quality
    assert "3 passed" in quality and "0 failed (blocking)" in quality and "1 warnings" in quality
    assert "quarantine_share_small" in quality
    assert "r3_only_failure" not in quality  # the failed, unpublished run is not this report's run
    assert ">150<" in quality and ">148<" in quality  # rows read / loaded of r2's files, r1's 7,777 excluded
    assert "7,777" not in quality
    assert "every loaded file reconciles" in quality


def test_text_is_escaped(html):
    assert "<script" not in html.lower()
    assert "坏&lt;script&gt;alert(1)&lt;/script&gt;公司" in html
    assert EVIL_NAME not in html


def test_self_contained_no_external_urls(html):
    assert "http" not in html.lower()
    assert not re.search(r"\b(src|href)\s*=", html)
    assert "@import" not in html and "url(" not in html


def test_no_contact_pii(html):
    assert CONTACT_EMAIL not in html and CONTACT_MOBILE not in html
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", html)
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", html)


def test_missing_table_leaves_a_note_not_a_crash(serving, tmp_path):
    with duckdb.connect(str(serving)) as con:
        con.execute("drop table marts.customer_credit")
    html = write_report(serving, tmp_path / "report.html").read_text(encoding="utf-8")
    credit = html[html.index('<section id="credit">'):html.index('<section id="quality">')]
    assert "not available" in credit and "customer_credit" in credit
    assert '<section id="tiers">' in html


def test_write_report_reads_read_only_and_leaves_no_temp_file(serving, tmp_path):
    out = tmp_path / "out" / "report.html"
    before = serving.read_bytes()
    assert write_report(serving, out) == out
    assert serving.read_bytes() == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["report.html"]


def test_missing_serving_database_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="publish a run first"):
        write_report(tmp_path / "serving.duckdb", tmp_path / "report.html")


def test_render_report_on_open_connection(serving):
    with duckdb.connect(str(serving), read_only=True) as con:
        assert render_report(con).startswith("<!DOCTYPE html>")


def test_bar_chart_scales_bars_and_escapes_labels():
    svg = charts.hbar_chart([charts.Bar("<b>", 50), charts.Bar("full", 100)], str, width=400, label_width=100)
    widths = [float(w) for w in re.findall(r'<rect x="100" y="\d+" width="([\d.]+)" height="\d+" rx="3" fill', svg)]
    assert widths == [105.0, 210.0]  # plot = 400 - 100 - 90
    assert "&lt;b&gt;" in svg and "<b>" not in svg


def test_no_earlier_date_is_not_called_a_first_run(serving, tmp_path):
    with duckdb.connect(str(serving)) as con:  # re-ran an old D after a later one: history only holds a later D
        con.execute("update marts.customer_classification_history set as_of_date = date '2026-03-31' "
                    "where as_of_date = date '2025-06-30'")
    html = write_report(serving, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "First run" not in html and "No as-of date before 2025-12-31" in html
