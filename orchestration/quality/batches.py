"""The rows a check looks at, read with DuckDB into pandas: never history, only this run's rows
(raw feeds, big facts) or a whole small mart.

Raw files are read with an in-memory DuckDB connection, so `warehouse.duckdb` is held only for
the short look-up of `audit.load_log`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from orchestration.feeds import FeedSpec
from orchestration.ingest.raw_zone import parquet_files

if TYPE_CHECKING:  # pandas costs ~1.2 s to import: only when a check actually runs
    import pandas as pd


def resolve_raw_path(warehouse_root: Path, raw_path: str) -> str:
    """What `read_parquet` reads for `audit.load_log.raw_path` (stored relative to the warehouse): the
    absolute glob of the file's Parquet parts (ingest/raw_zone.py)."""
    path = Path(raw_path)
    return parquet_files(path if path.is_absolute() else Path(warehouse_root).resolve() / path)


def loads_in_scope(*, held: bool = True, spec: FeedSpec | None = None) -> str:
    """The `audit.load_log` rows (table not aliased) a run's checks vouch for, as a condition with one `?` (the
    run id): the run's own loads and, with `held`, those of every run since the last published one. A run that
    failed a blocking check published nothing, but its files stay loaded: the next run checks them again rather
    than publish them unchecked, and they hold publishing until they pass or an operator accepts them
    (`run --accept-held-files`: `held` False). By induction every published file passed in a published run.
    A held file of a snapshot feed (`spec`) only while it is the feed's current snapshot (ranked as dbt's
    `snapshot_current_file`): a newer or re-sent snapshot replaces it in the marts, so it no longer holds them."""
    if not held:
        return "run_id = ?"
    current = (" and sha256 = (select c.sha256 from audit.load_log as c where c.feed = load_log.feed and "
               "c.status = 'loaded' and c.export_date is not null "
               "order by c.export_date desc, c.path desc, c.loaded_at desc, c.sha256 desc limit 1)") \
        if spec is not None and spec.kind == "snapshot" else ""
    # runs in the order their plans were recorded (under the warehouse lock: the order they ran); a load of a run
    # without a plan (a warehouse older than run plans) was published long ago and is not held
    return ("(run_id = ? or (run_id in (select run_id from audit.run_inputs where recorded_at > coalesce(("
            "select max(i.recorded_at) from audit.run_inputs as i join audit.runs as r on r.run_id = i.run_id "
            f"where r.published), '-infinity'::timestamp)){current}))")


def run_raw_files(con: duckdb.DuckDBPyConnection, run_id: str, spec: FeedSpec, warehouse_root: Path,
                  *, held: bool = True) -> list[str]:
    """Raw-zone Parquet files of `spec` in the run's scope (`loads_in_scope`; absolute paths, in load order)."""
    rows = con.execute(
        f"""
        select raw_path
        from audit.load_log
        where {loads_in_scope(held=held, spec=spec)} and status = 'loaded'
            and raw_path is not null and feed = ?
        order by export_date, path
        """,
        [run_id, spec.name],
    ).fetchall()
    return [resolve_raw_path(warehouse_root, r[0]) for r in rows]


#: DuckDB vectors (2,048 rows) per pandas chunk: about a million rows, about a second of GX per suite
VECTORS_PER_CHUNK = 500


def iter_frames(result: duckdb.DuckDBPyConnection) -> Iterator[pd.DataFrame]:
    """The rows of an executed query as pandas chunks; always at least one (maybe empty) frame."""
    frame = result.fetch_df_chunk(VECTORS_PER_CHUNK)
    yield frame
    while len(frame):
        frame = result.fetch_df_chunk(VECTORS_PER_CHUNK)
        if len(frame):
            yield frame


def sql_list(values: list[str]) -> str:
    """A SQL list literal of strings (quotes doubled)."""
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def sample_clause(sample_rows: int | None) -> str:
    """A repeatable reservoir sample of at most `sample_rows` rows (no clause when None)."""
    return f" using sample reservoir({int(sample_rows)} rows) repeatable (1)" if sample_rows else ""


def raw_rows_query(files: list[str], sample_rows: int | None = None) -> str:
    return f"select * from read_parquet({sql_list(files)}, union_by_name = true){sample_clause(sample_rows)}"


def iter_raw_rows(files: list[str], spec: FeedSpec, sample_rows: int | None = None) -> Iterator[pd.DataFrame]:
    """The rows of the given raw files in chunks, with the feed's raw schema even when there are none;
    a repeatable sample of at most `sample_rows` rows when given."""
    con = duckdb.connect()
    try:
        if files:
            yield from iter_frames(con.execute(raw_rows_query(files, sample_rows)))
        else:
            columns = ", ".join(f'null::{t} as "{c}"' for c, t in spec.raw_schema().items())
            yield con.execute(f"select {columns} limit 0").df()
    finally:
        con.close()


@dataclass(frozen=True)
class MartBatch:
    """How to select a mart's rows to validate.

    `lineage_column` set: only rows whose lineage names a file in the run's scope (`loads_in_scope`: big facts);
    unset: the whole table (or the rows matching `where`). `extra_columns` are SQL expressions over
    the table (alias `t`) and its joins, added for expectations that need a derived value (e.g. referential coverage).
    """

    table: str  # schema.table
    lineage_column: str | None = None
    joins: str = ""
    extra_columns: tuple[str, ...] = ()
    where: str = ""

    def query(self, sample_rows: int | None = None, *, held: bool = True) -> str:
        """The batch query; `?` is the run id when `lineage_column` is set."""
        extra = "".join(f", {e}" for e in self.extra_columns)
        where = f" where {self.where}" if self.where else ""
        if self.lineage_column:
            where = (
                f" where t.{self.lineage_column} in ("
                " select unnest([path, raw_path, sha256]) from audit.load_log"
                f" where {loads_in_scope(held=held)} and status = 'loaded')"
            )
        query = f"select t.*{extra} from {self.table} as t {self.joins}{where}"
        return f"select * from ({query}){sample_clause(sample_rows)}" if sample_rows else query

    def iter_rows(self, con: duckdb.DuckDBPyConnection, run_id: str,
                  sample_rows: int | None = None, *, held: bool = True) -> Iterator[pd.DataFrame]:
        params = [run_id] if self.lineage_column else []
        yield from iter_frames(con.execute(self.query(sample_rows, held=held), params))

    def evidence(self, run_id: str, sample_rows: int | None = None, *, held: bool = True) -> str:
        return self.query(sample_rows, held=held).replace("?", f"'{run_id}'")
