"""The code location: every asset, check, job, schedule and sensor, assembled from the modules that own them.

`dagster dev` loads `defs` through workspace.yaml; `python -m orchestration run` calls
`build_definitions(settings)` with the settings of its flags. Settings flow one way: the environment
(`CW_*`) → `Settings` → the resources and the checks' gates built here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import dagster as dg

from orchestration.automation import build_automation_defs
from orchestration.control.as_of import as_of_partitions
from orchestration.control.resource import RunControlResource
from orchestration.ingest.assets import ingest_assets
from orchestration.jobs import build_nightly_job
from orchestration.publish.assets import build_publish_asset
from orchestration.quality import build_quality_checks
from orchestration.resources import AlertResource, LandingResource, WarehouseResource
from orchestration.settings import Settings
from orchestration.transform.assets import PUBLISHED_LAYERS, build_transform_defs


def resources_from_settings(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    warehouse = WarehouseResource(warehouse_dir=str(settings.warehouse_dir), threads=settings.duckdb_threads,
                                  memory_limit=settings.duckdb_memory_limit)
    landing = LandingResource(landing_dir=str(settings.landing_dir))
    return {
        "warehouse": warehouse,
        "landing": landing,
        "run_control": RunControlResource(warehouse=warehouse, landing=landing, rebuild=settings.rebuild,
                                          accept_snapshot_shrink=settings.accept_snapshot_shrink,
                                          accept_held_files=settings.accept_held_files,
                                          settle_seconds=settings.settle_seconds,
                                          lock_wait_seconds=settings.lock_wait_seconds),
        # the secret is bound by name: the launchpad shows CW_ALERT_WEBHOOK, never the URL
        "alerts": AlertResource(webhook_url=dg.EnvVar("CW_ALERT_WEBHOOK")) if settings.alert_webhook
        else AlertResource(),
    }


def expected_checks(published: Sequence[dg.AssetKey],
                    definitions: Iterable[dg.AssetsDefinition | dg.AssetChecksDefinition]) -> set[tuple[str, str]]:
    """(asset, check name) of every check on a published table, as `audit.check_results` names them."""
    wanted = set(published)
    keys = [key for d in definitions for key in d.check_keys]
    return {("/".join(key.asset_key.path), key.name) for key in keys if key.asset_key in wanted}


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    settings = (settings or Settings.from_env()).resolved()
    partitions = as_of_partitions(settings.first_as_of)
    transform = build_transform_defs(partitions)
    dbt_models = list(transform.assets)
    published = [key for assets in dbt_models for key in assets.keys if key.path[0] in PUBLISHED_LAYERS]
    checks = build_quality_checks(settings.gates)
    job = build_nightly_job(partitions)
    return dg.Definitions.merge(
        dg.Definitions(assets=ingest_assets, asset_checks=checks),
        transform,
        dg.Definitions(assets=[build_publish_asset(published, expected_checks(published, [*dbt_models, *checks]),
                                                   partitions, settings.publishing)]),
        build_automation_defs(job, settings.catchup_days, settings.first_as_of),
        dg.Definitions(jobs=[job], resources=resources_from_settings(settings), executor=dg.in_process_executor),
    )


@dg.definitions
def defs() -> dg.Definitions:
    """What `dagster dev` loads (workspace.yaml), built when it is loaded, not when this module is imported:
    `python -m orchestration run` imports `build_definitions` and builds its own from its flags."""
    return build_definitions()
