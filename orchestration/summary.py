"""What `python -m orchestration run` prints after a run, and the alert it sends itself.

Read from the run's own records: `audit.load_log`, `audit.quarantine`, `audit.check_results` and
`audit.runs` of the working warehouse (read-only: the CLI still holds the warehouse lock), and the
Dagster events of the run (files left for a later run, failed steps).
"""

from __future__ import annotations

import sys

import dagster as dg
import duckdb

from orchestration import audit
from orchestration.automation.alerts import alert_payload, rejection_payload, send
from orchestration.control.serving_state import read_publication
from orchestration.machine_faults import advice, remedies, step_errors
from orchestration.quality.results import failed_blocking_checks
from orchestration.resources import WarehouseResource
from orchestration.settings import Settings

MAX_LISTED = 10


class _Console:
    """`send()` logs through this: alerts of CLI runs go to stderr."""

    def error(self, message: str) -> None:
        print(message, file=sys.stderr)

    def info(self, message: str) -> None:
        print(message, file=sys.stderr)


def _not_read(result: dg.ExecuteInProcessResult) -> list[dict]:
    out = []
    for event in result.get_asset_materialization_events():
        value = event.materialization.metadata.get("not_read")
        out += list(value.value) if value is not None else []
    return out


def _run_errors(result: dg.ExecuteInProcessResult) -> list[str]:
    """Errors that are not a step's (e.g. the run could not set its resources up)."""
    errors = []
    for event in result.all_events:
        error = getattr(event.event_specific_data, "error", None)
        if error is None or event.step_key:
            continue
        while error.cause is not None:
            error = error.cause
        errors.append(error.message.strip().splitlines()[0])
    return list(dict.fromkeys(errors))


def summarize(settings: Settings, result: dg.ExecuteInProcessResult, seconds: float) -> int:
    run_id = result.run_id
    errors = step_errors(result.get_step_failure_events())
    files, rejected, quarantine_sample, failures, warnings, run = [], [], [], [], [], None
    if settings.warehouse_db.exists():
        with duckdb.connect(str(settings.warehouse_db), read_only=True) as con:
            files, rejected, quarantine_sample, failures, warnings, run = _records(con, run_id)
    _print(run_id, seconds, run, files, rejected, _not_read(result), quarantine_sample, warnings)
    published = bool(run and run[1] and run[0] == "success") and result.success
    tags = {"as_of": str(run[2]) if run else ""}
    if run and run[0] == "success" and run[5] == "skip" and result.success:
        print(f"up to date {settings.serving_db}  (as-of {run[2]}, rules {run[3]})")
        print(f"  {run[4]}")
        return 0
    if published:
        print(f"published {settings.serving_db}  (as-of {run[2]}, rules {run[3]})")
        if run[4]:
            print(f"  {run[4]}")
        print("  BI tools: duckdb.connect(path, read_only=True); schemas marts, audit")
        counts: dict[str, int] = {}
        for feed, _, _, status in rejected:
            if status == "rejected":
                counts[feed] = counts.get(feed, 0) + 1
        if counts:
            send(_Console(), settings.alert_webhook,
                 rejection_payload(run_id=run_id, job_name=result.job_def.name, tags=tags, rejected=counts))
        return 0
    print(f"NOT published: {settings.serving_db} was left untouched", file=sys.stderr)
    for f in failures:
        print(f"  FAILED {f['asset']} :: {f['check_name']}: observed {f['observed']}; evidence: {f['evidence']}",
              file=sys.stderr)
    shown = run[4] if run and run[4] and not failures else ""
    if shown:
        print(f"  {shown}", file=sys.stderr)
    for step, error in errors.items():
        first = error.splitlines()[0] if error else ""
        said = first.partition(": ")[2]  # past the exception's name
        if not (said and said in shown):  # the run's message printed above says it already
            print(f"  step {step}: {first}", file=sys.stderr)
    run_errors = _run_errors(result) if not errors else []
    for error in run_errors:
        print(f"  {error}", file=sys.stderr)
    _print_remedies([*errors.values(), *run_errors, *(f["observed"] for f in failures)], shown)
    send(_Console(), settings.alert_webhook,
         alert_payload(run_id=run_id, job_name=result.job_def.name, tags=tags,
                       message=(run[4] if run and run[4] else "the run did not publish"), failed_steps=errors))
    return 1


def _records(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple:
    try:
        files = con.execute(
            "select feed, status, count(*), sum(rows_loaded), sum(rows_quarantined) from audit.load_log "
            "where run_id = ? group by all order by 1, 2", [run_id]).fetchall()
        rejected = con.execute("select feed, path, reason, status from audit.load_log where run_id = ? and "
                               "(status = 'rejected' or (status = 'loaded' and reason is not null)) order by path",
                               [run_id]).fetchall()
        quarantine_sample = con.execute(
            "select file, line_number, reason from audit.quarantine where run_id = ? order by file, line_number "
            f"limit {MAX_LISTED}", [run_id]).fetchall()
        failures = failed_blocking_checks(con, run_id)
        warnings = con.execute("select asset, check_name, observed from audit.check_results where run_id = ? "
                               "and severity = 'warn' and not passed order by 1, 2", [run_id]).fetchall()
        run = con.execute("select status, published, as_of_date, rule_version, message, mode from audit.runs "
                          "where run_id = ?", [run_id]).fetchone()
    except duckdb.CatalogException:  # the run stopped before the audit tables existed
        return [], [], [], [], [], None
    return files, rejected, quarantine_sample, failures, warnings, run


def _print(run_id, seconds, run, files, rejected, not_read, quarantine_sample, warnings) -> None:
    print(f"run {run_id}  ({seconds:.1f}s)" + (f"  as-of {run[2]}, mode {run[5]}" if run else ""))
    if not files:
        print("  no new landing files")
    for feed, status, n, loaded, quarantined in files:
        print(f"  {feed:<12} {status:<18} files={n}  rows_loaded={loaded or 0}  rows_quarantined={quarantined or 0}")
    for _, path, reason, status in rejected:
        print(f"  {'rejected file' if status == 'rejected' else 'note on loaded file'} {path}: {reason}")
    for entry in not_read:
        print(f"  not read {entry['path']}: {entry['reason']}")
    for file, line, reason in quarantine_sample:
        print(f"  quarantined {file} line {line}: {reason}")
    for asset, check, observed in warnings:
        print(f"  warning {asset} :: {check}: {observed}")


def summarize_stopped(settings: Settings, warehouse: WarehouseResource, run_id: str, job_name: str, as_of: str,
                      exc: Exception, seconds: float) -> int:
    """What the CLI prints, records and alerts when Dagster itself stopped the run (`exc`, raised out of
    `execute_in_process`: its instance could not store an event, e.g. $DAGSTER_HOME's disk is full), so there is
    no run result to read. The live serving file says whether the run got to publish: Dagster stores the publish
    step's events around its work, so it stopped either before the swap (the run is recorded as failed: exit 1)
    or after it, once the step had recorded the run as published (exit 0, with the warning). When the warehouse
    cannot be written either, the next run's recovery settles the row (control/recovery.py)."""
    error = f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0]}"
    message = f"Dagster stopped the run: {error}"
    live = read_publication(settings.serving_db)
    published = live is not None and live.run_id == run_id
    recorded = (f"published; then {message}" if published else f"{message}; serving.duckdb was left as it was") \
        + advice([error])
    try:
        with warehouse.connect() as con:
            row = con.execute("select status from audit.runs where run_id = ?", [run_id]).fetchone()
            if not (published and row and row[0] == "success"):  # the publish step's own record stands
                audit.record_run(con, run_id, status="success" if published else "failed", published=published,
                                 message=recorded)
    except Exception:  # noqa: BLE001 - the disk may be the warehouse's too: the next run's recovery settles the row
        pass
    print(f"run {run_id}  ({seconds:.1f}s)  as-of {as_of}")
    if published:
        print(f"published {settings.serving_db}  (as-of {live.as_of}, rules {live.rule_version})")
        print(f"  but {message} (after the publish: the Dagster UI misses its end)", file=sys.stderr)
    else:
        print(f"NOT published: {settings.serving_db} was left untouched", file=sys.stderr)
        print(f"  {message}", file=sys.stderr)
    _print_remedies([error])
    if published:
        return 0
    send(_Console(), settings.alert_webhook,
         alert_payload(run_id=run_id, job_name=job_name, tags={"as_of": as_of}, message=recorded, failed_steps={}))
    return 1


def _print_remedies(errors: list[str], shown: str = "") -> None:
    """One "what to do" line per machine fault named in `errors`, unless `shown` (printed above) says it already."""
    for remedy in remedies(errors):
        if remedy not in shown:
            print(f"  what to do: {remedy}", file=sys.stderr)
