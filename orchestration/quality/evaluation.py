"""One place that turns a check's outcome into an audit row and a Dagster `AssetCheckResult`.

Every check body is `evaluate(...)` around a plain function returning a `CheckOutcome`, so the
logic is testable without Dagster and every evaluation — even one that raised — is recorded.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import dagster as dg
import duckdb

from orchestration.quality.results import CheckOutcome, Severity, record_check_result

DAGSTER_SEVERITY = {"error": dg.AssetCheckSeverity.ERROR, "warn": dg.AssetCheckSeverity.WARN}


def asset_label(asset_key: dg.AssetKey) -> str:
    """How `audit.check_results.asset` names an asset, e.g. `raw/erp/order_lines`."""
    return "/".join(asset_key.path)


def _metadata_value(value: Any) -> Any:
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return dg.MetadataValue.json(json.loads(json.dumps(value, default=str)))


def _failure_table(failures: list[dict[str, Any]]) -> str:
    head = "| expectation | column | unexpected | observed | sample | where |\n| --- | --- | ---: | --- | --- | --- |"
    rows = [
        f"| {f['expectation']} | {f['column']} | {f['unexpected_count'] if f['unexpected_count'] is not None else ''}"
        f" | {f['exception'] or (f['observed_value'] if f['observed_value'] is not None else '')}"
        f" | {', '.join(f['sample'])} | {', '.join(f['where'])} |"
        for f in failures
    ]
    return "\n".join([head, *rows]).replace("\n\n", "\n")


def _evidence_value(evidence: str) -> dg.MetadataValue:
    """A query is shown as SQL, a table name or a note as text."""
    if evidence.lstrip().lower().startswith(("select", "with")):
        return dg.MetadataValue.md(f"```sql\n{evidence}\n```")
    return dg.MetadataValue.text(evidence)


def to_check_result(outcome: CheckOutcome, severity: Severity, asset_key: dg.AssetKey | None = None,
                    check_name: str | None = None) -> dg.AssetCheckResult:
    metadata: dict[str, Any] = {
        "observed": outcome.observed,
        "evidence": _evidence_value(outcome.evidence),
    }
    for name, value in outcome.metadata.items():
        if name == "failed_expectations" and value:
            metadata["failed_expectations_table"] = dg.MetadataValue.md(_failure_table(value))
        metadata[name] = _metadata_value(value)
    return dg.AssetCheckResult(passed=outcome.passed, severity=DAGSTER_SEVERITY[severity], metadata=metadata,
                               description=outcome.observed, asset_key=asset_key, check_name=check_name)


def evaluate(context: dg.AssetCheckExecutionContext, con: duckdb.DuckDBPyConnection, *, asset_key: dg.AssetKey,
             check_name: str, severity: Severity, body: Callable[[], CheckOutcome]) -> dg.AssetCheckResult:
    """Run `body`, record its outcome in `audit.check_results` through `con` (the check step's
    connection to the warehouse), return the Dagster result.

    A body that raises is a failed evaluation (recorded, with the error as the observation), not a
    crashed step: the publish gate must see it either way.
    """
    try:
        outcome = body()
    except Exception as exc:  # noqa: BLE001 - any failure to evaluate is a failed check
        context.log.exception(f"check {check_name} on {asset_label(asset_key)} could not be evaluated")
        outcome = CheckOutcome(passed=False, observed=f"not evaluated: {type(exc).__name__}: {exc}",
                               evidence="the step log of this check in the Dagster run")
    record_check_result(con, run_id=context.run.run_id, asset=asset_label(asset_key), check_name=check_name,
                        severity=severity, passed=outcome.passed, observed=outcome.observed, evidence=outcome.evidence)
    if not outcome.passed:
        context.log.warning(f"{asset_label(asset_key)} :: {check_name} ({severity}) failed: {outcome.observed}; "
                            f"evidence: {outcome.evidence}")
    return to_check_result(outcome, severity, asset_key, check_name)
