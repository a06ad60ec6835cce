"""Bench landing data: generated once per (scale, seed), then linked into a per-bench landing farm
from which the files of the last export date are held back until the incremental run."""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

#: Scale name → number of demo customers.
SCALES: dict[str, int] = {"S": 2_000, "M": 20_000, "L": 200_000}

_EXPORT_DATE = re.compile(r"_(\d{8})\.[a-z]+$")


def cached_landing(work: Path, scale: str, seed: int) -> tuple[Path, dict]:
    """The cached landing directory of a scale and its generator summary; generated when missing.

    Generation writes to a temporary directory renamed at the end, so an interrupted run never
    leaves a half-written cache behind."""
    from orchestration.demo import write_demo_landing

    target = work / f"landing-{scale}-seed{seed}"
    summary_file = work / f"landing-{scale}-seed{seed}.json"
    if target.is_dir() and summary_file.is_file():
        return target, json.loads(summary_file.read_text())
    partial = work / f".landing-{scale}-seed{seed}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    shutil.rmtree(target, ignore_errors=True)
    summary = write_demo_landing(partial, customers=SCALES[scale], seed=seed)
    summary["out"] = str(target)
    os.replace(partial, target)
    summary_file.write_text(json.dumps(summary, indent=2))
    return target, summary


def export_date_of(path: Path) -> date | None:
    match = _EXPORT_DATE.search(path.name)
    return date(int(match[1][:4]), int(match[1][4:6]), int(match[1][6:])) if match else None


@dataclass(frozen=True)
class LandingFarm:
    source: Path  # the cached landing directory
    landing: Path  # what the runs read
    held_back: tuple[Path, ...]  # relative paths of the last export date, not yet in `landing`
    last_date: date
    previous_date: date  # the greatest export date of the files in `landing` before release


def build_farm(source: Path, landing: Path) -> LandingFarm:
    """Link every file of `source` into a fresh `landing` except those of the last export date."""
    files = sorted(p.relative_to(source) for p in source.rglob("*") if p.is_file())
    dated = {rel: export_date_of(rel) for rel in files}
    dates = sorted({d for d in dated.values() if d})
    if len(dates) < 2:
        raise ValueError(f"{source}: need files of at least two export dates, found {len(dates)}")
    last = dates[-1]
    shutil.rmtree(landing, ignore_errors=True)
    landing.mkdir(parents=True)
    held = tuple(rel for rel in files if dated[rel] == last)
    for rel in files:
        if dated[rel] != last:
            _link(source / rel, landing / rel)
    return LandingFarm(source, landing, held, last, dates[-2])


def release_held_back(farm: LandingFarm) -> None:
    """Land the held-back files (the last export day)."""
    for rel in farm.held_back:
        _link(farm.source / rel, farm.landing / rel)


def _link(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
