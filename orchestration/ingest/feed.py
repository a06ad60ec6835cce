"""Ingest every file of one feed folder (plain Python; the Dagster asset is a thin wrapper).

Per file, in (export date, file name) order:
1. hashed (sha256 of its bytes); a (path, sha256) already in `audit.load_log` is left alone,
   whatever its status then: a re-run adds nothing;
2. a name that does not match the folder's pattern -> `rejected` (before its hash is looked at);
3. bytes already loaded (any feed, any name, earlier in this run too) -> `skipped_duplicate`;
4. otherwise loaded into `<raw>/<system>/<feed>/<sha256>.parquet`, bad rows to `audit.quarantine`,
   or `rejected` as a whole (invalid encoding, no header, a required column missing).
Every outcome is one `audit.load_log` row, written when the file is done, in that order. Up to
`workers.share(...).workers` files are loaded at once, each in its own in-memory DuckDB, while the
next one is hashed (so a crash loses at most the files in hand); a file with the same bytes as one
still loading waits for that one's outcome, as it would one after another. The warehouse
connection is opened only to read the log and to write a result.
"""

from __future__ import annotations

import contextlib
import shutil
import uuid
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from orchestration.feeds import FeedSpec
from orchestration.ingest.landing_files import LandedFile, inspect_file, landed_files
from orchestration.ingest.ledger import LedgerState, read_state, record_file
from orchestration.ingest.load_file import FileJob, FileRejected, load_file
from orchestration.ingest.raw_zone import ensure_schema_file, raw_file
from orchestration.ingest.results import FeedIngestResult, FileResult
from orchestration.ingest.workers import share
from orchestration.resources import WarehouseResource


def ingest_feed(spec: FeedSpec, landing_root: Path, warehouse: WarehouseResource, run_id: str) -> FeedIngestResult:
    landing_root = Path(landing_root)
    ensure_schema_file(warehouse.raw_dir, spec)
    with warehouse.connect() as con:
        state = read_state(con, spec.name)
    result = FeedIngestResult(spec.name, run_id)
    work_root = warehouse.root / "tmp" / f"ingest-{spec.name}-{uuid.uuid4().hex[:12]}"
    files = landed_files(spec, landing_root)
    plan = share(warehouse.threads, warehouse.memory_limit, len(files))
    try:
        with ThreadPoolExecutor(plan.workers, thread_name_prefix=f"ingest-{spec.name}") as pool:
            started: deque[_Started] = deque()
            loading: set[str] = set()  # sha256 of the files being loaded, not yet recorded
            for index, landed in enumerate(files):
                item = _start(spec, landed, state, warehouse, run_id, work_root / str(index), loading)
                if item.job is not None and item.job.facts.sha256 not in loading:
                    loading.add(item.job.facts.sha256)
                    item.load = pool.submit(load_file, item.job, plan.threads, plan.memory_limit)
                started.append(item)
                while len(started) > plan.workers:
                    _finish(started.popleft(), spec, state, warehouse, run_id, result, loading)
            while started:
                _finish(started.popleft(), spec, state, warehouse, run_id, result, loading)
    finally:
        shutil.rmtree(work_root, ignore_errors=True)
        with contextlib.suppress(OSError):
            work_root.parent.rmdir()  # only when empty: another feed may be working beside us
    return result


@dataclass
class _Started:
    result: FileResult  # the outcome so far (final when there is nothing to load)
    stamp: datetime
    job: FileJob | None = None  # the load to do, if any
    load: Future | None = None  # the load under way; None with a job: same bytes as a file being loaded


def _start(spec: FeedSpec, landed: LandedFile, state: LedgerState, warehouse: WarehouseResource, run_id: str,
           work_dir: Path, loading: set[str]) -> _Started:
    """Steps 1-3 of the module docstring; what is left to load otherwise."""
    stamp = _utc_now()
    try:
        facts = inspect_file(landed.path)
    except OSError as exc:
        return _Started(FileResult(landed.rel_path, "", 0, landed.export_date, "rejected", f"unreadable: {exc}"),
                        stamp)
    sha256 = facts.sha256
    result = FileResult(landed.rel_path, sha256, facts.bytes, landed.export_date, "rejected")
    if (landed.rel_path, sha256) in state.logged:
        result.status, result.reason = "already_logged", "logged by an earlier run with the same bytes"
        return _Started(result, stamp)
    if landed.export_date is None:
        result.reason = f"file name does not match {spec.file_pattern}"
        return _Started(result, stamp)
    if sha256 in state.loaded:
        result.status, result.reason = "skipped_duplicate", f"bytes already loaded as {state.loaded[sha256]}"
        return _Started(result, stamp)
    target = raw_file(warehouse.raw_dir, spec, sha256)
    job = FileJob(spec, landed.path, landed.rel_path, facts, landed.export_date, run_id, stamp, work_dir, target)
    return _Started(result, stamp, job)


def _finish(item: _Started, spec: FeedSpec, state: LedgerState, warehouse: WarehouseResource, run_id: str,
            result: FeedIngestResult, loading: set[str]) -> None:
    """Step 4 for a file with a load, then its log row, in file order."""
    file_result, quarantine_file = item.result, None
    if item.job is not None:
        sha256 = item.job.facts.sha256
        if item.load is None and sha256 in state.loaded:  # the earlier file with these bytes got loaded
            file_result.status = "skipped_duplicate"
            file_result.reason = f"bytes already loaded as {state.loaded[sha256]}"
        else:
            quarantine_file = _loaded(item, file_result, warehouse)
            loading.discard(sha256)
    result.files.append(file_result)
    if file_result.logged:
        with warehouse.connect() as con:
            record_file(con, spec.name, file_result, run_id, item.stamp, quarantine_file)
        _remember(state, file_result)


def _loaded(item: _Started, file_result: FileResult, warehouse: WarehouseResource) -> Path | None:
    """Wait for (or, for a deferred duplicate, do) the load of a file; fill in its result."""
    try:
        load = item.load.result() if item.load is not None else load_file(item.job, warehouse.threads,
                                                                          warehouse.memory_limit)
    except (FileRejected, OSError) as exc:
        file_result.reason = str(exc)
        return None
    file_result.status, file_result.reason = "loaded", None
    file_result.rows_read, file_result.rows_loaded = load.rows_read, load.rows_loaded
    file_result.rows_quarantined = load.rows_quarantined
    file_result.extra_columns = load.extra_columns
    file_result.raw_path = item.job.raw_file.relative_to(warehouse.root).as_posix()
    return load.quarantine_file


def _remember(state: LedgerState, result: FileResult) -> None:
    state.logged.add((result.path, result.sha256))
    if result.status == "loaded":
        state.loaded.setdefault(result.sha256, result.path)


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
