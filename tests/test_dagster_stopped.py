"""When Dagster itself stops a run (its instance cannot store the run's events: the disk under $DAGSTER_HOME
is full), there is no run result to summarise. The CLI still says what happened and what to do, and records
the run as the live serving file has it: failed (exit 1, not 2 as for a usage error), or published when
Dagster stopped after the publish step's swap (exit 0)."""

from __future__ import annotations

import sqlite3
from datetime import date

import dagster as dg
import duckdb
import sqlalchemy.exc

from orchestration.audit.writes import record_run, utc_now
from orchestration.control.serving_state import PUBLICATION_DDL
from orchestration.machine_faults import remedies
from orchestration.runner import run_pipeline
from orchestration.settings import Settings

FULL = sqlalchemy.exc.OperationalError("insert into event_logs ...", {},
                                       sqlite3.OperationalError("database or disk is full"))


def stopped_run(tmp_path, monkeypatch, publish_first: bool) -> Settings:
    """A run whose `execute_in_process` raises FULL (after doing the publish step's work, with `publish_first`)."""
    landing = tmp_path / "landing" / "erp" / "order_lines"
    landing.mkdir(parents=True)
    (landing / "order_lines_20251231.csv").write_text("order_no\n")
    settings = Settings(landing_dir=tmp_path / "landing", warehouse_dir=tmp_path / "wh", as_of=date(2025, 12, 31))

    def execute_in_process(self, **kwargs):
        if publish_first:  # what the publish step leaves: serving names the run, audit.runs says published
            with duckdb.connect(str(settings.serving_db)) as con:
                con.execute("create schema audit")
                con.execute(PUBLICATION_DDL.format(catalog="serving"))
                con.execute("insert into audit.publication values (?, ?, ?, 'fp', 'v1', 'full', ?)",
                            [kwargs["run_id"], settings.as_of, kwargs["run_id"], utc_now()])
            with duckdb.connect(str(settings.warehouse_db)) as con:
                record_run(con, kwargs["run_id"], status="success", published=True,
                           message="published the marts of as-of 2025-12-31")
        raise FULL

    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setattr(dg.JobDefinition, "execute_in_process", execute_in_process)
    return settings


def test_a_run_dagster_could_not_record_is_recorded_as_failed_with_what_to_do(tmp_path, monkeypatch, capsys):
    settings = stopped_run(tmp_path, monkeypatch, publish_first=False)
    assert run_pipeline(settings) == 1
    err = capsys.readouterr().err
    assert "Dagster stopped the run: OperationalError: (sqlite3.OperationalError) database or disk is full" in err
    assert "what to do: the disk is full: free space on the warehouse's disk and on $DAGSTER_HOME's" in err
    with duckdb.connect(str(tmp_path / "wh" / "warehouse.duckdb"), read_only=True) as con:
        status, published, message = con.execute("select status, published, message from audit.runs").fetchone()
    assert (status, published) == ("failed", False)
    assert "database or disk is full" in message and "what to do: the disk is full" in message


def test_a_run_dagster_stopped_after_its_publish_stays_published(tmp_path, monkeypatch, capsys):
    settings = stopped_run(tmp_path, monkeypatch, publish_first=True)
    assert run_pipeline(settings) == 0
    out, err = capsys.readouterr()
    assert f"published {settings.serving_db}" in out and "NOT published" not in err
    assert "but Dagster stopped the run: OperationalError" in err and "what to do: the disk is full" in err
    with duckdb.connect(str(settings.warehouse_db), read_only=True) as con:
        assert con.execute("select status, published, message from audit.runs").fetchone() == (
            "success", True, "published the marts of as-of 2025-12-31")  # the publish step's own record


def test_sqlites_words_for_a_full_disk_name_the_fault():
    assert remedies(["(sqlite3.OperationalError) database or disk is full"])[0].startswith("the disk is full")
    io = remedies(["(sqlite3.OperationalError) disk I/O error"])
    assert io[0].startswith("the disk reported an I/O error") and "`df -h`" in io[0]
