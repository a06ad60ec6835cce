"""Write `serving.duckdb`: a complete copy of schemas `marts` and `audit`, swapped in atomically.

The new file is written beside the old one under a temporary name, check-pointed, fsynced and
renamed over it (`os.replace`, atomic on POSIX). A BI tool that holds the old file open keeps
reading the old inode; the next connection sees the new file. Nothing ever writes into the live
file, so a failed or interrupted publish leaves it byte-for-byte untouched.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

PUBLISHED_SCHEMAS = ("marts", "audit")
# BI drivers lag behind DuckDB releases: write a storage format every DuckDB >= 1.0 can open.
STORAGE_VERSION = "v1.0.0"


@dataclass(frozen=True)
class PublishedFile:
    path: Path
    bytes: int
    tables: dict[str, int]  # "schema.table" -> rows


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    rows = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ? and schema_name in (?, ?) "
        "order by 1, 2", [catalog, *PUBLISHED_SCHEMAS]).fetchall()
    return [(schema, table) for schema, table in rows]


def write_serving(warehouse_db: Path, serving_path: Path, threads: int = 2, memory_limit: str = "3GB") -> PublishedFile:
    """Copy marts + audit of `warehouse_db` into a new file and rename it over `serving_path`."""

    def fill(con: duckdb.DuckDBPyConnection, tmp: Path) -> None:
        con.execute(f"attach '{warehouse_db}' as wh (read_only)")
        con.execute(f"attach '{tmp}' as srv (storage_version '{STORAGE_VERSION}')")
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema if not exists srv.{schema}")
        for schema, table in _tables(con, "wh"):
            con.execute(f'create table srv.{schema}."{table}" as select * from wh.{schema}."{table}"')

    return _swap_in(serving_path, fill, threads, memory_limit)


def refresh_audit(warehouse_db: Path, serving_path: Path, threads: int = 2, memory_limit: str = "3GB") -> PublishedFile:
    """A new serving file with the current file's marts and the warehouse's audit schema, swapped in
    the same atomic way. For a run whose marts would be rebuilt identically: copying the file and
    replacing the (small) audit tables costs a fraction of copying every mart again."""

    def fill(con: duckdb.DuckDBPyConnection, tmp: Path) -> None:
        con.execute(f"attach '{warehouse_db}' as wh (read_only)")
        con.execute(f"attach '{tmp}' as srv")  # a copy of the live file: it keeps its storage version
        con.execute("drop schema if exists srv.audit cascade")
        con.execute("create schema srv.audit")
        for schema, table in _tables(con, "wh"):
            if schema == "audit":
                con.execute(f'create table srv.audit."{table}" as select * from wh.audit."{table}"')

    return _swap_in(serving_path, fill, threads, memory_limit, start_from_current=True)


def _swap_in(serving_path: Path, fill: Callable[[duckdb.DuckDBPyConnection, Path], None], threads: int,
             memory_limit: str, start_from_current: bool = False) -> PublishedFile:
    """Build the new file under a hidden temporary name beside `serving_path` (`fill(con, tmp)`
    attaches it as `srv` and fills it), checkpoint, fsync, rename over the live file.
    `start_from_current`: the temporary file starts as a copy of the live one."""
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = serving_path.with_name(f".{serving_path.name}.{uuid.uuid4().hex}.tmp")
    try:
        if start_from_current:
            shutil.copyfile(serving_path, tmp)
        con = duckdb.connect(config={"threads": threads, "memory_limit": memory_limit})
        try:
            fill(con, tmp)
            counts = {f"{schema}.{table}": con.execute(f'select count(*) from srv.{schema}."{table}"').fetchone()[0]
                      for schema, table in _tables(con, "srv")}
            con.execute("checkpoint srv")
            con.execute("detach srv")
        finally:
            con.close()
        _fsync(tmp)
        os.replace(tmp, serving_path)
        _fsync(serving_path.parent)
    finally:
        tmp.unlink(missing_ok=True)
    return PublishedFile(serving_path, serving_path.stat().st_size, counts)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
