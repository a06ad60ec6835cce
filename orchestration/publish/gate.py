"""The publish step's own gate: this run may publish only when it is complete and clean.

Dagster's `blocking` checks already stop most bad runs earlier, but public reports show downstream
assets running after failing dbt tests, and a run picked as a subset in the UI (one raw asset plus
`publish`) passes any gate made of "this run's recorded checks passed". So the step re-reads
`audit.check_results` and the run plan itself and refuses unless:
- no `error` check of this run failed;
- the run rebuilt the marts in full (its dbt step built every model and succeeded), or its plan
  said `skip` (serving already holds marts built from the same inputs; it then publishes nothing);
- every check expected on the published tables has a result in this run.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import duckdb

from orchestration.control.plan import RunPlan
from orchestration.quality.results import failed_blocking_checks

MAX_MISSING_LISTED = 10


def refusals(con: duckdb.DuckDBPyConnection, plan: RunPlan, expected: Collection[tuple[str, str]]) -> list[dict]:
    """Why this run may not publish, one dict per reason (asset, check_name, observed, evidence); [] when it may."""
    found = failed_blocking_checks(con, plan.run_id)
    if plan.mode == "ingest_only":
        return [*found, _refusal("run_builds_marts", "this run has no as-of date: it loaded landing files and built "
                                 "no marts", "audit.run_inputs")]
    if plan.builds_marts:
        row = con.execute("select dbt_succeeded from audit.run_inputs where run_id = ?", [plan.run_id]).fetchone()
        if not (row and row[0]):
            found.append(_refusal("marts_built_in_full",
                                  "this run did not build every model (a subset of assets was picked, or dbt failed "
                                  "or did not run): the marts in the warehouse are not all this run's",
                                  "audit.run_inputs.dbt_succeeded"))
    recorded = {(a, c) for a, c in con.execute(
        "select distinct asset, check_name from audit.check_results where run_id = ?", [plan.run_id]).fetchall()}
    missing = sorted(set(expected) - recorded) if plan.builds_marts else []
    if missing:
        listed = ", ".join(f"{a} :: {c}" for a, c in missing[:MAX_MISSING_LISTED])
        more = f" and {len(missing) - MAX_MISSING_LISTED} more" if len(missing) > MAX_MISSING_LISTED else ""
        found.append(_refusal("checks_recorded", f"{len(missing)} check(s) of the published tables have no result in "
                              f"this run: {listed}{more}", "audit.check_results"))
    return found


def _refusal(name: str, observed: str, evidence: str) -> dict:
    return {"asset": "publish", "check_name": name, "observed": observed, "evidence": evidence}


def gate_message(failures: Sequence[dict]) -> str:
    lines = [f"{len(failures)} reason(s) not to publish; serving.duckdb was left untouched:"]
    for f in failures:
        lines.append(f"  - {f['asset']} :: {f['check_name']}: observed {f['observed']}; evidence: {f['evidence']}")
    return "\n".join(lines)
