"""What a dbt node's materialization tells the Dagster UI, from the facts the node wrote itself.

dbt holds warehouse.duckdb until it exits, so nothing else can read it while dbt runs. Each model, seed
and snapshot therefore writes its own facts in a post-hook, in dbt's connection, as it is built
(dbt_project/macros/node_metadata.sql): the columns of its relation and of the relations it selects from,
its row count and the distribution of its class columns (`meta: class_columns` in the model's yml). The
step reads that file when dbt reports the node and yields the materialization at once, while dbt goes on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg

log = logging.getLogger(__name__)

#: tier shares the business aims for (A/B/C ≈ 10/30/60 of the buyers)
TIER_GUIDELINE = {"A": 0.10, "B": 0.30, "C": 0.60}

#: (schema, table) → column → {"data_type": ...}, the shape dagster-dbt's lineage builder takes
RelationColumns = dict[tuple[str, str], dict[str, dict[str, str]]]


@dataclass(frozen=True)
class NodeFacts:
    """What one node wrote about itself as dbt built it."""

    columns: RelationColumns
    row_count: int | None = None
    #: class column → [(value, rows)], values in order
    distributions: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


def read_node_facts(folder: Path, unique_id: str) -> NodeFacts | None:
    """The facts `unique_id` wrote into `folder` in this build, or None when there are none (or unreadable)."""
    try:
        row = json.loads((folder / f"{unique_id}.json").read_text(encoding="utf-8"))
        columns: RelationColumns = {}
        for column in row.get("columns") or []:
            columns.setdefault((column["schema"], column["table"]), {})[column["column"]] = {
                "data_type": column["data_type"]}
        distributions = {d["column"]: [(v["value"], int(v["n"])) for v in d["values"] or []]
                         for d in row.get("distributions") or []}
        row_count = row.get("row_count")
        return NodeFacts(columns, None if row_count is None else int(row_count), distributions)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:  # a nicety: never fail the step
        log.debug("no node facts for %s: %s", unique_id, exc)
        return None


def distribution_markdown(column: str, counts: list[tuple[str, int]]) -> str:
    """A markdown table of a class column's values, their rows and shares (tier: among buyers, with the
    guideline)."""
    with_guideline = column == "tier"
    if with_guideline:  # shares among buyers (tier is NULL for the others)
        counts = [(v, n) for v, n in counts if v in TIER_GUIDELINE]
    total = sum(n for _, n in counts)
    head = f"| {column} | customers | share |" + (" guideline |" if with_guideline else "")
    sep = "| --- | ---: | ---: |" + (" ---: |" if with_guideline else "")
    body = [f"| {value} | {n:,} | {n / total if total else 0.0:.1%} |"
            + (f" {TIER_GUIDELINE[value]:.0%} |" if with_guideline else "")
            for value, n in counts]
    return "\n".join([head, sep, *body])


def counts_metadata(facts: NodeFacts) -> dict[str, dg.MetadataValue]:
    """The row count of a table (a view has none), plus a markdown distribution per class column of a mart."""
    metadata: dict[str, dg.MetadataValue] = {}
    if facts.row_count is not None:
        metadata["dagster/row_count"] = dg.MetadataValue.int(facts.row_count)
    for column, counts in facts.distributions.items():
        metadata[f"distribution_{column}"] = dg.MetadataValue.md(distribution_markdown(column, counts))
    return metadata


def column_schema(columns: Mapping[str, Mapping[str, str]],
                  described: Mapping[str, Mapping[str, Any]]) -> dict[str, dg.TableSchema]:
    """`dagster/column_schema` of a node's relation: its `columns` in order with the types DuckDB gave them and
    the descriptions of the node's yml (`described`: the manifest's columns), for the UI's Columns tab."""
    if not columns:
        return {}
    return {"dagster/column_schema": dg.TableSchema(columns=[
        dg.TableColumn(name, info["data_type"], description=(described.get(name) or {}).get("description") or None)
        for name, info in columns.items()])}
