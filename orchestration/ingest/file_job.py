"""What loading one landed file takes and gives (plain data shared by the two ways of loading)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from orchestration.feeds import FeedSpec
from orchestration.ingest.file_facts import FileFacts


class FileRejected(ValueError):
    """The whole file cannot be loaded for what its bytes are (reason in the message); nothing of it
    is kept, and the verdict is logged."""


class IngestFault(RuntimeError):
    """The machine failed while a file was read or loaded (memory, disk, an interrupt): no verdict on
    the file, nothing logged for it; the step fails and the next run tries the file again."""


@dataclass(frozen=True)
class FileJob:
    spec: FeedSpec
    source: Path  # the private copy of the landed file's bytes (never the landing folder)
    rel_path: str
    facts: FileFacts
    export_date: date
    run_id: str
    loaded_at: datetime  # UTC, naive
    work_dir: Path  # private scratch space, removed by the caller
    raw_file: Path  # the raw-zone folder <raw>/<system>/<feed>/<sha256>/ (raw_zone.py)


@dataclass(frozen=True)
class FileLoad:
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    extra_columns: tuple[str, ...]
    quarantine_files: tuple[Path, ...]  # Parquet shaped like audit.quarantine (none when no row failed)
    note: str | None = None  # what a loaded file's audit.load_log.reason says (e.g. it ends inside a character)


@dataclass(frozen=True)
class CsvHeader:
    positions: dict[str, int]  # feed column name -> 1-based field
    width: int  # fields of the header
    extra: tuple[str, ...]  # header names the feed does not know
