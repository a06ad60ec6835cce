"""Every GX suite of the project is validated by its SQL form on a real run's batches: a run never has to
import GX (~3 s and ~190 MB of every night when the small batches went to GX; docs/decisions.md)."""

from __future__ import annotations

import dagster as dg
import duckdb

from orchestration.quality import gx_checks
from orchestration.quality.suites import read_suite, severities, suite_files
from orchestration.resources import WarehouseResource
from orchestration.settings import EXPECTATIONS_DIR


def test_every_project_suite_validates_in_sql_on_a_runs_batches(published_copy, monkeypatch):
    def gx(*args, **kwargs):
        raise AssertionError("a project suite needed GX")

    monkeypatch.setattr(gx_checks, "validate_frames", gx)
    with duckdb.connect(str(published_copy / "warehouse.duckdb"), read_only=True) as con:
        # the session's first run loaded every file and built every mart (later tests add runs with nothing new)
        (run_id,) = con.execute("select run_id from audit.runs order by started_at limit 1").fetchone()
        recorded = {(asset, check): passed for asset, check, passed in con.execute(
            "select asset, check_name, passed from audit.check_results where run_id = ?", [run_id]).fetchall()}
    warehouse = WarehouseResource(warehouse_dir=str(published_copy), threads=1, memory_limit="1GB")
    validated = {}
    for suite_file in suite_files(EXPECTATIONS_DIR):
        key = dg.AssetKey(suite_file.stem.split("."))
        for severity in severities(read_suite(suite_file)):
            result = gx_checks.run_suite(warehouse, run_id, key, suite_file, severity)
            validated[(key.to_user_string(), gx_checks.check_name(severity))] = result.passed
    assert len(validated) >= 40 and validated.items() <= recorded.items()
