"""Runs under the conditions a nightly job meets: killed at any moment, started twice, starved of
memory, handed a truncated snapshot, asked to catch up a range of dates (the run-control issue), and a
serving file changed by hand."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.conftest import ROOT, project_dagster_home, run_cli
from tests.e2e.published import published_marts

pytestmark = pytest.mark.slow


def start_cli(landing: Path, warehouse: Path, home: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CW_")}
    return subprocess.Popen([sys.executable, "-m", "orchestration", "run", "--landing", str(landing), "--warehouse",
                             str(warehouse)], cwd=ROOT, env={**env, "DAGSTER_HOME": str(home)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def dbt_children(group: int) -> list[int]:
    """dbt processes of the CLI run leading process group `group` (its own session: see start_cli).
    A dbt orphaned by the kill keeps the group, so it is found too."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            pgrp = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[2])
        except (OSError, ValueError, IndexError):
            continue
        if b"dbt_child.py" in cmdline and pgrp == group:
            found.append(int(proc.name))
    return found


def mart_checks_started(home: Path) -> bool:
    """From the run's Dagster event log (a fresh instance each time: it reads what the run committed)."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs(limit=1)
        steps = [e.step_key for e in instance.all_logs(runs[0].run_id, of_type=dg.DagsterEventType.STEP_START)] \
            if runs else []
    return any(s.startswith("marts__") and s.endswith("__checks") for s in steps)


#: How to tell the run is in each phase (files and processes it makes; the Dagster event log for checks).
PHASES = {
    "ingestion": lambda wh, home, pid: any((wh / "tmp").glob("ingest-*/*/landed.bin")),
    "dbt": lambda wh, home, pid: bool(dbt_children(pid)),
    "checks": lambda wh, home, pid: not dbt_children(pid) and mart_checks_started(home),
    "publish": lambda wh, home, pid: any(wh.glob(".serving.duckdb.*.tmp")),
}


def kill_during(phase: str, landing: Path, warehouse: Path, home: Path) -> int:
    """Start a run, kill -9 its process (not its group: as the OOM killer does) in `phase`; its pid."""
    proc = start_cli(landing, warehouse, home)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if PHASES[phase](warehouse, home, proc.pid):
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return proc.pid
        time.sleep(0.2 if phase == "checks" else 0.01)
    proc.kill()
    raise AssertionError(f"the run never reached {phase} (exit {proc.poll()})")


@pytest.mark.ops
def test_a_run_killed_at_any_moment_leaves_serving_whole_and_the_next_run_recovers(demo_landing, published,
                                                                                  tmp_path, monkeypatch):
    """kill -9 during ingestion, dbt, checks and publish, one run after the other: then a run publishes
    exactly the marts of a run that was never interrupted, and audit.runs agrees with serving. The
    instance is configured as `make run`'s (the project's dagster.yaml: its event log keeps connections
    open, and this test reads it from another process while the run writes and after it is killed)."""
    warehouse, home = tmp_path / "wh", tmp_path / "home"
    project_dagster_home(home)
    monkeypatch.setenv("DAGSTER_HOME", str(home))  # the config reads it (from_config below)
    for phase in PHASES:
        group = kill_during(phase, demo_landing, warehouse, home)
        deadline = time.monotonic() + 10  # the kernel's SIGTERM to dbt (dbt_child.py) takes a moment
        while dbt_children(group) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert dbt_children(group) == [], f"a dbt process outlived the run killed during {phase}"
    final = run_cli("run", "--landing", str(demo_landing), "--warehouse", str(warehouse),
                    env={"DAGSTER_HOME": str(home)})
    assert final.returncode == 0, final.stdout + final.stderr
    serving = warehouse / "serving.duckdb"
    assert published_marts(serving) == published_marts(published[0] / "serving.duckdb")
    with duckdb.connect(str(serving), read_only=True) as con:
        statuses = dict(con.execute("select run_id, status from audit.runs").fetchall())
        holder = con.execute("select run_id from audit.publication").fetchone()[0]
        published_runs = {r for (r,) in con.execute("select run_id from audit.runs where published").fetchall()}
    assert len(statuses) == 5 and set(statuses.values()) <= {"interrupted", "success"}
    assert statuses[holder] == "success" and holder in published_runs
    assert list(statuses.values()).count("interrupted") >= 3
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert not instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))  # none left hanging
    assert not list(warehouse.glob(".serving.duckdb.*.tmp")) and not list((warehouse / "tmp").glob("ingest-*"))


HOLD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from orchestration.control.lock import warehouse_lock
    with warehouse_lock(Path(sys.argv[1]), purpose="cli run", run_id="run-A"):
        print("held", flush=True)
        time.sleep(120)
""")


def test_a_second_run_exits_at_once_names_the_first_and_writes_nothing(demo_landing, published_copy, tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(published_copy)], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        files = {p: p.stat().st_mtime_ns for p in published_copy.rglob("*") if p.is_file()}
        started = time.monotonic()
        second = run_cli("run", "--landing", str(demo_landing), "--warehouse", str(published_copy))
        assert second.returncode == 3, second.stdout + second.stderr
        assert time.monotonic() - started < 30
        assert "run-A" in second.stderr and f"pid {holder.pid}" in second.stderr
        assert {p: p.stat().st_mtime_ns for p in published_copy.rglob("*") if p.is_file()} == files

        from orchestration.definitions import build_definitions
        from orchestration.jobs import NIGHTLY_JOB_NAME
        from orchestration.settings import Settings

        job = build_definitions(Settings(landing_dir=demo_landing, warehouse_dir=published_copy,
                                         lock_wait_seconds=0)).resolve_job_def(NIGHTLY_JOB_NAME)
        ui_run = job.execute_in_process(partition_key="2025-12-31", raise_on_error=False,
                                        instance=dg.DagsterInstance.ephemeral())
        assert not ui_run.success  # a UI-launched run refused too, naming the holder
        assert any("run-A" in (e.message or "") or "run-A" in str(e.event_specific_data)
                   for e in ui_run.all_events)
    finally:
        holder.kill()
        holder.wait()


def test_a_machine_fault_is_no_verdict_and_the_next_run_publishes_the_clean_marts(demo_landing, published,
                                                                                   tmp_path):
    """Case 1: a run starved of memory fails without rejecting a single file; once the fault is gone the
    next run publishes exactly what a clean run publishes."""
    warehouse = tmp_path / "wh"
    starved = run_cli("run", "--landing", str(demo_landing), "--warehouse", str(warehouse),
                      env={"CW_DUCKDB_MEMORY_LIMIT": "30MB", "CW_DUCKDB_THREADS": "1"})
    assert starved.returncode == 1, starved.stdout + starved.stderr
    assert "Traceback" not in starved.stderr
    assert "what to do: memory ran out: " in starved.stderr  # and that the next run resumes by itself
    with duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from audit.load_log where status = 'rejected'").fetchone()[0] == 0
        (message,) = con.execute("select message from audit.runs").fetchone()
        assert "what to do: memory ran out: " in message and "CW_DUCKDB_MEMORY_LIMIT" in message
    healthy = run_cli("run", "--landing", str(demo_landing), "--warehouse", str(warehouse))
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert published_marts(warehouse / "serving.duckdb") == published_marts(published[0] / "serving.duckdb")


def test_a_truncated_snapshot_is_held_until_accepted(demo_landing, published_copy, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(demo_landing, landing)
    newest = sorted((landing / "crm" / "accounts").glob("accounts_*.csv"))[-1]
    lines = newest.read_bytes().split(b"\r\n")
    (newest.parent / "accounts_29991231.csv").write_bytes(b"\r\n".join(lines[: len(lines) // 3]) + b"\r\n")
    serving = published_copy / "serving.duckdb"
    before = serving.read_bytes()

    held = run_cli("run", "--landing", str(landing), "--warehouse", str(published_copy), "--as-of", "2025-12-31")
    assert held.returncode == 1, held.stdout + held.stderr
    assert "snapshot_not_shrunk" in held.stderr and "accounts_29991231.csv" in held.stderr
    assert "--accept-snapshot-shrink" in held.stderr
    assert serving.read_bytes() == before

    again = run_cli("run", "--landing", str(landing), "--warehouse", str(published_copy), "--as-of", "2025-12-31")
    assert again.returncode == 1  # still held: the truncated file is the current snapshot

    accepted = run_cli("run", "--landing", str(landing), "--warehouse", str(published_copy), "--as-of",
                       "2025-12-31", "--accept-snapshot-shrink")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute("select gate_overrides from audit.runs where published order by started_at desc limit 1"
                           ).fetchone()[0] == "accept_snapshot_shrink"
    after = run_cli("run", "--landing", str(landing), "--warehouse", str(published_copy), "--as-of", "2025-12-31")
    assert after.returncode == 0, after.stdout + after.stderr  # accepted once, for good


def test_a_range_of_older_dates_adds_their_history_and_keeps_the_newest_marts(demo_landing, published_copy):
    """`--as-of A --to B` is one run per date, in order; dates older than the one serving holds (a
    backfill after the fact) publish their history rows and leave the newest marts in place."""
    serving = published_copy / "serving.duckdb"
    backfill = run_cli("run", "--landing", str(demo_landing), "--warehouse", str(published_copy), "--as-of",
                       "2025-12-29", "--to", "2025-12-30")
    assert backfill.returncode == 0, backfill.stdout + backfill.stderr
    assert backfill.stdout.count("history rows were published") == 2
    with duckdb.connect(str(serving), read_only=True) as con:
        dates = [d for (d,) in con.execute("select distinct as_of_date::varchar from "
                                           "marts.customer_classification_history order by 1").fetchall()]
        assert con.execute("select distinct as_of_date::varchar from marts.customer_classification").fetchall() == [
            ("2025-12-31",)]
        assert con.execute("select kind, as_of_date::varchar from audit.publication").fetchone() == (
            "history_only", "2025-12-31")
        runs = con.execute("select as_of_date::varchar, status, published from audit.runs order by started_at"
                           ).fetchall()
    assert dates == ["2025-12-29", "2025-12-30", "2025-12-31"]
    assert runs[-2:] == [("2025-12-29", "success", True), ("2025-12-30", "success", True)]


def test_a_serving_file_changed_by_hand_is_published_again_not_built_on(demo_landing, published_copy):
    """Published files are read-only, but root writes them anyway. A run builds on the live files (keeps them
    when nothing is new, starts a delta or history-only publish from copies), so a file changed after its
    publish is not built on: the run publishes in full from the warehouse and says so; a backfill of an older
    date, which would keep the changed marts, publishes nothing and says what to run first."""
    serving = published_copy / "serving.duckdb"
    before = published_marts(serving)
    same = run_cli("run", "--landing", str(demo_landing), "--warehouse", str(published_copy))
    assert same.returncode == 0 and "mode skip" in same.stdout, same.stdout + same.stderr  # a copy with its mtimes

    serving.chmod(0o600)
    with duckdb.connect(str(serving)) as con:  # what a read-write session as root does
        con.execute("update marts.customer_tier set tier = 'A'")
    serving.chmod(0o400)
    changed = published_marts(serving)
    assert changed != before

    older = run_cli("run", "--landing", str(demo_landing), "--warehouse", str(published_copy), "--as-of",
                    "2025-12-30")
    assert older.returncode == 1, older.stdout + older.stderr
    assert "serving.duckdb changed since run" in older.stdout + older.stderr
    assert "Run `run --as-of 2025-12-31` first" in older.stdout + older.stderr
    assert published_marts(serving) == changed  # nothing published

    again = run_cli("run", "--landing", str(demo_landing), "--warehouse", str(published_copy))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "mode incremental" in again.stdout
    assert "serving.duckdb changed since run" in again.stdout and "written whole, not from it" in again.stdout
    assert published_marts(serving) == before
    after = run_cli("run", "--landing", str(demo_landing), "--warehouse", str(published_copy), "--as-of",
                    "2025-12-30")
    assert after.returncode == 0 and "history rows were published" in after.stdout, after.stdout + after.stderr
