"""The runs of one scale, in order, each in a fresh subprocess (`runs.run_once`).

Warehouse 1, the nights: **full** (the whole history, as of its last export date D−1, from an empty
warehouse), **nightly** (the first next-day delivery landed, as of D), **nothing_new** (again as of
D), then **night_2 .. night_7** (one more delivery each, as of its day): with `nightly`, a week of
nights. Warehouse 2, the period increment (the previous bench's figure): **period_history** (the
history without its last export date, as of the export date before) and **period** (the last export
date landed, as of it: about four months of exports in one run).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from orchestration.bench import figures, landing
from orchestration.bench.runs import log, run_once
from orchestration.settings import Settings


def _data(scale: str, seed: int, history: Path, summary: dict, nights: dict) -> dict:
    return {"customers": landing.SCALES[scale], "seed": seed, "landing": str(history),
            "nights_landing": nights["out"],
            "generator": {k: summary.get(k) for k in ("rows", "bytes", "files", "order_lines_distinct", "seconds")},
            "order_line_rows": summary.get("feeds", {}).get("order_lines", {}).get("rows"),
            "night_deliveries": [{"date": d["date"], "rows": d["rows"], "seconds": d["seconds"],
                                  "order_lines": d["feeds"]["order_lines"]["rows"]} for d in nights["days"]],
            "runs": {}}


def bench_scale(scale: str, seed: int, work: Path, home: Path, settings: Settings, period: bool = True) -> dict:
    log(f"scale {scale}: landing data (cached under {work})")
    history, summary = landing.cached_landing(work, scale, seed)
    nights_dir, nights = landing.cached_nights(work, scale, seed, history, summary)
    data = _data(scale, seed, history, summary, nights)
    run_dir = work / "runs" / scale
    shutil.rmtree(run_dir, ignore_errors=True)
    runs, dates = data["runs"], landing.export_dates(history)
    land, warehouse = run_dir / "landing", run_dir / "warehouse"
    landing.link_files(history, landing.all_files(history), land)
    log(f"scale {scale}: full run as of {dates[-1]}")
    runs["full"] = run_once("full", land, warehouse, dates[-1], home, settings)
    names = figures.night_runs(landing.NIGHTS)
    for name, day in zip(names, landing.export_dates(nights_dir), strict=True):
        landing.link_files(nights_dir, landing.files_of(nights_dir, day), land)
        log(f"scale {scale}: {name} as of {day}")
        runs[name] = run_once(name, land, warehouse, day, home, settings)
        if name == "nightly":
            log(f"scale {scale}: nothing-new run as of {day}")
            runs["nothing_new"] = run_once("nothing_new", land, warehouse, day, home, settings)
    data["week"] = figures.week_figures(runs, landing.NIGHTS)
    if period:
        land, warehouse = run_dir / "period" / "landing", run_dir / "period" / "warehouse"
        earlier = [f for f in landing.all_files(history) if landing.export_date_of(f) != dates[-1]]
        landing.link_files(history, earlier, land)
        log(f"scale {scale}: period history as of {dates[-2]}")
        runs["period_history"] = run_once("period_history", land, warehouse, dates[-2], home, settings)
        landing.link_files(history, landing.files_of(history, dates[-1]), land)
        log(f"scale {scale}: period increment as of {dates[-1]}")
        runs["period"] = run_once("period", land, warehouse, dates[-1], home, settings)
    return data
