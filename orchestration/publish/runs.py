"""`audit.runs`: one row per pipeline run, upserted as the run moves on."""

from __future__ import annotations

from datetime import UTC, date, datetime

import dagster as dg
import duckdb


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def record_run(con: duckdb.DuckDBPyConnection, run_id: str, *, status: str, as_of: date | None = None,
               rule_version: str | None = None, published: bool = False, message: str | None = None,
               started_at: datetime | None = None, finished: bool = True) -> None:
    """Insert or update the run's row (status: started | success | failed)."""
    finished_at = _now() if finished else None
    con.execute(
        """
        insert into audit.runs (run_id, as_of_date, started_at, finished_at, status, rule_version, published, message)
        values ($run_id, $as_of, coalesce($started_at, $now), $finished_at, $status, $rule_version, $published,
                $message)
        on conflict (run_id) do update set
            as_of_date = coalesce(excluded.as_of_date, runs.as_of_date),
            finished_at = excluded.finished_at,
            status = excluded.status,
            rule_version = coalesce(excluded.rule_version, runs.rule_version),
            published = excluded.published,
            message = coalesce(excluded.message, runs.message)
        """,
        {"run_id": run_id, "as_of": as_of, "started_at": started_at, "now": _now(), "finished_at": finished_at,
         "status": status, "rule_version": rule_version, "published": published, "message": message},
    )


def current_rule_version(con: duckdb.DuckDBPyConnection) -> str | None:
    """The rule version the marts were built with (stamped on every classification row)."""
    try:
        row = con.execute("select max(rule_version) from marts.customer_classification").fetchone()
    except duckdb.Error:
        return None
    return row[0] if row else None


def as_of_of_run(con: duckdb.DuckDBPyConnection) -> date | None:
    try:
        row = con.execute("select max(as_of_date) from marts.customer_classification").fetchone()
    except duckdb.Error:
        return None
    return row[0] if row else None


def run_started_at(context: dg.AssetExecutionContext) -> datetime | None:
    """When Dagster started the run (UTC, naive), for `audit.runs.started_at`."""
    stats = context.instance.get_run_stats(context.run_id)
    if stats and stats.start_time:
        return datetime.fromtimestamp(stats.start_time, UTC).replace(tzinfo=None)
    return None
