"""Descriptions as DuckDB comments: `create table ... as select` drops them, so every copy into a serving
file copies the tables' and their columns' comments after it (from the dbt docs, persisted with
`persist_docs`, and from the audit schema's own descriptions, audit/descriptions.py).

One catalog read and one script per file: `duckdb_columns()` lists every column of every attached
database, so reading it per table cost a publish about a second at any scale."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def copy_comments(con: duckdb.DuckDBPyConnection, source: str, target: str,
                  tables: Iterable[tuple[str, str]]) -> None:
    """The comments of the `(schema, table)`s of `source` and of their columns onto the same tables of
    `target` (the columns both have)."""
    wanted = set(tables)
    statements = [
        f'comment on table {target}.{schema}."{table}" is {_literal(comment)}'
        for schema, table, comment in con.execute(
            """
            select s.schema_name, s.table_name, s.comment
            from duckdb_tables() as s
            join duckdb_tables() as t
                on t.database_name = $target and t.schema_name = s.schema_name and t.table_name = s.table_name
            where s.database_name = $source and s.comment is not null and s.comment <> ''
            order by 1, 2
            """, {"source": source, "target": target}).fetchall()
        if (schema, table) in wanted]
    statements += [
        f'comment on column {target}.{schema}."{table}"."{column}" is {_literal(comment)}'
        for schema, table, column, comment in con.execute(
            """
            select s.schema_name, s.table_name, s.column_name, s.comment
            from duckdb_columns() as s
            join duckdb_columns() as t
                on t.database_name = $target and t.schema_name = s.schema_name and t.table_name = s.table_name
                and t.column_name = s.column_name
            where s.database_name = $source and s.comment is not null and s.comment <> ''
            order by 1, 2, s.column_index
            """, {"source": source, "target": target}).fetchall()
        if (schema, table) in wanted]
    if statements:
        con.execute(";\n".join(statements))
