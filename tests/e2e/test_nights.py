"""A week of nights (issue #13): seven next-day deliveries, landed one a night and run one a night,
publish exactly the marts a fresh warehouse builds from the final landing in one go — the incremental
models (staging and facts of order lines, invoices, activities, engagements; the classification
history) stay equal to a full build through new orders, re-sent versions, payments and identity changes
(a new USCC, a renamed account, a duplicate added, a duplicate merged away). An operating drill of
several minutes: make test-ops."""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import pytest

from tests.conftest import run_cli
from tests.e2e.published import published_marts

pytestmark = [pytest.mark.slow, pytest.mark.ops]

NIGHTS = 7
LAST_EXPORT = date(2025, 12, 31)  # the demo landing's last export date (tests/conftest.py)


def test_a_week_of_nights_publishes_what_a_full_build_publishes(published_copy, demo_landing, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(demo_landing, landing)
    for night in range(1, NIGHTS + 1):
        day = LAST_EXPORT + timedelta(days=night)
        delivered = run_cli("demo-data", "--out", str(landing), "--next-day", "--seed", str(night))
        assert delivered.returncode == 0, delivered.stdout + delivered.stderr
        assert day.isoformat() in delivered.stdout
        ran = run_cli("run", "--landing", str(landing), "--warehouse", str(published_copy),
                      "--as-of", day.isoformat())
        assert ran.returncode == 0, f"night {night}:\n{ran.stdout}{ran.stderr}"
        assert "mode incremental" in ran.stdout, ran.stdout
    fresh = tmp_path / "fresh"
    once = run_cli("run", "--landing", str(landing), "--warehouse", str(fresh), "--as-of", day.isoformat())
    assert once.returncode == 0, once.stdout + once.stderr
    nightly, full = published_marts(published_copy / "serving.duckdb"), published_marts(fresh / "serving.duckdb")
    for table in full:
        assert nightly[table] == full[table], table
