"""DuckDB's memory limit: one default, and an operator's value reaches every DuckDB of a run; the gates' settings."""

from __future__ import annotations

import dataclasses
import os
import re

import pytest

from orchestration.definitions import resources_from_settings
from orchestration.env_values import SettingsError
from orchestration.settings import DBT_PROJECT_DIR, DUCKDB_MEMORY_LIMIT, Settings
from orchestration.transform.assets import DBT_THREADS_DEFAULT, dbt_environment
from tests.conftest import a_run_plan, run_cli


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


def test_the_dbt_step_divides_by_the_dbt_threads_the_profile_runs():
    """With CW_DBT_THREADS unset, an incremental build's share of DuckDB's threads assumes as many dbt threads as
    the local profile (the one pipeline runs use) starts."""
    profiles = (DBT_PROJECT_DIR / "profiles.yml").read_text()
    local = re.findall(r"env_var\('CW_DBT_THREADS', '([^']*)'\)", profiles)[0]  # the first target: local
    assert int(local) == DBT_THREADS_DEFAULT


@pytest.mark.parametrize(("duckdb_threads", "dbt_threads", "mode", "per_query"), [
    ("2", None, "full", "2"), ("2", None, "incremental", "1"), ("8", "2", "incremental", "4"),
    ("8", "2", "full", "8"), ("2", "4", "incremental", "1"), ("1", None, "incremental", "1"),
])
def test_an_incremental_builds_queries_share_the_warehouses_threads_among_dbts(monkeypatch, duckdb_threads,
                                                                               dbt_threads, mode, per_query):
    """A full build gives each dbt query all of DuckDB's threads, an incremental build each of dbt's threads its
    share (macros/query_threads.sql reads the variable)."""
    if dbt_threads is None:
        monkeypatch.delenv("CW_DBT_THREADS", raising=False)
    else:
        monkeypatch.setenv("CW_DBT_THREADS", dbt_threads)
    warehouse = resources_from_settings(Settings.from_env({"CW_DUCKDB_THREADS": duckdb_threads}))["warehouse"]
    plan = dataclasses.replace(a_run_plan(), mode=mode)
    with dbt_environment(warehouse, plan):
        assert os.environ["CW_DBT_QUERY_THREADS"] == per_query
        assert os.environ["CW_DUCKDB_THREADS"] == duckdb_threads  # the profile's (a hand-run dbt's) stay
    assert "CW_DBT_QUERY_THREADS" not in os.environ


def test_the_quarantine_gate_reads_its_share_and_its_row_floor_from_the_environment():
    defaults = Settings.from_env({}).gates
    assert (defaults.quarantine_max_share, defaults.quarantine_min_rows) == (0.05, 3)
    gates = Settings.from_env({"CW_QUARANTINE_MAX_SHARE": "0.1", "CW_QUARANTINE_MIN_ROWS": "1"}).gates
    assert (gates.quarantine_max_share, gates.quarantine_min_rows) == (0.1, 1)


@pytest.mark.parametrize(("name", "value"), [
    ("CW_DUCKDB_THREADS", "two"), ("CW_DUCKDB_THREADS", "0"), ("CW_DUCKDB_MEMORY_LIMIT", "2gigs"),
    ("CW_SNAPSHOT_MIN_SHARE", "0,8"), ("CW_SNAPSHOT_MIN_SHARE", "80"), ("CW_QUARANTINE_MAX_SHARE", "-0.1"),
    ("CW_QUARANTINE_MIN_ROWS", "3.5"), ("CW_SETTLE_SECONDS", "1m"), ("CW_LOCK_WAIT_SECONDS", "-5"),
    ("CW_AS_OF", "2025-13-01"), ("CW_FIRST_AS_OF", "2015-02-30"), ("CW_CATCHUP_DAYS", "-1"),
    ("CW_REBUILD", "maybe"), ("CW_SERVING_FILE_MODE", "0999"), ("CW_PUBLISHED_KEEP", "all"),
])
def test_an_unusable_setting_is_named_with_its_value_and_what_it_takes(name, value):
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({name: value})
    assert str(raised.value).startswith(f"{name}={value!r} is not ")


def test_zero_is_a_value_not_unset_and_blank_is_the_default():
    settings = Settings.from_env({"CW_SNAPSHOT_MIN_SHARE": "0", "CW_QUARANTINE_MAX_SHARE": "0", "CW_REBUILD": "0",
                                  "CW_CATCHUP_DAYS": " ", "CW_DUCKDB_MEMORY_LIMIT": "1.5 GiB"})
    assert (settings.gates.snapshot_min_share, settings.gates.quarantine_max_share) == (0, 0)  # the guard off
    assert settings.rebuild is False and settings.catchup_days == 7
    assert settings.duckdb_memory_limit == "1.5 GiB"
    assert Settings.from_env({"CW_REBUILD": "Yes"}).rebuild is True


def test_the_cli_refuses_an_unusable_setting_in_one_line_and_writes_nothing(tmp_path):
    result = run_cli("run", "--landing", str(tmp_path), "--warehouse", str(tmp_path / "wh"), "--as-of", "2025-12-31",
                     env={"CW_DUCKDB_THREADS": "two", "CW_ALERT_WEBHOOK": "https://hooks.example/T0KEN"})
    assert result.returncode == 2
    assert result.stderr.strip() == ("error: CW_DUCKDB_THREADS='two' is not a whole number of at least 1: fix or "
                                     "unset it (the README lists the settings and their defaults)")
    assert not (tmp_path / "wh").exists()


def test_a_warehouse_folder_with_a_question_mark_is_refused_before_anything_is_written(tmp_path):
    # DuckDB reads a database path's '?' as the start of its options (the WAL would go to "wh.wal?x/...")
    result = run_cli("run", "--landing", str(tmp_path), "--warehouse", str(tmp_path / "wh?x"), "--as-of", "2025-12-31")
    assert result.returncode == 2
    assert "holds a '?'" in result.stderr and "choose a folder name without '?'" in result.stderr
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(SettingsError, match="holds a '\\?'"):
        Settings.from_env({"CW_WAREHOUSE_DIR": "/srv/wh?"})
