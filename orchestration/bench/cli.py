"""`python -m orchestration.bench [--scales S,M,L] [--seed 1] [--work DIR]`: measure, print, write JSON."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from orchestration.bench import baseline, figures, landing, targets
from orchestration.bench.process import measure, parse_run_id
from orchestration.settings import PROJECT_ROOT, Settings


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m orchestration.bench", description=__doc__)
    p.add_argument("--scales", default="S,M,L", help="comma-separated scales of S, M, L (default: all three)")
    p.add_argument("--seed", type=int, default=1, help="demo-data seed (default 1)")
    p.add_argument("--work", type=Path, default=Path("data/bench"),
                   help="cache, run and result directory (default data/bench)")
    return p


def _log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", flush=True)


def run_once(name: str, farm: landing.LandingFarm, warehouse: Path, as_of: date, home: Path,
             settings: Settings) -> dict:
    """One `python -m orchestration run` in a fresh subprocess, and every figure of it."""
    logs = warehouse.parent / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("CW_LANDING_DIR", "CW_WAREHOUSE_DIR", "CW_AS_OF")}
    env["DAGSTER_HOME"] = str(home)
    # as in an activated virtualenv: its executables (dbt) first on PATH
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    cmd = [sys.executable, "-m", "orchestration", "run", "--landing", str(farm.landing),
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
    steps, run_start, run_end = figures.read_run_timing(home, run_id) if run_id else ({}, None, None)
    result["stages"] = figures.stage_seconds(steps, proc.seconds)
    result["other_breakdown"] = figures.overhead_seconds(steps, (proc.started_at, proc.ended_at),
                                                         (run_start, run_end))
    result["steps"] = {k: round(v, 3) for k, v in sorted(steps.items())}
    result["unknown_steps"] = sorted(k for k in steps if figures.stage_of(k) == "other")
    loads = figures.load_figures(warehouse / "warehouse.duckdb", run_id)
    result.update({k: v for k, v in loads.items() if k != "order_lines_files"})
    result["ingest_rows_per_second"] = figures.rate(loads["rows_loaded"], result["stages"]["ingest"])
    result["order_lines"] = order_lines_figures(loads["order_lines_files"], farm, steps, warehouse, settings)
    _log(f"  {name}: exit {proc.exit_code}, {proc.seconds:.1f}s, stages {result['stages']}")
    return result


def order_lines_figures(files: list[str], farm: landing.LandingFarm, steps: dict[str, float], warehouse: Path,
                        settings: Settings) -> dict:
    """The order-lines ingestion step against DuckDB's own read of the same files, measured right now."""
    ingest = steps.get(figures.ORDER_LINES_STEP)
    if not files or ingest is None:
        return {"ingest_seconds": None if ingest is None else round(ingest, 3), "duckdb": None, "ratio": None}
    read = baseline.duckdb_read([farm.landing / f for f in files], warehouse.parent / "duckdb_read",
                                settings.duckdb_threads, settings.duckdb_memory_limit)
    ratio = round(ingest / read["seconds"], 3) if read["seconds"] > 0 else None
    return {"ingest_seconds": round(ingest, 3), "duckdb": read, "ratio": ratio}


def bench_scale(scale: str, seed: int, work: Path, home: Path, settings: Settings) -> dict:
    _log(f"scale {scale}: landing data")
    cached = (work / f"landing-{scale}-seed{seed}").is_dir()
    source, summary = landing.cached_landing(work, scale, seed)
    run_dir = work / "runs" / scale
    shutil.rmtree(run_dir, ignore_errors=True)
    farm = landing.build_farm(source, run_dir / "landing")
    warehouse = run_dir / "warehouse"
    data = {"customers": landing.SCALES[scale], "seed": seed, "landing": str(source), "cached": cached,
            "generator": {k: summary.get(k) for k in ("rows", "bytes", "files", "order_lines_distinct", "seconds")},
            "order_line_rows": summary.get("feeds", {}).get("order_lines", {}).get("rows"),
            "held_back": [str(p) for p in farm.held_back], "runs": {}}
    _log(f"scale {scale}: full run as of {farm.previous_date} ({len(farm.held_back)} files held back)")
    data["runs"]["full"] = run_once("full", farm, warehouse, farm.previous_date, home, settings)
    landing.release_held_back(farm)
    _log(f"scale {scale}: incremental run as of {farm.last_date}")
    data["runs"]["incremental"] = run_once("incremental", farm, warehouse, farm.last_date, home, settings)
    _log(f"scale {scale}: nothing-new run as of {farm.last_date}")
    data["runs"]["nothing_new"] = run_once("nothing_new", farm, warehouse, farm.last_date, home, settings)
    return data


def write_results(results: dict, work: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(results, indent=2, default=str)
    path = work / f"results-{stamp}.json"
    path.write_text(text)
    (work / "latest.json").write_text(text)
    return path


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    scales = [s.strip().upper() for s in args.scales.split(",") if s.strip()]
    unknown = [s for s in scales if s not in landing.SCALES]
    if unknown or not scales:
        print(f"error: unknown scale(s) {unknown}; choose from {', '.join(landing.SCALES)}", file=sys.stderr)
        return 2
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    home = work / "dagster_home"  # the runs' own instance: wiped per bench, kept afterwards for `dagster dev`
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    settings = Settings.from_env()
    results = {"started_at": datetime.now(UTC).isoformat(timespec="seconds"), "seed": args.seed, "work": str(work),
               "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                           "python": platform.python_version(), "duckdb": duckdb.__version__},
               "settings": {"duckdb_threads": settings.duckdb_threads,
                            "duckdb_memory_limit": settings.duckdb_memory_limit},
               "scales": {}}
    for scale in scales:
        results["scales"][scale] = bench_scale(scale, args.seed, work, home, settings)
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["targets"] = targets.evaluate(results)
    path = write_results(results, work)
    print(targets.table(results))
    print(f"\nresults: {path} (and {work / 'latest.json'})")
    failed = [f"{s}/{r}" for s, d in results["scales"].items() for r, x in d["runs"].items() if x["exit_code"]]
    if failed:
        print(f"runs that did not publish (see their logs): {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0
