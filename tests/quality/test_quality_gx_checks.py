"""The GX error check of a raw feed validates the rows of this run's files (and of files held by earlier runs that
did not publish) and fails on bad values."""

from __future__ import annotations

from datetime import datetime

import dagster as dg

from orchestration.quality.gx_checks import run_suite
from orchestration.quality.suites import suite_path
from orchestration.settings import EXPECTATIONS_DIR

KEY = dg.AssetKey(["raw", "erp", "order_lines"])
SUITE = suite_path(EXPECTATIONS_DIR, KEY)


def test_good_rows_pass_the_error_suite(warehouse, raw_file, line, order_lines_spec):
    raw_file(warehouse, order_lines_spec, [line("SO1", "1"), line("SO1", "2", quantity=-2, status="returned"),
                                           line("SO2", "1", currency="USD", fx_rate="7.1")], run_id="r1")
    outcome = run_suite(warehouse, "r1", KEY, SUITE, "error")
    assert outcome.passed, outcome.observed
    assert outcome.metadata["rows_validated"] == 3


def test_a_negative_unit_price_fails_the_error_suite_and_says_where(warehouse, raw_file, line, order_lines_spec):
    raw_file(warehouse, order_lines_spec, [line("SO1", "1"), line("SO1", "2", unit_price="-3.00")], run_id="r1")
    outcome = run_suite(warehouse, "r1", KEY, SUITE, "error")
    assert not outcome.passed
    failed = outcome.metadata["failed_expectations"]
    assert [(f["column"], f["unexpected_count"]) for f in failed] == [("unit_price", 1)]
    assert failed[0]["where"] == ["erp/order_lines/order_lines_20250630.csv:3"]
    assert "read_parquet" in outcome.evidence and "unit_price" in outcome.observed


def test_only_rows_of_this_run_and_of_held_files_are_validated(warehouse, raw_file, line, order_lines_spec,
                                                               recorded_run):
    """A file a published run loaded passed then: not validated again. A file of a run that failed after it was
    not published: validated again (held) until it passes, or until a run accepts it (`held` False)."""
    recorded_run(warehouse, "published", published=True, recorded_at=datetime(2025, 7, 1))
    recorded_run(warehouse, "failed", published=False, recorded_at=datetime(2025, 7, 2))
    recorded_run(warehouse, "new", published=False, recorded_at=datetime(2025, 7, 3))
    raw_file(warehouse, order_lines_spec, [line(unit_price="-1")], run_id="published", name="order_lines_20250101.csv")
    raw_file(warehouse, order_lines_spec, [line("SO9", "1")], run_id="new")
    outcome = run_suite(warehouse, "new", KEY, SUITE, "error")
    assert outcome.passed and outcome.metadata["rows_validated"] == 1
    raw_file(warehouse, order_lines_spec, [line("SO8", "1", unit_price="-2")], run_id="failed",
             name="order_lines_20250102.csv")
    held = run_suite(warehouse, "new", KEY, SUITE, "error")
    assert not held.passed and held.metadata["rows_validated"] == 2
    accepted = run_suite(warehouse, "new", KEY, SUITE, "error", held=False)
    assert accepted.passed and accepted.metadata["rows_validated"] == 1


def test_discount_rate_of_one_and_an_order_after_the_export_date_fail(warehouse, raw_file, line, order_lines_spec):
    raw_file(warehouse, order_lines_spec, [line("SO1", "1", discount_rate="1"),
                                           line("SO1", "2", order_date="2025-07-01")], run_id="r1")
    outcome = run_suite(warehouse, "r1", KEY, SUITE, "error")
    columns = sorted(f["column"] for f in outcome.metadata["failed_expectations"])
    assert columns == ["_export_date,order_date", "discount_rate"]


def test_warn_suite_is_separate_from_the_error_suite(warehouse, raw_file, line, order_lines_spec):
    raw_file(warehouse, order_lines_spec, [line(quantity=-5, status="shipped")], run_id="r1")
    assert run_suite(warehouse, "r1", KEY, SUITE, "error").passed
    warn = run_suite(warehouse, "r1", KEY, SUITE, "warn")
    assert not warn.passed and [f["column"] for f in warn.metadata["failed_expectations"]] == ["quantity"]


def test_a_run_without_new_files_passes_on_zero_rows(warehouse):
    outcome = run_suite(warehouse, "nothing", KEY, SUITE, "error")
    assert outcome.passed and outcome.metadata["rows_validated"] == 0
    assert "no erp/order_lines file loaded" in outcome.evidence


def test_big_batches_are_validated_in_chunks_and_counts_add_up(warehouse, raw_file, line, order_lines_spec,
                                                                monkeypatch):
    from orchestration.quality import batches

    monkeypatch.setattr(batches, "VECTORS_PER_CHUNK", 1)  # 2,048 rows per chunk
    rows = [line("SO1", str(i), unit_price="-1" if i % 1000 == 0 else "2") for i in range(5000)]
    raw_file(warehouse, order_lines_spec, rows, run_id="r1")
    outcome = run_suite(warehouse, "r1", KEY, SUITE, "error")
    assert outcome.metadata["rows_validated"] == 5000
    [failed] = outcome.metadata["failed_expectations"]
    assert (failed["column"], failed["unexpected_count"]) == ("unit_price", 5)
    assert failed["unexpected_percent"] == 0.1


def test_a_chunk_that_fails_is_reported_in_full_beside_chunks_that_pass(warehouse, raw_file, line, order_lines_spec,
                                                                        monkeypatch):
    """A chunk is validated for its verdict first and again for the details only when it failed: the failing rows
    of the one failing chunk are counted, sampled and located, and the passing chunks' rows are still counted."""
    from orchestration.quality import batches

    monkeypatch.setattr(batches, "VECTORS_PER_CHUNK", 1)  # 2,048 rows per chunk
    rows = [line("SO1", str(i), unit_price="-1" if i in (4500, 4700) else "2") for i in range(5000)]
    raw_file(warehouse, order_lines_spec, rows, run_id="r1")
    outcome = run_suite(warehouse, "r1", KEY, SUITE, "error")
    assert not outcome.passed and outcome.metadata["rows_validated"] == 5000
    [failed] = outcome.metadata["failed_expectations"]
    assert (failed["column"], failed["unexpected_count"], failed["sample"]) == ("unit_price", 2, ["-1.0", "-1.0"])
    assert failed["where"] == ["erp/order_lines/order_lines_20250630.csv:4502",
                               "erp/order_lines/order_lines_20250630.csv:4702"]
