"""The Dagster assets: one per feed, generated from the specs; bad input never raises."""

from __future__ import annotations

import dagster as dg

from orchestration.control.resource import RunControlResource
from orchestration.feeds import FEEDS
from orchestration.ingest.assets import ingest_assets
from orchestration.resources import LandingResource
from tests.ingest.conftest import ORDER_HEADER, ORDER_ROW


def test_one_asset_per_feed_with_key_group_and_kinds():
    assets = {key: a for a in ingest_assets for key in a.keys}
    assert set(assets) == {dg.AssetKey(["raw", s.system, s.name]) for s in FEEDS.values()}
    spec = assets[dg.AssetKey(["raw", "erp", "order_lines"])].specs_by_key[dg.AssetKey(["raw", "erp", "order_lines"])]
    assert spec.group_name == "landing"
    assert {"duckdb", "parquet"} <= set(spec.kinds)
    assert spec.description == FEEDS["order_lines"].description


def test_materializing_reports_files_rows_and_raw_paths_without_raising_on_bad_input(env):
    env.write("order_lines", "order_lines_20250301.csv", [ORDER_HEADER, ORDER_ROW.format(n=1), "broken"])
    env.write("order_lines", "order_lines_20250302.csv", ["order_no"])  # rejected: columns missing
    env.write("order_lines", "orders.csv", [ORDER_HEADER])  # rejected: name
    key = dg.AssetKey(["raw", "erp", "order_lines"])
    asset = next(a for a in ingest_assets if key in a.keys)
    landing = LandingResource(landing_dir=str(env.landing))

    result = dg.materialize([asset], resources={"warehouse": env.warehouse, "landing": landing,
                                                "run_control": RunControlResource(warehouse=env.warehouse,
                                                                                  landing=landing)})

    assert result.success
    (mat,) = result.asset_materializations_for_node(asset.node_def.name)
    meta = {k: v.value for k, v in mat.metadata.items()}
    assert (meta["files_seen"], meta["files_loaded"], meta["files_rejected"], meta["files_skipped_duplicate"]) == \
        (3, 1, 2, 0)
    assert (meta["rows_loaded"], meta["rows_quarantined"]) == (1, 1)
    assert len(meta["raw_paths"]) == 1 and meta["raw_paths"][0].startswith("raw/erp/order_lines/")
    assert "orders.csv" in meta["files"]
    assert env.query("select count(*) from audit.load_log where run_id = ?", [result.run_id]) == [(3,)]
