"""What `audit.load_log` already knows, and writing one file's outcome to the audit tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.ingest.results import FileResult
from orchestration.ingest.sql_text import literal


@dataclass
class LedgerState:
    logged: set[tuple[str, str]] = field(default_factory=set)  # (path, sha256) of the feed, any status
    loaded: dict[str, str] = field(default_factory=dict)  # sha256 -> path of a loaded file, any feed


def read_state(con: duckdb.DuckDBPyConnection, feed: str) -> LedgerState:
    state = LedgerState()
    rows = con.execute("select path, sha256 from audit.load_log where feed = ?", [feed]).fetchall()
    state.logged = {(path, sha) for path, sha in rows}
    rows = con.execute(
        "select sha256, min(path) from audit.load_log where status = 'loaded' group by sha256").fetchall()
    state.loaded = dict(rows)
    return state


def record_file(con: duckdb.DuckDBPyConnection, feed: str, result: FileResult, run_id: str, logged_at: datetime,
                quarantine_file: Path | None) -> None:
    """One load_log row and the file's quarantined rows, in one transaction."""
    con.execute("begin transaction")
    try:
        con.execute(
            """
            insert into audit.load_log (path, feed, sha256, bytes, export_date, rows_read, rows_loaded,
                                        rows_quarantined, status, reason, extra_columns, raw_path, run_id, loaded_at)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [result.path, feed, result.sha256, result.bytes, result.export_date, result.rows_read,
             result.rows_loaded, result.rows_quarantined, result.status, result.reason,
             ", ".join(result.extra_columns) or None, result.raw_path, run_id, logged_at],
        )
        if quarantine_file is not None:
            con.execute(f"insert into audit.quarantine by name select * from read_parquet({literal(quarantine_file)})")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
