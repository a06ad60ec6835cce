"""The dbt project as Dagster sees it, and how dbt resources map to asset keys, groups and owners."""

from __future__ import annotations

import fcntl
import json
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import yaml
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject

from orchestration.compat import WarehouseDbtResource
from orchestration.control.fingerprint import DBT_PROJECT_GLOBS, files_of
from orchestration.settings import DBT_PROJECT_DIR

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
#: dbt runs as `python dbt_child.py ...` with this interpreter (the venv's dbt, whether or not `.venv/bin`
#: is on PATH): the child dies with the run and never sees a secret (transform/dbt_child.py).
DBT_CHILD = str(Path(__file__).with_name("dbt_child.py"))


def dbt_resource(project: DbtProject = DBT_PROJECT) -> DbtCliResource:
    return WarehouseDbtResource(project_dir=project, dbt_executable=sys.executable,
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


def _newest_source_mtime(project_dir: Path) -> float:
    return max((p.stat().st_mtime for p in files_of(project_dir, DBT_PROJECT_GLOBS)), default=0.0)


SNAPSHOT_BLOCK = re.compile(r"{%-?\s*snapshot\s+(\w+)")


def declared_nodes(project_dir: Path) -> set[tuple[str, str]]:
    """(resource type, name) of every model, seed and snapshot the project's files define."""
    declared = {("model", p.stem) for ext in ("sql", "py") for p in (project_dir / "models").rglob(f"*.{ext}")}
    declared |= {("seed", p.stem) for p in (project_dir / "seeds").rglob("*.csv")}
    for path in (project_dir / "snapshots").rglob("*"):
        if path.suffix in (".yml", ".yaml"):
            entries = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("snapshots") or []
            declared |= {("snapshot", str(entry["name"])) for entry in entries if "name" in entry}
        elif path.suffix == ".sql":
            declared |= {("snapshot", name) for name in SNAPSHOT_BLOCK.findall(path.read_text(encoding="utf-8"))}
    return declared


def missing_nodes(manifest: Mapping[str, Any], project_dir: Path) -> list[str]:
    """The models, seeds and snapshots the project defines that `manifest` lacks (enabled or disabled)."""
    parsed = {(node["resource_type"], node["name"]) for node in manifest.get("nodes", {}).values()}
    parsed |= {(node["resource_type"], node["name"]) for nodes in manifest.get("disabled", {}).values()
               for node in nodes}
    return sorted(f"{kind} {name}" for kind, name in declared_nodes(project_dir) - parsed)


def lost_nodes(run_manifest: Path, manifest: Mapping[str, Any]) -> list[str]:
    """The nodes of the code location's `manifest` that the manifest a run's dbt parsed lacks (none when dbt
    wrote no manifest: it failed before, and says so)."""
    if not run_manifest.is_file():
        return []
    parsed = json.loads(run_manifest.read_text()).get("nodes", {})
    return sorted(set(manifest.get("nodes", {})) - set(parsed))


def _whole_and_fresh(project: DbtProject) -> dict[str, Any] | None:
    """The manifest when it is newer than every project file and holds every node they define, else None."""
    manifest = project.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime(project.project_dir):
        return None
    try:
        parsed = json.loads(manifest.read_text())
    except ValueError:  # being written by a parse (read again under the lock)
        return None
    return None if missing_nodes(parsed, project.project_dir) else parsed


def ensure_manifest(project: DbtProject = DBT_PROJECT) -> dict[str, Any]:
    """The dbt project's manifest, parsed in full first when it is missing, older than any project file, or
    lacks a model, seed or snapshot the project defines.

    A fresh clone has no manifest; an edited model must show up in the asset graph. Never a partial parse:
    after an edit, dbt's drops the YAML-defined snapshot (parse_state.py); a manifest some hand-run dbt wrote
    that way is parsed again too. An unchanged project costs one read of its files and of the manifest, which
    the caller gets (the asset definitions take it as it is: dagster-dbt does not read the file again).
    """
    manifest = _whole_and_fresh(project)
    if manifest is not None:
        return manifest
    # Several processes may load the code location at once (`dagster dev`, a CLI run, test workers):
    # one parses, the others wait for it and find the manifest fresh. (A reader outside the lock sees the old
    # file or the new one whole: a file read half-written does not parse, and is read again here.)
    with _parse_lock(project):
        manifest = _whole_and_fresh(project)
        if manifest is not None:
            return manifest
        # (dagster-dbt's own preparer would look for `dbt` on PATH)
        dbt_resource(project).cli(["parse", "--quiet", "--no-partial-parse"], target_path=project.target_path).wait()
        manifest = json.loads(project.manifest_path.read_text())
        missing = missing_nodes(manifest, project.project_dir)
        if missing:
            raise RuntimeError(f"dbt parsed {project.project_dir} without {', '.join(missing)}, which its files "
                               "define: check the project (`dbt parse` in dbt_project/ says why)")
        return manifest


@contextmanager
def _parse_lock(project: DbtProject) -> Iterator[None]:
    target = project.project_dir / project.target_path
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".parse.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
