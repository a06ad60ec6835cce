"""The one job: ingest every feed, build and test every model for the as-of date D, check, publish.

Partitioned by D (daily, Asia/Shanghai): the ingestion assets are not partitioned (a landed file is
loaded once), everything after them is. It runs in-process and step by step: DuckDB allows one
writer process, and dbt runs in a subprocess that needs `warehouse.duckdb` while no Python
connection holds it.
"""

from __future__ import annotations

import dagster as dg

NIGHTLY_JOB_NAME = "nightly_classification"


def build_nightly_job(partitions_def: dg.PartitionsDefinition) -> dg.UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        NIGHTLY_JOB_NAME,
        selection=dg.AssetSelection.all(),
        partitions_def=partitions_def,
        executor_def=dg.in_process_executor,
        description="Ingest new landing files, build every dbt model for the as-of date D (the partition), "
                    "evaluate every check, and publish serving.duckdb when the run is complete and every "
                    "blocking check passed.",
    )


def run_control_config(*, rebuild: bool = False, accept_snapshot_shrink: bool = False,
                       accept_held_files: bool = False, settle_seconds: float | None = None) -> dict:
    """Run config of the run-control resource (what a run may be asked for; recorded with the run)."""
    config: dict = {"rebuild": rebuild, "accept_snapshot_shrink": accept_snapshot_shrink,
                    "accept_held_files": accept_held_files}
    if settle_seconds is not None:
        config["settle_seconds"] = settle_seconds
    return {"resources": {"run_control": {"config": config}}}
