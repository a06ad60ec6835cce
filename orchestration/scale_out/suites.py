"""The GX suites of the published tables on a build's tables, as pandas frames (GX's pandas engine).

`validate_published(con, relation_of)` runs every `marts.*` / `audit.*` suite of expectations/, each severity
on its own as the pipeline's checks do, over the batch the pipeline validates (quality/gx_checks.py
MART_BATCHES: derived columns such as fct_order_lines' `customer_resolves`, the history's latest D), its
tables named by `relation_of(schema, table)` (a DuckDB relation: the warehouse's table, or `read_parquet`
over the Spark table's files). The facts are validated whole, not by this run's files (the demo is small).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.quality.gx_checks import mart_batch
from orchestration.quality.gx_runner import validate_frames
from orchestration.quality.results import CheckOutcome
from orchestration.quality.suites import build_suite, read_suite, severities, suite_files

PUBLISHED_PREFIXES = ("marts.", "audit.")


def validate_published(con: duckdb.DuckDBPyConnection, relation_of: Callable[[str, str], str],
                       expectations_dir: Path) -> dict[tuple[str, str], CheckOutcome]:
    """(dataset, severity) -> outcome for every suite of a published table."""
    outcomes: dict[tuple[str, str], CheckOutcome] = {}
    for path in suite_files(expectations_dir):
        dataset = path.name.removesuffix(".json")
        if not dataset.startswith(PUBLISHED_PREFIXES):
            continue
        schema, table = dataset.split(".", 1)
        relation = batch_query(schema, table, relation_of)
        frame = con.execute(relation).df()
        suite = read_suite(path)
        for severity in severities(suite):
            outcomes[(dataset, severity)] = validate_frames([frame], build_suite(suite, severity), evidence=relation)
    return outcomes


def batch_query(schema: str, table: str, relation_of: Callable[[str, str], str]) -> str:
    """The pipeline's batch of a published table (without its run filter), over `relation_of`'s tables."""
    batch = mart_batch(dg.AssetKey([schema, table]))
    extra = "".join(f", {e}" for e in batch.extra_columns)
    where = f" where {batch.where}" if batch.where else ""
    query = f"select t.*{extra} from {batch.table} as t {batch.joins}{where}"
    return re.sub(r"\b(marts|audit)\.(\w+)\b", lambda m: relation_of(m.group(1), m.group(2)), query)
