"""What ingesting one landed file, and one feed folder, produced (plain data, no Dagster)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

#: `audit.load_log.status` values, plus `already_logged` (seen before with the same path and bytes:
#: nothing is written for it again, which is what makes a re-run idempotent).
FileStatus = Literal["loaded", "skipped_duplicate", "rejected", "already_logged", "waiting", "ignored"]
#: Statuses written to `audit.load_log` (the others are reported only: `waiting` files are read by a
#: later run, `ignored` entries are not regular files or have control characters in their names).
LOGGED_STATUSES = ("loaded", "skipped_duplicate", "rejected")


@dataclass
class FileResult:
    path: str  # relative to the landing directory (posix)
    sha256: str
    bytes: int
    export_date: date | None
    status: FileStatus
    reason: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    extra_columns: tuple[str, ...] = ()
    raw_path: str | None = None  # the raw-zone Parquet file (loaded files)
    mtime_ns: int | None = None  # the file's mtime when its bytes were read

    @property
    def logged(self) -> bool:
        """Whether this run wrote an `audit.load_log` row for the file."""
        return self.status in LOGGED_STATUSES


@dataclass
class FeedIngestResult:
    feed: str
    run_id: str
    files: list[FileResult] = field(default_factory=list)

    def count(self, status: FileStatus) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files if f.logged)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files if f.logged)

    @property
    def raw_paths(self) -> list[str]:
        """Raw-zone Parquet files loaded in this run."""
        return [f.raw_path for f in self.files if f.status == "loaded" and f.raw_path]

    def markdown(self) -> str:
        """A small per-file table for the Dagster UI."""
        head = "| file | status | read | loaded | quarantined | reason |\n| --- | --- | ---: | ---: | ---: | --- |"
        rows = [
            f"| {_cell(f.path)} | {f.status} | {f.rows_read} | {f.rows_loaded} | {f.rows_quarantined} "
            f"| {_cell(f.reason or '')} |"
            for f in self.files
        ]
        return "\n".join([head, *rows]) if rows else "_no files landed for this feed_"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")[:200]
