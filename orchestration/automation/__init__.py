"""Automation of the nightly job: the 02:00 schedule with catch-up, the landing sensor, the alerts
and the stale-run sensor. Built for the job (definitions.py), which carries the partitions."""

from __future__ import annotations

from datetime import date

import dagster as dg

from orchestration.automation.alerts import build_alert_sensors
from orchestration.automation.landing_sensor import build_landing_sensor
from orchestration.automation.schedule import build_nightly_schedule
from orchestration.automation.stale_runs import build_stale_run_sensor


def build_automation_defs(job: dg.UnresolvedAssetJobDefinition, catchup_days: int, first: date) -> dg.Definitions:
    return dg.Definitions(
        schedules=[build_nightly_schedule(job, catchup_days, first)],
        sensors=[build_landing_sensor(job), *build_alert_sensors(job), build_stale_run_sensor(job)],
    )


__all__ = ["build_automation_defs"]
