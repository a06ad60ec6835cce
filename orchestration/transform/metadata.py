"""What a mart materialization tells the Dagster UI: row count and the class distributions.

Queried once dbt has exited (it holds warehouse.duckdb while it runs).
"""

from __future__ import annotations

import dagster as dg
import duckdb

#: tier shares the business aims for (A/B/C ≈ 10/30/60 of the buyers)
TIER_GUIDELINE = {"A": 0.10, "B": 0.30, "C": 0.60}

#: mart → class columns whose distribution is shown
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "customer_tier": ("tier",),
    "customer_value": ("value_class",),
    "customer_churn": ("churn_risk_band", "lifecycle_stage"),
    "customer_credit": ("credit_risk",),
    "customer_classification": ("tier", "value_class", "lifecycle_stage", "churn_risk_band", "credit_risk"),
    "customer_needs": ("primary_need", "satisfaction_trend"),
    "customer_actions": ("service_level", "next_action"),
}


def _distribution(con: duckdb.DuckDBPyConnection, table: str, column: str) -> list[tuple[str, int, float]]:
    rows = con.execute(
        f"select coalesce(cast({column} as varchar), '(none)') as value, count(*) as n, "
        f"count(*) / sum(count(*)) over () as share from marts.{table} group by 1 order by 1").fetchall()
    return [(value, n, share) for value, n, share in rows]


def distribution_markdown(column: str, rows: list[tuple[str, int, float]]) -> str:
    with_guideline = column == "tier"
    if with_guideline:  # shares among buyers (tier is NULL for the others)
        buyers = sum(n for value, n, _ in rows if value in TIER_GUIDELINE)
        rows = [(v, n, n / buyers if buyers else 0.0) for v, n, _ in rows if v in TIER_GUIDELINE]
    head = f"| {column} | customers | share |" + (" guideline |" if with_guideline else "")
    sep = "| --- | ---: | ---: |" + (" ---: |" if with_guideline else "")
    body = [f"| {value} | {n:,} | {share:.1%} |" + (f" {TIER_GUIDELINE[value]:.0%} |" if with_guideline else "")
            for value, n, share in rows]
    return "\n".join([head, sep, *body])


def mart_metadata(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict[str, dg.MetadataValue]:
    """Row count for any published table, plus a markdown distribution per class column of a mart."""
    metadata: dict[str, dg.MetadataValue] = {}
    try:
        rows = con.execute(f'select count(*) from {schema}."{table}"').fetchone()[0]
    except duckdb.Error:
        return metadata
    metadata["dagster/row_count"] = dg.MetadataValue.int(rows)
    for column in DISTRIBUTIONS.get(table, ()) if schema == "marts" else ():
        metadata[f"distribution_{column}"] = dg.MetadataValue.md(
            distribution_markdown(column, _distribution(con, table, column)))
    return metadata
