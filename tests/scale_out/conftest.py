"""Scale-out tests (issue #15): they need the scale-out environment (`make test-scale-out` runs them in
.venv-scale-out: pyspark, dbt-spark, dagster-postgres, Java, PostgreSQL's server). Elsewhere (`make test`,
the shared .venv) they are skipped."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/scale_out/" in str(item.fspath):
            item.add_marker(pytest.mark.scale_out)
