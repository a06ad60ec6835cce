"""The code location: every asset, check, job, schedule and sensor, assembled from the modules that own them.

`dagster dev` loads `defs` through workspace.yaml; `python -m orchestration run` builds the same
definitions with settings from its flags.
"""

from __future__ import annotations

import dagster as dg

from orchestration import automation, ingest, quality
from orchestration.jobs import nightly_job
from orchestration.publish.assets import build_publish_asset
from orchestration.resources import resources_from_settings
from orchestration.settings import Settings
from orchestration.transform.assets import build_transform_defs

PUBLISHED_LAYERS = ("marts", "audit")


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    settings = settings or Settings.from_env()
    transform = build_transform_defs()
    dbt_keys = [key for assets in transform.assets for key in assets.keys]
    published = [key for key in dbt_keys if key.path[0] in PUBLISHED_LAYERS]
    return dg.Definitions.merge(
        ingest.defs,
        transform,
        quality.defs,
        dg.Definitions(assets=[build_publish_asset(published)]),
        automation.defs,
        dg.Definitions(jobs=[nightly_job], resources=resources_from_settings(settings),
                       executor=dg.in_process_executor),
    )


defs = build_definitions()
