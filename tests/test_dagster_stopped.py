"""When Dagster itself stops a run (its instance cannot store the run's events: the disk under $DAGSTER_HOME
is full), there is no run result to summarise. The CLI still says what happened and what to do, records the
run as failed, and exits 1 (not published), not 2 (a usage error) with SQLAlchemy's words alone."""

from __future__ import annotations

import sqlite3
from datetime import date

import dagster as dg
import duckdb
import sqlalchemy.exc

from orchestration.machine_faults import remedies
from orchestration.runner import run_pipeline
from orchestration.settings import Settings


def test_a_run_dagster_could_not_record_is_recorded_as_failed_with_what_to_do(
        tmp_path, monkeypatch, capsys):
    landing = tmp_path / "landing" / "erp" / "order_lines"
    landing.mkdir(parents=True)
    (landing / "order_lines_20251231.csv").write_text("order_no\n")
    full = sqlalchemy.exc.OperationalError("insert into event_logs ...", {},
                                           sqlite3.OperationalError("database or disk is full"))

    def execute_in_process(self, **kwargs):
        raise full

    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setattr(dg.JobDefinition, "execute_in_process", execute_in_process)
    settings = Settings(landing_dir=tmp_path / "landing", warehouse_dir=tmp_path / "wh", as_of=date(2025, 12, 31))

    assert run_pipeline(settings) == 1
    err = capsys.readouterr().err
    assert "Dagster stopped the run: OperationalError: (sqlite3.OperationalError) database or disk is full" in err
    assert "what to do: the disk is full: free space on the warehouse's disk and on $DAGSTER_HOME's" in err
    with duckdb.connect(str(tmp_path / "wh" / "warehouse.duckdb"), read_only=True) as con:
        status, published, message = con.execute("select status, published, message from audit.runs").fetchone()
    assert (status, published) == ("failed", False)
    assert "database or disk is full" in message and "what to do: the disk is full" in message


def test_sqlites_words_for_a_full_disk_name_the_fault():
    assert remedies(["(sqlite3.OperationalError) database or disk is full"])[0].startswith("the disk is full")
    io = remedies(["(sqlite3.OperationalError) disk I/O error"])
    assert io[0].startswith("the disk reported an I/O error") and "`df -h`" in io[0]
