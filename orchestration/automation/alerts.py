"""Alerts: a failed run, and a published run that rejected files, are logged and POSTed to a webhook.

The webhook URL is a secret (it often carries a token): it comes from the `alerts` resource, bound to
`CW_ALERT_WEBHOOK` through `dg.EnvVar` (definitions.py), is never logged — error texts that could
carry it are redacted — and never reaches dbt (transform/dbt_child.py). A webhook that fails
(refused, timeout, HTTP error, bad URL) is logged, never raised: alerting must not fail the sensor.

Runs started by `python -m orchestration run` alert from the CLI itself (runner.py): the daemon may
not be running where cron starts the CLI. The sensors here leave those runs (tag `cw/trigger=cli`)
alone, so that no alert is sent twice.

Default status RUNNING (decision): the sensors start no runs, they only report, and a failed
nightly run must not go unnoticed because somebody forgot a toggle.
"""

from __future__ import annotations

import http.client
import json
import urllib.request
from collections.abc import Mapping
from urllib.parse import urlsplit

import dagster as dg

from orchestration.control.plan import TRIGGER_TAG
from orchestration.machine_faults import MAX_ERROR_CHARS, remedies, step_errors
from orchestration.resources import AlertResource

WEBHOOK_TIMEOUT_SECONDS = 5.0


def alert_payload(*, run_id: str, job_name: str, tags: Mapping[str, str], message: str,
                  failed_steps: Mapping[str, str]) -> dict:
    """The alert as a small JSON-able dict; `text` is a one-line summary for chat webhooks."""
    where = ", ".join(sorted(failed_steps)) if failed_steps else "no step failed (run-level failure)"
    as_of = tags.get("as_of") or None
    return {
        "event": "run_failure",
        "text": f"Run {run_id} of {job_name} failed (as-of {as_of or 'latest'}): {where}",
        "job": job_name,
        "run_id": run_id,
        "as_of": as_of,
        "message": message[:MAX_ERROR_CHARS],
        "failed_steps": [{"step": step, "error": error} for step, error in sorted(failed_steps.items())],
        "what_to_do": remedies([message, *failed_steps.values()]),
    }


def _safe_target(url: str) -> str:
    """Scheme and host only: webhook URLs often carry a secret token in the path or query."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}"


def redact(text: str, url: str) -> str:
    """`text` without the URL or its secret parts (path, query, user info)."""
    if not url:
        return text
    parts = urlsplit(url)
    secrets = [url, parts.path, parts.query, parts.netloc if "@" in parts.netloc else ""]
    for secret in sorted((s for s in secrets if s and len(s) > 1), key=len, reverse=True):
        text = text.replace(secret, "[redacted]")
    return text


def rejection_payload(*, run_id: str, job_name: str, tags: Mapping[str, str], rejected: Mapping[str, int]) -> dict:
    as_of = tags.get("as_of") or tags.get("dagster/partition") or None
    total = sum(rejected.values())
    feeds = ", ".join(f"{feed}: {n}" for feed, n in sorted(rejected.items()))
    return {
        "event": "files_rejected",
        "text": f"Run {run_id} of {job_name} published (as-of {as_of or 'latest'}) but rejected {total} landed "
                f"file(s) ({feeds}); see audit.load_log",
        "job": job_name,
        "run_id": run_id,
        "as_of": as_of,
        "rejected_files": dict(rejected),
    }


def send(log, url: str | None, payload: Mapping, details: str = "") -> None:
    """Log the alert (with `details`); POST it when a webhook is set. Never raises, never logs the URL."""
    log.error(f"ALERT {payload['text']}{details}")
    if not url:
        return
    error = post_alert(url, payload)
    target = _safe_target(url)
    if error:
        log.error(f"Alert webhook {target} failed: {redact(error, url)}")
    else:
        log.info(f"Alert sent to webhook {target}")


def post_alert(url: str, payload: Mapping, timeout: float = WEBHOOK_TIMEOUT_SECONDS) -> str | None:
    """POST `payload` as JSON to `url`; None when it was accepted, else why it failed (never raises)."""
    if urlsplit(url).scheme not in ("http", "https"):
        return f"not an http(s) URL: {_safe_target(url)}"
    request = urllib.request.Request(url, data=json.dumps(payload).encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked)
            response.read()
    except (OSError, ValueError, http.client.HTTPException) as exc:  # URLError, HTTPError, timeouts
        return f"{type(exc).__name__}: {exc}"
    return None


def rejected_files_of_run(instance: dg.DagsterInstance, run_id: str) -> dict[str, int]:
    """Feed → files rejected, from the run's ingestion materializations (metadata `files_rejected`)."""
    rejected: dict[str, int] = {}
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
        materialization = entry.asset_materialization
        if materialization is None:
            continue
        value = materialization.metadata.get("files_rejected")
        n = int(value.value) if value is not None else 0
        if n:
            rejected[materialization.asset_key.path[-1]] = rejected.get(materialization.asset_key.path[-1], 0) + n
    return rejected


def build_alert_sensors(job: dg.UnresolvedAssetJobDefinition) -> list[dg.SensorDefinition]:
    @dg.run_failure_sensor(
        name="nightly_failure_alert",
        monitored_jobs=[job],
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Logs an alert for every failed nightly run and POSTs it to CW_ALERT_WEBHOOK when that is set.",
    )
    def nightly_failure_alert(context: dg.RunFailureSensorContext, alerts: AlertResource) -> None:
        run = context.dagster_run
        if run.tags.get(TRIGGER_TAG) == "cli":
            return
        payload = alert_payload(run_id=run.run_id, job_name=run.job_name, tags=run.tags,
                                message=redact(context.failure_event.message or "", alerts.webhook_url or ""),
                                failed_steps={k: redact(v, alerts.webhook_url or "") for k, v in
                                              step_errors(context.get_step_failure_events()).items()})
        details = "".join(f"\n  {step['step']}: {step['error']}" for step in payload["failed_steps"]) + \
            "".join(f"\n  what to do: {remedy}" for remedy in payload["what_to_do"])
        send(context.log, alerts.webhook_url, payload, f"\n{payload['message']}{details}")

    @dg.run_status_sensor(
        name="rejected_files_alert",
        run_status=dg.DagsterRunStatus.SUCCESS,
        monitored_jobs=[job],
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="A run that published but rejected landed files still alerts (log, and CW_ALERT_WEBHOOK when "
                    "set): a rejected file is never silent.",
    )
    def rejected_files_alert(context: dg.RunStatusSensorContext, alerts: AlertResource) -> None:
        run = context.dagster_run
        if run.tags.get(TRIGGER_TAG) == "cli":
            return
        rejected = rejected_files_of_run(context.instance, run.run_id)
        if rejected:
            send(context.log, alerts.webhook_url,
                 rejection_payload(run_id=run.run_id, job_name=run.job_name, tags=run.tags, rejected=rejected))

    return [nightly_failure_alert, rejected_files_alert]
