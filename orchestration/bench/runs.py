"""One measured run of the pipeline (`python -m orchestration run`) and every figure of it."""

from __future__ import annotations

import os
import sys
from datetime import date, datetime
from pathlib import Path

from orchestration.bench import baseline, figures
from orchestration.bench.process import measure, parse_run_id
from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT, Settings, run_target


def log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", flush=True)


def run_once(name: str, landing: Path, warehouse: Path, as_of: date, home: Path, settings: Settings) -> dict:
    """One `python -m orchestration run` in a fresh subprocess, and every figure of it."""
    logs = warehouse.parent / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("CW_LANDING_DIR", "CW_WAREHOUSE_DIR", "CW_AS_OF")}
    env["DAGSTER_HOME"] = str(home)
    # as in an activated virtualenv: its executables (dbt) first on PATH
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    cmd = [sys.executable, "-m", "orchestration", "run", "--landing", str(landing),
           "--warehouse", str(warehouse), "--as-of", as_of.isoformat()]
    out, err = logs / f"{name}.stdout.log", logs / f"{name}.stderr.log"
    load_before = os.getloadavg()[0]
    proc = measure(cmd, env=env, cwd=PROJECT_ROOT, stdout=out, stderr=err)
    run_id = parse_run_id(out.read_text(errors="replace")) or figures.newest_run_id(home, proc.started_at)
    result = {"as_of": as_of.isoformat(), "exit_code": proc.exit_code, "run_id": run_id,
              "stdout_log": str(out), "stderr_log": str(err),
              "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
              "peak_memory_bytes": max(proc.peak_tree_rss_bytes, proc.max_process_rss_bytes),
              "peak_tree_rss_bytes": proc.peak_tree_rss_bytes, "max_process_rss_bytes": proc.max_process_rss_bytes}
    steps, run_start, run_end, windows = figures.read_run_timing(home, run_id) if run_id else ({}, None, None, {})
    result["stages"] = figures.stage_seconds(steps, proc.seconds)
    result["other_breakdown"] = figures.overhead_seconds(steps, (proc.started_at, proc.ended_at),
                                                         (run_start, run_end))
    result["steps"] = {k: round(v, 3) for k, v in sorted(steps.items())}
    result["unknown_steps"] = sorted(k for k in steps if figures.stage_of(k) == "other")
    loads = figures.load_figures(warehouse / "warehouse.duckdb", run_id)
    result.update({k: v for k, v in loads.items() if k != "order_lines_files"})
    result["ingest_rows_per_second"] = figures.rate(loads["rows_loaded"], result["stages"]["ingest"])
    result["order_lines"] = order_lines_figures(loads["order_lines_files"], landing, steps, warehouse, settings)
    result["dbt"] = figures.dbt_figures(DBT_PROJECT_DIR / run_target(run_id) / "run_results.json",
                                        windows.get("dbt_models")) if run_id else None
    log(f"  {name}: exit {proc.exit_code}, {proc.seconds:.1f}s, stages {result['stages']}")
    if result["dbt"]:
        dbt = result["dbt"]
        log(f"    dbt's own {dbt['seconds']:.1f}s (node time: models {dbt['model_node_seconds']:.1f}s, tests "
            f"{dbt['test_node_seconds']:.1f}s); slowest: "
            + ", ".join(f"{node} {seconds:.1f}" for node, seconds in dbt["slowest"].items()))
        if dbt["step_phases"]:
            log("    the dbt step: " + ", ".join(f"{phase.replace('_', ' ')} {seconds:.1f}s"
                                                 for phase, seconds in dbt["step_phases"].items()))
    return result


def order_lines_figures(files: list[str], landing: Path, steps: dict[str, float], warehouse: Path,
                        settings: Settings) -> dict:
    """The order-lines ingestion step against DuckDB's own read of the same files, measured right now."""
    ingest = steps.get(figures.ORDER_LINES_STEP)
    if not files or ingest is None:
        return {"ingest_seconds": None if ingest is None else round(ingest, 3), "duckdb": None, "ratio": None}
    read = baseline.duckdb_read([landing / f for f in files], warehouse.parent / "duckdb_read",
                                settings.duckdb_threads, settings.duckdb_memory_limit)
    ratio = round(ingest / read["seconds"], 3) if read["seconds"] > 0 else None
    return {"ingest_seconds": round(ingest, 3), "duckdb": read, "ratio": ratio}
