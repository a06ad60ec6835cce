"""What `audit.load_log` already knows of a feed, and logging one file's outcome (through `audit`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration import audit
from orchestration.ingest.results import FileResult
from orchestration.landing import Stamp


@dataclass
class LedgerState:
    logged: set[tuple[str, str]] = field(default_factory=set)  # (path, sha256) of the feed, any status
    loaded: dict[str, str] = field(default_factory=dict)  # sha256 -> path of a loaded file, any feed
    stamps: dict[tuple[str, int, int], str] = field(default_factory=dict)  # (path, size, mtime_ns) -> sha256
    latest_logged_at: datetime | None = None  # the feed's newest load time: the next file's must be later

    @property
    def logged_paths(self) -> set[str]:
        return {path for path, _ in self.logged}

    def known_stamp(self, path: str, stamp: Stamp) -> str | None:
        """The sha256 logged for this path at this size and mtime, if any (no need to read it again)."""
        return self.stamps.get((path, stamp.size, stamp.mtime_ns))


def read_state(con: duckdb.DuckDBPyConnection, feed: str) -> LedgerState:
    state = LedgerState()
    rows = con.execute("select path, sha256, bytes, mtime_ns, loaded_at from audit.load_log where feed = ?",
                       [feed]).fetchall()
    state.logged = {(path, sha) for path, sha, _, _, _ in rows}
    state.stamps = {(path, size, mtime): sha for path, sha, size, mtime, _ in rows if mtime is not None}
    state.latest_logged_at = max((logged_at for *_, logged_at in rows), default=None)
    rows = con.execute(
        "select sha256, min(path) from audit.load_log where status = 'loaded' group by sha256").fetchall()
    state.loaded = dict(rows)
    return state


def record_file(con: duckdb.DuckDBPyConnection, feed: str, result: FileResult, run_id: str, logged_at: datetime,
                quarantine_files: tuple[Path, ...]) -> None:
    """One load_log row and the file's quarantined rows, in one transaction."""
    audit.record_file(con, feed=feed, path=result.path, sha256=result.sha256, size=result.bytes,
                      mtime_ns=result.mtime_ns, export_date=result.export_date, rows_read=result.rows_read,
                      rows_loaded=result.rows_loaded, rows_quarantined=result.rows_quarantined, status=result.status,
                      reason=result.reason, extra_columns=result.extra_columns, raw_path=result.raw_path,
                      run_id=run_id, logged_at=logged_at, quarantine_files=quarantine_files)
