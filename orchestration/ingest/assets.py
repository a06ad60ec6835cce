"""One Dagster asset per landing feed, generated from `orchestration.feeds.FEEDS`.

Unpartitioned: a landed file is loaded once, whatever as-of date a run classifies for. The run plan
says how long a file must have been quiet to be read (`settle_seconds`).

No `from __future__ import annotations` here: Dagster reads the real parameter types (context, resources).
"""

import dagster as dg

from orchestration.control.resource import RunControlResource
from orchestration.feeds import FEEDS, FeedSpec
from orchestration.ingest.feed import ingest_feed
from orchestration.ingest.results import FeedIngestResult
from orchestration.resources import LandingResource, WarehouseResource

OWNERS = ["team:data-platform"]


def raw_asset_key(spec: FeedSpec) -> dg.AssetKey:
    return dg.AssetKey(["raw", spec.system, spec.name])


def ingest_metadata(result: FeedIngestResult) -> dict[str, dg.MetadataValue]:
    return {
        "files_seen": dg.MetadataValue.int(len(result.files)),
        "files_loaded": dg.MetadataValue.int(result.count("loaded")),
        "files_skipped_duplicate": dg.MetadataValue.int(result.count("skipped_duplicate")),
        "files_rejected": dg.MetadataValue.int(result.count("rejected")),
        "files_already_logged": dg.MetadataValue.int(result.count("already_logged")),
        "files_waiting": dg.MetadataValue.int(result.count("waiting")),
        "entries_ignored": dg.MetadataValue.int(result.count("ignored")),
        "rows_loaded": dg.MetadataValue.int(result.rows_loaded),
        "rows_quarantined": dg.MetadataValue.int(result.rows_quarantined),
        "files": dg.MetadataValue.md(result.markdown()),
        "raw_paths": dg.MetadataValue.json(result.raw_paths),
        "not_read": dg.MetadataValue.json([{"path": f.path, "status": f.status, "reason": f.reason}
                                           for f in result.files if f.status in ("waiting", "ignored")]),
    }


def build_ingest_asset(spec: FeedSpec) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_asset_key(spec),
        group_name="landing",
        kinds={"duckdb", "parquet"},
        description=spec.description or f"Raw zone of the {spec.folder} feed.",
        owners=OWNERS,
        metadata={"landing_folder": spec.folder, "file_pattern": spec.file_pattern, "feed_kind": spec.kind},
    )
    def _ingest(context: dg.AssetExecutionContext, warehouse: WarehouseResource, landing: LandingResource,
                run_control: RunControlResource) -> dg.MaterializeResult:
        plan = run_control.plan
        result = ingest_feed(spec, landing.root, warehouse, context.run_id, settle_seconds=plan.settle_seconds)
        for f in result.files:
            if f.status == "rejected":
                context.log.warning(f"{f.path}: rejected: {f.reason}")
            elif f.status in ("waiting", "ignored"):
                context.log.warning(f"{f.path}: not read: {f.reason}")
            elif f.rows_quarantined and f.logged:
                context.log.warning(f"{f.path}: {f.rows_quarantined} of {f.rows_read} rows quarantined "
                                    "(see audit.quarantine)")
        return dg.MaterializeResult(metadata=ingest_metadata(result))

    return _ingest


ingest_assets = [build_ingest_asset(spec) for spec in FEEDS.values()]
