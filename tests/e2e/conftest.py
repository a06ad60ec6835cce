"""Fixtures of the end-to-end tests: one published warehouse per session, copies of it per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import project_dagster_home, run_cli


@pytest.fixture(scope="session")
def dagster_home(tmp_path_factory) -> Path:
    return project_dagster_home(tmp_path_factory.mktemp("dagster_home"))


@pytest.fixture(scope="session")
def published(demo_landing, tmp_path_factory, dagster_home):
    # a folder name with a quote, spaces and glob characters: every SQL text the pipeline and dbt write must
    # quote the path, and every glob over the raw zone must read the folder's name as a name
    warehouse = tmp_path_factory.mktemp("wh") / "o'brien's warehouse [old*]"
    result = run_cli("run", "--landing", str(demo_landing), "--warehouse", str(warehouse),
                     env={"DAGSTER_HOME": str(dagster_home)})
    assert result.returncode == 0, result.stdout + result.stderr
    return warehouse, result


@pytest.fixture
def published_copy(published, tmp_path) -> Path:
    """A copy of the published warehouse, so a failing run can be tried on top of a good state."""
    warehouse, _ = published
    copy = tmp_path / "wh 'copy' [2]"  # quoted too: the nights' delta publishes attach the live files by their path
    shutil.copytree(warehouse, copy)
    return copy


