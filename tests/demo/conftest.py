"""Fixtures of the demo-data tests: one default-size landing directory per session, read back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from orchestration.demo import write_demo_landing

END = date(2025, 12, 31)


@pytest.fixture(scope="session")
def default_landing(tmp_path_factory) -> tuple[Path, dict]:
    """The default demo (2,000 customers, seed 1, 2024-01-01 .. 2025-12-31) and its summary."""
    out = tmp_path_factory.mktemp("demo_default") / "landing"
    return out, write_demo_landing(out)


@pytest.fixture(scope="session")
def landing(default_landing) -> Path:
    return default_landing[0]


@pytest.fixture(scope="session")
def frames(landing) -> dict:
    """Every feed of the default demo as text frames (all files, with `_export` and `_row`)."""
    from orchestration.feeds import FEEDS
    from tests.demo.demo_metrics import read_feed

    return {name: read_feed(landing, name) for name in FEEDS}
