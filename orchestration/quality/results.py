"""The audit trail of data-quality checks (`audit.check_results`) and the publish gate's query.

Every evaluation — GX suites, reconciliation checks, dbt tests — writes one row here; the publish
step refuses to publish a run that has any failed `error` row (`failed_blocking_checks`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import duckdb

Severity = Literal["error", "warn"]
SEVERITIES: tuple[Severity, ...] = ("error", "warn")
OBSERVED_MAX_CHARS = 500
EVIDENCE_MAX_CHARS = 4000


@dataclass(frozen=True)
class CheckOutcome:
    """What one check evaluation found: pass/fail, a short observation, where the evidence is."""

    passed: bool
    observed: str
    evidence: str
    metadata: dict[str, Any] = field(default_factory=dict)  # extra detail for the Dagster UI


def _clip(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    return text if len(text) <= limit else text[: limit - 1] + "…"


def record_check_result(con: duckdb.DuckDBPyConnection, *, run_id: str, asset: str, check_name: str,
                        severity: str, passed: bool, observed: str | None = None, evidence: str | None = None,
                        evaluated_at: datetime | None = None) -> None:
    """Append one evaluation to `audit.check_results` (the audit schema must exist)."""
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {SEVERITIES}, not {severity!r}")
    evaluated_at = evaluated_at or datetime.now(UTC).replace(tzinfo=None)
    con.execute(
        "insert into audit.check_results "
        "(run_id, asset, check_name, severity, passed, observed, evidence, evaluated_at) "
        "values (?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, asset, check_name, severity, bool(passed), _clip(observed, OBSERVED_MAX_CHARS),
         _clip(evidence, EVIDENCE_MAX_CHARS), evaluated_at],
    )


def failed_blocking_checks(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict[str, Any]]:
    """Rows of `audit.check_results` of this run with severity `error` that did not pass (strict: any
    failed evaluation counts, even if the same check passed on another evaluation of the run)."""
    rows = con.execute(
        """
        select run_id, asset, check_name, severity, passed, observed, evidence, evaluated_at
        from audit.check_results
        where run_id = ? and severity = 'error' and not passed
        order by asset, check_name, evaluated_at
        """,
        [run_id],
    )
    columns = [d[0] for d in rows.description]
    return [dict(zip(columns, row, strict=True)) for row in rows.fetchall()]
