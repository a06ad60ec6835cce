"""The nightly schedule: 02:00 local time (Asia/Shanghai), classifying for the day before.

Decision (as-of date): at 02:00 the local calendar day that just ended is the last complete
business day, so the schedule sets `D` = the local day before the scheduled execution time.
The tick's *scheduled* time is used (not "now"), so a late or re-evaluated tick still computes
the same `D`, and the run key `nightly-<D>` makes Dagster launch at most one run per `D`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from orchestration.jobs import as_of_run_config, nightly_job

LOCAL_TIMEZONE = "Asia/Shanghai"  # contract README: "local time" is Asia/Shanghai (UTC+8, no DST)
NIGHTLY_CRON = "0 2 * * *"


def as_of_for(scheduled_time: datetime) -> date:
    """The as-of date D of a tick: the local calendar day before `scheduled_time`.

    An aware time is converted to Asia/Shanghai first (a tick given in UTC, 2025-12-31T18:00Z,
    is 2026-01-01 02:00 local, so D = 2025-12-31); a naive time is taken as local time.
    """
    if scheduled_time.tzinfo is not None:
        scheduled_time = scheduled_time.astimezone(ZoneInfo(LOCAL_TIMEZONE))
    return scheduled_time.date() - timedelta(days=1)


@dg.schedule(
    name="nightly_classification_schedule",
    cron_schedule=NIGHTLY_CRON,
    execution_timezone=LOCAL_TIMEZONE,
    job=nightly_job,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every day at 02:00 Asia/Shanghai: the nightly run for yesterday's local date (D = day before). "
                "Starts RUNNING: the nightly run is the product, not an option.",
)
def nightly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    scheduled = context.scheduled_execution_time or datetime.now(ZoneInfo(LOCAL_TIMEZONE))
    as_of = as_of_for(scheduled).isoformat()
    return dg.RunRequest(
        run_key=f"nightly-{as_of}",
        run_config=as_of_run_config(as_of),
        tags={"as_of": as_of},
    )
