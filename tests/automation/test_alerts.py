"""Alerts: the run-failure alert and the rejected-files alert, their payloads, a POST to a local webhook,
no POST without a URL, and the webhook URL (a secret) never in a log line."""

from __future__ import annotations

import json
import logging
import socket
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import dagster as dg
import pytest

from orchestration.automation.alerts import alert_payload, build_alert_sensors, post_alert, redact
from orchestration.control.as_of import as_of_partitions
from orchestration.jobs import build_nightly_job
from orchestration.resources import AlertResource

nightly_failure_alert, rejected_files_alert = build_alert_sensors(build_nightly_job(as_of_partitions()))


class _Recorder(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.path, self.headers["Content-Type"], json.loads(body)))
        self.send_response(500 if self.path.startswith("/broken") else 204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook() -> Iterator[HTTPServer]:
    """A webhook on 127.0.0.1 that records what it receives; shut down when the test ends."""
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    server.received = []
    server.timeout = 5
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _url(server: HTTPServer, path: str = "/hook") -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def test_payload_names_the_run_and_the_failed_steps():
    payload = alert_payload(run_id="r1", job_name="nightly_classification", tags={"as_of": "2025-12-31"},
                            message="Execution of run failed.", failed_steps={"publish": "gate closed", "dbt": "x"})
    assert payload["run_id"] == "r1" and payload["as_of"] == "2025-12-31"
    assert [s["step"] for s in payload["failed_steps"]] == ["dbt", "publish"]
    assert "r1" in payload["text"] and "dbt, publish" in payload["text"]
    json.dumps(payload)  # JSON-able


def test_payload_without_as_of_or_steps():
    payload = alert_payload(run_id="r2", job_name="j", tags={}, message="m" * 2000, failed_steps={})
    assert payload["as_of"] is None and payload["failed_steps"] == []
    assert "latest" in payload["text"] and "run-level" in payload["text"]
    assert len(payload["message"]) == 500


def test_post_alert_delivers_json(webhook):
    assert post_alert(_url(webhook), {"text": "hello"}) is None
    assert webhook.received == [("/hook", "application/json", {"text": "hello"})]


def test_post_alert_reports_errors_without_raising(webhook):
    assert "HTTPError" in post_alert(_url(webhook, "/broken"), {"text": "x"})
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    assert post_alert(f"http://127.0.0.1:{closed_port}/hook", {"text": "x"}, timeout=1) is not None
    assert "not an http(s) URL" in post_alert("file:///etc/passwd", {"text": "x"})


@dg.op
def exploding_step():
    raise RuntimeError("warehouse is locked")


@dg.job
def failing_job():
    exploding_step()


def _failure_context(alert_webhook: str, tags: dict | None = None) -> dg.RunFailureSensorContext:
    instance = dg.DagsterInstance.ephemeral()
    result = failing_job.execute_in_process(instance=instance, raise_on_error=False,
                                            tags={"as_of": "2025-12-31", **(tags or {})})
    assert not result.success
    return dg.build_run_status_sensor_context(
        sensor_name=nightly_failure_alert.name, dagster_event=result.get_run_failure_event(),
        dagster_instance=instance, dagster_run=result.dagster_run,
        resources={"alerts": AlertResource(webhook_url=alert_webhook)},
    ).for_run_failure()


def test_failure_sensor_posts_the_alert(webhook):
    context = _failure_context(_url(webhook))
    nightly_failure_alert(context)
    assert len(webhook.received) == 1
    _, _, payload = webhook.received[0]
    assert payload["run_id"] == context.dagster_run.run_id
    assert payload["as_of"] == "2025-12-31"
    assert payload["failed_steps"][0]["step"] == "exploding_step"
    assert "warehouse is locked" in payload["failed_steps"][0]["error"]


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(f"{record.levelname} {record.getMessage()}")


def test_failure_sensor_without_url_posts_nothing(monkeypatch):
    context = _failure_context("")
    records = _Records()
    context.log.addHandler(records)

    def no_network(*args, **kwargs):
        raise AssertionError("no webhook is set: nothing may be posted")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    nightly_failure_alert(context)  # logs only
    logged = "\n".join(records.lines)
    assert f"ERROR ALERT Run {context.dagster_run.run_id}" in logged
    assert "warehouse is locked" in logged
    assert "webhook" not in logged.lower()


def test_failure_sensor_survives_a_broken_webhook(webhook):
    context = _failure_context(_url(webhook, "/broken?token=secret"))
    records = _Records()
    context.log.addHandler(records)
    nightly_failure_alert(context)  # logged, not raised
    assert len(webhook.received) == 1
    logged = "\n".join(records.lines)
    assert "ERROR Alert webhook http://127.0.0.1 failed: HTTPError" in logged
    assert "secret" not in logged  # the URL's token stays out of the logs


def test_cli_runs_are_left_to_the_cli(webhook):
    """`python -m orchestration run` alerts itself (summary.py): the sensor must not send it twice."""
    nightly_failure_alert(_failure_context(_url(webhook), tags={"cw/trigger": "cli"}))
    assert webhook.received == []


@dg.asset(key=["raw", "erp", "invoices"])
def invoices_with_a_rejected_file() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"files_rejected": 2})


def test_a_published_run_that_rejected_files_still_alerts(webhook):
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([invoices_with_a_rejected_file], instance=instance, tags={"as_of": "2025-12-31"})
    context = dg.build_run_status_sensor_context(
        sensor_name=rejected_files_alert.name, dagster_event=result.get_run_success_event(),
        dagster_instance=instance, dagster_run=result.dagster_run,
        resources={"alerts": AlertResource(webhook_url=_url(webhook, "/hook?token=secret"))})
    records = _Records()
    context.log.addHandler(records)
    rejected_files_alert(context)
    (_, _, payload), = webhook.received
    assert payload["event"] == "files_rejected" and payload["rejected_files"] == {"invoices": 2}
    assert "rejected 2 landed file(s)" in payload["text"]
    assert "secret" not in "\n".join(records.lines)


def test_redact_removes_the_url_and_its_secret_parts():
    url = "https://hooks.example.com/services/T000/B000/XXXXSECRET?token=abc123"
    text = f"URLError: <urlopen error {url}> (path /services/T000/B000/XXXXSECRET, query token=abc123)"
    redacted = redact(text, url)
    assert "XXXXSECRET" not in redacted and "abc123" not in redacted
    assert "URLError" in redacted
