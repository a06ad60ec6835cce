"""DuckDB's memory limit: one default, and an operator's value reaches every DuckDB of a run; the gates' settings."""

from __future__ import annotations

import os
import re

from orchestration.definitions import resources_from_settings
from orchestration.settings import DBT_PROJECT_DIR, DUCKDB_MEMORY_LIMIT, Settings
from orchestration.transform.assets import dbt_environment
from tests.conftest import a_run_plan


def test_a_hand_run_dbt_has_the_pipelines_default_memory_limit():
    """`dbt build` by hand (no CW_DUCKDB_MEMORY_LIMIT) must not use more memory than a run would."""
    profiles = (DBT_PROJECT_DIR / "profiles.yml").read_text()
    defaults = re.findall(r"env_var\('CW_DUCKDB_MEMORY_LIMIT', '([^']*)'\)", profiles)
    assert defaults == [DUCKDB_MEMORY_LIMIT]
    assert Settings.from_env({}).duckdb_memory_limit == DUCKDB_MEMORY_LIMIT


def test_the_operators_memory_limit_reaches_ingestion_dbt_and_a_hand_run_dbt():
    settings = Settings.from_env({"CW_DUCKDB_MEMORY_LIMIT": "1500MB"})
    warehouse = resources_from_settings(settings)["warehouse"]
    assert warehouse.memory_limit == "1500MB"  # ingestion, checks and publishing (the Dagster process)
    with dbt_environment(warehouse, a_run_plan()):  # the dbt subprocess starts with this environment
        assert os.environ["CW_DUCKDB_MEMORY_LIMIT"] == "1500MB"
    assert settings.dbt_env()["CW_DUCKDB_MEMORY_LIMIT"] == "1500MB"  # `make docs`


def test_the_quarantine_gate_reads_its_share_and_its_row_floor_from_the_environment():
    defaults = Settings.from_env({}).gates
    assert (defaults.quarantine_max_share, defaults.quarantine_min_rows) == (0.05, 3)
    gates = Settings.from_env({"CW_QUARANTINE_MAX_SHARE": "0.1", "CW_QUARANTINE_MIN_ROWS": "1"}).gates
    assert (gates.quarantine_max_share, gates.quarantine_min_rows) == (0.1, 1)
