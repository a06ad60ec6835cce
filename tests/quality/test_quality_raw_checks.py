"""Quarantine-rate gate and per-file row reconciliation of the ingestion audit trail."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from orchestration.feeds import ACCOUNTS
from orchestration.quality.raw_checks import quarantine_rate, rows_reconcile


@pytest.mark.parametrize(("quarantined", "passed"), [(6, False), (4, True), (5, True)])
def test_quarantine_rate_gate_at_five_percent(warehouse, raw_file, line, order_lines_spec, quarantined, passed):
    rows = [line("SO1", str(i)) for i in range(100 - quarantined)]
    raw_file(warehouse, order_lines_spec, rows, run_id="r1", rows_quarantined=quarantined)
    with warehouse.connect() as con:
        outcome = quarantine_rate(con, "r1", order_lines_spec, max_share=0.05, min_rows=3)
    assert outcome.passed is passed, outcome.observed
    if not passed:
        assert "6.0%" in outcome.observed and "audit.quarantine" in outcome.evidence


@pytest.mark.parametrize(("read", "quarantined", "passed"), [(14, 1, True), (14, 2, True), (14, 3, False),
                                                             (2, 2, True), (3, 3, False)])
def test_a_stray_line_of_a_small_file_does_not_fail_the_gate(warehouse, raw_file, line, order_lines_spec,
                                                             read, quarantined, passed):
    """Above 5% but fewer than 3 quarantined rows (a day's 14 engagements, one cut off): quarantined and named in
    the check's observation, not a broken export; from 3 rows over the share the file fails as any other."""
    rows = [line("SO1", str(i)) for i in range(read - quarantined)]
    raw_file(warehouse, order_lines_spec, rows, run_id="r1", rows_quarantined=quarantined)
    with warehouse.connect() as con:
        outcome = quarantine_rate(con, "r1", order_lines_spec, max_share=0.05, min_rows=3)
    assert outcome.passed is passed, outcome.observed
    assert outcome.metadata["files_with_stray_lines"] == int(passed)
    if passed:
        assert f"({quarantined} of {read} rows)" in outcome.observed and "stray lines" in outcome.observed


def test_quarantine_rate_looks_at_this_runs_files_and_those_held_since_the_last_publication(
        warehouse, raw_file, line, order_lines_spec, recorded_run):
    recorded_run(warehouse, "old", published=True, recorded_at=datetime(2025, 7, 1))
    recorded_run(warehouse, "r1", published=False, recorded_at=datetime(2025, 7, 2))
    recorded_run(warehouse, "r2", published=False, recorded_at=datetime(2025, 7, 3))
    raw_file(warehouse, order_lines_spec, [line()], run_id="old", rows_quarantined=9, name="order_lines_20250101.csv")
    raw_file(warehouse, order_lines_spec, [line()] * 20, run_id="r1")
    with warehouse.connect() as con:
        assert quarantine_rate(con, "r1", order_lines_spec, max_share=0.05, min_rows=3).passed
        assert not quarantine_rate(con, "old", order_lines_spec, max_share=0.05, min_rows=3).passed
    # r1 failed (another check) and published nothing: its broken file holds r2 too, unless r2 accepts it
    raw_file(warehouse, order_lines_spec, [line()] * 20, run_id="r1", rows_quarantined=5,
             name="order_lines_20250102.csv")
    with warehouse.connect() as con:
        held = quarantine_rate(con, "r2", order_lines_spec, max_share=0.05, min_rows=3)
        assert not held.passed and "held from earlier runs" in held.observed and "--accept-held-files" in held.observed
        assert quarantine_rate(con, "r2", order_lines_spec, max_share=0.05, min_rows=3, held=False).passed
        assert rows_reconcile(con, "r2", order_lines_spec, warehouse.root).passed  # counts the held files' own rows


def test_rows_reconcile_passes_when_counts_agree(warehouse, raw_file, line, order_lines_spec):
    raw_file(warehouse, order_lines_spec, [line("SO1", "1"), line("SO1", "2")], run_id="r1", rows_quarantined=1)
    with warehouse.connect() as con:
        outcome = rows_reconcile(con, "r1", order_lines_spec, warehouse.root)
    assert outcome.passed, outcome.observed
    assert outcome.metadata["rows_read"] == 3


def test_rows_reconcile_catches_a_lost_row(warehouse, raw_file, line, order_lines_spec):
    raw_file(warehouse, order_lines_spec, [line("SO1", "1"), line("SO1", "2")], run_id="r1", rows_read=4)
    with warehouse.connect() as con:
        outcome = rows_reconcile(con, "r1", order_lines_spec, warehouse.root)
    assert not outcome.passed
    assert "read 4 != loaded 2 + quarantined 0" in outcome.observed


def test_rows_reconcile_catches_a_parquet_file_short_of_its_logged_rows(warehouse, raw_file, line, order_lines_spec):
    raw_file(warehouse, order_lines_spec, [line("SO1", "1")], run_id="r1")
    with warehouse.connect() as con:
        con.execute("update audit.load_log set rows_read = 2, rows_loaded = 2")
        outcome = rows_reconcile(con, "r1", order_lines_spec, warehouse.root)
    assert not outcome.passed and "1 rows in" in outcome.observed


def test_a_held_snapshot_is_released_by_a_newer_one(warehouse, raw_file, recorded_run):
    """A broken snapshot from a run that did not publish holds the next run, until a newer snapshot (which replaces
    it in the marts) is loaded."""
    recorded_run(warehouse, "failed", published=False, recorded_at=datetime(2025, 7, 2))
    recorded_run(warehouse, "r2", published=False, recorded_at=datetime(2025, 7, 3))
    raw_file(warehouse, ACCOUNTS, [{}] * 20, run_id="failed", rows_quarantined=5, export_date=date(2025, 6, 30))
    with warehouse.connect() as con:
        assert not quarantine_rate(con, "r2", ACCOUNTS, max_share=0.05, min_rows=3).passed
    raw_file(warehouse, ACCOUNTS, [{}] * 20, run_id="r2", export_date=date(2025, 7, 1))
    with warehouse.connect() as con:
        outcome = quarantine_rate(con, "r2", ACCOUNTS, max_share=0.05, min_rows=3)
    assert outcome.passed and outcome.metadata["files"] == 1, outcome.observed


def test_a_load_of_a_run_without_a_plan_is_not_held(warehouse, raw_file, line, order_lines_spec, recorded_run):
    """A warehouse older than run plans (audit.run_inputs) holds loads of runs without one: published long ago,
    they are not checked again by the first run after an upgrade."""
    raw_file(warehouse, order_lines_spec, [line()], run_id="legacy", rows_quarantined=9,
             name="order_lines_20250101.csv")
    recorded_run(warehouse, "r1", published=False, recorded_at=datetime(2025, 7, 2))
    raw_file(warehouse, order_lines_spec, [line()] * 20, run_id="r1")
    with warehouse.connect() as con:
        outcome = quarantine_rate(con, "r1", order_lines_spec, max_share=0.05, min_rows=3)
    assert outcome.passed and outcome.metadata["files"] == 1, outcome.observed
