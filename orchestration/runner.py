"""`python -m orchestration run`: gated runs of the nightly job, in this process, with a plain-text summary.

The CLI takes the warehouse lock before anything else (a second run exits at once, status 3, or waits
`CW_LOCK_WAIT_SECONDS`), fixes D (the flag, else the latest order date in the data: control/as_of.py),
builds the definitions from its settings (`build_definitions(settings)`: no environment round trip)
and executes the job for that partition. With `--to`, one run per date of the range, in order,
stopping at the first that does not publish. The run's own plan, checks and publish step do the rest.

Exit status: 0 published (every date of a range), 1 not published (a blocking check failed, a step
failed, or the run was refused), 2 usage error, 3 the warehouse is in use by another run.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import uuid
from datetime import date

import dagster as dg

from orchestration.control.as_of import check_in_range, date_range, manual_as_of
from orchestration.control.lock import WarehouseLocked, warehouse_lock
from orchestration.control.plan import TRIGGER_TAG
from orchestration.settings import Settings

EXIT_PUBLISHED = 0
EXIT_NOT_PUBLISHED = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3
# The console shows this command's summary; the full event log is in the Dagster UI / instance.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def _instance() -> dg.DagsterInstance:
    """The persistent instance when DAGSTER_HOME is set (runs then show in `dagster dev`), else ephemeral."""
    home = os.environ.get("DAGSTER_HOME")
    if home:
        os.makedirs(home, exist_ok=True)
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def _dates(settings: Settings) -> list[date] | str | None:
    """The as-of dates asked for (None: the latest order date), or why they are not valid."""
    if settings.as_of_to and not settings.as_of:
        return "--to needs --as-of (the first date of the range)"
    if not settings.as_of:
        return None
    last = settings.as_of_to or settings.as_of
    if last < settings.as_of:
        return f"--to {last} is before --as-of {settings.as_of}"
    for d in {settings.as_of, last}:
        problem = check_in_range(d, settings.first_as_of)
        if problem:
            return problem
    return date_range(settings.as_of, last)


def run_pipeline(settings: Settings) -> int:
    settings = settings.resolved()
    if not settings.landing_dir.is_dir():
        print(f"error: landing directory {settings.landing_dir} does not exist "
              f"(make one with: python -m orchestration demo-data --out {settings.landing_dir})", file=sys.stderr)
        return EXIT_USAGE
    dates = _dates(settings)
    if isinstance(dates, str):
        print(f"error: {dates}", file=sys.stderr)
        return EXIT_USAGE
    try:
        with warehouse_lock(settings.warehouse_dir, purpose="python -m orchestration run",
                            wait_seconds=settings.lock_wait_seconds or 0):
            if dates is None:
                latest = manual_as_of(settings.landing_dir, settings.warehouse_db, settings.raw_dir / "erp" /
                                      "order_lines", settings.settle_seconds or 0)
                if latest is None:
                    print("error: no order line in the data to take the as-of date from; give --as-of YYYY-MM-DD",
                          file=sys.stderr)
                    return EXIT_USAGE
                dates = [latest]
            return _run_dates(settings, dates)
    except WarehouseLocked as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_LOCKED


def _run_dates(settings: Settings, dates: list[date]) -> int:
    from orchestration.definitions import build_definitions
    from orchestration.jobs import NIGHTLY_JOB_NAME

    defs = build_definitions(settings)
    job = defs.resolve_job_def(NIGHTLY_JOB_NAME)
    with _instance() as instance:
        for index, as_of in enumerate(dates):
            code = _run_one(settings, defs, job, instance, as_of)
            if code != EXIT_PUBLISHED and index + 1 < len(dates):
                print(f"stopped: {as_of} was not published, so the later dates were not run "
                      f"({dates[index + 1]} .. {dates[-1]}); run them again once it is fixed", file=sys.stderr)
                return code
    return code


def _run_one(settings: Settings, defs: dg.Definitions, job: dg.JobDefinition, instance: dg.DagsterInstance,
             as_of: date) -> int:
    """One run for `as_of`. Its plan is fixed here, under the CLI's lock, before it is launched (the run
    reads it back): a run with nothing to rebuild then executes the publish step alone."""
    from orchestration.control.plan import PUBLISH_ASSET_PATH
    from orchestration.control.start import start_run
    from orchestration.summary import summarize, summarize_stopped

    started = time.perf_counter()
    run_id = str(uuid.uuid4())
    resources = defs.resources
    plan, recovered = start_run(resources["warehouse"], resources["landing"], run_id=run_id, trigger="cli",
                                as_of=as_of, settle_seconds=settings.settle_seconds or 0.0,
                                rebuild=settings.rebuild, accept_snapshot_shrink=settings.accept_snapshot_shrink,
                                accept_held_files=settings.accept_held_files, instance=instance)
    for line in recovered.lines():
        print(f"recovery: {line}")
    selection = [dg.AssetKey(list(PUBLISH_ASSET_PATH))] if plan.mode == "skip" else None
    log_path = settings.warehouse_dir / "logs" / f"run-{time.strftime('%Y%m%dT%H%M%S')}-{as_of}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    # dbt's own progress lines go to the run's log file; the console gets the summary below
    try:
        with open(log_path, "w", encoding="utf-8") as log, contextlib.redirect_stdout(log):
            result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=QUIET, run_id=run_id,
                                            partition_key=as_of.isoformat(), asset_selection=selection,
                                            tags={TRIGGER_TAG: "cli", "as_of": as_of.isoformat()})
    except Exception as exc:  # not a step's failure (those are in the result): Dagster's own, e.g. its storage's
        print(f"dbt and step output: {log_path}")
        return summarize_stopped(settings, resources["warehouse"], run_id, job.name, as_of.isoformat(), exc,
                                 time.perf_counter() - started)
    print(f"dbt and step output: {log_path}")
    return summarize(settings, result, time.perf_counter() - started)
