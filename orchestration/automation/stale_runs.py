"""A sensor that fails runs whose process is gone.

Every live run holds the warehouse lock from its first moment to its last (control/lock.py), and
the kernel releases the lock when the process dies. So a run Dagster still shows as STARTED while
nobody holds the lock is dead — killed by the OOM killer, a reboot or `kill -9` — and would block
the run queue (`max_concurrent_runs: 1`) until Dagster's own `max_runtime_seconds` ran out. This
sensor marks it failed within a minute or two (which also fires the failure alert); the next run
settles its `audit.runs` row and removes what it left (control/recovery.py).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import dagster as dg

from orchestration.control.lock import is_locked
from orchestration.resources import WarehouseResource

#: A run gets this long after it started to take the lock (resource set-up) before it can be judged.
GRACE_SECONDS = 300
RECHECK_SECONDS = 2.0


def stale_runs(instance: dg.DagsterInstance, job_name: str, locked, now: float | None = None) -> list[dg.DagsterRun]:
    """STARTED runs of the job older than the grace period, when the warehouse lock is free
    (`locked()` asked twice, a moment apart, so a hand-over between two runs is not mistaken)."""
    now = now or time.time()
    records = instance.get_run_records(dg.RunsFilter(job_name=job_name, statuses=[dg.DagsterRunStatus.STARTED]))
    old = [r.dagster_run for r in records if r.start_time and now - r.start_time > GRACE_SECONDS]
    if not old or locked():
        return []
    time.sleep(RECHECK_SECONDS)
    return [] if locked() else old


def build_stale_run_sensor(job: dg.UnresolvedAssetJobDefinition) -> dg.SensorDefinition:
    @dg.sensor(
        name="stale_run_sensor",
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Marks failed a nightly run that Dagster shows as STARTED although its process is gone (nobody "
                    "holds the warehouse lock), so the run queue moves on and the failure alert fires.",
    )
    def stale_run_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
        dead = stale_runs(context.instance, job.name, lambda: is_locked(warehouse.root))
        for run in dead:
            context.instance.report_run_failed(
                run, f"Marked failed at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: the run's process is gone (the "
                     "warehouse lock is free), most likely killed; the next run recovers the warehouse.")
        if not dead:
            return dg.SkipReason("no stale run")
        context.log.warning(f"marked {len(dead)} stale run(s) failed: {', '.join(r.run_id for r in dead)}")
        return dg.SkipReason(f"marked {len(dead)} stale run(s) failed")

    return stale_run_sensor
