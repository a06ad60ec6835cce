"""Column lineage is derived once per dbt project version and set of columns (orchestration/transform/lineage.py):
the first night after a full build, whose incremental models compile to other SQL, reuses the full build's."""

from __future__ import annotations

import dagster as dg

from orchestration.transform import lineage
from orchestration.transform.lineage import LineageCache, column_lineage
from orchestration.transform.project import DBT_PROJECT, TRANSLATOR

MODEL = "model.customer_warehouse.dim_customer"
PARENT = "model.customer_warehouse.int_customers"
COLUMNS = {"customer_key": {"data_type": "VARCHAR"}, "customer_name": {"data_type": "VARCHAR"}}


def _write_compiled(target, manifest, sql: str) -> None:
    props = manifest["nodes"][MODEL]
    compiled = target / "compiled" / props["package_name"] / props["original_file_path"]
    compiled.parent.mkdir(parents=True, exist_ok=True)
    compiled.write_text(sql)


def _lineage(manifest, target, cache, columns=COLUMNS):
    relations = {("marts", "dim_customer"): columns, ("intermediate", "int_customers"): columns}
    return column_lineage(MODEL, manifest, relations, type(TRANSLATOR)(), DBT_PROJECT, target, cache)


def test_a_model_compiled_otherwise_reuses_its_lineage_until_the_project_or_its_columns_change(
        tmp_path, dbt_manifest, monkeypatch):
    derived = []
    real = lineage.column_lineage_metadata
    monkeypatch.setattr(lineage, "column_lineage_metadata", lambda *a, **k: derived.append(1) or real(*a, **k))
    parent = dbt_manifest["nodes"][PARENT]["relation_name"]
    store = tmp_path / "column_lineage_cache.json"

    def run(target_name: str, sql: str, project: str = "project-v1", columns=COLUMNS):
        target = tmp_path / target_name
        _write_compiled(target, dbt_manifest, sql)
        cache = LineageCache(store, project)
        metadata = _lineage(dbt_manifest, target, cache, columns)
        cache.save()
        return metadata

    full = run("full", f"select customer_key, customer_name from {parent}")
    deps = full["dagster/column_lineage"].deps_by_column["customer_name"]
    assert {d.asset_key for d in deps} == {dg.AssetKey(["intermediate", "int_customers"])}
    assert len(derived) == 1
    # the first night: the incremental branch and the run's literals compile to other SQL, same lineage
    night = run("night", f"select customer_key, customer_name from {parent} where '2026-01-01' >= '2025-12-31'")
    assert night == full and len(derived) == 1
    # another version of the project, or another column, derives it again
    run("edited", f"select customer_key, customer_name from {parent}", project="project-v2")
    assert len(derived) == 2
    wider = {**COLUMNS, "city": {"data_type": "VARCHAR"}}
    run("wider", f"select customer_key, customer_name, 'x' as city from {parent}", project="project-v2",
        columns=wider)
    assert len(derived) == 3
