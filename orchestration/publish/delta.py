"""Publishing what changed: a new serving file that starts as a copy of the live one and takes only the
rows that changed since the run whose marts it holds, so a night's publish costs what the night changed
rather than the size of the facts (10.6M order lines at L).

Per table of schema `marts` (the audit schema is small and always copied whole):
- the incremental facts (`fct_order_lines`, `fct_invoices`, `fct_interactions`) take the rows built
  since serving's run: every build stamps the rows it writes with its run id (`built_run_id`), and a
  delete+insert build never drops a key, so deleting those keys from the copy and inserting the rows
  is the whole change — unless one of those runs rebuilt them in full (then the table is copied whole);
- the history tables dated by the as-of date (`customer_classification_history`) take the run's D:
  its rows are replaced, every other date is as serving had it (so serving's history holds exactly
  the dates that were published);
- every other table (customer-level marts, dimensions: small) is copied whole;
- a table whose columns differ from serving's, or that serving lacks, is copied whole; one serving
  has and the warehouse does not is dropped.
A `history_only` publish (an older D) keeps every table but the history tables as serving has them.
Tested: the file it writes equals a full copy, table by table (tests/publish/test_delta.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import duckdb

#: Incremental facts and their unique keys (their dbt models' `unique_key`; a test compares them).
INCREMENTAL_KEYS: dict[str, tuple[str, ...]] = {"fct_order_lines": ("order_no", "line_no"),
                                                "fct_invoices": ("invoice_no",),
                                                "fct_interactions": ("source", "interaction_id")}
#: Tables partitioned by the as-of date: a run replaces its own date.
DATED: dict[str, str] = {"customer_classification_history": "as_of_date"}


@dataclass(frozen=True)
class Since:
    """What was built in the warehouse since the run whose marts serving holds."""

    runs: tuple[str, ...]  # runs recorded after it (their builds stamped the rows they wrote)
    full_refresh: bool  # one of them rebuilt the incremental models in full
    as_of: date  # this run's D
    marts_run: str  # the run whose marts serving holds (what a role's live file must hold too: role_delta.py)


def since(con: duckdb.DuckDBPyConnection, serving_marts_run: str, as_of: date) -> Since | None:
    """Since serving's run (None when the warehouse does not know it: copy everything)."""
    row = con.execute("select recorded_at from audit.run_inputs where run_id = ?", [serving_marts_run]).fetchone()
    if row is None:
        return None
    runs = con.execute("select run_id, coalesce(dbt_full_refresh, false) from audit.run_inputs "
                       "where recorded_at > ? order by recorded_at", [row[0]]).fetchall()
    return Since(tuple(r for r, _ in runs), any(full for _, full in runs), as_of, serving_marts_run)


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> list[tuple[str, str]]:
    return con.execute("select column_name, data_type from duckdb_columns() where database_name = ? and "
                       "schema_name = 'marts' and table_name = ? order by column_index", [catalog, table]).fetchall()


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> set[str]:
    return {t for (t,) in con.execute("select table_name from duckdb_tables() where database_name = ? and "
                                      "schema_name = 'marts'", [catalog]).fetchall()}


def apply_changes(con: duckdb.DuckDBPyConnection, changed: Since, history_only: bool,
                  copy_whole: Callable[[list[tuple[str, str]]], None]) -> dict[str, str]:
    """Bring `srv.marts` (a copy of the live serving file) to `wh.marts`; how each table was brought.
    The tables copied whole are dropped from `srv` first and handed to `copy_whole` together, last."""
    how: dict[str, str] = {}
    whole: list[tuple[str, str]] = []
    wh, srv = _tables(con, "wh"), _tables(con, "srv")
    for table in sorted(srv - wh):
        con.execute(f'drop table srv.marts."{table}"')
        how[table] = "dropped"
    for table in sorted(wh):
        dated = table in DATED
        if history_only and not dated:
            how[table] = "kept"
            continue
        if table not in srv or _columns(con, "wh", table) != _columns(con, "srv", table):
            con.execute(f'drop table if exists srv.marts."{table}"')
            whole.append(("marts", table))
            how[table] = "copied"
        elif table in INCREMENTAL_KEYS and not changed.full_refresh:
            how[table] = _rows_built_since(con, table, INCREMENTAL_KEYS[table], changed.runs)
        elif dated:
            column = DATED[table]
            con.execute(f'delete from srv.marts."{table}" where {column} = ?', [changed.as_of])
            con.execute(f'insert into srv.marts."{table}" select * from wh.marts."{table}" where {column} = ?',
                        [changed.as_of])
            how[table] = f"{column} {changed.as_of} replaced"
        else:
            con.execute(f'drop table srv.marts."{table}"')
            whole.append(("marts", table))
            how[table] = "copied"
    copy_whole(whole)
    return how


def _rows_built_since(con: duckdb.DuckDBPyConnection, table: str, key: tuple[str, ...], runs: tuple[str, ...]) -> str:
    if not runs:
        return "unchanged"
    con.execute(f'create temp table changed as select * from wh.marts."{table}" where built_run_id in '
                f'(select unnest(?::varchar[]))', [list(runs)])
    (n,) = con.execute("select count(*) from changed").fetchone()
    if n:
        match = " and ".join(f't."{k}" = changed."{k}"' for k in key)
        con.execute(f'delete from srv.marts."{table}" as t using changed where {match}')
        con.execute(f'insert into srv.marts."{table}" select * from changed')
    con.execute("drop table changed")
    return f"{n:,} rows built since"
