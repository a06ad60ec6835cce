"""The one job: ingest every feed, build and test every model, check, publish.

It runs in-process and step by step: DuckDB allows one writer process, and dbt runs in a
subprocess that needs `warehouse.duckdb` while no Python connection holds it.
"""

from __future__ import annotations

import dagster as dg

NIGHTLY_JOB_NAME = "nightly_classification"

nightly_job = dg.define_asset_job(
    NIGHTLY_JOB_NAME,
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Ingest new landing files, build every dbt model for the as-of date, evaluate every check, "
                "and publish serving.duckdb when every blocking check passed.",
)


def as_of_run_config(as_of: str) -> dict:
    """Run config that sets the as-of date D of a run."""
    return {"resources": {"run_params": {"config": {"as_of": as_of}}}}
