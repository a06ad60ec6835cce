"""The nightly schedule: 02:00 Asia/Shanghai, as-of date = the local day before the tick."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from orchestration.automation.schedule import as_of_for, nightly_schedule
from orchestration.jobs import NIGHTLY_JOB_NAME, as_of_run_config

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


def _evaluate(scheduled: datetime) -> dg.RunRequest:
    context = dg.build_schedule_context(scheduled_execution_time=scheduled)
    run_requests = nightly_schedule.evaluate_tick(context).run_requests
    assert run_requests is not None and len(run_requests) == 1
    return run_requests[0]


def test_schedule_tick_runs_the_job_for_yesterday():
    request = _evaluate(datetime(2026, 1, 1, 2, 0, tzinfo=SHANGHAI))
    assert request.run_config == as_of_run_config("2025-12-31")
    assert request.tags["as_of"] == "2025-12-31"
    assert "2025-12-31" in request.run_key


def test_schedule_tick_given_in_utc_gives_the_same_run():
    local = _evaluate(datetime(2026, 1, 1, 2, 0, tzinfo=SHANGHAI))
    utc = _evaluate(datetime(2025, 12, 31, 18, 0, tzinfo=UTC))
    assert (utc.run_key, utc.run_config) == (local.run_key, local.run_config)


def test_consecutive_ticks_have_distinct_run_keys():
    first = _evaluate(datetime(2026, 1, 1, 2, 0, tzinfo=SHANGHAI))
    second = _evaluate(datetime(2026, 1, 2, 2, 0, tzinfo=SHANGHAI))
    assert first.run_key != second.run_key
    assert second.tags["as_of"] == "2026-01-01"


def test_schedule_definition():
    assert nightly_schedule.cron_schedule == "0 2 * * *"
    assert nightly_schedule.execution_timezone == "Asia/Shanghai"
    assert nightly_schedule.job_name == NIGHTLY_JOB_NAME
