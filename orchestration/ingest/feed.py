"""Ingest every file of one feed folder (plain Python; the Dagster asset is a thin wrapper).

Per file, in (export date, file name) order:
1. read once (ahead of its turn: prefetch): hashed while its bytes are copied to a private working
   file; only the copy is loaded afterwards, so the bytes loaded are the bytes hashed. A file that
   changes while it is read, or changed less than the settle time ago, waits for a later run;
2. a (path, sha256) already in `audit.load_log` is left alone, whatever its status then: a re-run
   adds nothing;
3. a name that does not match the folder's pattern -> `rejected` (before its hash is looked at);
4. bytes already loaded (any feed, any name, earlier in this run too) -> `skipped_duplicate`;
5. otherwise loaded into `<raw>/<system>/<feed>/<sha256>/` (raw_zone.py), bad rows to `audit.quarantine`,
   or `rejected` as a whole, for what its bytes are (invalid encoding, no header, a required column
   missing, a line over the size limit).

Only the bytes judge a file. A fault of the machine while reading or loading it (memory, disk, an
interrupt, a permission) raises IngestFault: the step fails, nothing is logged for that file and no
raw file is left, and the next run tries it again. Every verdict is one `audit.load_log` row,
written when the file is done (so a crash loses at most the file in hand).
"""

from __future__ import annotations

import contextlib
import shutil
import uuid
from datetime import datetime
from pathlib import Path

from orchestration import audit
from orchestration.feeds import FeedSpec
from orchestration.ingest.file_facts import FileChanged, FileFacts
from orchestration.ingest.file_job import FileJob, FileRejected, IngestFault
from orchestration.ingest.ledger import LedgerState, read_state, record_file
from orchestration.ingest.load_file import load_file
from orchestration.ingest.prefetch import Facts, Hashed, copy_of, inspected
from orchestration.ingest.raw_zone import ensure_schema_file, raw_file
from orchestration.ingest.results import FeedIngestResult, FileResult
from orchestration.landing import LandedFile, list_feed
from orchestration.resources import WarehouseResource


def ingest_feed(spec: FeedSpec, landing_root: Path, warehouse: WarehouseResource, run_id: str,
                settle_seconds: float = 0.0) -> FeedIngestResult:
    landing_root = Path(landing_root)
    ensure_schema_file(warehouse.raw_dir, spec)
    with warehouse.connect() as con:
        state = read_state(con, spec.name)
    listing = list_feed(spec, landing_root, settle_seconds)
    result = FeedIngestResult(spec.name, run_id)
    result.files += [FileResult(s.rel_path, "", 0, None, "waiting" if s.waiting else "ignored", s.reason)
                     for s in listing.skipped]
    work_root = warehouse.root / "tmp" / f"ingest-{spec.name}-{uuid.uuid4().hex[:12]}"
    try:
        for index, landed, facts in inspected(listing.files, state, work_root):
            stamp = audit.utc_now_after(state.latest_logged_at)  # the load watermark: after every earlier load
            file_result, quarantine_files = _ingest_file(spec, landed, facts, state, warehouse, run_id, stamp,
                                                        work_root / str(index))
            result.files.append(file_result)
            if file_result.logged:
                with warehouse.connect() as con:
                    record_file(con, spec.name, file_result, run_id, stamp, quarantine_files)
                _remember(state, file_result, stamp)
            shutil.rmtree(work_root / str(index), ignore_errors=True)  # the private copy is no longer needed
    finally:
        shutil.rmtree(work_root, ignore_errors=True)
        with contextlib.suppress(OSError):
            work_root.parent.rmdir()  # only when empty: another feed may be working beside us
    return result


def _ingest_file(spec: FeedSpec, landed: LandedFile, facts: Facts, state: LedgerState, warehouse: WarehouseResource,
                 run_id: str, stamp: datetime, work_dir: Path) -> tuple[FileResult, tuple[Path, ...]]:
    if isinstance(facts, FileChanged):
        return FileResult(landed.rel_path, "", landed.stamp.size, landed.export_date, "waiting",
                          f"{facts}: left for a later run"), ()
    if isinstance(facts, OSError):
        raise IngestFault(f"cannot read landing file {landed.rel_path}: {facts.strerror or facts}. "
                          "Fix the cause (permissions, disk); nothing was logged for the file and the next run "
                          "reads it again.") from facts
    sha256 = facts.sha256
    result = FileResult(landed.rel_path, sha256, facts.bytes, landed.export_date, "rejected",
                        mtime_ns=landed.stamp.mtime_ns)
    if (landed.rel_path, sha256) in state.logged:
        result.status, result.reason = "already_logged", "logged by an earlier run with the same bytes"
        return result, ()
    if landed.export_date is None:
        result.reason = f"file name does not match {spec.file_pattern}"
        return result, ()
    if sha256 in state.loaded:
        result.status, result.reason = "skipped_duplicate", f"bytes already loaded as {state.loaded[sha256]}"
        return result, ()
    assert isinstance(facts, FileFacts) and not isinstance(facts, Hashed), "new bytes are read in full"
    target = raw_file(warehouse.raw_dir, spec, sha256)
    job = FileJob(spec, copy_of(work_dir), landed.rel_path, facts, landed.export_date, run_id, stamp, work_dir,
                  target)
    try:
        load = load_file(job, warehouse.threads, warehouse.memory_limit)
    except FileRejected as exc:
        result.reason = str(exc)
        return result, ()
    except IngestFault:
        raise
    except OSError as exc:  # the raw zone or the work folder could not be written: a fault, no verdict
        raise IngestFault(f"could not load {landed.rel_path}: {exc}. Nothing was logged for the file; free the "
                          "disk or fix the folder's permissions and run again.") from exc
    result.status = "loaded"
    result.rows_read, result.rows_loaded, result.rows_quarantined = load.rows_read, load.rows_loaded, \
        load.rows_quarantined
    result.extra_columns = load.extra_columns
    result.reason = load.note
    result.raw_path = target.relative_to(warehouse.root).as_posix()
    return result, load.quarantine_files


def _remember(state: LedgerState, result: FileResult, stamp: datetime) -> None:
    state.logged.add((result.path, result.sha256))
    state.latest_logged_at = stamp
    if result.status == "loaded":
        state.loaded.setdefault(result.sha256, result.path)

