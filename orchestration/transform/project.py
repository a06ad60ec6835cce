"""The dbt project as Dagster sees it, and how dbt resources map to asset keys, groups and owners."""

from __future__ import annotations

import fcntl
import json
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject

from orchestration.compat import WarehouseDbtResource
from orchestration.settings import DBT_PROJECT_DIR

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
#: dbt runs as `python dbt_child.py ...` with this interpreter (the venv's dbt, whether or not `.venv/bin`
#: is on PATH): the child dies with the run and never sees a secret (transform/dbt_child.py).
DBT_CHILD = str(Path(__file__).with_name("dbt_child.py"))


def dbt_resource() -> DbtCliResource:
    return WarehouseDbtResource(project_dir=DBT_PROJECT, dbt_executable=sys.executable,
                                global_config_flags=[DBT_CHILD])

#: dbt folder (first part of the fqn under models/) → Dagster group, i.e. the layer.
LAYER_OF_RESOURCE_TYPE = {"seed": "rules", "snapshot": "marts"}


class WarehouseTranslator(DagsterDbtTranslator):
    """Models are keyed `[schema, relation]` (e.g. `marts/customer_tier`), grouped by layer.

    Sources keep the key their `meta.dagster.asset_key` names (`raw/<system>/<feed>`), which is the
    key of the ingestion asset, so lineage runs landing → staging → intermediate → marts.
    """

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        schema = dbt_resource_props.get("config", {}).get("schema") or dbt_resource_props.get("schema")
        # the relation's name: a model aliased to its table (marts.classification_rules, published from the
        # seed of the same name) is keyed as BI tools see it
        return dg.AssetKey([schema, dbt_resource_props.get("alias") or dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        resource_type = dbt_resource_props["resource_type"]
        if resource_type in LAYER_OF_RESOURCE_TYPE:
            return LAYER_OF_RESOURCE_TYPE[resource_type]
        fqn = dbt_resource_props.get("fqn", [])
        folder = fqn[1] if len(fqn) > 2 else "marts"
        return "marts" if folder == "audit" else folder

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return ["team:analytics-engineering"]


TRANSLATOR = WarehouseTranslator(
    settings=DagsterDbtTranslatorSettings(enable_code_references=True, enable_asset_checks=True)
)


def _newest_source_mtime() -> float:
    folders = ("models", "seeds", "snapshots", "macros", "tests")
    files = [DBT_PROJECT_DIR / "dbt_project.yml"]
    files += [p for folder in folders for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file()]
    return max((p.stat().st_mtime for p in files if p.exists()), default=0.0)


def ensure_manifest() -> None:
    """(Re)parse the dbt project when its manifest is missing or older than any project file.

    A fresh clone has no manifest; an edited model must show up in the asset graph. An unchanged
    project costs one directory walk, no dbt start-up.
    """
    manifest = DBT_PROJECT.manifest_path
    if manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime():
        return
    # Several processes may load the code location at once (`dagster dev`, a CLI run, test workers):
    # one parses, the others wait for it and find the manifest fresh.
    with _parse_lock(fcntl.LOCK_EX):
        if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime():
            # (dagster-dbt's own preparer would look for `dbt` on PATH)
            dbt_resource().cli(["parse", "--quiet"], target_path=DBT_PROJECT.target_path).wait()


def read_manifest() -> dict[str, Any]:
    """The parsed manifest, parsed first when missing or stale; read while no other process re-parses."""
    ensure_manifest()
    with _parse_lock(fcntl.LOCK_SH):
        return json.loads(DBT_PROJECT.manifest_path.read_text())


@contextmanager
def _parse_lock(kind: int) -> Iterator[None]:
    target = DBT_PROJECT.project_dir / DBT_PROJECT.target_path
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".parse.lock", "a") as lock:
        fcntl.flock(lock, kind)
        yield
