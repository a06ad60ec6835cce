"""What the next run does about a run that was killed: its audit.runs row is settled against what serving
holds, its Dagster run is failed, and its leftovers are removed (and nothing else)."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.audit import ensure_audit_schema, record_file, record_run
from orchestration.audit.writes import utc_now
from orchestration.control.recovery import recover
from orchestration.control.serving_state import PUBLICATION_DDL


@pytest.fixture
def root(tmp_path) -> Path:
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        ensure_audit_schema(con)
    return tmp_path


def serving_holding(root: Path, run_id: str) -> Path:
    path = root / "serving.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema audit")
        con.execute(PUBLICATION_DDL.format(catalog="serving"))
        con.execute("insert into audit.publication values (?, ?, ?, 'fp', 'v1', 'full', ?)",
                    [run_id, date(2025, 12, 31), run_id, utc_now()])
    return path


def runs(root: Path) -> dict[str, tuple]:
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        return {r: (s, p) for r, s, p in con.execute("select run_id, status, published from audit.runs").fetchall()}


def test_a_run_killed_after_its_swap_did_publish_one_killed_before_did_not(root):
    serving = serving_holding(root, "swapped")
    with duckdb.connect(str(root / "warehouse.duckdb")) as con:
        record_run(con, "swapped", status="publishing", finished=False)
        record_run(con, "before", status="publishing", finished=False)
        record_run(con, "in-dbt", status="started", finished=False)
        record_run(con, "done", status="success", published=True)
        found = recover(con, run_id="now", warehouse_root=root, serving_path=serving)
    assert runs(root) == {"swapped": ("success", True), "before": ("interrupted", False),
                          "in-dbt": ("interrupted", False), "done": ("success", True)}
    assert len(found.runs) == 3


def test_leftovers_are_removed_and_loaded_raw_files_kept(root):
    raw = root / "raw" / "erp" / "order_lines"
    raw.mkdir(parents=True)
    kept, orphan, schema = raw / "aaa.parquet", raw / "bbb.parquet", raw / "_schema.parquet"
    half = raw / ".ccc.123.tmp"
    for path in (kept, orphan, schema, half):
        path.write_bytes(b"x")
    serving_tmp = root / ".serving.duckdb.0123.tmp"
    serving_tmp.write_bytes(b"x")
    work = root / "tmp" / "ingest-order_lines-abc"
    work.mkdir(parents=True)
    spill = root / ".spill-0123456789ab.tmp"  # a killed step's in-memory DuckDB spilled here (spill.py)
    spill.mkdir()
    (spill / "duckdb_temp_storage_DEFAULT-0.tmp").write_bytes(b"x")
    with duckdb.connect(str(root / "warehouse.duckdb")) as con:
        record_file(con, feed="order_lines", path="erp/order_lines/order_lines_20250101.csv", sha256="aaa", size=1,
                    mtime_ns=1, export_date=date(2025, 1, 1), rows_read=0, rows_loaded=0, rows_quarantined=0,
                    status="loaded", reason=None, extra_columns=(), raw_path="raw/erp/order_lines/aaa.parquet",
                    run_id="r1", logged_at=utc_now())
        found = recover(con, run_id="now", warehouse_root=root, serving_path=root / "serving.duckdb")
    assert kept.exists() and schema.exists()
    assert not orphan.exists() and not half.exists() and not serving_tmp.exists() and not work.exists()
    assert not spill.exists()
    assert len(found.removed) == 5


def test_the_dead_run_is_failed_in_dagster_too(root):
    with dg.instance_for_test() as instance:
        run = instance.create_run_for_job(dg.GraphDefinition("g").to_job(), run_id=str(uuid.uuid4()))
        instance.report_dagster_event(dg.DagsterEvent("PIPELINE_START", "g"), run.run_id)
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED
        with duckdb.connect(str(root / "warehouse.duckdb")) as con:
            record_run(con, run.run_id, status="started", finished=False)
            recover(con, run_id="now", warehouse_root=root, serving_path=root / "serving.duckdb", instance=instance)
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
