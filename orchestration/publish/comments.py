"""Descriptions as DuckDB comments: `create table ... as select` drops them, so every copy into a serving
file copies the table's and its columns' comments after it (from the dbt docs, persisted with
`persist_docs`, and from the audit schema's own descriptions, audit/descriptions.py)."""

from __future__ import annotations

import duckdb


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def copy_comments(con: duckdb.DuckDBPyConnection, source: str, target: str, schema: str, table: str) -> None:
    """The comments of `source.schema.table` and of its columns onto `target.schema.table` (the columns both
    have)."""
    row = con.execute("select comment from duckdb_tables() where database_name = ? and schema_name = ? and "
                      "table_name = ?", [source, schema, table]).fetchone()
    statements = []
    if row and row[0]:
        statements.append(f'comment on table {target}.{schema}."{table}" is {_literal(row[0])}')
    for column, comment in con.execute(
            """
            select s.column_name, s.comment
            from duckdb_columns() as s
            join duckdb_columns() as t
                on t.database_name = $target and t.schema_name = s.schema_name and t.table_name = s.table_name
                and t.column_name = s.column_name
            where s.database_name = $source and s.schema_name = $schema and s.table_name = $table
              and s.comment is not null and s.comment <> ''
            """, {"source": source, "target": target, "schema": schema, "table": table}).fetchall():
        statements.append(f'comment on column {target}.{schema}."{table}"."{column}" is {_literal(comment)}')
    for statement in statements:
        con.execute(statement)
