"""The landing sensor: one run per batch of new or rewritten files in the feed folders.

Cursor (decision): compact JSON `{"<feed folder>/<file name>": [size, mtime_ns], ...}` of the files
present at the last tick, keys sorted. A file is *new* when its path is not in the cursor or its
size or mtime changed (a rewrite: same name, new bytes — a new delivery per sources.md). Files that
disappeared simply drop out, so the cursor mirrors the feed folders (~75 bytes a file) instead of
growing with every file ever seen. The cursor is stored by Dagster, so it survives restarts; an
unreadable cursor counts as empty, which re-sends everything once — harmless, as ingestion skips
bytes it already loaded.

Every name is watched, not only names matching a feed's pattern: a misnamed file starts a run too,
and that run reports it. Hidden files (`.name`, the usual temporary names of uploaders) are ignored,
and so are files modified in the last `SETTLE_SECONDS` (still being written); they are picked up by a
later tick once quiet.

D of a sensor run (decision): yesterday, local time, as for the schedule: the last complete day
(the partition the nightly schedule publishes); the ingestion itself does not depend on D. The run
also waits for files to settle (CW_SETTLE_SECONDS, 60 s by default for sensor runs).

Default status STOPPED (decision): switched on, the first tick sees every file already there and
starts a run at once, and a sensor run can overlap the 02:00 schedule on the single-writer DuckDB
file. Operators switch it on in the UI (Automation → `landing_files_sensor` → toggle) where files
arrive during the day; the nightly schedule alone already ingests everything that landed.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable
from pathlib import Path

import dagster as dg

from orchestration.control.as_of import yesterday
from orchestration.feeds import FEEDS
from orchestration.resources import LandingResource

SETTLE_SECONDS = 30
Listing = dict[str, tuple[int, int]]  # relative path → (size in bytes, mtime in ns)


def scan_landing(root: Path, folders: Iterable[str], settled_before_ns: int | None = None) -> Listing:
    """The regular, non-hidden files directly inside each feed folder, by path relative to `root`.

    Files modified after `settled_before_ns` (still being written) are left out.
    """
    listing: Listing = {}
    for folder in sorted(set(folders)):
        directory = root / folder
        if not directory.is_dir():
            continue
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                    continue
                stat = entry.stat()
                if settled_before_ns is not None and stat.st_mtime_ns > settled_before_ns:
                    continue
                listing[f"{folder}/{entry.name}"] = (stat.st_size, stat.st_mtime_ns)
    return listing


def _read_cursor(cursor: str | None) -> dict[str, list[int]]:
    if not cursor:
        return {}
    try:
        seen = json.loads(cursor)
    except ValueError:
        return {}
    return seen if isinstance(seen, dict) else {}


def new_files(previous_cursor: str | None, listing: Listing) -> tuple[list[str], str]:
    """The paths of `listing` that are new or changed since `previous_cursor`, and the next cursor."""
    seen = _read_cursor(previous_cursor)
    fresh = sorted(path for path, (size, mtime_ns) in listing.items() if seen.get(path) != [size, mtime_ns])
    cursor = json.dumps({path: [size, mtime_ns] for path, (size, mtime_ns) in sorted(listing.items())},
                        separators=(",", ":"))
    return fresh, cursor


def batch_run_key(paths: list[str], listing: Listing) -> str:
    """A run key fixed by the batch's files and their (size, mtime): one batch never starts two runs."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        size, mtime_ns = listing[path]
        digest.update(f"{path}\0{size}\0{mtime_ns}\n".encode())
    return f"landing-{digest.hexdigest()[:20]}"


def build_landing_sensor(job: dg.UnresolvedAssetJobDefinition) -> dg.SensorDefinition:
    @dg.sensor(
        name="landing_files_sensor",
        job=job,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description="Starts one nightly run (as-of = yesterday, local time) for each batch of new or rewritten "
                    "files in the feed folders of the landing directory. Off by default; switch it on in the UI.",
    )
    def landing_files_sensor(context: dg.SensorEvaluationContext, landing: LandingResource):
        settled_before_ns = time.time_ns() - SETTLE_SECONDS * 1_000_000_000
        listing = scan_landing(landing.root, (spec.folder for spec in FEEDS.values()), settled_before_ns)
        fresh, cursor = new_files(context.cursor, listing)
        context.update_cursor(cursor)
        if not fresh:
            return dg.SkipReason(f"No new or changed files in {len(listing)} landed file(s).")
        context.log.info(f"{len(fresh)} new or changed file(s): {', '.join(fresh[:20])}"
                         + (" …" if len(fresh) > 20 else ""))
        as_of = yesterday().isoformat()
        return dg.RunRequest(
            run_key=batch_run_key(fresh, listing),
            partition_key=as_of,
            tags={"as_of": as_of, "landing_files": str(len(fresh))},
        )

    return landing_files_sensor
