"""Load one landed file: UTF-8 working copy -> records -> typed rows -> one raw-zone Parquet file
plus a Parquet file of quarantined rows (inserted into `audit.quarantine` by the caller).

All work happens in a private in-memory DuckDB (the resource's threads and memory limit, spilling
under the work directory), so `warehouse.duckdb` is not held while a big file is parsed.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from orchestration.feeds import LINEAGE_COLUMNS, FeedSpec
from orchestration.ingest.landing_files import FileFacts
from orchestration.ingest.records_sql import (
    csv_data_records_sql,
    csv_records_sql,
    csv_rows_sql,
    jsonl_data_records_sql,
    jsonl_keys_sql,
    jsonl_rows_sql,
)
from orchestration.ingest.sql_text import ident, literal
from orchestration.ingest.transcode import EncodingRejected, TextCopy, text_for_duckdb
from orchestration.ingest.typing_sql import typed_rows_sql


class FileRejected(ValueError):
    """The whole file cannot be loaded (reason in the message); nothing of it is kept."""


@dataclass(frozen=True)
class FileJob:
    spec: FeedSpec
    source: Path
    rel_path: str
    facts: FileFacts
    export_date: date
    run_id: str
    loaded_at: datetime  # UTC, naive
    work_dir: Path  # private scratch space, removed by the caller
    raw_file: Path  # <raw>/<system>/<feed>/<sha256>.parquet


@dataclass(frozen=True)
class FileLoad:
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    extra_columns: tuple[str, ...]
    quarantine_file: Path | None  # Parquet shaped like audit.quarantine, None when no row failed


def load_file(job: FileJob, threads: int, memory_limit: str) -> FileLoad:
    """Write the raw-zone Parquet file of a landed file; raise FileRejected when it cannot be loaded.

    Streaming passes over the text rather than one materialised table (materialising millions of
    strings costs more than reading the file again). When the line scan already proves which lines
    are rows (an unquoted CSV text without blank lines: rows = lines 2..n), the good rows are COPYed
    to Parquet in one pass, and a second pass collecting the failed rows runs only when fewer rows
    were written than read. Otherwise the rows are counted first (their numbering may need a
    window), then the failed rows are kept, then the good rows COPYed."""
    job.work_dir.mkdir(parents=True, exist_ok=True)
    try:
        copy = text_for_duckdb(job.source, job.facts, job.spec.encoding, job.work_dir / "copy.txt")
    except EncodingRejected as exc:
        raise FileRejected(str(exc)) from exc
    config = {"threads": threads, "memory_limit": memory_limit, "temp_directory": str(job.work_dir / "spill"),
              "preserve_insertion_order": True}
    con = duckdb.connect(":memory:", config=config)
    try:
        if job.spec.fmt == "csv":
            extra, fast = _stage_csv(con, job.spec, copy), "__fast"
        else:
            extra, fast = _stage_jsonl(con, job.spec, copy), None
        read = _known_rows(job.spec, copy)
        if read is not None:
            row_number = "line_number - 1"
        else:
            read, first, last = con.execute(
                "select count(*), min(line_number), max(line_number) from data_records").fetchone()
            if read == 0 or last - first + 1 == read:  # no blank line or multi-line record between rows
                row_number = f"line_number - {(first or 1) - 1}"
            else:
                row_number = "row_number() over (order by line_number)"
        con.execute(f"create view typed_rows as {typed_rows_sql(job.spec, 'staged_rows', row_number, fast)}")
        loaded = _write_raw(con, job)
        quarantined, quarantine_file = 0, None
        if loaded != read:
            con.execute("create table failed as select line_number, raw, reason from typed_rows "
                        "where reason is not null")
            (quarantined,) = con.execute("select count(*) from failed").fetchone()
            quarantine_file = _write_quarantine(con, job) if quarantined else None
    except duckdb.Error as exc:
        raise FileRejected(f"could not be read: {str(exc).splitlines()[0]}") from exc
    finally:
        con.close()
    if loaded + quarantined != read:  # both passes judge the same rows; a mismatch is a bug, not bad input
        raise RuntimeError(f"{job.rel_path}: {read} rows read but {loaded} loaded + {quarantined} quarantined")
    return FileLoad(read, loaded, quarantined, extra, quarantine_file)


def _known_rows(spec: FeedSpec, copy: TextCopy) -> int | None:
    """The number of data rows when the line scan proves it (an unquoted CSV text with no blank
    line: every line after the header is one row), else None."""
    if spec.fmt != "csv" or copy.has_quote or copy.odd_space or not copy.blank_free:
        return None
    return max(copy.line_count - 1, 0)


def _stage_csv(con: duckdb.DuckDBPyConnection, spec: FeedSpec, copy: TextCopy) -> tuple[str, ...]:
    con.execute(f"create view records as {csv_records_sql(copy)}")
    first = _first_line(copy)
    if first is _UNKNOWN:
        first = con.execute("select raw, unterminated from records where line_number = 1").fetchone()
    header = _parse_header(first)
    missing = [c.source for c in spec.columns if c.source not in header]
    if missing:
        raise FileRejected(f"missing required column(s): {', '.join(missing)}")
    positions = {c.name: header.index(c.source) + 1 for c in spec.columns}
    extra = tuple(h for h in header if h and h not in spec.source_names)
    con.execute(f"create view data_records as {csv_data_records_sql('records', copy.odd_space)}")
    rows = csv_rows_sql(spec, "data_records", positions, len(header), copy.odd_space)
    con.execute(f"create view staged_rows as {rows}")
    return extra


_UNKNOWN = object()
HEADER_BYTES = 1 << 20  # a longer first line is left to DuckDB's reader (and its line size limit)


def _first_line(copy: TextCopy) -> tuple[str, bool] | None | object:
    """The header record (raw, unterminated) of an unquoted text, read directly rather than by a
    scan of the whole file: what the `records` view has at line 1 (None: the text is empty).
    _UNKNOWN when the text has quotes (a record may span lines) or the line is unusual."""
    if copy.has_quote:
        return _UNKNOWN
    with open(copy.path, "rb") as handle:
        head = handle.readline(HEADER_BYTES)
    if not head:
        return None
    if not head.endswith(b"\n") and len(head) == HEADER_BYTES or b"\0" in head:
        return _UNKNOWN
    return head.removesuffix(b"\n").decode("utf-8"), False


def _parse_header(first: tuple | None) -> list[str]:
    if first is None or not first[0].strip():
        raise FileRejected("no header line")
    if first[1]:
        raise FileRejected("malformed header line: unterminated quoted field")
    try:
        return [name.strip() for name in next(csv.reader([first[0]], strict=True))]
    except (csv.Error, StopIteration) as exc:
        raise FileRejected(f"malformed header line: {exc}") from exc


def _stage_jsonl(con: duckdb.DuckDBPyConnection, spec: FeedSpec, copy: TextCopy) -> tuple[str, ...]:
    con.execute(f"create view data_records as {jsonl_data_records_sql(copy)}")
    con.execute(f"create view staged_rows as {jsonl_rows_sql(spec, 'data_records')}")
    keys = [k for (k,) in con.execute(jsonl_keys_sql(copy)).fetchall()]
    return tuple(sorted(k for k in keys if k not in spec.source_names))


def _write_raw(con: duckdb.DuckDBPyConnection, job: FileJob) -> int:
    """COPY the good rows to a temporary name beside the target, then rename (never a half file)."""
    lineage = {
        "_file_path": literal(job.rel_path),
        "_file_sha256": literal(job.facts.sha256),
        "_line_number": "line_number",
        "_row_number": "row_number",
        "_export_date": literal(job.export_date),
        "_load_run_id": literal(job.run_id),
        "_loaded_at": literal(job.loaded_at),
    }
    columns = [ident(c.name) for c in job.spec.columns]
    columns += [f"cast({expr} as {LINEAGE_COLUMNS[name]}) as {ident(name)}" for name, expr in lineage.items()]
    job.raw_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = job.raw_file.with_name(f".{job.raw_file.stem}.{os.getpid()}.tmp")
    try:
        (written,) = con.execute(f"copy (select {', '.join(columns)} from typed_rows where reason is null) "
                                 f"to {literal(tmp)} (format parquet)").fetchone()
        os.replace(tmp, job.raw_file)
        return written
    finally:
        tmp.unlink(missing_ok=True)


def _write_quarantine(con: duckdb.DuckDBPyConnection, job: FileJob) -> Path:
    target = job.work_dir / "quarantine.parquet"
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
            from failed
            order by line_number
        ) to {literal(target)} (format parquet)
    """)
    return target
