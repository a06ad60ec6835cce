"""The GX suites of the published tables on a build's tables, as pandas frames (GX's pandas engine).

`validate_published(con, relation_of)` runs every `marts.*` / `audit.*` suite of expectations/, each severity
on its own as the pipeline's checks do, over the whole table that `relation_of(schema, table)` names (a
DuckDB relation: the warehouse's table, or `read_parquet` over the Spark table's files). Small marts are
what the suites are for; the facts' suites look at every row here too (the demo data is small).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

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
        relation = relation_of(schema, table)
        frame = con.execute(f"select * from {relation}").df()
        suite = read_suite(path)
        for severity in severities(suite):
            outcomes[(dataset, severity)] = validate_frames([frame], build_suite(suite, severity), evidence=relation)
    return outcomes
