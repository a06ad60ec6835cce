"""Loading a CSV text the fast way (fast_csv): cut into parts read side by side, then one raw file.

Each part of the text (text_parts; one part for a small text) gets its own in-memory DuckDB with
its share of the threads and memory (workers), because the line numbering of a query runs on one
thread. One COPY writes every row of a part to a Parquet file of its own, failed rows included but
marked, through the cheap view of fast rows (fast_csv.settled_rows_sql): a part whose rows are all
fast is done in one pass. A part with other rows has those rows judged as records_sql would
(fast_csv.fast_rows_sql; a second pass that does the per-value work for them only): the failed ones
are kept, the raw text of their lines read (a pass over the part's lines), and the part's file
written again from the first pass's settled rows and the good judged rows, in line order. The parts' Parquet files are
then moved as they are into the pending raw folder (one part each: raw_zone.py), their quarantine
files kept beside them for `audit.quarantine`.

`load_fast` gives None, and the careful path reads the file, as soon as one part is not what
fast_csv needs: DuckDB's reader refused it, its rows do not number its lines, or a row is not
certain. The other parts' queries are then interrupted rather than finished for nothing.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.ingest import fast_csv, raw_output
from orchestration.ingest.file_job import CsvHeader, FileJob, FileLoad
from orchestration.ingest.records_sql import lines_sql
from orchestration.ingest.sql_text import literal
from orchestration.ingest.text_parts import TextPart, part_count, split_text
from orchestration.ingest.transcode import TextCopy
from orchestration.ingest.typing_sql import typed_rows_sql
from orchestration.ingest.workers import WorkerShare, share


@dataclass(frozen=True)
class _PartLoad:
    raw: Path  # the part's good rows (Parquet, raw-zone schema)
    rows: int
    failed: int
    quarantine: Path | None  # the part's failed rows (Parquet, audit.quarantine shape)


class _Attempt:
    """The parts' connections, so that the first part to give up can interrupt the others."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.connections: list[duckdb.DuckDBPyConnection] = []
        self.given_up = False

    def connect(self, config: dict) -> duckdb.DuckDBPyConnection | None:
        with self.lock:
            if self.given_up:
                return None
            con = duckdb.connect(":memory:", config=config)
            self.connections.append(con)
            return con

    def release(self, con: duckdb.DuckDBPyConnection) -> None:
        with self.lock:
            self.connections.remove(con)
            con.close()

    def give_up(self) -> None:
        with self.lock:
            self.given_up = True
            for con in self.connections:
                con.interrupt()


def load_fast(job: FileJob, copy: TextCopy, header: CsvHeader, threads: int, memory_limit: str) -> FileLoad | None:
    """The file loaded the fast way (raw file published), or None: the careful path must read it."""
    parts = split_text(copy, part_count(copy, threads), job.work_dir)
    plan = share(threads, memory_limit, len(parts))
    attempt = _Attempt()
    if len(parts) == 1:
        loads = [_load_part(job, copy, header, parts[0], 0, plan, attempt)]
    else:
        with ThreadPoolExecutor(len(parts), thread_name_prefix="ingest-part") as pool:
            loads = list(pool.map(lambda k: _load_part(job, copy, header, parts[k], k, plan, attempt),
                                  range(len(parts))))
    for part in parts:
        part.remove()  # the copies of the text's pieces (the careful path reads the text itself)
    if any(load is None for load in loads):
        return None
    raw_output.pending_raw_dir(job).mkdir(parents=True, exist_ok=True)
    for index, load in enumerate(loads):
        os.replace(load.raw, raw_output.pending_part(job, index))
    quarantines = tuple(load.quarantine for load in loads if load.quarantine is not None)
    raw_output.publish(job)
    rows, failed = sum(load.rows for load in loads), sum(load.failed for load in loads)
    return FileLoad(rows, rows - failed, failed, header.extra, quarantines)


def _load_part(job: FileJob, copy: TextCopy, header: CsvHeader, part: TextPart, index: int, plan: WorkerShare,
               attempt: _Attempt) -> _PartLoad | None:
    config = {"threads": plan.threads, "memory_limit": plan.memory_limit,
              "temp_directory": str(job.work_dir / f"spill{index}"), "preserve_insertion_order": True}
    con = attempt.connect(config)
    if con is None:
        return None
    try:
        part.write()
        load = None if attempt.given_up else _write_part(con, job, copy, header, part, index)
    except duckdb.Error:  # DuckDB's reader refused the text (or was interrupted): the careful path says why
        load = None
    finally:
        attempt.release(con)
    if load is None:
        attempt.give_up()
    return load


def _write_part(con: duckdb.DuckDBPyConnection, job: FileJob, copy: TextCopy, header: CsvHeader, part: TextPart,
                index: int) -> _PartLoad | None:
    spec, positions, width = job.spec, header.positions, header.width
    target = job.work_dir / f"part{index}.parquet"
    con.execute(f"create view typed_rows as {fast_csv.settled_rows_sql(spec, copy, part, positions, width)}")
    read, unsettled = raw_output.write_all_rows(con, job, target)
    if read != part.rows:  # lines that are not one row each (blank, multi-line)
        return None
    if not unsettled:
        return _PartLoad(target, read, 0, None)
    return _judge_unsettled(con, job, copy, header, part, index, target, read, unsettled)


def _judge_unsettled(con: duckdb.DuckDBPyConnection, job: FileJob, copy: TextCopy, header: CsvHeader,
                     part: TextPart, index: int, first_pass: Path, read: int, unsettled: int) -> _PartLoad | None:
    """The first pass left rows unsettled: judge those rows as records_sql would (fast_csv.fast_rows_sql,
    typing_sql; the filter on their lines keeps the per-value work to them), keep the failed ones, and write
    the part's raw file again: the settled rows as the first pass wrote them and the good judged rows, in line
    order. A settled row needs no second judgement (the one-pass case publishes the first pass as it is)."""
    spec, positions, width = job.spec, header.positions, header.width
    con.execute("drop view typed_rows")
    lines = f"select _line_number as line_number from read_parquet({literal(first_pass)}) where _row_number is null"
    con.execute(f"create table unsettled as {fast_csv.fast_rows_sql(spec, copy, part, positions, width, lines)}")
    con.execute(f"create table judged as {typed_rows_sql(spec, 'unsettled', 'line_number - 1', '__fast')}")
    judged, failed, uncertain = con.execute(
        f"select count(*), count(*) filter (where reason is not null), "
        f"count(*) filter (where reason = {literal(fast_csv.UNCERTAIN)}) from judged").fetchone()
    if uncertain:
        return None  # a row DuckDB's reader may have split otherwise
    if judged != unsettled:
        raise RuntimeError(f"{job.rel_path}: the passes of the fast path disagree")
    quarantine = None
    if failed:
        con.execute(f"create table quarantined as select line_number, coalesce(line, '') as raw, reason "
                    f"from judged join ({lines_sql(copy, part)}) using (line_number) where reason is not null")
        quarantine = raw_output.write_quarantine(con, job, "quarantined",
                                                 job.work_dir / f"quarantine{index}.parquet")
    con.execute("create view typed_rows as select * from judged")
    good = job.work_dir / f"part{index}-judged.parquet"
    target = job.work_dir / f"part{index}-merged.parquet"
    if raw_output.write_raw(con, job, good) != unsettled - failed:
        raise RuntimeError(f"{job.rel_path}: the passes of the fast path disagree")
    (written,) = con.execute(
        f"copy (select * from read_parquet({literal(first_pass)}) where _row_number is not null "
        f"union all select * from read_parquet({literal(good)}) order by _line_number) "
        f"to {literal(target)} ({raw_output.RAW_PARQUET})").fetchone()
    first_pass.unlink()
    good.unlink()
    if written + failed != read:
        raise RuntimeError(f"{job.rel_path}: the passes of the fast path disagree")
    return _PartLoad(target, read, failed, quarantine)
