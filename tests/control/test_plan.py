"""The run plan: what starts a run, how long files must be quiet, and what the run does — skip (serving
already holds marts of the same inputs), incremental, full or ingest-only."""

from __future__ import annotations

import os
import shutil
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.audit import ensure_audit_schema, record_dbt_outcome, record_plan, writes
from orchestration.audit.writes import record_run, utc_now
from orchestration.control.plan import make_plan, recorded_plan, settle_seconds_for, trigger_of
from orchestration.control.serving_state import PUBLICATION_DDL, file_stamps

D = date(2025, 12, 31)


@pytest.fixture
def places(tmp_path) -> tuple[duckdb.DuckDBPyConnection, Path, Path]:
    landing = tmp_path / "landing"
    (landing / "erp" / "order_lines").mkdir(parents=True)
    land(landing, "erp/order_lines/order_lines_20251231.csv", "order_no\n")
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        ensure_audit_schema(con)
        yield con, landing, tmp_path / "serving.duckdb"


def land(landing: Path, rel: str, text: str, age: float = 3600) -> Path:
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    past = time.time() - age
    os.utime(path, (past, past))
    return path


def plan(places, run_id: str = "r9", as_of: date | None = D, dbt_code: str = "dbt-1", **kwargs):
    con, landing, serving = places
    return make_plan(con, run_id=run_id, trigger="cli", as_of=as_of, landing_root=landing, serving_path=serving,
                     settle_seconds=kwargs.pop("settle_seconds", 0), code="code-1", dbt_code=dbt_code, **kwargs)


def built(places, run_id: str, dbt_code: str = "dbt-1", succeeded: bool = True):
    """Record a run's plan as the pipeline does, and its dbt outcome."""
    p = plan(places, run_id=run_id, dbt_code=dbt_code)
    con = places[0]
    record_plan(con, run_id=run_id, inputs_fingerprint=p.inputs_fingerprint, as_of=p.as_of, raw_files=0,
                code_fingerprint=p.code_fingerprint, dbt_fingerprint=dbt_code, trigger="cli", mode=p.mode,
                mode_reason=p.mode_reason, landing_files=p.landing_files, landing_fingerprint=p.landing_fingerprint,
                settle_seconds=0, serving_run_id=None, started_at=None, gate_overrides=None)
    record_dbt_outcome(con, run_id, succeeded)
    return p


def serve(places, fingerprint: str, run_id: str = "r1") -> None:
    with duckdb.connect(str(places[2])) as con:
        con.execute("create schema audit")
        con.execute(PUBLICATION_DDL.format(catalog="serving"))
        con.execute("insert into audit.publication values (?, ?, ?, ?, 'v1', 'full', ?)",
                    [run_id, D, run_id, fingerprint, utc_now()])


def test_a_new_warehouse_builds_in_full(places):
    p = plan(places)
    assert (p.mode, p.builds_marts) == ("full", True)
    assert "no successful dbt build" in p.mode_reason


def test_the_same_dbt_project_as_the_last_successful_build_builds_incrementally(places):
    built(places, "r1")
    assert plan(places).mode == "incremental"


def test_a_changed_dbt_project_or_a_failed_last_build_or_rebuild_builds_in_full(places):
    built(places, "r1")
    assert "changed" in plan(places, dbt_code="dbt-2").mode_reason
    assert plan(places, rebuild=True).mode == "full"
    built(places, "r2", succeeded=False)  # a failed build in between: the last successful one counts
    assert plan(places).mode == "incremental"


def test_an_incremental_run_names_the_verified_build_its_tests_start_from(places):
    """The build an incremental run builds on is the one whose tests verified every row it left: the newest
    successful build, a failed one after it not counting. A full run has none (its tests read every row), and
    the plan read back by the run's steps names the same build."""
    assert plan(places).verified_build is None  # nothing built yet: full
    built(places, "r1")
    built(places, "r2", succeeded=False)
    assert plan(places).verified_build == "r1"
    built(places, "r3")
    assert plan(places).verified_build == "r3"
    assert plan(places, rebuild=True).verified_build is None
    assert plan(places, dbt_code="dbt-2").verified_build is None
    con, _, serving = places
    built(places, "r4")  # recorded while r3 is the newest success, as the pipeline records a run's plan
    assert recorded_plan(con, "r4", serving).verified_build == "r3"


def test_serving_holding_marts_of_the_same_inputs_means_nothing_to_rebuild(places):
    first = built(places, "r1")
    serve(places, first.inputs_fingerprint)
    again = plan(places)
    assert again.mode == "skip" and "r1" in again.mode_reason
    assert plan(places, rebuild=True).mode == "full"
    assert plan(places, as_of=date(2025, 12, 30)).mode == "incremental"  # another D: other marts


def test_a_new_or_rewritten_landing_file_changes_the_inputs(places):
    first = built(places, "r1")
    serve(places, first.inputs_fingerprint)
    land(places[1], "erp/order_lines/order_lines_20251231.csv", "order_no\nSO1\n")  # same name, new bytes
    assert plan(places).mode == "incremental"


def published_by(places, run_id: str, *files: Path) -> None:
    """Record what run `run_id`'s publish swapped in, as the publish step does."""
    record_run(places[0], run_id, status="success", published=True, published_files=file_stamps(files))


def test_a_live_file_changed_after_its_publish_is_not_built_on(places, tmp_path):
    con, _, serving = places
    first = built(places, "r1")
    serve(places, first.inputs_fingerprint)
    role_file = tmp_path / "serving_finance.duckdb"
    role_file.write_bytes(b"role")
    published_by(places, "r1", serving, role_file)
    assert plan(places).mode == "skip"

    # a copy that keeps the modification time (cp -p, rsync -t, a restore) is the same file
    shutil.copy2(role_file, tmp_path / "kept")
    os.replace(tmp_path / "kept", role_file)
    assert plan(places).mode == "skip"

    stat = role_file.stat()
    role_file.write_bytes(b"ROLE")  # same size, written again: what root's read-write DuckDB session does
    os.utime(role_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    again = plan(places)
    assert (again.mode, again.serving.run_id) == ("incremental", "r1")  # rebuilt; the publish writes it whole
    assert again.serving_distrusted == ("serving_finance.duckdb changed since run r1 published it (size or "
                                        "modification time)")
    assert again.mode_reason.endswith(f"; {again.serving_distrusted}: not built on")
    record_plan(con, run_id="r9", inputs_fingerprint=again.inputs_fingerprint, as_of=D, raw_files=0,
                code_fingerprint="code-1", dbt_fingerprint="dbt-1", trigger="cli", mode=again.mode,
                mode_reason=again.mode_reason, landing_files=1, landing_fingerprint=again.landing_fingerprint,
                settle_seconds=0, serving_run_id="r1", started_at=None, gate_overrides=None)
    executed = recorded_plan(con, "r9", serving)  # what the run's steps read
    assert executed.serving_distrusted == again.serving_distrusted

    role_file.unlink()  # a file gone is changed too
    assert "serving_finance.duckdb changed" in plan(places).serving_distrusted


def test_a_publish_without_a_record_of_its_files_is_built_on_as_before(places):
    # a warehouse from before the record, or a run killed between its swap and its record (recovery finished it)
    first = built(places, "r1")
    serve(places, first.inputs_fingerprint)
    record_run(places[0], "r1", status="success", published=True)
    assert plan(places).mode == "skip"


def test_unsettled_files_are_not_inputs_yet(places):
    first = built(places, "r1")
    serve(places, first.inputs_fingerprint)
    land(places[1], "erp/order_lines/order_lines_20260101.csv", "order_no\n", age=0)
    assert plan(places, settle_seconds=60).mode == "skip"  # the new file waits for a later run
    assert plan(places, settle_seconds=0).mode == "incremental"


def test_a_run_without_an_as_of_date_only_ingests(places):
    p = plan(places, as_of=None)
    assert (p.mode, p.builds_marts) == ("ingest_only", False)


@pytest.mark.parametrize(("tags", "trigger"), [
    ({"cw/trigger": "cli", "dagster/partition": "2025-12-31"}, "cli"),
    ({"dagster/schedule_name": "nightly_classification_schedule"}, "schedule"),
    ({"dagster/sensor_name": "landing_files_sensor"}, "sensor"),
    ({"dagster/backfill": "abc"}, "backfill"),
    ({}, "ui"),
])
def test_what_started_a_run(tags, trigger):
    assert trigger_of(tags) == trigger


def test_files_must_settle_for_unattended_runs_only():
    assert settle_seconds_for("schedule", None) == settle_seconds_for("sensor", None) == 60
    assert settle_seconds_for("cli", None) == settle_seconds_for("ui", None) == 0
    assert settle_seconds_for("schedule", 5) == 5  # CW_SETTLE_SECONDS wins


def test_runs_keep_the_order_they_ran_when_the_clock_is_set_back(places, monkeypatch):
    """A run recorded after the clock was set back (a time sync after a reboot) still comes after every earlier
    run: the runs' order decides the build a night builds on, the runs a delta publish copies and the held
    files' scope. A failed build recorded "before" the last successful one would otherwise pass for verified."""
    built(places, "r1")
    con = places[0]
    first = con.execute("select recorded_at from audit.run_inputs where run_id = 'r1'").fetchone()[0]
    monkeypatch.setattr(writes, "utc_now", lambda: first - timedelta(hours=3))  # the clock set back
    built(places, "r2", succeeded=False)
    built(places, "r3")
    order = [run for (run,) in con.execute("select run_id from audit.run_inputs order by recorded_at").fetchall()]
    assert order == ["r1", "r2", "r3"]
    assert plan(places).verified_build == "r3"
    built(places, "r4", succeeded=False)
    assert plan(places).verified_build == "r3"  # not r1: the failed r4 came after r3 though the clock stands still
