"""Every write to the audit tables. Callers pass plain values; each function is one transaction."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

SEVERITIES = ("error", "warn")
OBSERVED_MAX_CHARS = 500
EVIDENCE_MAX_CHARS = 4000


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def utc_now_after(latest: datetime | None) -> datetime:
    """The time to stamp a write that must sort after `latest` (the newest stamp of its kind): now, or one
    microsecond after `latest` when the clock reads no later (set back since, e.g. by a time sync after a
    reboot). Runs and loads are ordered by these stamps — the incremental models' load watermark, the runs a
    delta publish and the held files' scope take — so they must follow the order things happened, not the
    clock (docs/decisions.md, "Run control")."""
    now = utc_now()
    return now if latest is None or now > latest else latest + timedelta(microseconds=1)


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The writes inside are committed together, or rolled back together when one fails."""
    con.execute("begin transaction")
    try:
        yield
    except Exception:
        con.execute("rollback")
        raise
    con.execute("commit")


def _clip(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    return text if len(text) <= limit else text[: limit - 1] + "…"


def record_file(con: duckdb.DuckDBPyConnection, *, feed: str, path: str, sha256: str, size: int,
                mtime_ns: int | None, export_date: date | None, rows_read: int, rows_loaded: int,
                rows_quarantined: int, status: str, reason: str | None, extra_columns: Sequence[str],
                raw_path: str | None, run_id: str, logged_at: datetime,
                quarantine_files: Sequence[Path] = ()) -> None:
    """One `load_log` row and the file's quarantined rows (Parquet files shaped like
    `audit.quarantine`), in one transaction: a crash leaves both or neither."""
    with _transaction(con):
        con.execute(
            """
            insert into audit.load_log (path, feed, sha256, bytes, export_date, rows_read, rows_loaded,
                                        rows_quarantined, status, reason, extra_columns, raw_path, run_id, loaded_at,
                                        mtime_ns)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [path, feed, sha256, size, export_date, rows_read, rows_loaded, rows_quarantined, status, reason,
             ", ".join(extra_columns) or None, raw_path, run_id, logged_at, mtime_ns],
        )
        if quarantine_files:
            con.execute("insert into audit.quarantine by name select * from read_parquet(?)",
                        [[str(f) for f in quarantine_files]])


_INSERT_CHECK_RESULT = ("insert into audit.check_results "
                        "(run_id, asset, check_name, severity, passed, observed, evidence, evaluated_at) "
                        "values (?, ?, ?, ?, ?, ?, ?, ?)")


def _check_result_row(run_id: str, asset: str, check_name: str, severity: str, passed: bool,
                      observed: str | None = None, evidence: str | None = None,
                      evaluated_at: datetime | None = None) -> list:
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {SEVERITIES}, not {severity!r}")
    return [run_id, asset, check_name, severity, bool(passed), _clip(observed, OBSERVED_MAX_CHARS),
            _clip(evidence, EVIDENCE_MAX_CHARS), evaluated_at or utc_now()]


def record_check_result(con: duckdb.DuckDBPyConnection, *, run_id: str, asset: str, check_name: str,
                        severity: str, passed: bool, observed: str | None = None, evidence: str | None = None,
                        evaluated_at: datetime | None = None) -> None:
    """Append one evaluation to `audit.check_results`."""
    con.execute(_INSERT_CHECK_RESULT,
                _check_result_row(run_id, asset, check_name, severity, passed, observed, evidence, evaluated_at))


def record_dbt_results(con: duckdb.DuckDBPyConnection, run_id: str, tests: Sequence[Mapping[str, object]], *,
                       built: bool, whole_project: bool, evidence: str, errors: str = "") -> None:
    """What one `dbt build` decided, in one transaction (one commit, not one per test: ~180 tests a night):
    a `check_results` row per data test (`tests`: asset, check_name, severity, passed, observed, evidence),
    the `dbt_build_succeeded` row (`built`: dbt reported no error; `errors`: dbt's, named in its observed text),
    and `run_inputs.dbt_succeeded`, which only a build of the whole project without error sets (the incremental
    models build on it)."""
    rows = [_check_result_row(run_id, **test) for test in tests]
    rows.append(_check_result_row(run_id, "dbt", "dbt_build_succeeded", "error", built,
                                  "dbt build succeeded" if built else
                                  "dbt build reported errors" + (f": {errors}" if errors else ""), evidence))
    with _transaction(con):
        con.executemany(_INSERT_CHECK_RESULT, rows)
        record_dbt_outcome(con, run_id, built and whole_project)


def record_run(con: duckdb.DuckDBPyConnection, run_id: str, *, status: str, as_of: date | None = None,
               rule_version: str | None = None, published: bool | None = None, message: str | None = None,
               started_at: datetime | None = None, finished: bool = True, trigger: str | None = None,
               mode: str | None = None, gate_overrides: str | None = None, code_version: str | None = None,
               published_files: str | None = None) -> None:
    """Insert or update the run's `audit.runs` row. Status: started | publishing | success | failed |
    interrupted. A value left None keeps what the row holds."""
    con.execute(
        """
        insert into audit.runs (run_id, as_of_date, started_at, finished_at, status, rule_version, published, message,
                                trigger, mode, gate_overrides, code_version, published_files)
        values ($run_id, $as_of, coalesce($started_at, $now), $finished_at, $status, $rule_version,
                coalesce($published, false), $message, $trigger, $mode, $gate_overrides, $code_version,
                $published_files)
        on conflict (run_id) do update set
            as_of_date = coalesce(excluded.as_of_date, runs.as_of_date),
            finished_at = excluded.finished_at,
            status = excluded.status,
            rule_version = coalesce(excluded.rule_version, runs.rule_version),
            published = coalesce($published, runs.published),
            message = coalesce(excluded.message, runs.message),
            trigger = coalesce(excluded.trigger, runs.trigger),
            mode = coalesce(excluded.mode, runs.mode),
            gate_overrides = coalesce(excluded.gate_overrides, runs.gate_overrides),
            code_version = coalesce(excluded.code_version, runs.code_version),
            published_files = coalesce(excluded.published_files, runs.published_files)
        """,
        {"run_id": run_id, "as_of": as_of, "started_at": started_at, "now": utc_now(),
         "finished_at": utc_now() if finished else None, "status": status, "rule_version": rule_version,
         "published": published, "message": message, "trigger": trigger, "mode": mode,
         "gate_overrides": gate_overrides, "code_version": code_version, "published_files": published_files},
    )


def record_plan(con: duckdb.DuckDBPyConnection, *, run_id: str, inputs_fingerprint: str, as_of: date | None,
                raw_files: int, code_fingerprint: str, dbt_fingerprint: str, trigger: str, mode: str,
                mode_reason: str, landing_files: int, landing_fingerprint: str, settle_seconds: int,
                serving_run_id: str | None, started_at: datetime | None, gate_overrides: str | None,
                code_version: str | None = None) -> None:
    """The run plan (`audit.run_inputs`) and the run's `started` row (`audit.runs`), together. `recorded_at` is
    later than every other run's (`utc_now_after`): it orders the runs."""
    with _transaction(con):
        latest = con.execute("select max(recorded_at) from audit.run_inputs where run_id <> ?", [run_id]).fetchone()[0]
        con.execute(
            """
            insert or replace into audit.run_inputs (run_id, inputs_fingerprint, as_of_date, raw_files,
                code_fingerprint, recorded_at, dbt_fingerprint, dbt_full_refresh, trigger, mode, mode_reason,
                landing_files, landing_fingerprint, settle_seconds, serving_run_id)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [run_id, inputs_fingerprint, as_of, raw_files, code_fingerprint, utc_now_after(latest), dbt_fingerprint,
             mode == "full", trigger, mode, mode_reason, landing_files, landing_fingerprint, settle_seconds,
             serving_run_id])
        record_run(con, run_id, status="started", as_of=as_of, started_at=started_at, finished=False,
                   trigger=trigger, mode=mode, gate_overrides=gate_overrides, published=False,
                   code_version=code_version)


def record_dbt_outcome(con: duckdb.DuckDBPyConnection, run_id: str, succeeded: bool) -> None:
    """`succeeded`: dbt built the whole project without error (a subset of models does not count)."""
    con.execute("update audit.run_inputs set dbt_succeeded = ? where run_id = ?", [succeeded, run_id])


def record_accepted_shrink(con: duckdb.DuckDBPyConnection, *, feed: str, sha256: str, path: str, rows_before: int,
                           rows_after: int, run_id: str) -> None:
    con.execute("insert into audit.accepted_shrinks values (?, ?, ?, ?, ?, ?, ?)",
                [feed, sha256, path, rows_before, rows_after, run_id, utc_now()])
