"""Column-level lineage of dbt models for the Dagster UI, computed as dbt reports each model.

dagster-dbt's `fetch_column_metadata()` asks the dbt adapter for column types *while* dbt runs;
with DuckDB that would need a second connection to a file the dbt subprocess holds for writing.
So each model writes the columns of its relation and of its parents itself, in dbt's connection
(transform/metadata.py), and dagster-dbt's own sqlglot lineage builder turns the compiled SQL into
`dagster/column_lineage` metadata. That builder is not public API (orchestration/compat.py): any
failure only drops the lineage, never the run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster_dbt import DagsterDbtTranslator, DbtProject

from orchestration.compat import column_lineage_metadata, deserialize_metadata, serialize_metadata

log = logging.getLogger(__name__)


def columns_of(props: Mapping[str, Any], columns: Mapping[tuple[str, str], dict]) -> dict[str, dict[str, str]]:
    """The columns of a manifest node's relation (a source's: as its yml declares them)."""
    if props["resource_type"] == "source":  # external Parquet: the types declared in the sources yml
        return {name: {"data_type": c.get("data_type") or "varchar"} for name, c in props["columns"].items()}
    return columns.get((props["schema"], props.get("alias") or props["name"]), {})


class LineageCache:
    """A model's column lineage only changes with the project's files or the columns of the model and its
    parents: runs reuse it.

    Kept as one JSON file beside dbt's artifacts: fingerprint → serialized metadata. The fingerprint is the
    model, `project` (the dbt project files' fingerprint, control/fingerprint.py) and those columns, not the
    compiled SQL: that also differs by the run's literals (the as-of date, the run id) and by the branch an
    incremental model takes, which change no column's lineage. Keyed by the SQL, the first night after every
    full build derived the incremental models' lineage again (~2.4 s of sqlglot parsing at every scale).
    """

    def __init__(self, path: Path, project: str):
        self.path = path
        self.project = project
        try:
            self.entries: dict[str, str] = json.loads(path.read_text())
        except (OSError, ValueError):
            self.entries = {}
        self.used: dict[str, str] = {}

    def fingerprint(self, unique_id: str, columns: Mapping[str, Any], parents: Mapping[str, Any]) -> str:
        payload = json.dumps([unique_id, self.project, columns, parents], sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    def get(self, fingerprint: str) -> dict[str, Any] | None:
        if fingerprint not in self.entries:
            return None
        self.used[fingerprint] = self.entries[fingerprint]
        return deserialize_metadata(self.entries[fingerprint])

    def put(self, fingerprint: str, metadata: dict[str, Any]) -> None:
        self.used[fingerprint] = serialize_metadata(metadata)

    def save(self) -> None:
        try:  # written beside, then renamed: another process may be reading it
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self.used))
            os.replace(tmp, self.path)
        except OSError as exc:
            log.debug("lineage cache not written: %s", exc)


def column_lineage(unique_id: str, manifest: Mapping[str, Any], columns: Mapping[tuple[str, str], dict],
                   translator: DagsterDbtTranslator, project: DbtProject, target_path: Path,
                   cache: LineageCache | None = None) -> dict[str, Any]:
    """`dagster/column_lineage` metadata of one model (empty when it cannot be derived)."""
    try:
        props = manifest["nodes"][unique_id]
        parents = {}
        for parent_id in manifest["parent_map"].get(unique_id, []):
            parent = manifest["nodes"].get(parent_id) or manifest["sources"].get(parent_id)
            if parent and parent.get("relation_name"):
                parents[parent["relation_name"]] = columns_of(parent, columns)
        own = columns_of(props, columns)
        fingerprint = cache.fingerprint(unique_id, own, parents) if cache else ""
        cached = cache.get(fingerprint) if cache else None
        if cached is not None:
            return cached
        metadata = column_lineage_metadata(own, parents, props, manifest, translator, target_path, project)
        if cache:
            cache.put(fingerprint, metadata)
        return metadata
    except Exception as exc:  # lineage is a nicety: never fail a run over it
        log.debug("no column lineage for %s: %s", unique_id, exc)
        return {}
