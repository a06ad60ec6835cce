"""The nightly schedule: 02:00 Asia/Shanghai, as-of date = the local day before the tick, and the
nights since the last published one are caught up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from orchestration.automation.schedule import as_of_for, build_nightly_schedule, nights_to_run
from orchestration.control.as_of import as_of_partitions
from orchestration.jobs import NIGHTLY_JOB_NAME, build_nightly_job

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(("scheduled", "expected"), [
    (datetime(2026, 1, 1, 2, 0, tzinfo=SHANGHAI), date(2025, 12, 31)),  # year boundary
    (datetime(2025, 12, 31, 18, 0, tzinfo=UTC), date(2025, 12, 31)),  # same instant, given in UTC
    (datetime(2024, 3, 1, 2, 0, tzinfo=SHANGHAI), date(2024, 2, 29)),  # leap day
    (datetime(2025, 3, 1, 2, 0, tzinfo=SHANGHAI), date(2025, 2, 28)),
    (datetime(2025, 6, 15, 0, 0, tzinfo=SHANGHAI), date(2025, 6, 14)),  # local midnight
    (datetime(2025, 6, 14, 16, 0, tzinfo=UTC), date(2025, 6, 14)),  # = 06-15 00:00 local
    (datetime(2025, 6, 14, 15, 59, tzinfo=UTC), date(2025, 6, 13)),  # = 06-14 23:59 local
    (datetime(2025, 6, 15, 2, 0, tzinfo=timezone(timedelta(hours=-5))), date(2025, 6, 14)),  # 15:00 local
    (datetime(2026, 1, 1, 2, 0), date(2025, 12, 31)),  # naive: taken as local time
])
def test_as_of_is_the_local_day_before_the_tick(scheduled, expected):
    assert as_of_for(scheduled) == expected


FIRST = date(2015, 1, 1)
PARTITIONS = as_of_partitions(FIRST)
JOB = build_nightly_job(PARTITIONS)
nightly_schedule = build_nightly_schedule(JOB, catchup_days=7, first=FIRST)


@dg.asset(partitions_def=PARTITIONS)
def classified() -> None:
    """Stands for the partitioned assets of the job."""


REPOSITORY = dg.Definitions(assets=[classified], jobs=[JOB], schedules=[nightly_schedule]).get_repository_def()


def _evaluate(scheduled: datetime) -> dg.RunRequest:
    with dg.instance_for_test() as instance, dg.build_schedule_context(
            instance=instance, scheduled_execution_time=scheduled, repository_def=REPOSITORY) as context:
        run_requests = nightly_schedule.evaluate_tick(context).run_requests
    assert run_requests is not None and len(run_requests) == 1
    return run_requests[0]


def test_schedule_tick_runs_the_job_for_yesterday():
    request = _evaluate(datetime(2026, 1, 1, 2, 0, tzinfo=SHANGHAI))
    assert request.partition_key == "2025-12-31"
    assert request.tags["as_of"] == "2025-12-31"
    assert "2025-12-31" in request.run_key


def test_schedule_tick_given_in_utc_gives_the_same_run():
    local = _evaluate(datetime(2026, 1, 1, 2, 0, tzinfo=SHANGHAI))
    utc = _evaluate(datetime(2025, 12, 31, 18, 0, tzinfo=UTC))
    assert (utc.run_key, utc.partition_key) == (local.run_key, local.partition_key)


def test_consecutive_ticks_have_distinct_run_keys():
    first = _evaluate(datetime(2026, 1, 1, 2, 0, tzinfo=SHANGHAI))
    second = _evaluate(datetime(2026, 1, 2, 2, 0, tzinfo=SHANGHAI))
    assert first.run_key != second.run_key
    assert second.tags["as_of"] == "2026-01-01"


def d(day: int) -> date:
    return date(2025, 12, day)


def test_missed_nights_since_the_last_published_one_are_caught_up_oldest_first():
    assert nights_to_run(d(10), {d(6)}, set(), 7, FIRST) == [d(7), d(8), d(9), d(10)]


def test_a_failed_night_is_run_again_by_the_next_tick():
    # the 8th failed (not published): the tick of the 10th runs it again, then the 9th and 10th
    assert nights_to_run(d(10), {d(6), d(7)}, set(), 7, FIRST) == [d(8), d(9), d(10)]


def test_catch_up_goes_back_at_most_catchup_days():
    assert nights_to_run(d(20), {d(1)}, set(), 3, FIRST) == [d(18), d(19), d(20)]


def test_nights_with_a_run_in_flight_are_not_requested_again():
    assert nights_to_run(d(10), {d(6)}, {d(7), d(8)}, 7, FIRST) == [d(9), d(10)]


def test_a_warehouse_that_never_published_starts_with_yesterday_alone():
    assert nights_to_run(d(10), set(), set(), 7, FIRST) == [d(10)]
    assert nights_to_run(d(10), {d(10)}, set(), 7, FIRST) == []


def test_a_backfilled_night_after_the_latest_published_counts_as_published():
    assert nights_to_run(d(10), {d(6), d(9)}, set(), 7, FIRST) == [d(10)]


def test_schedule_definition():
    assert nightly_schedule.cron_schedule == "0 2 * * *"
    assert nightly_schedule.execution_timezone == "Asia/Shanghai"
    assert nightly_schedule.job_name == NIGHTLY_JOB_NAME
