"""What the working warehouse says about the marts a run built (read only; `audit` writes)."""

from __future__ import annotations

from datetime import date

import duckdb


def current_rule_version(con: duckdb.DuckDBPyConnection) -> str | None:
    """The rule version the marts were built with (stamped on every classification row)."""
    try:
        row = con.execute("select max(rule_version) from marts.customer_classification").fetchone()
    except duckdb.Error:
        return None
    return row[0] if row else None


def as_of_of_marts(con: duckdb.DuckDBPyConnection) -> date | None:
    try:
        row = con.execute("select max(as_of_date) from marts.customer_classification").fetchone()
    except duckdb.Error:
        return None
    return row[0] if row else None
