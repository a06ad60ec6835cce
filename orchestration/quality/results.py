"""What a check found (`CheckOutcome`), and the publish gate's query over `audit.check_results`.

Every evaluation — GX suites, reconciliation checks, dbt tests — writes one row there (through
`audit.record_check_result`); the publish step refuses to publish a run that has any failed `error`
row (`failed_blocking_checks`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import duckdb

from orchestration.audit import record_check_result

__all__ = ["SEVERITIES", "CheckOutcome", "Severity", "failed_blocking_checks", "record_check_result"]

Severity = Literal["error", "warn"]
SEVERITIES: tuple[Severity, ...] = ("error", "warn")


@dataclass(frozen=True)
class CheckOutcome:
    """What one check evaluation found: pass/fail, a short observation, where the evidence is."""

    passed: bool
    observed: str
    evidence: str
    metadata: dict[str, Any] = field(default_factory=dict)  # extra detail for the Dagster UI


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
