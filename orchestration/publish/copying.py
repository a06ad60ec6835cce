"""Copying whole tables into a new serving file (`srv`), two at a time: the working warehouse's (`wh`)
into the analyst file, and the analyst file's (`src`, the columns a role may see) into a role's file.

DuckDB writes one table mostly on one thread (it compresses each column as it writes it), so a publish
that copied its tables one after another left the second core idle: at L a night's 18 customer-level
marts and dimensions took 3.4 s one by one and 2.4 s two at a time, the finance and service files
4.7-5.4 s one by one and 3.9-4.6 s two at a time. Each copy has its own cursor (DuckDB writes different
tables of one file side by side; each `create table ... as` commits on its own). The largest tables go
first, so the two workers end together.

The personal-data feeds' quarantined lines lose their raw text on the way (feed, file, line and
reason stay): serving holds no personal data.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import duckdb

from orchestration.feeds import PERSONAL_DATA_FEEDS

#: Tables copied side by side (the machine's two cores; more only queue behind DuckDB's own threads).
COPY_WORKERS = 2


def copy_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> None:
    """`srv.<schema>.<table>` as a copy of the warehouse's (a table that must not exist yet)."""
    source = f'wh.{schema}."{table}"'
    if (schema, table) == ("audit", "quarantine"):
        feeds = ", ".join(f"'{feed}'" for feed in sorted(PERSONAL_DATA_FEEDS))
        source = (f"(select * replace (case when feed in ({feeds}) then null else raw_record end as raw_record) "
                  f"from {source})")
    con.execute(f'create table srv.{schema}."{table}" as select * from {source}')


def copy_tables(con: duckdb.DuckDBPyConnection, tables: Sequence[tuple[str, str]],
                workers: int = COPY_WORKERS, *, source: str = "wh",
                copy: Callable[[duckdb.DuckDBPyConnection, str, str], None] = copy_table) -> None:
    """Copy every (schema, table) of `tables` (from catalog `source`, with `copy(cursor, schema, table)`),
    `workers` at a time, largest first; the first error is raised once every copy under way has ended
    (the caller discards the file)."""
    sizes = _sizes(con, source)
    todo = sorted(tables, key=lambda key: sizes.get(key, 0), reverse=True)
    if workers <= 1 or len(todo) <= 1:
        for schema, table in todo:
            copy(con, schema, table)
        return
    lock, failed = threading.Lock(), threading.Event()

    def worker() -> None:
        cursor = con.cursor()
        try:
            while not failed.is_set():
                with lock:
                    if not todo:
                        return
                    schema, table = todo.pop(0)
                try:
                    copy(cursor, schema, table)
                except BaseException:
                    failed.set()
                    raise
        finally:
            cursor.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(worker) for _ in range(workers)]
    for future in futures:
        future.result()


def _sizes(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[tuple[str, str], int]:
    """(schema, table) -> estimated rows of every table of `catalog`."""
    return {(schema, table): size for schema, table, size in con.execute(
        "select schema_name, table_name, estimated_size from duckdb_tables() where database_name = ?",
        [catalog]).fetchall()}
