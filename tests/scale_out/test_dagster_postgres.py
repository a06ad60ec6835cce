"""Dagster on PostgreSQL (issue #15): the production instance (deploy/dagster.postgres.yaml: runs, event logs
and schedules in PostgreSQL, the queued run coordinator) on a throw-away local server, with the nightly job
as the CLI runs it: it publishes and its run and events are in PostgreSQL; a second run is refused while
another holds the warehouse lock; a run killed with SIGKILL during dbt is settled by the next run, which
publishes, and no Dagster run is left STARTED."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import duckdb
import pytest

pytest.importorskip("dagster_postgres", reason="the scale-out environment (make test-scale-out)")

import dagster as dg  # noqa: E402
import psycopg2  # noqa: E402

from tests.conftest import ROOT, run_cli  # noqa: E402
from tests.e2e.test_run_control import HOLD, dbt_children  # noqa: E402
from tests.scale_out.postgres import postgres_server, server_bin  # noqa: E402

DEPLOY_YAML = ROOT / "deploy" / "dagster.postgres.yaml"

if server_bin() is None:
    pytest.skip("no PostgreSQL server binaries", allow_module_level=True)


@pytest.fixture(scope="module")
def instance_env(tmp_path_factory):
    home = tmp_path_factory.mktemp("dagster_pg_home")
    shutil.copy(DEPLOY_YAML, home / "dagster.yaml")
    with postgres_server() as url:
        yield {"DAGSTER_HOME": str(home), "CW_DAGSTER_PG_URL": url}


def query(url: str, sql: str) -> list[tuple]:
    con = psycopg2.connect(url)
    try:
        with con.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    finally:
        con.close()


def dagster_runs(env: dict[str, str]) -> dict[str, str]:
    os.environ["CW_DAGSTER_PG_URL"] = env["CW_DAGSTER_PG_URL"]
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        return {r.run_id: r.status.value for r in instance.get_runs()}


def test_the_nightly_job_runs_on_a_postgres_instance(demo_landing, instance_env, tmp_path):
    warehouse = tmp_path / "wh"
    result = run_cli("run", "--landing", str(demo_landing), "--warehouse", str(warehouse), env=instance_env)
    assert result.returncode == 0, result.stdout + result.stderr
    runs = dagster_runs(instance_env)
    with duckdb.connect(str(warehouse / "serving.duckdb"), read_only=True) as con:
        published = con.execute("select run_id from audit.publication").fetchone()[0]
    assert runs[published] == "SUCCESS"
    url = instance_env["CW_DAGSTER_PG_URL"]
    assert query(url, f"select status from runs where run_id = '{published}'") == [("SUCCESS",)]
    steps = query(url, f"select count(*) from event_logs where run_id = '{published}' "
                       "and dagster_event_type = 'STEP_SUCCESS'")[0][0]
    assert steps > 10  # ingestion, dbt, checks and publish steps, recorded in PostgreSQL


def test_a_second_run_is_refused_while_one_holds_the_warehouse_lock(demo_landing, instance_env, tmp_path):
    warehouse = tmp_path / "wh"
    warehouse.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(warehouse)], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        second = run_cli("run", "--landing", str(demo_landing), "--warehouse", str(warehouse), env=instance_env)
        assert second.returncode == 3, second.stdout + second.stderr
        assert "run-A" in second.stderr
        assert not (warehouse / "serving.duckdb").exists()
    finally:
        holder.kill()
        holder.wait()


def test_a_run_killed_during_dbt_is_recovered_by_the_next(demo_landing, instance_env, tmp_path):
    warehouse = tmp_path / "wh"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CW_")} | instance_env
    proc = subprocess.Popen([sys.executable, "-m", "orchestration", "run", "--landing", str(demo_landing),
                             "--warehouse", str(warehouse)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 600
    while not dbt_children(proc.pid):
        assert proc.poll() is None and time.monotonic() < deadline, "the run never reached dbt"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 15
    while dbt_children(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert dbt_children(proc.pid) == []
    assert "STARTED" in dagster_runs(instance_env).values()  # the killed run, as PostgreSQL last heard of it

    recovered = run_cli("run", "--landing", str(demo_landing), "--warehouse", str(warehouse), env=instance_env)
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    with duckdb.connect(str(warehouse / "serving.duckdb"), read_only=True) as con:
        statuses = [s for (s,) in con.execute("select status from audit.runs order by started_at").fetchall()]
    assert statuses == ["interrupted", "success"]
    assert "STARTED" not in dagster_runs(instance_env).values()  # recovery failed the dead run in PostgreSQL
