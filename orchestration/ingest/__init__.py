"""Ingestion: landing files -> immutable Parquet raw zone + `audit.load_log` / `audit.quarantine`.

`ingest_feed` is the plain-Python entry point; `defs` holds one Dagster asset per feed.
"""

from __future__ import annotations

import dagster as dg

from orchestration.ingest.assets import build_ingest_asset, ingest_assets, raw_asset_key
from orchestration.ingest.feed import ingest_feed
from orchestration.ingest.raw_zone import ensure_schema_file, feed_dir, raw_file
from orchestration.ingest.results import FeedIngestResult, FileResult

defs = dg.Definitions(assets=ingest_assets)

__all__ = [
    "FeedIngestResult",
    "FileResult",
    "build_ingest_asset",
    "defs",
    "ensure_schema_file",
    "feed_dir",
    "ingest_feed",
    "raw_asset_key",
    "raw_file",
]
