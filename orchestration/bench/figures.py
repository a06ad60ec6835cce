"""Figures of one finished run: stage times from the Dagster step statistics, rows from audit.load_log,
dbt's own figures from its run_results.json."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.feeds import FEEDS
from orchestration.quality.check_steps import CHECK_STEP_SUFFIX

STAGES = ("ingest", "dbt", "checks", "publish")
ORDER_LINES_STEP = "raw__erp__order_lines"
INGEST_STEPS = frozenset(f"raw__{spec.system}__{spec.name}" for spec in FEEDS.values())


def stage_of(step_key: str) -> str:
    """ingest | dbt | checks | publish | other (a step this bench does not know: listed, never hidden)."""
    if step_key in INGEST_STEPS:
        return "ingest"
    if step_key == "dbt_models":
        return "dbt"
    if step_key.startswith("publish__"):
        return "publish"
    if step_key.endswith(CHECK_STEP_SUFFIX):
        return "checks"
    return "other"


def step_windows(step_stats: Iterable) -> dict[str, tuple[float, float]]:
    """step key → (start, end) in epoch seconds, from Dagster's `RunStepKeyStatsSnapshot`s (steps that never
    started or never ended: absent)."""
    return {s.step_key: (s.start_time, s.end_time) for s in step_stats
            if s.start_time is not None and s.end_time is not None}


def step_seconds(step_stats: Iterable) -> dict[str, float]:
    """step key → seconds, from Dagster's `RunStepKeyStatsSnapshot`s (steps that never started: absent)."""
    return {key: end - start for key, (start, end) in step_windows(step_stats).items()}


def stage_seconds(steps: dict[str, float], total: float) -> dict[str, float]:
    """Seconds per stage, plus `total` and `other` (total minus every step: start-up, loading, summary)."""
    stages = dict.fromkeys(STAGES, 0.0)
    unknown = 0.0
    for key, seconds in steps.items():
        stage = stage_of(key)
        if stage == "other":
            unknown += seconds
        else:
            stages[stage] += seconds
    stages["other"] = total - sum(steps.values()) + unknown
    stages["total"] = total
    return {k: round(v, 3) for k, v in stages.items()}


def read_run_timing(dagster_home: Path, run_id: str
                    ) -> tuple[dict[str, float], float | None, float | None, dict[str, tuple[float, float]]]:
    """The run's step durations, its start and end (epoch seconds) and each step's (start, end) from the
    Dagster instance at `dagster_home` (the one the run command used)."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        stats = instance.get_run_stats(run_id)
        step_stats = instance.get_run_step_stats(run_id)
        return step_seconds(step_stats), stats.start_time, stats.end_time, step_windows(step_stats)


def newest_run_id(dagster_home: Path, started_after: float) -> str | None:
    """The newest run of the instance when it started after `started_after` (epoch seconds): the run
    of a command that crashed before printing its summary line (the bench runs one at a time)."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        runs = instance.get_runs(limit=1)
        if not runs:
            return None
        start = instance.get_run_stats(runs[0].run_id).start_time
        return runs[0].run_id if start is not None and start >= started_after else None


def overhead_seconds(steps: dict[str, float], process: tuple[float, float], run: tuple[float | None, float | None]
                     ) -> dict[str, float | None]:
    """Where `other` goes: before the Dagster run starts (interpreter, imports, code location, dbt
    manifest), inside the run between steps, and after it ends (the summary)."""
    (p_start, p_end), (r_start, r_end) = process, run
    if r_start is None or r_end is None:
        return {"startup": None, "between_steps": None, "shutdown": None}
    return {"startup": round(r_start - p_start, 3),
            "between_steps": round(r_end - r_start - sum(steps.values()), 3),
            "shutdown": round(p_end - r_end, 3)}


def load_figures(warehouse_db: Path, run_id: str | None) -> dict:
    """Files and rows this run loaded (audit.load_log), and the order-lines files it loaded (all zero
    when the run left no warehouse or no run id)."""
    if not run_id or not warehouse_db.exists():
        return {"files_loaded": 0, "rows_read": 0, "rows_loaded": 0, "rows_quarantined": 0, "bytes_loaded": 0,
                "order_lines_files": [], "order_lines_rows": 0}
    with duckdb.connect(str(warehouse_db), read_only=True) as con:
        files, rows_read, rows_loaded, rows_quarantined, size = con.execute(
            "select count(*), coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), "
            "coalesce(sum(rows_quarantined), 0), coalesce(sum(bytes), 0) "
            "from audit.load_log where run_id = ? and status = 'loaded'", [run_id]).fetchone()
        order_lines = con.execute(
            "select path, coalesce(rows_read, 0) from audit.load_log "
            "where run_id = ? and status = 'loaded' and feed = 'order_lines' order by path", [run_id]).fetchall()
    return {"files_loaded": files, "rows_read": rows_read, "rows_loaded": rows_loaded,
            "rows_quarantined": rows_quarantined, "bytes_loaded": size,
            "order_lines_files": [path for path, _ in order_lines],
            "order_lines_rows": sum(n for _, n in order_lines)}


def dbt_figures(run_results: Path, step: tuple[float, float] | None = None, slowest: int = 8) -> dict | None:
    """What dbt's own build took (None when the run wrote no run_results.json: dbt did not run): its wall
    time, the node time of models (seeds and snapshots with them) and of tests (its threads run nodes side
    by side, so node time exceeds wall time), the slowest nodes (name: seconds), and where the dbt step's
    time went around the nodes (`step_phases`, given the step's (start, end); else None)."""
    if not run_results.is_file():
        return None
    document = json.loads(run_results.read_text())
    results = document.get("results", [])
    nodes = [(r["unique_id"], float(r.get("execution_time") or 0.0)) for r in results]
    tests = sum(t for uid, t in nodes if uid.startswith(("test.", "unit_test.")))
    return {"seconds": round(float(document.get("elapsed_time") or 0.0), 3),
            "model_node_seconds": round(sum(t for _, t in nodes) - tests, 3),
            "test_node_seconds": round(tests, 3), "nodes": len(nodes),
            "slowest": {uid.split(".")[2] if uid.startswith("test.") else uid.split(".")[-1]: round(t, 2)
                        for uid, t in sorted(nodes, key=lambda n: -n[1])[:slowest]},
            "step_phases": _step_phases(results, step)}


def _step_phases(results: list[dict], step: tuple[float, float] | None) -> dict[str, float] | None:
    """`before_first_node` (the step's set-up, dbt's start — its interpreter, imports, adapter — and its parse
    and graph), `nodes` (the first node's start to the last node's end) and `after_last_node` (dbt writing its
    artifacts and exiting, then the step: the audit rows, the column lineage, the Dagster events). The step's
    fixed costs are the first and the last. None without the step's window or any node timing."""
    marks = [(t.get("started_at"), t.get("completed_at")) for r in results for t in r.get("timing", [])]
    starts = [_epoch(a) for a, _ in marks if a]
    ends = [_epoch(b) for _, b in marks if b]
    if step is None or not starts or not ends:
        return None
    (step_start, step_end), first, last = step, min(starts), max(ends)
    return {"before_first_node": round(first - step_start, 3), "nodes": round(last - first, 3),
            "after_last_node": round(step_end - last, 3)}


def _epoch(stamp: str) -> float:
    """dbt's timing stamps are UTC (`2026-12-07T08:11:40.123456Z`)."""
    moment = datetime.fromisoformat(stamp)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def rate(rows: int, seconds: float) -> float | None:
    return round(rows / seconds, 1) if seconds > 0 and rows else None


def night_runs(nights: int) -> list[str]:
    """Names of the runs of a week of nights: the first is the `nightly` figure itself."""
    return ["nightly", *(f"night_{k}" for k in range(2, nights + 1))]


def week_figures(runs: dict[str, dict], nights: int) -> dict:
    """Every night's wall time and the last night's over the first (None while a night is missing or
    failed: a failed run's time describes no night)."""
    names = night_runs(nights)
    seconds = [runs[n]["stages"]["total"] if n in runs else None for n in names]
    ok = all(n in runs and runs[n]["exit_code"] == 0 for n in names)
    ratio = round(seconds[-1] / seconds[0], 3) if ok and seconds and seconds[0] else None
    return {"runs": names, "as_of": [runs[n]["as_of"] if n in runs else None for n in names],
            "seconds": seconds, "all_published": ok, "last_vs_first": ratio}
