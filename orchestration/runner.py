"""`python -m orchestration run`: one gated run of the nightly job, in-process, then a plain-text summary.

Flags override `CW_*`; the merged settings are put back into the environment before the code
location is loaded, so the run uses exactly the definitions `dagster dev` shows.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time

import dagster as dg
import duckdb

from orchestration.settings import Settings

MAX_LISTED = 10
# The console shows this command's summary; the full event log is in the Dagster UI / instance.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


class _NoResultFilter(logging.Filter):
    """Drops Dagster's "blocking asset check ... emitted no result" console warnings: a run whose
    inputs are unchanged skips dbt and so every dbt test; and the publish step re-reads the gate
    from `audit.check_results` itself rather than trusting Dagster's gating (publish/assets.py)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "emitted no result" not in record.getMessage()


def _instance() -> dg.DagsterInstance:
    """The persistent instance when DAGSTER_HOME is set (runs then show in `dagster dev`), else ephemeral."""
    home = os.environ.get("DAGSTER_HOME")
    if home:
        os.makedirs(home, exist_ok=True)
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def run_pipeline(settings: Settings) -> int:
    settings = settings.resolved()
    if not settings.landing_dir.is_dir():
        print(f"error: landing directory {settings.landing_dir} does not exist "
              f"(make one with: python -m orchestration demo-data --out {settings.landing_dir})", file=sys.stderr)
        return 2
    os.environ.update(settings.to_env())
    logging.getLogger("dagster._core.execution.plan.active").addFilter(_NoResultFilter())
    if not settings.as_of:
        os.environ.pop("CW_AS_OF", None)

    from orchestration.definitions import defs
    from orchestration.jobs import NIGHTLY_JOB_NAME

    started = time.perf_counter()
    job = defs.resolve_job_def(NIGHTLY_JOB_NAME)
    log_path = settings.warehouse_dir / "logs" / f"run-{time.strftime('%Y%m%dT%H%M%S')}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    # dbt's own progress lines go to the run's log file; the console gets the summary below
    with _instance() as instance, open(log_path, "w", encoding="utf-8") as log, contextlib.redirect_stdout(log):
        result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=QUIET)
    print(f"dbt and step output: {log_path}")
    seconds = time.perf_counter() - started
    step_errors = [f"{event.step_key}: {event.event_specific_data.error.message.strip().splitlines()[0]}"
                   for event in result.get_step_failure_events()]
    return report(settings, result.run_id, result.success, seconds, step_errors)


def report(settings: Settings, run_id: str, success: bool, seconds: float, step_errors: list[str] = ()) -> int:
    """Print what the run did; record a failed run in audit.runs when the job stopped early."""
    from orchestration.publish.runs import record_run
    from orchestration.quality.results import failed_blocking_checks

    with duckdb.connect(str(settings.warehouse_db)) as con:
        files = con.execute(
            "select feed, status, count(*), sum(rows_loaded), sum(rows_quarantined) from audit.load_log "
            "where run_id = ? group by all order by 1, 2", [run_id]).fetchall()
        rejected = con.execute("select path, reason from audit.load_log where run_id = ? and status = 'rejected' "
                               "order by path", [run_id]).fetchall()
        quarantine_sample = con.execute(
            "select file, line_number, reason from audit.quarantine where run_id = ? order by file, line_number "
            f"limit {MAX_LISTED}", [run_id]).fetchall()
        failures = failed_blocking_checks(con, run_id)
        warnings = con.execute("select asset, check_name, observed from audit.check_results where run_id = ? "
                               "and severity = 'warn' and not passed order by 1, 2", [run_id]).fetchall()
        run = con.execute("select status, published, as_of_date, rule_version, message from audit.runs "
                          "where run_id = ?", [run_id]).fetchone()
        if run is None or run[0] != "success":
            message = "job failed before publishing" if not failures else "blocking checks failed"
            record_run(con, run_id, status="failed", published=False, message=message)
            run = ("failed", False, run[2] if run else None, run[3] if run else None, message)

    print(f"run {run_id}  ({seconds:.1f}s)")
    if not files:
        print("  no new landing files")
    for feed, status, n, loaded, quarantined in files:
        print(f"  {feed:<12} {status:<18} files={n}  rows_loaded={loaded or 0}  rows_quarantined={quarantined or 0}")
    for path, reason in rejected:
        print(f"  rejected file {path}: {reason}")
    for file, line, reason in quarantine_sample:
        print(f"  quarantined {file} line {line}: {reason}")
    for asset, check, observed in warnings:
        print(f"  warning {asset} :: {check}: {observed}")
    published = bool(run[1]) and success
    if published:
        print(f"published {settings.serving_db}  (as-of {run[2]}, rules {run[3]})")
        if run[4]:
            print(f"  {run[4]}")
        print("  BI tools: duckdb.connect(path, read_only=True); schemas marts, audit")
        return 0
    print(f"NOT published: {settings.serving_db} was left untouched", file=sys.stderr)
    for f in failures:
        print(f"  FAILED {f['asset']} :: {f['check_name']}: observed {f['observed']}; evidence: {f['evidence']}",
              file=sys.stderr)
    if not failures:
        print("  the job failed before its checks ran; see the Dagster run log", file=sys.stderr)
        for error in step_errors:
            print(f"  step {error}", file=sys.stderr)
    return 1
