"""dbt's DuckDB runs with the operator's settings: profiles.yml opens the warehouse with them as DuckDB's
`config_options` (once per dbt process), not as `settings` (a SET of each on every cursor)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
DBT = Path(sys.executable).with_name("dbt")
SETTINGS_SQL = ("select current_setting('threads') as threads, current_setting('memory_limit') as memory_limit, "
                "current_setting('preserve_insertion_order') as preserve_insertion_order")


def test_dbt_opens_the_warehouse_with_the_operators_threads_and_memory_limit(tmp_path):
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    env = {**os.environ, "CW_WAREHOUSE_DIR": str(warehouse), "CW_DUCKDB_THREADS": "1",
           "CW_DUCKDB_MEMORY_LIMIT": "1500MB", "CW_AS_OF": "2025-12-31", "CW_RUN_ID": "profile-test"}
    cmd = [str(DBT), "show", "--inline", SETTINGS_SQL, "--output", "json", "--log-format", "json",
           "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
           "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")]
    result = subprocess.run(cmd, cwd=DBT_PROJECT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    shown = [json.loads(line)["data"]["preview"] for line in result.stdout.splitlines()
             if line.startswith("{") and '"preview"' in line]
    assert shown, result.stdout[-3000:]
    (row,) = json.loads(shown[0])  # dbt's preview: the rows as a JSON text

    with duckdb.connect(":memory:", config={"memory_limit": "1500MB"}) as con:
        (expected_limit,) = con.execute("select current_setting('memory_limit')").fetchone()
    assert row == {"threads": 1, "memory_limit": expected_limit, "preserve_insertion_order": False}
