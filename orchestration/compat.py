"""Every use of a library's private API, in one place, each behind a small function.

The pinned versions (requirements/requirements.lock) are known to work; `tests/test_compat.py`
calls each function, so a pinned upgrade that moves or changes one of them fails loudly there,
not in the middle of a nightly run.

- dagster-dbt: its column-lineage builder (sqlglot over the compiled SQL) and the event history it
  reads; `DbtCliResource`'s CLI-version probe and in-process adapter, which this project skips;
- dagster: serialisation of metadata values (the lineage cache).
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster._serdes import deserialize_value, serialize_value
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject
from dagster_dbt.core.dbt_cli_event import EventHistoryMetadata, _build_column_lineage_metadata
from packaging import version

__all__ = [
    "SkipStartupProbes",
    "WarehouseDbtResource",
    "column_lineage_metadata",
    "deserialize_metadata",
    "serialize_metadata",
]


def column_lineage_metadata(columns: Mapping[str, Any], parents: Mapping[str, Any], props: Mapping[str, Any],
                            manifest: Mapping[str, Any], translator: DagsterDbtTranslator, target_path: Path,
                            project: DbtProject) -> dict[str, Any]:
    """dagster-dbt's `dagster/column_lineage` metadata of one model."""
    history = EventHistoryMetadata(columns=dict(columns), parents=dict(parents))
    return _build_column_lineage_metadata(history, props, manifest, translator, target_path, project)


def serialize_metadata(metadata: dict[str, Any]) -> str:
    return serialize_value(metadata)


def deserialize_metadata(text: str) -> dict[str, Any]:
    return deserialize_value(text, dict)


class SkipStartupProbes:
    """Mixin for a DbtCliResource: no `dbt --version` subprocess (~2.8 s; dbt runs from this
    interpreter's environment, so the installed dbt-core's version is the CLI's) and no in-process
    dbt adapter (~2.2 s; dagster-dbt only uses it for row counts and column types while dbt runs,
    which this project reads once dbt has exited)."""

    @property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args) -> None:
        return None


class WarehouseDbtResource(SkipStartupProbes, DbtCliResource):
    """dagster-dbt's CLI resource without the start-up probes this project does not need."""
