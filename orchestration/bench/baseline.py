"""DuckDB's own read of the order-lines files a run loaded: the yardstick of ingestion speed.

Each file is first transcoded (outside the timing) to a UTF-8 copy; then, timed, DuckDB reads the
copy with explicit typed columns (the raw-zone types of `feeds.ORDER_LINES`, no sniffing) and
writes it to Parquet: `copy (select * from read_csv(...)) to 'x.parquet'`, one file per landed
file, with the pipeline's DuckDB threads and memory limit, and the raw zone's Parquet options
(raw_output.RAW_PARQUET): both sides write alike, so the ratio prices ingestion's own work only.
"""

from __future__ import annotations

import codecs
import shutil
import time
from pathlib import Path

import duckdb

from orchestration.feeds import ORDER_LINES, FeedSpec
from orchestration.ingest.raw_output import RAW_PARQUET

CHUNK_BYTES = 16 * 1024 * 1024


def to_utf8(source: Path, encoding: str, target: Path) -> None:
    """Stream `source` (in `encoding`) into `target` as UTF-8 (no BOM), chunk by chunk."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    with open(source, "rb") as src, open(target, "wb") as out:
        while chunk := src.read(CHUNK_BYTES):
            out.write(decoder.decode(chunk).encode("utf-8"))
        out.write(decoder.decode(b"", final=True).encode("utf-8"))


def _literal(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def read_sql(spec: FeedSpec, source: Path, target: Path) -> str:
    columns = ", ".join(f"{_literal(c.source)}: {_literal(c.raw_type)}" for c in spec.columns)
    return (f"copy (select * from read_csv({_literal(source)}, header = true, auto_detect = false, "
            f"delim = ',', quote = '\"', escape = '\"', dateformat = '%Y-%m-%d', "
            f"timestampformat = '%Y-%m-%d %H:%M:%S', columns = {{{columns}}})) "
            f"to {_literal(target)} ({RAW_PARQUET})")


def duckdb_read(files: list[Path], scratch: Path, threads: int, memory_limit: str,
                spec: FeedSpec = ORDER_LINES) -> dict:
    """Seconds DuckDB takes to read `files` (transcoded beforehand) into Parquet, with rows and bytes."""
    scratch.mkdir(parents=True, exist_ok=True)
    seconds, rows, size = 0.0, 0, 0
    config = {"threads": threads, "memory_limit": memory_limit, "temp_directory": str(scratch / "spill")}
    try:
        for n, file in enumerate(files):
            utf8 = scratch / f"{n}.csv"
            to_utf8(file, spec.encoding, utf8)
            size += utf8.stat().st_size
            with duckdb.connect(":memory:", config=config) as con:
                started = time.perf_counter()
                (written,) = con.execute(read_sql(spec, utf8, scratch / f"{n}.parquet")).fetchone()
                seconds += time.perf_counter() - started
            rows += written
            utf8.unlink()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {"files": len(files), "utf8_bytes": size, "rows": rows, "seconds": round(seconds, 3)}
