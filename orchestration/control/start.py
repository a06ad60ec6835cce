"""Starting a run: settle what a killed run left, fix the plan, record it — once, under the warehouse lock.

Called by the run-control resource when Dagster starts a run (schedule, sensor, UI, backfill), and by
`python -m orchestration run` before it launches its run (it needs the plan to choose what the run
executes: a run with nothing to rebuild executes only the publish step). The resource of a run whose
plan is already recorded reads it back (`plan.recorded_plan`) instead of fixing another.
"""

from __future__ import annotations

from datetime import date, datetime

import dagster as dg

from orchestration import audit
from orchestration.control.plan import RunPlan, Trigger, make_plan, recorded_plan
from orchestration.control.recovery import Recovery, recover
from orchestration.resources import LandingResource, WarehouseResource

#: How long a run waits for warehouse.duckdb when another process has it open: a dbt child of a run that
#: was just killed needs a moment to die (transform/dbt_child.py); a BI tool holding it is named after that.
BUSY_PATIENCE_SECONDS = 20.0


def start_run(warehouse: WarehouseResource, landing: LandingResource, *, run_id: str, trigger: Trigger,
              as_of: date | None, settle_seconds: float, rebuild: bool, accept_snapshot_shrink: bool,
              instance: dg.DagsterInstance | None, started_at: datetime | None = None,
              accept_held_files: bool = False) -> tuple[RunPlan, Recovery]:
    """The run's plan, recorded (or read back when it was recorded before the run was launched), and
    what recovery did. The caller holds the warehouse lock."""
    warehouse.ensure_private()
    with warehouse.connect(wait_seconds=BUSY_PATIENCE_SECONDS) as con:
        known = recorded_plan(con, run_id, warehouse.serving_path)
        if known is not None:
            return known, Recovery()
        recovered = recover(con, run_id=run_id, warehouse_root=warehouse.root, serving_path=warehouse.serving_path,
                            instance=instance)
        plan = make_plan(con, run_id=run_id, trigger=trigger, as_of=as_of, landing_root=landing.root,
                         serving_path=warehouse.serving_path, settle_seconds=settle_seconds, rebuild=rebuild,
                         accept_snapshot_shrink=accept_snapshot_shrink, accept_held_files=accept_held_files)
        audit.record_plan(con, run_id=run_id, inputs_fingerprint=plan.inputs_fingerprint, as_of=plan.as_of,
                          raw_files=plan.raw_files, code_fingerprint=plan.code_fingerprint,
                          dbt_fingerprint=plan.dbt_fingerprint, trigger=trigger, mode=plan.mode,
                          mode_reason=plan.mode_reason, landing_files=plan.landing_files,
                          landing_fingerprint=plan.landing_fingerprint, settle_seconds=int(plan.settle_seconds),
                          serving_run_id=plan.serving.run_id if plan.serving else None,
                          started_at=started_at, gate_overrides=plan.gate_overrides,
                          code_version=plan.code_version)
    return plan, recovered
