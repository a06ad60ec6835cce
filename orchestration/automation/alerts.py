"""The run-failure alert: log the failed run, and POST a small JSON to a webhook when one is set.

The webhook URL comes from the injected `run_params` resource (`RunParameters.alert_webhook`, set
from `CW_ALERT_WEBHOOK` by `resources_from_settings`): Dagster 1.13 run-status sensors take
resources as parameters, so nothing here reads the environment. A webhook that fails (refused,
timeout, HTTP error, bad URL) is logged, never raised: alerting must not fail the sensor.
Recording the run in `audit.runs` is done elsewhere (publish); this module only alerts.

Default status RUNNING (decision): it starts no runs, it only reports failures, and a failed
nightly run must not go unnoticed because somebody forgot a toggle.
"""

from __future__ import annotations

import http.client
import json
import urllib.request
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

import dagster as dg

from orchestration.jobs import nightly_job
from orchestration.resources import RunParameters

WEBHOOK_TIMEOUT_SECONDS = 5.0
MAX_ERROR_CHARS = 500  # per step: the first part of the message, not the stack trace


def step_errors(step_failure_events: Iterable[dg.DagsterEvent]) -> dict[str, str]:
    """Failed step key → its root error message (truncated), from a run's STEP_FAILURE events."""
    errors: dict[str, str] = {}
    for event in step_failure_events:
        error = getattr(event.event_specific_data, "error", None)
        while error is not None and error.cause is not None:  # Dagster wraps the user's exception
            error = error.cause
        message = error.message.strip() if error is not None else (event.message or "")
        errors[event.step_key or "?"] = message[:MAX_ERROR_CHARS]
    return errors


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
    }


def _safe_target(url: str) -> str:
    """Scheme and host only: webhook URLs often carry a secret token in the path or query."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}"


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


@dg.run_failure_sensor(
    name="nightly_failure_alert",
    monitored_jobs=[nightly_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Logs an alert for every failed nightly run and POSTs it to CW_ALERT_WEBHOOK when that is set.",
)
def nightly_failure_alert(context: dg.RunFailureSensorContext, run_params: RunParameters) -> None:
    run = context.dagster_run
    payload = alert_payload(run_id=run.run_id, job_name=run.job_name, tags=run.tags,
                            message=context.failure_event.message or "",
                            failed_steps=step_errors(context.get_step_failure_events()))
    details = "".join(f"\n  {step['step']}: {step['error']}" for step in payload["failed_steps"])
    context.log.error(f"ALERT {payload['text']}\n{payload['message']}{details}")
    if not run_params.alert_webhook:
        return
    error = post_alert(run_params.alert_webhook, payload)
    target = _safe_target(run_params.alert_webhook)
    if error:
        context.log.error(f"Alert webhook {target} failed: {error}")
    else:
        context.log.info(f"Alert sent to webhook {target}")
