"""A role's file from a copy of its live file and what changed, as the analyst file is (publish/delta.py).

Why: a role's file is a projection of the analyst file, written whole by every publish (roles.py). The finance
file holds `fct_invoices` (2.3M rows at L), whose copy was most of the time a night spent on role files,
while a night changes a few thousand of its rows. So a delta publish starts each role's new file as a copy of
its live file and brings every table the way the analyst file's table was brought (`how`, from
delta.apply_changes): the rows built since serving's run replace their keys, the run's date replaces its
rows in the dated tables, a table kept is kept, and every other table is copied whole from the new analyst
file; `audit.publication` and the comments are written again.

The live file is only a start when it is exactly what the analyst file's delta assumes: it holds the marts of
the run the analyst file held (its `audit.publication`), the same tables with the same columns and types as
the role's projection now, and opens (with the role's key when it is encrypted). Anything else — no live
file, a changed publications.yml, a rotated key, a file left by a crash between two renames — and the file
is written whole (`None`). Tested: the file equals a whole write, table by table (tests/publish/test_role_delta.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from orchestration.ingest.sql_text import literal
from orchestration.publish.comments import copy_comments
from orchestration.publish.delta import DATED, INCREMENTAL_KEYS, Since
from orchestration.publish.roles import (
    RoleSpec,
    attach_role_file,
    copy_projections,
    role_connection,
    row_counts,
    selected,
)
from orchestration.spill import ScratchDuckDB

Listed = dict[tuple[str, str], list[str]]  # (schema, table) -> the role's columns of it


def update_role_file(source: Path, live: Path, target: Path, role: RoleSpec, key: str | None, scratch: ScratchDuckDB,
                     changed: Since, how: dict[str, str]) -> dict[str, int] | None:
    """Fill `target` from a copy of `live` and the new analyst file `source`; rows per table, or None (nothing
    left at `target`) when the live file cannot be the start."""
    if not live.exists():
        return None
    shutil.copyfile(live, target)
    counts = None
    con = role_connection(scratch)
    try:
        con.execute(f"attach {literal(source)} as src (read_only)")
        if _attach_live_copy(con, target, key):
            listed = {(schema, table): columns for schema, table, columns in selected(con, role)}
            if _same_start(con, listed, changed.marts_run):
                counts = _bring(con, listed, changed, how)
                con.execute("detach srv")
    finally:
        con.close()
    if counts is None:
        target.unlink(missing_ok=True)
    return counts


def _attach_live_copy(con: duckdb.DuckDBPyConnection, target: Path, key: str | None) -> bool:
    """Attach the copy as `srv` (it keeps its storage version); False when it does not open with the key."""
    try:
        attach_role_file(con, target, key, new=False)
        return True
    except duckdb.Error:
        return False


def _shape(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[tuple[str, str], list[tuple[str, str]]]:
    shape: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, table, column, kind in con.execute(
            "select schema_name, table_name, column_name, data_type from duckdb_columns() where database_name = ? "
            "and not (schema_name = 'audit' and table_name = 'publication') order by schema_name, table_name, "
            "column_index", [catalog]).fetchall():
        shape.setdefault((schema, table), []).append((column, kind))
    return shape


def _same_start(con: duckdb.DuckDBPyConnection, listed: Listed, marts_run_id: str) -> bool:
    """The copy holds the marts of `marts_run_id` and exactly the role's tables, columns and types."""
    try:
        held = con.execute("select marts_run_id from srv.audit.publication").fetchall()
    except duckdb.Error:
        return False
    if held != [(marts_run_id,)]:
        return False
    source, live = _shape(con, "src"), _shape(con, "srv")
    kinds = {name: dict(source[name]) for name in listed}
    wanted = {name: [(c, kinds[name][c]) for c in columns] for name, columns in listed.items()}
    return wanted == live


def _bring(con: duckdb.DuckDBPyConnection, listed: Listed, changed: Since, how: dict[str, str]) -> dict[str, int]:
    whole: list[tuple[str, str]] = []
    for (schema, table), columns in listed.items():
        brought = how.get(table, "") if schema == "marts" else ""
        projection = ", ".join(f'"{c}"' for c in columns)
        if brought in ("unchanged", "kept"):
            continue
        if brought.endswith("rows built since") and set(INCREMENTAL_KEYS[table]) <= set(columns):
            _replace_keys(con, table, projection, INCREMENTAL_KEYS[table], changed.runs)
        elif table in DATED and brought.startswith(f"{DATED[table]} ") and DATED[table] in columns:
            con.execute(f'delete from srv.marts."{table}" where "{DATED[table]}" = ?', [changed.as_of])
            con.execute(f'insert into srv.marts."{table}" select {projection} from src.marts."{table}" '
                        f'where "{DATED[table]}" = ?', [changed.as_of])
        else:
            con.execute(f'drop table srv.{schema}."{table}"')
            whole.append((schema, table))

    copy_projections(con, whole, listed)
    con.execute("delete from srv.audit.publication")
    con.execute("insert into srv.audit.publication select * from src.audit.publication")
    names = [*listed, ("audit", "publication")]
    copy_comments(con, "src", "srv", names)
    counts = row_counts(con, names)
    con.execute("checkpoint srv")
    return counts


def _replace_keys(con: duckdb.DuckDBPyConnection, table: str, projection: str, key: tuple[str, ...],
                  runs: tuple[str, ...]) -> None:
    """The rows built by `runs` (the analyst file's `built_run_id`) replace their keys' rows."""
    con.execute(f'create temp table changed as select {projection} from src.marts."{table}" '
                f'where built_run_id in (select unnest(?::varchar[]))', [list(runs)])
    match = " and ".join(f't."{k}" = changed."{k}"' for k in key)
    con.execute(f'delete from srv.marts."{table}" as t using changed where {match}')
    con.execute(f'insert into srv.marts."{table}" select * from changed')
    con.execute("drop table changed")
