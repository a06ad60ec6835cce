"""Every GX suite file loads with all of its expectations, and every validated dataset has one."""

from __future__ import annotations

import json

import dagster as dg
import pytest

from orchestration.feeds import FEEDS
from orchestration.quality.suites import build_suite, read_suite, severities, suite_files, suite_path
from orchestration.settings import EXPECTATIONS_DIR

PUBLISHED_MARTS = ("dim_customer", "fct_order_lines", "fct_invoices", "fct_interactions", "customer_tier",
                   "customer_value", "customer_churn", "customer_credit", "customer_classification", "segment_summary",
                   "customer_needs", "customer_actions", "customer_profile")
SUITES = suite_files(EXPECTATIONS_DIR)


def test_every_raw_feed_and_published_mart_has_a_suite():
    keys = [dg.AssetKey(["raw", s.system, s.name]) for s in FEEDS.values()]
    keys += [dg.AssetKey(["marts", m]) for m in PUBLISHED_MARTS] + [dg.AssetKey(["audit", "identity_map"])]
    missing = [k.to_user_string() for k in keys if not suite_path(EXPECTATIONS_DIR, k).exists()]
    assert not missing


@pytest.mark.parametrize("path", SUITES, ids=[p.stem for p in SUITES])
def test_suite_loads_with_all_its_expectations(path):
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["name"] == path.stem
    suite = build_suite(read_suite(path))
    assert len(suite.expectations) == len(raw["expectations"]) > 0
    for severity in severities(raw):
        wanted = [e for e in raw["expectations"] if e["meta"]["severity"] == severity]
        assert len(build_suite(raw, severity).expectations) == len(wanted)


def test_a_suite_with_an_unknown_expectation_or_severity_is_refused(tmp_path):
    bad_type = {"name": "x", "expectations": [{"type": "expect_nothing_at_all", "kwargs": {"column": "a"},
                                               "meta": {"severity": "error"}}]}
    with pytest.raises(Exception):  # noqa: B017 - GX raises its own configuration errors
        build_suite(bad_type)
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"name": "x", "expectations": [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"}, "meta": {"severity": "fatal"}}]}))
    with pytest.raises(ValueError, match="severity"):
        read_suite(path)


def test_unit_price_is_an_error_expectation_of_the_order_lines_suite():
    suite = read_suite(suite_path(EXPECTATIONS_DIR, dg.AssetKey(["raw", "erp", "order_lines"])))
    price = [e for e in suite["expectations"] if e["kwargs"].get("column") == "unit_price"
             and e["type"] == "expect_column_values_to_be_between"]
    assert price and price[0]["meta"]["severity"] == "error" and price[0]["kwargs"]["min_value"] == 0
