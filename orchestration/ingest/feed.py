"""Ingest every file of one feed folder (plain Python; the Dagster asset is a thin wrapper).

Per file, in (export date, file name) order:
1. hashed (sha256 of its bytes, ahead of its turn: prefetch); a (path, sha256) already in
   `audit.load_log` is left alone, whatever its status then: a re-run adds nothing;
2. a name that does not match the folder's pattern -> `rejected` (before its hash is looked at);
3. bytes already loaded (any feed, any name, earlier in this run too) -> `skipped_duplicate`;
4. otherwise loaded into `<raw>/<system>/<feed>/<sha256>.parquet`, bad rows to `audit.quarantine`,
   or `rejected` as a whole (invalid encoding, no header, a required column missing).
Every outcome is one `audit.load_log` row, written when the file is done (so a crash loses at most
the file in hand). The warehouse connection is opened only to read the log and to write a result.
"""

from __future__ import annotations

import contextlib
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

from orchestration.feeds import FeedSpec
from orchestration.ingest.file_job import FileJob, FileRejected
from orchestration.ingest.landing_files import FileFacts, LandedFile, landed_files
from orchestration.ingest.ledger import LedgerState, read_state, record_file
from orchestration.ingest.load_file import load_file
from orchestration.ingest.prefetch import Hashed, inspected
from orchestration.ingest.raw_zone import ensure_schema_file, raw_file
from orchestration.ingest.results import FeedIngestResult, FileResult
from orchestration.resources import WarehouseResource


def ingest_feed(spec: FeedSpec, landing_root: Path, warehouse: WarehouseResource, run_id: str) -> FeedIngestResult:
    landing_root = Path(landing_root)
    ensure_schema_file(warehouse.raw_dir, spec)
    with warehouse.connect() as con:
        state = read_state(con, spec.name)
    result = FeedIngestResult(spec.name, run_id)
    work_root = warehouse.root / "tmp" / f"ingest-{spec.name}-{uuid.uuid4().hex[:12]}"
    try:
        for index, (landed, facts) in enumerate(inspected(landed_files(spec, landing_root), state.logged)):
            stamp = _utc_now()
            file_result, quarantine_file = _ingest_file(spec, landed, facts, state, warehouse, run_id, stamp,
                                                        work_root / str(index))
            result.files.append(file_result)
            if file_result.logged:
                with warehouse.connect() as con:
                    record_file(con, spec.name, file_result, run_id, stamp, quarantine_file)
                _remember(state, file_result)
    finally:
        shutil.rmtree(work_root, ignore_errors=True)
        with contextlib.suppress(OSError):
            work_root.parent.rmdir()  # only when empty: another feed may be working beside us
    return result


def _ingest_file(spec: FeedSpec, landed: LandedFile, facts: FileFacts | Hashed | OSError, state: LedgerState,
                 warehouse: WarehouseResource, run_id: str, stamp: datetime,
                 work_dir: Path) -> tuple[FileResult, Path | None]:
    if isinstance(facts, OSError):
        return FileResult(landed.rel_path, "", 0, landed.export_date, "rejected", f"unreadable: {facts}"), None
    sha256 = facts.sha256
    result = FileResult(landed.rel_path, sha256, facts.bytes, landed.export_date, "rejected")
    if (landed.rel_path, sha256) in state.logged:
        result.status, result.reason = "already_logged", "logged by an earlier run with the same bytes"
        return result, None
    assert isinstance(facts, FileFacts), "only files logged before are merely hashed"
    if landed.export_date is None:
        result.reason = f"file name does not match {spec.file_pattern}"
        return result, None
    if sha256 in state.loaded:
        result.status, result.reason = "skipped_duplicate", f"bytes already loaded as {state.loaded[sha256]}"
        return result, None
    target = raw_file(warehouse.raw_dir, spec, sha256)
    job = FileJob(spec, landed.path, landed.rel_path, facts, landed.export_date, run_id, stamp, work_dir, target)
    try:
        load = load_file(job, warehouse.threads, warehouse.memory_limit)
    except (FileRejected, OSError) as exc:
        result.reason = str(exc)
        return result, None
    result.status = "loaded"
    result.rows_read, result.rows_loaded, result.rows_quarantined = load.rows_read, load.rows_loaded, \
        load.rows_quarantined
    result.extra_columns = load.extra_columns
    result.raw_path = target.relative_to(warehouse.root).as_posix()
    return result, load.quarantine_file


def _remember(state: LedgerState, result: FileResult) -> None:
    state.logged.add((result.path, result.sha256))
    if result.status == "loaded":
        state.loaded.setdefault(result.sha256, result.path)


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
