"""Load one landed file: UTF-8 working copy -> records -> typed rows -> one raw-zone Parquet file
plus Parquet files of quarantined rows (inserted into `audit.quarantine` by the caller).

Two ways to the same result. A CSV text is first given to DuckDB's own CSV reader (fast_csv), whose
reading is kept only when it provably split every line as records_sql would; at any doubt (an error
of DuckDB's reader, a row it may have split otherwise, lines that are not one row each) the text is
read line by line in SQL (records_sql: the careful path, which numbers every physical line and can
quarantine any malformed one). JSON lines always take the careful path.

All work happens in a private in-memory DuckDB (the resource's threads and memory limit, spilling
under the work directory), so `warehouse.duckdb` is not held while a big file is parsed.
"""

from __future__ import annotations

import csv
from dataclasses import replace

import duckdb

from orchestration.feeds import FeedSpec
from orchestration.ingest import fast_csv, raw_output
from orchestration.ingest.fast_load import load_fast
from orchestration.ingest.file_job import CsvHeader, FileJob, FileLoad, FileRejected, IngestFault
from orchestration.ingest.records_sql import (
    MAX_LINE_BYTES,
    csv_data_records_sql,
    csv_records_sql,
    csv_rows_sql,
    jsonl_data_records_sql,
    jsonl_keys_sql,
    jsonl_rows_sql,
)
from orchestration.ingest.transcode import EncodingRejected, TextCopy, text_for_duckdb
from orchestration.ingest.typing_sql import typed_rows_sql


def load_file(job: FileJob, threads: int, memory_limit: str) -> FileLoad:
    """Write the raw-zone Parquet file of a landed file; raise FileRejected when it cannot be loaded.

    A CSV text whose header is its first line is first read the fast way (fast_csv); the careful
    way (records_sql) reads it when the fast way cannot vouch for every line, and reads JSON lines."""
    job.work_dir.mkdir(parents=True, exist_ok=True)
    try:
        copy = text_for_duckdb(job.source, job.facts, job.spec.encoding, job.work_dir / "copy.txt")
    except EncodingRejected as exc:
        raise FileRejected(str(exc)) from exc
    config = {"threads": threads, "memory_limit": memory_limit, "temp_directory": str(job.work_dir / "spill"),
              "preserve_insertion_order": True}
    try:
        header = None
        if job.spec.fmt == "csv":
            first = _first_line(copy)
            header = None if first is _UNKNOWN else _parse_header(job.spec, first)
        if header is not None and fast_csv.usable(copy):
            load = load_fast(job, copy, header, threads, memory_limit)
            if load is not None:
                return _noted(load, copy)
        con = duckdb.connect(":memory:", config=config)
        try:
            return _noted(_load_careful(con, job, copy, header), copy)
        except duckdb.Error as exc:
            raise judged(exc, job) from exc
        finally:
            con.close()
    finally:
        raw_output.discard(job)  # what an abandoned attempt left (nothing once published)


def _noted(load: FileLoad, copy: TextCopy) -> FileLoad:
    if not copy.cut_bytes:
        return load
    return replace(load, note=f"the file ends inside a character (a truncated export?): its last {copy.cut_bytes} "
                              "byte(s) are not text and were dropped; its last line is judged without them")


def judged(exc: duckdb.Error, job: FileJob) -> Exception:
    """What a DuckDB error of the careful path says: a verdict on the file's bytes only when its CSV
    reader refused the text (a line over the size limit, an invalid byte sequence) — the careful path
    reads every line as one unquoted value, so nothing else of the text can upset the reader. Anything
    else (out of memory, disk, an interrupt, an internal error) is a fault of the machine."""
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, duckdb.InvalidInputException) and "CSV Error" in str(exc):
        if "line size" in str(exc).lower():
            return FileRejected(f"a line is longer than the {MAX_LINE_BYTES:,}-byte limit ({first})")
        return FileRejected(f"could not be read as text: {first}")
    return IngestFault(f"could not load {job.rel_path}: {type(exc).__name__}: {first}. This is no verdict on the "
                       "file: nothing was logged for it, and the next run loads it again.")


def _load_careful(con: duckdb.DuckDBPyConnection, job: FileJob, copy: TextCopy,
                  header: CsvHeader | None) -> FileLoad:
    """The line-level path. Streaming passes over the text rather than one materialised table
    (materialising millions of strings costs more than reading the file again). When the line scan
    already proves which lines are rows (an unquoted CSV text without blank lines: rows = lines
    2..n), the good rows are COPYed to Parquet in one pass, and a second pass collecting the failed
    rows runs only when fewer rows were written than read. Otherwise the rows are counted first
    (their numbering may need a window), then the failed rows are kept, then the good rows COPYed."""
    if job.spec.fmt == "csv":
        extra, fast = _stage_csv(con, job.spec, copy, header), "__fast"
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
    loaded = raw_output.write_raw(con, job)
    quarantined, quarantine_files = 0, ()
    if loaded != read:
        con.execute("create table failed as select line_number, raw, reason from typed_rows "
                    "where reason is not null")
        (quarantined,) = con.execute("select count(*) from failed").fetchone()
        quarantine_files = (raw_output.write_quarantine(con, job),) if quarantined else ()
    if loaded + quarantined != read:  # both passes judge the same rows; a mismatch is a bug, not bad input
        raise RuntimeError(f"{job.rel_path}: {read} rows read but {loaded} loaded + {quarantined} quarantined")
    raw_output.publish(job)
    return FileLoad(read, loaded, quarantined, extra, quarantine_files)


def _known_rows(spec: FeedSpec, copy: TextCopy) -> int | None:
    """The number of data rows when the line scan proves it (an unquoted CSV text with no blank
    line: every line after the header is one row), else None."""
    if spec.fmt != "csv" or copy.has_quote or copy.odd_space or not copy.is_blank_free():
        return None
    return max(copy.line_count - 1, 0)


def _stage_csv(con: duckdb.DuckDBPyConnection, spec: FeedSpec, copy: TextCopy,
               header: CsvHeader | None) -> tuple[str, ...]:
    con.execute(f"create view records as {csv_records_sql(copy)}")
    if header is None:  # the first record may span lines: the records view knows
        header = _parse_header(spec, con.execute("select raw, unterminated from records where line_number = 1"
                                                 ).fetchone())
    con.execute(f"create view data_records as {csv_data_records_sql('records', copy.odd_space)}")
    rows = csv_rows_sql(spec, "data_records", header.positions, header.width, copy.odd_space)
    con.execute(f"create view staged_rows as {rows}")
    return header.extra


_UNKNOWN = object()
HEADER_BYTES = 1 << 20  # a longer first line is left to DuckDB's reader (and its line size limit)


def _first_line(copy: TextCopy) -> tuple[str, bool] | None | object:
    """The header record (raw, unterminated) read directly rather than by a scan of the whole
    file: what the `records` view has at line 1 (None: the text is empty). A first line with an
    even number of quotes is a record of its own there. _UNKNOWN when it has an odd number (the
    record goes on) or the line is unusual."""
    with open(copy.path, "rb") as handle:
        head = handle.readline(HEADER_BYTES)
    if not head:
        return None
    if not head.endswith(b"\n") and len(head) == HEADER_BYTES or b"\0" in head or head.count(b'"') % 2:
        return _UNKNOWN
    return head.removesuffix(b"\n").decode("utf-8"), False


def _parse_header(spec: FeedSpec, first: tuple | None) -> CsvHeader:
    if first is None or not first[0].strip():
        raise FileRejected("no header line")
    if first[1]:
        raise FileRejected("malformed header line: unterminated quoted field")
    try:
        header = [name.strip() for name in next(csv.reader([first[0]], strict=True))]
    except (csv.Error, StopIteration) as exc:
        raise FileRejected(f"malformed header line: {exc}") from exc
    missing = [c.source for c in spec.columns if c.source not in header]
    if missing:
        raise FileRejected(f"missing required column(s): {', '.join(missing)}")
    positions = {c.name: header.index(c.source) + 1 for c in spec.columns}
    extra = tuple(h for h in header if h and h not in spec.source_names)
    return CsvHeader(positions, len(header), extra)


def _stage_jsonl(con: duckdb.DuckDBPyConnection, spec: FeedSpec, copy: TextCopy) -> tuple[str, ...]:
    con.execute(f"create view data_records as {jsonl_data_records_sql(copy)}")
    con.execute(f"create view staged_rows as {jsonl_rows_sql(spec, 'data_records')}")
    keys = [k for (k,) in con.execute(jsonl_keys_sql(copy)).fetchall()]
    return tuple(sorted(k for k in keys if k not in spec.source_names))
