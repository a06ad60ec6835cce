"""The dbt raw sources agree with the feed specs (orchestration/feeds.py): one external source
table per feed, with its Dagster asset key, its raw-zone columns and types, and the same column
list in the unit-test fixture macro `raw_fixture`. Fast: reads yml and macro text only."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

from orchestration.feeds import FEEDS, LINEAGE_COLUMNS

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"


def _source_tables() -> dict[str, dict]:
    tables = {}
    for path in (DBT_PROJECT / "models" / "staging").glob("*/_*__sources.yml"):
        for source in yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]:
            for table in source["tables"]:
                tables[f"{source['name']}.{table['name']}"] = table
    return tables


def test_every_feed_is_one_external_source_with_its_asset_key():
    tables = _source_tables()
    assert set(tables) == {f"raw_{spec.system}.{spec.name}" for spec in FEEDS.values()}
    for spec in FEEDS.values():
        meta = tables[f"raw_{spec.system}.{spec.name}"]["meta"]
        assert meta["dagster"]["asset_key"] == ["raw", spec.system, spec.name]
        location = meta["external_location"]
        assert f"/raw/{spec.system}/{spec.name}/**/*.parquet" in location
        assert "read_parquet(" in location and "union_by_name=true" in location
        assert "env_var('CW_WAREHOUSE_DIR'" in location


def test_source_columns_and_types_are_the_raw_schema():
    tables = _source_tables()
    for spec in FEEDS.values():
        columns = tables[f"raw_{spec.system}.{spec.name}"]["columns"]
        got = {c["name"]: c["data_type"].upper() for c in columns}
        assert got == spec.raw_schema(), spec.name
        assert all(c.get("description") for c in columns), spec.name


def test_fixture_macro_lists_the_raw_schema():
    text = (DBT_PROJECT / "macros" / "testing" / "raw_fixture.sql").read_text(encoding="utf-8")
    body = re.search(r"return\((\{.*?\})\)", text, re.S).group(1)
    listed = ast.literal_eval(body)
    for spec in FEEDS.values():
        business = {k: v for k, v in spec.raw_schema().items() if k not in LINEAGE_COLUMNS}
        assert {k: v.upper() for k, v in listed[f"{spec.system}.{spec.name}"].items()} == business
