"""A run whose plan says `skip` rebuilds nothing: the marts serving holds were built and checked by
an earlier run from the very same inputs (control/plan.py). Its dbt step and the mart checks then
say so through Dagster's API instead of going silent: each published mart is reported materialized
with `cw/rebuilt: false`, the run that built it and the inputs fingerprint, and each check on it
is reported with the result it had in the run that built the marts, marked as carried over. The
carried-over results are recorded in `audit.check_results` for this run too, so the run's audit
trail says what its publication relied on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import dagster as dg
import duckdb

from orchestration import audit
from orchestration.control.plan import RunPlan
from orchestration.quality.results import CheckOutcome

DAGSTER_SEVERITY = {"error": dg.AssetCheckSeverity.ERROR, "warn": dg.AssetCheckSeverity.WARN}


def _label(key: dg.AssetKey) -> str:
    return "/".join(key.path)


def source_run(plan: RunPlan) -> str:
    assert plan.serving is not None, "a skip plan names the run whose marts serving holds"
    return plan.serving.marts_run_id


def carried_over_outcome(con: duckdb.DuckDBPyConnection, plan: RunPlan, asset: dg.AssetKey,
                         check_name: str) -> tuple[CheckOutcome, str]:
    """(outcome, severity) of the check in the run that built the marts serving holds."""
    run = source_run(plan)
    row = con.execute(
        """
        select severity, passed, observed
        from audit.check_results
        where run_id = ? and asset = ? and check_name = ?
        order by evaluated_at desc
        limit 1
        """, [run, _label(asset), check_name]).fetchone()
    if row is None:
        return CheckOutcome(False, f"not re-evaluated (inputs unchanged since run {run}), and run {run} has no "
                                   "result for this check: rebuild with --rebuild",
                            "audit.check_results"), "error"
    severity, passed, observed = row
    return CheckOutcome(bool(passed), f"carried over from run {run} (inputs unchanged, not re-evaluated): {observed}",
                        f"select * from audit.check_results where run_id = '{run}'",
                        {"carried_over_from_run": run}), severity


def carried_over_events(context: dg.AssetExecutionContext, con: duckdb.DuckDBPyConnection, plan: RunPlan,
                        published: Iterable[dg.AssetKey]) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """The dbt step's events when nothing is rebuilt: the selected published marts, and the selected
    dbt tests on them, as the run that built them left them."""
    run = source_run(plan)
    keys = [key for key in published if key in context.selected_asset_keys]
    for key in keys:
        yield dg.MaterializeResult(
            asset_key=key, metadata={"cw/rebuilt": False, "cw/built_by_run": run,
                                     "cw/inputs_fingerprint": plan.inputs_fingerprint, "cw/mode": plan.mode_reason})
    checks = [c for c in context.selected_asset_check_keys if c.asset_key in set(keys)]
    for check in sorted(checks, key=lambda c: (c.asset_key.path, c.name)):
        outcome, severity = carried_over_outcome(con, plan, check.asset_key, check.name)
        audit.record_check_result(con, run_id=context.run_id, asset=_label(check.asset_key), check_name=check.name,
                                  severity=severity, passed=outcome.passed, observed=outcome.observed,
                                  evidence=outcome.evidence)
        yield dg.AssetCheckResult(asset_key=check.asset_key, check_name=check.name, passed=outcome.passed,
                                  severity=DAGSTER_SEVERITY[severity], description=outcome.observed,
                                  metadata={"carried_over_from_run": run})
