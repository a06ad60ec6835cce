"""Automation of the nightly job: the 02:00 schedule, the landing sensor and the failure alert.

The job (`orchestration.jobs.nightly_job`) and the resources (`landing`, `run_params`) are
registered elsewhere; the definitions merged with these must provide both resources.
"""

from __future__ import annotations

import dagster as dg

from orchestration.automation.alerts import nightly_failure_alert
from orchestration.automation.landing_sensor import landing_files_sensor
from orchestration.automation.schedule import nightly_schedule

defs = dg.Definitions(
    schedules=[nightly_schedule],
    sensors=[landing_files_sensor, nightly_failure_alert],
)

__all__ = ["defs", "landing_files_sensor", "nightly_failure_alert", "nightly_schedule"]
