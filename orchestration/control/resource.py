"""The run-control resource: every run's lock, recovery and plan, set up once when the run starts.

Dagster sets a resource up once per run with the in-process executor this project uses, before
any step, whatever the run's selection (CLI, schedule, sensor, UI, backfill). Setting it up:
1. takes the warehouse lock (waiting up to the trigger's lock wait), held until the run ends;
2. settles what a killed earlier run left (control/recovery.py);
3. fixes the plan (control/plan.py) and records it (`audit.run_inputs`, `audit.runs`).
Every step reads `run_control.plan`; none recomputes it.

Its config is what a run may be asked for (`--rebuild`, `--accept-snapshot-shrink`, a settle time):
each choice is recorded with the run. The gates' thresholds are not here: they are fixed by the
code location's settings (definitions.py) and cannot be changed from the launchpad.
"""

from __future__ import annotations

from contextlib import ExitStack
from datetime import UTC, date, datetime

import dagster as dg
from pydantic import PrivateAttr

from orchestration import audit
from orchestration.control.lock import warehouse_lock
from orchestration.control.plan import (
    PUBLISH_ASSET_PATH,
    RunPlan,
    lock_wait_for,
    settle_seconds_for,
    trigger_of,
)
from orchestration.control.start import start_run
from orchestration.machine_faults import advice, step_errors
from orchestration.resources import LandingResource, WarehouseResource

PARTITION_TAG = "dagster/partition"


class RunControlResource(dg.ConfigurableResource):
    """The run's plan (as-of date, trigger, mode, fingerprint), fixed once under the warehouse lock."""

    warehouse: WarehouseResource
    landing: LandingResource
    rebuild: bool = False
    accept_snapshot_shrink: bool = False
    accept_held_files: bool = False
    settle_seconds: float | None = None  # None: by trigger (60 s for the schedule and sensors, else 0)
    lock_wait_seconds: float | None = None  # None: by trigger (0 for the CLI, 30 min for the others)

    _plan: RunPlan | None = PrivateAttr(default=None)
    _stack: ExitStack | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        run = context.dagster_run
        run_id = context.run_id or (run.run_id if run else "adhoc")
        tags = run.tags if run else {}
        trigger = trigger_of(tags)
        as_of = date.fromisoformat(tags[PARTITION_TAG]) if tags.get(PARTITION_TAG) else None
        stack = ExitStack()
        stack.enter_context(warehouse_lock(self.warehouse.root, purpose=f"{trigger} run", run_id=run_id,
                                           wait_seconds=lock_wait_for(trigger, self.lock_wait_seconds)))
        try:
            plan, recovered = start_run(
                self.warehouse, self.landing, run_id=run_id, trigger=trigger, as_of=as_of,
                settle_seconds=settle_seconds_for(trigger, self.settle_seconds), rebuild=self.rebuild,
                accept_snapshot_shrink=self.accept_snapshot_shrink, accept_held_files=self.accept_held_files,
                instance=context.instance,
                started_at=_started_at(context, run_id))
            if plan.as_of != as_of:
                raise dg.Failure(f"the plan recorded for run {run_id} is for as-of {plan.as_of}, the run's partition "
                                 f"is {as_of}")
        except BaseException:
            stack.close()
            raise
        for line in recovered.lines():
            context.log.warning(f"recovery: {line}")
        context.log.info(f"run plan: {plan.describe()}")
        self._plan, self._stack = plan, stack

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        try:
            if self._plan is not None:
                self._settle(context, self._plan)
        except Exception as exc:  # noqa: BLE001 - the next run's recovery settles the row instead
            context.log.warning(f"could not record how run {self._plan.run_id if self._plan else '?'} ended: {exc}")
        finally:
            if self._stack is not None:
                self._stack.close()
                self._stack = None

    def _settle(self, context: dg.InitResourceContext, plan: RunPlan) -> None:
        """The run's `audit.runs` row when no publish step settled it: failed (naming the failed steps),
        or done without publishing (a run that did not include the publish step). The run's last connection:
        it checkpoints what the run's connections left in the write-ahead log (resources.py)."""
        with self.warehouse.connect(checkpoint=True) as con:
            row = con.execute("select status from audit.runs where run_id = ?", [plan.run_id]).fetchone()
            if row is None or row[0] != "started":
                return
            failed, errors = _failed_steps(context, plan.run_id)
            checks = [f"{a} :: {c}" for a, c in con.execute(
                "select distinct asset, check_name from audit.check_results where run_id = ? and severity = 'error' "
                "and not passed order by 1, 2", [plan.run_id]).fetchall()]
            selection = context.dagster_run.asset_selection if context.dagster_run else None
            wanted_publish = selection is None or dg.AssetKey(list(PUBLISH_ASSET_PATH)) in selection
            if plan.mode == "skip" and not failed and not checks:
                audit.record_run(con, plan.run_id, status="success", published=False,
                                 message=f"{plan.mode_reason}; serving.duckdb already holds them: nothing to publish")
            elif failed or checks or wanted_publish:
                why = "; ".join(filter(None, [
                    f"step(s) failed: {', '.join(failed)}" if failed else "",
                    f"blocking check(s) failed: {', '.join(checks[:10])}" if checks else "",
                    "the publish step did not run (an upstream asset was not built)" if not failed and not checks
                    else ""]))
                audit.record_run(con, plan.run_id, status="failed", published=False,
                                 message=f"{why}; serving.duckdb was left untouched (see the Dagster run log)"
                                         f"{advice(errors)}")
            else:
                audit.record_run(con, plan.run_id, status="success", published=False,
                                 message="the run did not include the publish step: nothing was published")

    @property
    def plan(self) -> RunPlan:
        if self._plan is None:
            raise RuntimeError("the run plan is fixed when the run starts; this resource was not set up for a run")
        return self._plan


def _failed_steps(context: dg.InitResourceContext, run_id: str) -> tuple[list[str], list[str]]:
    """The run's failed steps, and their errors' messages."""
    if context.instance is None:
        return [], []
    events = context.instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
    errors = step_errors(event.dagster_event for event in events if event.dagster_event)
    return sorted(errors), list(errors.values())


def _started_at(context: dg.InitResourceContext, run_id: str) -> datetime | None:
    """When Dagster started the run (UTC, naive), for `audit.runs.started_at`."""
    if context.instance is None:
        return None
    stats = context.instance.get_run_stats(run_id)
    if stats and stats.start_time:
        return datetime.fromtimestamp(stats.start_time, UTC).replace(tzinfo=None)
    return None
