"""`python -m orchestration.bench [--scales S,M,L] [--seed 1] [--work DIR] [--no-period]`: measure, print,
write JSON."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.bench import landing, targets
from orchestration.bench.scale import bench_scale
from orchestration.settings import PROJECT_ROOT, Settings


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m orchestration.bench", description=__doc__)
    p.add_argument("--scales", default="S,M,L", help="comma-separated scales of S, M, L (default: all three)")
    p.add_argument("--seed", type=int, default=1, help="demo-data seed (default 1)")
    p.add_argument("--work", type=Path, default=Path("data/bench"),
                   help="cache, run and result directory (default data/bench)")
    p.add_argument("--no-period", dest="period", action="store_false",
                   help="skip the period-sized increment (two runs on a second warehouse)")
    return p


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
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")  # measured as `make run` runs
    os.environ["DAGSTER_HOME"] = str(home)  # the instance config reads it (the runs get it too: runs.py)
    settings = Settings.from_env()
    results = {"started_at": datetime.now(UTC).isoformat(timespec="seconds"), "seed": args.seed, "work": str(work),
               "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                           "python": platform.python_version(), "duckdb": duckdb.__version__},
               "settings": {"duckdb_threads": settings.duckdb_threads,
                            "duckdb_memory_limit": settings.duckdb_memory_limit},
               "scales": {}}
    for scale in scales:
        results["scales"][scale] = bench_scale(scale, args.seed, work, home, settings, period=args.period)
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["targets"] = targets.evaluate(results)
    path = write_results(results, work)
    print(targets.table(results))
    print(f"\nresults: {path} (and {work / 'latest.json'})")
    failed = [f"{s}/{r}" for s, d in results["scales"].items() for r, x in d["runs"].items() if x["exit_code"]]
    if failed:
        print(f"runs that did not publish (see their logs): {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0
