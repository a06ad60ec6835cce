"""The nightly schedule: 02:00 local time (Asia/Shanghai), classifying for the day before, and
catching up the nights that were not published.

Decision (as-of date): at 02:00 the local calendar day that just ended is the last complete business
day, so a tick's D is the local day before its *scheduled* time (a late or re-evaluated tick computes
the same D). Decision (catch-up): each tick also requests every night after the latest published one
(up to `catchup_days` back) that has no run in flight: a night missed while the machine was down, or
one whose run failed (a held snapshot, a full disk), is run again by the next tick, oldest first. A
warehouse that never published starts with yesterday alone (older dates are a backfill's job).
Run keys carry the tick's date, so one tick never requests a night twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from orchestration.control.as_of import LOCAL_TIMEZONE, date_range
from orchestration.control.plan import PUBLISH_ASSET_PATH

NIGHTLY_CRON = "0 2 * * *"
IN_FLIGHT = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
             dg.DagsterRunStatus.STARTED]


def as_of_for(scheduled_time: datetime) -> date:
    """The as-of date D of a tick: the local calendar day before `scheduled_time`.

    An aware time is converted to Asia/Shanghai first (a tick given in UTC, 2025-12-31T18:00Z,
    is 2026-01-01 02:00 local, so D = 2025-12-31); a naive time is taken as local time.
    """
    if scheduled_time.tzinfo is not None:
        scheduled_time = scheduled_time.astimezone(ZoneInfo(LOCAL_TIMEZONE))
    return scheduled_time.date() - timedelta(days=1)


def nights_to_run(last: date, published: set[date], in_flight: set[date], catchup_days: int,
                  first: date) -> list[date]:
    """The nights a tick requests, oldest first: those after the latest published night (at most
    `catchup_days`, never before `first`), up to `last`, without a run in flight."""
    latest = max((d for d in published if d <= last), default=None)
    start = last if latest is None else max(latest + timedelta(days=1), last - timedelta(days=catchup_days - 1))
    return [d for d in date_range(max(start, first), last) if d not in published and d not in in_flight]


def _published(instance: dg.DagsterInstance) -> set[date]:
    keys = instance.get_materialized_partitions(dg.AssetKey(list(PUBLISH_ASSET_PATH)))
    return {date.fromisoformat(k) for k in keys}


def _in_flight(instance: dg.DagsterInstance, job_name: str) -> set[date]:
    records = instance.get_run_records(dg.RunsFilter(job_name=job_name, statuses=IN_FLIGHT))
    keys = {r.dagster_run.tags.get("dagster/partition") for r in records}
    return {date.fromisoformat(k) for k in keys if k}


def build_nightly_schedule(job: dg.UnresolvedAssetJobDefinition, catchup_days: int,
                           first: date) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="nightly_classification_schedule",
        cron_schedule=NIGHTLY_CRON,
        execution_timezone=LOCAL_TIMEZONE,
        job=job,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Every day at 02:00 Asia/Shanghai: the nightly run for yesterday's local date, plus any night "
                    f"since the last published one that was missed or failed (at most {catchup_days} days back). "
                    "Starts RUNNING: the nightly run is the product, not an option.",
    )
    def nightly_schedule(context: dg.ScheduleEvaluationContext) -> Iterator[dg.RunRequest]:
        scheduled = context.scheduled_execution_time or datetime.now(ZoneInfo(LOCAL_TIMEZONE))
        last = as_of_for(scheduled)
        nights = nights_to_run(last, _published(context.instance), _in_flight(context.instance, job.name),
                               catchup_days, first)
        tick = as_of_for(scheduled) + timedelta(days=1)
        for night in nights:
            yield dg.RunRequest(run_key=f"nightly-{night}-tick-{tick}", partition_key=night.isoformat(),
                                tags={"as_of": night.isoformat(), "cw/catch_up": str(night != last).lower()})

    return nightly_schedule
