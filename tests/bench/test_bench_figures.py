"""The benchmark's figure-collection helpers on small data built here (no timing assertions)."""

from __future__ import annotations

import json
import sys
from datetime import date
from types import SimpleNamespace

import duckdb
import pytest

from orchestration.audit import ensure_audit_schema
from orchestration.bench import baseline, figures, landing, targets
from orchestration.bench.process import measure, parse_run_id, tree_memory_bytes
from orchestration.feeds import ORDER_LINES

MIB = 1024 ** 2


@pytest.mark.parametrize(("step", "stage"), [
    ("raw__erp__order_lines", "ingest"),
    ("raw__social__engagements", "ingest"),
    ("raw__erp__order_lines__checks", "checks"),
    ("marts__fct_order_lines__checks", "checks"),
    ("audit__identity_map__checks", "checks"),
    ("dbt_models", "dbt"),
    ("publish__serving_database", "publish"),
    ("something_new", "other"),
])
def test_steps_are_classified_into_stages(step, stage):
    assert figures.stage_of(step) == stage


def test_stage_seconds_sum_steps_and_keep_the_rest_as_other():
    stats = [SimpleNamespace(step_key=k, start_time=s, end_time=e) for k, s, e in [
        ("raw__erp__order_lines", 100.0, 104.0), ("raw__crm__accounts", 104.0, 105.0),
        ("dbt_models", 105.0, 115.0), ("raw__erp__order_lines__checks", 115.0, 116.5),
        ("publish__serving_database", 116.5, 117.0), ("mystery", 117.0, 118.0),
        ("never_started", None, None)]]
    steps = figures.step_seconds(stats)
    assert "never_started" not in steps
    stages = figures.stage_seconds(steps, total=25.0)
    assert stages == {"ingest": 5.0, "dbt": 10.0, "checks": 1.5, "publish": 0.5, "other": 8.0, "total": 25.0}
    breakdown = figures.overhead_seconds(steps, (95.0, 120.0), (99.0, 118.5))
    assert breakdown == {"startup": 4.0, "between_steps": 1.5, "shutdown": 1.5}


def test_run_id_is_found_after_dbt_noise():
    stdout = "Running with dbt=1.11\n1 of 3 START ...\nrun 94a974dc-08bb-47f4  (94.1s)\n  accounts loaded\n"
    assert parse_run_id(stdout) == "94a974dc-08bb-47f4"
    assert parse_run_id("error: landing directory missing\n") is None


def test_load_figures_count_only_this_runs_loaded_files(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(db)) as con:
        ensure_audit_schema(con)
        rows = [("erp/order_lines/a.csv", "order_lines", 1000, 100, 98, 2, "loaded", "r1"),
                ("crm/accounts/b.csv", "accounts", 500, 10, 10, 0, "loaded", "r1"),
                ("crm/accounts/c.csv", "accounts", 500, None, None, None, "skipped_duplicate", "r1"),
                ("erp/order_lines/d.csv", "order_lines", 900, 50, 50, 0, "loaded", "r0")]
        for path, feed, size, read, loaded, quarantined, status, run in rows:
            con.execute("insert into audit.load_log (path, feed, sha256, bytes, rows_read, rows_loaded, "
                        "rows_quarantined, status, run_id, loaded_at) values (?, ?, 'x', ?, ?, ?, ?, ?, ?, now())",
                        [path, feed, size, read, loaded, quarantined, status, run])
    got = figures.load_figures(db, "r1")
    assert got == {"files_loaded": 2, "rows_read": 110, "rows_loaded": 108, "rows_quarantined": 2,
                   "bytes_loaded": 1500, "order_lines_files": ["erp/order_lines/a.csv"], "order_lines_rows": 100}
    assert figures.load_figures(tmp_path / "missing.duckdb", "r1")["rows_loaded"] == 0
    assert figures.rate(108, 2.0) == 54.0 and figures.rate(0, 2.0) is None


def test_peak_memory_covers_grandchildren(tmp_path):
    """A grandchild that fills 150 MiB while its parent idles shows in both memory figures."""
    grandchild = "import time; b = bytearray(b'x') * (150 * 2**20); time.sleep(1.5)"
    child = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {grandchild!r}])"
    got = measure([sys.executable, "-c", child], env={}, cwd=tmp_path, stdout=tmp_path / "o", stderr=tmp_path / "e",
                  sample_seconds=0.05)
    assert got.exit_code == 0, (tmp_path / "e").read_text()
    assert got.peak_tree_rss_bytes >= 150 * MIB
    assert got.max_process_rss_bytes >= 150 * MIB
    assert tree_memory_bytes(2**22 + 12345) == (0, 0)  # a pid that does not exist: nothing, no error
    failing = measure([sys.executable, "-c", "raise SystemExit(3)"], env={}, cwd=tmp_path, stdout=tmp_path / "o",
                      stderr=tmp_path / "e")
    assert failing.exit_code == 3


def test_memory_of_the_measuring_process_does_not_leak_into_the_figures(tmp_path):
    ballast = bytearray(b"x") * (300 * MIB)  # the bench itself may be big (generator, DuckDB read)
    got = measure([sys.executable, "-c", "import time; time.sleep(0.5)"], env={}, cwd=tmp_path,
                  stdout=tmp_path / "o", stderr=tmp_path / "e", sample_seconds=0.05)
    assert len(ballast) == 300 * MIB
    assert got.max_process_rss_bytes < 100 * MIB
    assert 0 < got.peak_tree_rss_bytes < 100 * MIB


def test_landing_helpers_find_export_days_and_link_them(tmp_path):
    source = tmp_path / "cache"
    for rel in ("erp/order_lines/order_lines_20250502.csv", "erp/order_lines/order_lines_20251231.csv",
                "crm/accounts/accounts_20251231.csv", "crm/accounts/accounts_20250502.csv", "README.txt"):
        (source / rel).parent.mkdir(parents=True, exist_ok=True)
        (source / rel).write_text(rel)
    assert landing.export_dates(source) == [date(2025, 5, 2), date(2025, 12, 31)]
    last = landing.files_of(source, date(2025, 12, 31))
    assert [str(p) for p in last] == ["crm/accounts/accounts_20251231.csv", "erp/order_lines/order_lines_20251231.csv"]
    landing.link_files(source, last, tmp_path / "run")
    assert sorted(str(p) for p in landing.all_files(tmp_path / "run")) == [str(p) for p in last]
    assert (tmp_path / "run" / last[0]).read_text() == str(last[0])
    assert (tmp_path / "run" / last[0]).stat().st_ino == (source / last[0]).stat().st_ino  # a link, not a copy


def test_the_week_of_nights_is_cached_apart_from_the_history_and_rebuilt_with_it(tmp_path):
    from orchestration.demo import write_demo_landing

    history = tmp_path / "history"
    summary = write_demo_landing(history, customers=200, seed=4)
    nights, made = landing.cached_nights(tmp_path, "S", 4, history, summary, nights=2)
    assert landing.export_dates(nights) == [date(2026, 1, 1), date(2026, 1, 2)]
    assert len(landing.all_files(nights)) == 18  # nine feeds a day, nothing of the history
    assert [d["date"] for d in made["days"]] == ["2026-01-01", "2026-01-02"]
    assert landing.export_dates(history)[-1] == date(2025, 12, 31)  # the history is untouched
    stamp = (nights / landing.all_files(nights)[0]).stat().st_mtime_ns
    again, _ = landing.cached_nights(tmp_path, "S", 4, history, summary, nights=2)
    assert (again / landing.all_files(again)[0]).stat().st_mtime_ns == stamp  # reused
    landing.cached_nights(tmp_path, "S", 4, history, {**summary, "bytes": 1}, nights=2)
    assert (nights / landing.all_files(nights)[0]).stat().st_mtime_ns != stamp  # another history: made again
    assert not list(tmp_path.glob(".nights-*"))


def test_duckdb_read_counts_the_rows_of_gb18030_files(tmp_path):
    header = ",".join(c.source for c in ORDER_LINES.columns)
    row = "SO1,{n},K000001,2025-01-02,面料-{n},3,12.50,0.10,CNY,1.0000,shipped,2025-01-02 10:00:00"
    for name, n in (("a.csv", 2), ("b.csv", 3)):
        lines = [header] + [row.format(n=i) for i in range(1, n + 1)]
        (tmp_path / name).write_bytes(("\n".join(lines) + "\n").encode("gb18030"))
    got = baseline.duckdb_read([tmp_path / "a.csv", tmp_path / "b.csv"], tmp_path / "scratch", 1, "512MB")
    assert (got["files"], got["rows"]) == (2, 5)
    assert got["utf8_bytes"] > 0 and got["seconds"] > 0
    assert not (tmp_path / "scratch").exists()


def _run(total: float, exit_code: int = 0, peak: int = 2**30, ratio: float | None = 1.2) -> dict:
    stages = {"ingest": 1.0, "dbt": 2.0, "checks": 1.0, "publish": 0.5, "other": total - 4.5, "total": total}
    return {"exit_code": exit_code, "stages": stages, "peak_memory_bytes": peak, "order_lines": {"ratio": ratio},
            "as_of": "2026-01-01", "rows_loaded": 1000, "ingest_rows_per_second": 1000.0}


def _scale(full: float, nightly: float, nothing: float, nights: list[float], **overrides) -> dict:
    runs = {"full": _run(full), "nightly": _run(nightly), "nothing_new": _run(nothing, ratio=None)}
    runs.update({f"night_{k}": _run(t) for k, t in enumerate(nights, start=2)})
    runs.update(overrides)
    return {"runs": runs, "week": figures.week_figures(runs, len(nights) + 1)}


def test_week_figures_list_every_night_and_compare_the_last_with_the_first():
    runs = _scale(80, 10.0, 5, [9.5, 9.8, 10.2, 10.4, 10.9, 11.5])["runs"]
    week = figures.week_figures(runs, 7)
    assert week["runs"] == ["nightly", "night_2", "night_3", "night_4", "night_5", "night_6", "night_7"]
    assert week["seconds"] == [10.0, 9.5, 9.8, 10.2, 10.4, 10.9, 11.5]
    assert (week["last_vs_first"], week["all_published"]) == (1.15, True)
    runs["night_4"] = _run(30.0, exit_code=1)
    assert figures.week_figures(runs, 7)["last_vs_first"] is None  # a failed night: no verdict
    del runs["night_7"]
    assert figures.week_figures(runs, 7)["seconds"][-1] is None


def test_targets_of_the_issue_pass_miss_invalid_and_not_measured():
    results = {"scales": {
        "M": _scale(24.0, 6.0, 7.5, [6.0] * 6),
        "L": _scale(100.0, 14.0, 5.5, [14.0, 14.0, 14.0, 14.0, 14.0, 15.0],
                    period=_run(60.0, ratio=2.0), nothing_new=_run(5.5, peak=4 * 2**30, ratio=None)),
    }}
    got = {t["target"]: t["status"] for t in targets.evaluate(results)}
    assert got["L full run <= 90 s"] == "MISS"
    assert got["L nightly (one day) <= 15% of L full"] == "PASS"
    assert got["L nightly (one day) <= 20 s"] == "PASS"
    assert got["L week of nights: last night within 10% of the first"] == "PASS"  # 15 / 14
    assert got["M full run <= 25 s"] == "PASS"
    assert got["L peak memory of the process tree <= 3 GiB"] == "MISS"
    assert got["M nothing-new run <= 6 s"] == "MISS" and got["L nothing-new run <= 6 s"] == "PASS"
    assert got["L period: order-lines ingestion <= 1.5x DuckDB read"] == "MISS"
    assert got["M nightly: order-lines ingestion <= 1.5x DuckDB read"] == "PASS"
    assert got["M period: order-lines ingestion <= 1.5x DuckDB read"] == "n/a"

    results["scales"]["L"] = _scale(80.0, 18.0, 5.0, [14.0] * 5 + [12.0])
    got = {t["target"]: t["status"] for t in targets.evaluate(results)}
    assert got["L nightly (one day) <= 15% of L full"] == "MISS"  # 22 %
    assert got["L week of nights: last night within 10% of the first"] == "MISS"  # 12 / 18: faster is a miss too
    results["scales"]["L"]["runs"]["night_3"]["exit_code"] = 1
    results["scales"]["L"]["week"] = figures.week_figures(results["scales"]["L"]["runs"], 7)
    got = {t["target"]: t["status"] for t in targets.evaluate(results)}
    assert got["L week of nights: last night within 10% of the first"] == "n/a"
    assert got["L peak memory of the process tree <= 3 GiB"] == "INVALID"

    only_s = {t["target"]: t["status"] for t in targets.evaluate({"scales": {"S": _scale(30, 20, 5.9, [20] * 6)}})}
    assert only_s["L full run <= 90 s"] == "n/a" and only_s["M full run <= 25 s"] == "n/a"
    assert only_s["S nothing-new run <= 6 s"] == "PASS"


def test_table_shows_every_run_and_the_week():
    results = {"scales": {"S": _scale(30.0, 20.0, 5.9, [20.0] * 5 + [21.0])}}
    results["targets"] = targets.evaluate(results)
    text = targets.table(results)
    assert [line.split()[1] for line in text.splitlines()[2:10]] == [
        "full", "nightly", "nothing_new", "night_2", "night_3", "night_4", "night_5", "night_6"]
    assert "S week of nights (s): 20.0 20.0 20.0 20.0 20.0 20.0 21.0; last/first 1.05" in text
    assert "PASS    S nothing-new run <= 6 s" in text


def test_dbt_figures_split_model_and_test_node_time_and_name_the_slowest_nodes(tmp_path):
    results = tmp_path / "run_results.json"
    assert figures.dbt_figures(results) is None  # dbt did not run
    results.write_text(json.dumps({"elapsed_time": 12.5, "results": [
        {"unique_id": "model.customer_warehouse.int_customer_order_metrics", "execution_time": 6.0},
        {"unique_id": "seed.customer_warehouse.classification_rules", "execution_time": 0.5},
        {"unique_id": "test.customer_warehouse.primary_key_dim_customer_customer_key.c4ea32c3", "execution_time": 2.0},
        {"unique_id": "model.customer_warehouse.dim_customer", "execution_time": 3.0},
        {"unique_id": "test.customer_warehouse.dim_customer_columns_not_null.fd60b7e2", "execution_time": 1.0}]}))
    dbt = figures.dbt_figures(results, slowest=3)
    assert dbt == {"seconds": 12.5, "model_node_seconds": 9.5, "test_node_seconds": 3.0, "nodes": 5,
                   "slowest": {"int_customer_order_metrics": 6.0, "dim_customer": 3.0,
                               "primary_key_dim_customer_customer_key": 2.0},
                   "step_phases": None}  # no step window, no node timings
    assert list(dbt["slowest"]) == ["int_customer_order_metrics", "dim_customer",
                                    "primary_key_dim_customer_customer_key"]  # slowest first


def test_the_dbt_steps_fixed_costs_are_told_apart_from_its_nodes(tmp_path):
    """Before dbt's first node (its start, parse and graph) and after its last (its artifacts, then the step's
    audit rows, lineage and Dagster events) are the step's fixed costs; the nodes are its data work."""
    from datetime import UTC, datetime

    def stamp(seconds: float) -> str:
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    results = tmp_path / "run_results.json"
    step = (1_000.0, 1_030.0)
    assert figures.dbt_figures(results, step) is None  # dbt did not run
    results.write_text(json.dumps({"results": [
        {"unique_id": "seed.customer_warehouse.classification_rules", "timing": [
            {"name": "compile", "started_at": stamp(1_004.0), "completed_at": stamp(1_004.1)},
            {"name": "execute", "started_at": stamp(1_004.1), "completed_at": stamp(1_005.0)}]},
        {"unique_id": "model.customer_warehouse.dim_customer", "timing": [
            {"name": "compile", "started_at": stamp(1_005.0), "completed_at": stamp(1_005.5)},
            {"name": "execute", "started_at": stamp(1_005.5), "completed_at": stamp(1_026.5)}]},
        {"unique_id": "test.customer_warehouse.skipped", "timing": []}]}))
    assert figures.dbt_figures(results)["step_phases"] is None  # the step's window is unknown
    assert figures.dbt_figures(results, step)["step_phases"] == {"before_first_node": 4.0, "nodes": 22.5,
                                                                 "after_last_node": 3.5}
