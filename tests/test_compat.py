"""Every private API the project uses (orchestration/compat.py) still works with the pinned versions:
a pinned upgrade that moves one of them fails here, loudly, rather than in a nightly run."""

from __future__ import annotations

import dagster as dg

from orchestration import compat
from orchestration.transform.project import DBT_PROJECT, TRANSLATOR, dbt_resource


def test_the_dbt_resource_skips_its_startup_probes():
    resource = dbt_resource()
    assert isinstance(resource, compat.SkipStartupProbes)
    assert resource._cli_version.major == 1
    assert resource._initialize_dbt_core_adapter(["build"]) is None


def test_metadata_survives_the_round_trip():
    lineage = dg.TableColumnLineage({"a": [dg.TableColumnDep(asset_key=dg.AssetKey(["x"]), column_name="b")]})
    metadata = {"dagster/column_lineage": lineage}
    assert compat.deserialize_metadata(compat.serialize_metadata(metadata)) == metadata


def test_the_column_lineage_builder_reads_a_compiled_model(tmp_path, dbt_manifest):
    """dagster-dbt's sqlglot lineage on a model of this project (its compiled SQL in a scratch target)."""
    manifest = dbt_manifest
    unique_id = "model.customer_warehouse.dim_customer"
    props = manifest["nodes"][unique_id]
    compiled = tmp_path / "compiled" / props["package_name"] / props["original_file_path"]
    compiled.parent.mkdir(parents=True)
    parent = manifest["nodes"]["model.customer_warehouse.int_customers"]
    compiled.write_text(f"select customer_key, customer_name from {parent['relation_name']}")
    columns = {"customer_key": {"data_type": "varchar"}, "customer_name": {"data_type": "varchar"}}
    metadata = compat.column_lineage_metadata(columns, {parent["relation_name"]: columns}, props, manifest,
                                              type(TRANSLATOR)(), tmp_path, DBT_PROJECT)
    deps = metadata["dagster/column_lineage"].deps_by_column["customer_name"]
    assert {d.asset_key for d in deps} == {dg.AssetKey(["intermediate", "int_customers"])}
