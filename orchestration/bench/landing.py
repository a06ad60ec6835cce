"""Bench landing data: a generated history and a week of next-day deliveries, cached per (scale, seed),
then linked into the landing directories the runs read, export day by export day.

- `<work>/landing-<scale>-seed<seed>/` (+ `.json`, the generator's summary): `demo-data` with the
  scale's customers, 2024-01-01 .. 2025-12-31.
- `<work>/nights-<scale>-seed<seed>/` (+ `.json`): only the files of `NIGHTS` consecutive
  `demo-data --next-day` deliveries (2026-01-01 ..) made on top of that history. Regenerated when the
  history it was made from is not the cached one any more.

Both are written under a temporary name and renamed at the end, so an interrupted bench never leaves
a half-written cache behind. A run's landing is a hard-link farm of the caches (a copy when links are
not possible); nothing ever writes into a cached file, so links are safe.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterable
from datetime import date
from pathlib import Path

#: Scale name → number of demo customers.
SCALES: dict[str, int] = {"S": 2_000, "M": 20_000, "L": 200_000}
#: Next-day deliveries in the cache: a week of nights.
NIGHTS = 7

_EXPORT_DATE = re.compile(r"_(\d{8})\.[a-z]+$")


def cached_landing(work: Path, scale: str, seed: int) -> tuple[Path, dict]:
    """The cached history of a scale and its generator summary; generated when missing."""
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


def _fingerprint(history: dict) -> dict:
    return {k: history.get(k) for k in ("customers", "seed", "export_dates", "rows", "bytes")}


def cached_nights(work: Path, scale: str, seed: int, history: Path, history_summary: dict,
                  nights: int = NIGHTS) -> tuple[Path, dict]:
    """The cached files of `nights` next-day deliveries on top of `history`; generated when missing."""
    from orchestration.demo.nextday import write_next_day

    target = work / f"nights-{scale}-seed{seed}"
    summary_file = work / f"nights-{scale}-seed{seed}.json"
    if target.is_dir() and summary_file.is_file():
        summary = json.loads(summary_file.read_text())
        if summary.get("history") == _fingerprint(history_summary) and len(summary.get("days", [])) == nights:
            return target, summary
    partial = work / f".nights-{scale}-seed{seed}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    shutil.rmtree(target, ignore_errors=True)
    link_files(history, all_files(history), partial / "landing")
    days = [write_next_day(partial / "landing", seed=seed) for _ in range(nights)]
    last = max(export_dates(history))
    for rel in all_files(partial / "landing"):
        if (export_date_of(rel) or last) > last:
            (partial / "nights" / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(partial / "landing" / rel, partial / "nights" / rel)
    os.replace(partial / "nights", target)
    shutil.rmtree(partial)
    summary = {"out": str(target), "history": _fingerprint(history_summary), "days": days}
    summary_file.write_text(json.dumps(summary, indent=2))
    return target, summary


def export_date_of(path: Path) -> date | None:
    match = _EXPORT_DATE.search(path.name)
    return date(int(match[1][:4]), int(match[1][4:6]), int(match[1][6:])) if match else None


def all_files(root: Path) -> list[Path]:
    """Every file under `root`, relative to it, sorted."""
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


def export_dates(root: Path) -> list[date]:
    """The distinct export dates of the files under `root`, ascending."""
    return sorted({d for d in map(export_date_of, all_files(root)) if d})


def files_of(root: Path, day: date) -> list[Path]:
    """The files under `root` (relative) exported on `day`."""
    return [rel for rel in all_files(root) if export_date_of(rel) == day]


def link_files(source: Path, files: Iterable[Path], landing: Path) -> None:
    """Land `files` (relative to `source`) in `landing`: hard links, or copies where links fail."""
    for rel in files:
        dst = landing / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source / rel, dst)
        except OSError:
            shutil.copy2(source / rel, dst)
