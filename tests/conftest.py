"""Shared fixtures: small landing directories made by the project's own demo-data generator."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from orchestration.control.plan import RunPlan

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """`python -m orchestration ...` in a subprocess, as a user runs it."""
    full_env = {**os.environ, **(env or {})}
    # settings come from the arguments; the Dagster instance is ephemeral (in memory, fast) unless a test
    # asks for one (DAGSTER_HOME in `env`): `make test` exports the project's .dagster_home for `make ui`
    for key in ("CW_LANDING_DIR", "CW_WAREHOUSE_DIR", "CW_AS_OF", "DAGSTER_HOME"):
        if env is None or key not in env:
            full_env.pop(key, None)
    return subprocess.run([sys.executable, "-m", "orchestration", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def a_run_plan(run_id: str = "r1", as_of: date = date(2025, 12, 31)) -> RunPlan:
    """A full run's plan, for the code that reads only its id, D and mode."""
    return RunPlan(run_id=run_id, trigger="cli", as_of=as_of, settle_seconds=0, rebuild=False,
                   accept_snapshot_shrink=False, landing_files=0, landing_fingerprint="", code_fingerprint="",
                   dbt_fingerprint="", inputs_fingerprint="", raw_files=0, mode="full", mode_reason="", serving=None)


def project_dagster_home(home: Path) -> Path:
    """`home` configured as `make run` and `make ui` configure theirs: the project's dagster.yaml."""
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    return home


@pytest.fixture(scope="session")
def demo_landing(tmp_path_factory) -> Path:
    """A small demo landing directory (300 customers), made once per test session."""
    from orchestration.demo import write_demo_landing

    out = tmp_path_factory.mktemp("demo") / "landing"
    write_demo_landing(out, customers=300, seed=3)
    return out


@pytest.fixture(scope="session")
def dbt_manifest() -> dict:
    """The dbt project's parsed manifest; a fresh clone has none until the project is parsed."""
    from orchestration.transform.project import ensure_manifest

    return ensure_manifest()
