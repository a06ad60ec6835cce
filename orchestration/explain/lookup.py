"""Open the databases read-only and find the customer and the as-of date to explain."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb


class ExplainError(Exception):
    """An expected failure (unknown customer, no published run, ...): printed as is, exit status 1."""


@contextmanager
def open_read_only(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def open_warehouse(path: Path) -> Iterator[tuple[duckdb.DuckDBPyConnection | None, str | None]]:
    """The working warehouse read-only, or (None, reason) when it is absent or locked by a running pipeline."""
    if not path.exists():
        yield None, f"working warehouse {path} not found"
        return
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        yield None, f"working warehouse {path} not readable now ({str(exc).splitlines()[0]})"
        return
    try:
        yield con, None
    finally:
        con.close()


@dataclass(frozen=True)
class Target:
    customer_key: str
    resolved_from: str | None  # the source id the user gave, when it was not a customer_key
    as_of: date
    latest: date  # the as-of date of the current marts (customer_tier/value/churn/credit hold only this one)


def resolve_customer(con: duckdb.DuckDBPyConnection, customer: str) -> tuple[str, str | None]:
    """A customer_key, given a customer_key or a source id (CRM account id, ERP customer no)."""
    wanted = customer.strip()
    if not wanted:
        raise ExplainError("no customer given: pass a customer_key or a source id")
    known = con.execute("""
        select customer_key from marts.dim_customer where customer_key = $c
        union
        select customer_key from marts.customer_classification_history where customer_key = $c
    """, {"c": wanted}).fetchall()
    if known:
        return known[0][0], None
    matches = con.execute("""
        select distinct customer_key, source_system, source_table, source_id
        from audit.identity_map
        where upper(trim(source_id)) = upper($c)
        order by all
    """, {"c": wanted}).fetchall()
    keys = sorted({m[0] for m in matches if m[0] is not None})
    if not keys:
        raise ExplainError(f"unknown customer {wanted!r}: not a customer_key of marts.dim_customer and not a source "
                           "id of audit.identity_map (CRM account id or ERP customer no)")
    if len(keys) > 1:
        listed = "; ".join(f"{m[1]}.{m[2]} {m[3]} -> {m[0]}" for m in matches)
        raise ExplainError(f"source id {wanted!r} is ambiguous ({listed}): pass one customer_key instead")
    return keys[0], wanted


def resolve_as_of(con: duckdb.DuckDBPyConnection, customer_key: str, as_of: date | None) -> tuple[date, date]:
    """(D to explain, latest published D); D must be a published as-of date of the history."""
    latest = con.execute("select max(as_of_date) from marts.customer_classification").fetchone()[0]
    if latest is None:
        raise ExplainError("marts.customer_classification is empty: no run has been published yet")
    if as_of is None:
        return latest, latest
    dates = [r[0] for r in con.execute(
        "select distinct as_of_date from marts.customer_classification_history order by 1").fetchall()]
    if as_of not in dates:
        shown = ", ".join(d.isoformat() for d in dates[-10:]) or "none"
        raise ExplainError(f"no classification published for as-of date {as_of}; published dates: {shown}")
    present = con.execute(
        "select count(*) from marts.customer_classification_history where customer_key = ? and as_of_date = ?",
        [customer_key, as_of]).fetchone()[0]
    if not present:
        raise ExplainError(f"customer {customer_key} was not classified as of {as_of} (not a customer then)")
    return as_of, latest


def find_target(con: duckdb.DuckDBPyConnection, customer: str, as_of: date | None) -> Target:
    key, resolved_from = resolve_customer(con, customer)
    d, latest = resolve_as_of(con, key, as_of)
    return Target(key, resolved_from, d, latest)
