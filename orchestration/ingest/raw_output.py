"""Writing what one loaded file gave: its good rows as the raw-zone Parquet file (with lineage),
its failed rows as a Parquet file shaped like `audit.quarantine`.

The raw parts are COPYed into a pending folder in the file's work folder and the folder is renamed into
the raw zone only once the load is settled (`publish`), so a reader never sees a half file, and a
fast-path attempt that is given up leaves nothing behind.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from orchestration.feeds import LINEAGE_COLUMNS
from orchestration.ingest.sql_text import ident, literal

if TYPE_CHECKING:
    from orchestration.ingest.file_job import FileJob

#: How raw-zone parts are written (docs/decisions.md, "Raw-zone Parquet"). Parquet's version 2 encodings
#: (delta-encoded integers and strings) and a dictionary given up after 2,048 distinct values of a column
#: chunk (an order number or a customer number has tens of thousands) instead of DuckDB's default: an L
#: order-lines export is written ~15 % faster (one part, one thread: 2.07 -> 1.74 s) into files ~30 % smaller.
RAW_PARQUET = "format parquet, parquet_version v2, dictionary_size_limit 2048"


def pending_raw_dir(job: FileJob) -> Path:
    """Where the raw folder is written before it is published (in the file's private work folder, on
    the warehouse's file system, so publishing is one rename)."""
    return job.work_dir / "raw"


def pending_part(job: FileJob, index: int = 0) -> Path:
    return pending_raw_dir(job) / f"part-{index}.parquet"


def write_raw(con: duckdb.DuckDBPyConnection, job: FileJob, target: Path | None = None) -> int:
    """COPY the good rows of the view `typed_rows` (typing_sql.typed_rows_sql) to `target`
    (the pending folder's first part by default); the number of rows written."""
    (written,) = con.execute(_copy_sql(job, target, "row_number", "where reason is null")).fetchone()
    return written


def write_all_rows(con: duckdb.DuckDBPyConnection, job: FileJob, target: Path | None = None) -> tuple[int, int]:
    """COPY every row of the view `typed_rows` to `target` (the pending folder's first part by default), a
    failed one with a NULL `_row_number`;
    (rows written, rows failed), the latter from the Parquet writer's statistics. Publishable only
    when no row failed. Why not filter: DuckDB does not share expressions between a filter and a
    projection, so `where reason is null` evaluates every conversion twice; a file without bad
    rows (the common case) is written in one pass this way, a file with some is written again."""
    row_number = "case when reason is null then row_number end"
    result = con.execute(_copy_sql(job, target, row_number, "", "return_stats")).fetchone()
    written, stats = result[1], result[4]
    return written, int(stats[ident("_row_number")]["null_count"])


def _copy_sql(job: FileJob, target: Path | None, row_number: str, where: str, options: str = "") -> str:
    texts = {"_file_path": job.rel_path, "_file_sha256": job.facts.sha256, "_load_run_id": job.run_id}
    values = {"_line_number": "line_number", "_row_number": row_number, "_export_date": literal(job.export_date),
              "_loaded_at": literal(job.loaded_at)}
    columns = [ident(c.name) for c in job.spec.columns]
    columns += [f"{_constant_text(texts[name])} as {ident(name)}" if name in texts else
                f"cast({values[name]} as {kind}) as {ident(name)}" for name, kind in LINEAGE_COLUMNS.items()]
    target = target or pending_part(job)
    target.parent.mkdir(parents=True, exist_ok=True)
    options = f"{RAW_PARQUET}{', ' + options if options else ''}"
    target = literal(target)
    return f"copy (select {', '.join(columns)} from typed_rows {where}) to {target} ({options})"


def _constant_text(value: str) -> str:
    """A text constant of every row as a one-value ENUM. The Parquet writer stores it exactly as the
    VARCHAR (a UTF8 byte array, dictionary-encoded; DuckDB and pyarrow read a string) but takes its
    dictionary index from the ENUM instead of hashing and comparing the string on every row: three
    such lineage columns cost about a tenth of a big load otherwise."""
    return f"cast({literal(value)} as enum({literal(value)}))"


def publish(job: FileJob) -> None:
    """Make the pending folder the raw-zone folder: its parts and itself fsynced, renamed, the feed
    folder fsynced, so that once the file's `load_log` row commits its rows are on disk whatever
    happens next. A folder already there is a leftover (its bytes were never logged as loaded)."""
    pending = pending_raw_dir(job)
    for part in pending.iterdir():
        fsync_path(part)
    fsync_path(pending)
    job.raw_file.parent.mkdir(parents=True, exist_ok=True)
    if job.raw_file.exists():
        shutil.rmtree(job.raw_file)
    os.replace(pending, job.raw_file)
    fsync_path(job.raw_file.parent)


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def discard(job: FileJob) -> None:
    shutil.rmtree(pending_raw_dir(job), ignore_errors=True)


def write_quarantine(con: duckdb.DuckDBPyConnection, job: FileJob, failed: str = "failed",
                     target: Path | None = None) -> Path:
    """The rows of `failed` (line_number, raw, reason) as `audit.quarantine` rows, by line, in
    `target` (quarantine.parquet of the work directory by default)."""
    target = target or job.work_dir / "quarantine.parquet"
    con.execute(f"""
        copy (
            select
                {literal(job.spec.name)} as feed,
                {literal(job.rel_path)} as file,
                {literal(job.facts.sha256)} as file_sha256,
                cast(line_number as bigint) as line_number,
                raw as raw_record,
                reason,
                {literal(job.run_id)} as run_id,
                {literal(job.loaded_at)} as quarantined_at
            from {failed}
            order by line_number
        ) to {literal(target)} (format parquet)
    """)
    return target
