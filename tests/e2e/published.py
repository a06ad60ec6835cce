"""What a run published, as the end-to-end tests compare it: the contract's tables, and the marts of a
serving file as a full build makes them."""

from __future__ import annotations

from pathlib import Path

import duckdb

CONTRACT_TABLES = {
    "marts": {"dim_customer", "dim_customer_history", "fct_order_lines", "fct_invoices", "fct_interactions",
              "customer_tier", "customer_value", "customer_churn", "customer_credit", "customer_classification",
              "customer_classification_history", "segment_summary", "customer_needs", "customer_actions",
              "customer_profile"},
    "audit": {"load_log", "quarantine", "identity_map", "check_results", "runs"},
}


def published_marts(serving: Path) -> dict[str, list]:
    """The published marts as a full build makes them: history tables at the latest D only, no load
    times (two warehouses load the same files at different times)."""
    out = {}
    with duckdb.connect(str(serving), read_only=True) as con:
        for name in sorted(CONTRACT_TABLES["marts"] - {"dim_customer_history"}):
            cols = [c[0] for c in con.execute(f"describe marts.{name}").fetchall()
                    if c[0] not in ("run_id", "loaded_at", "built_run_id")]
            latest = (" where as_of_date = (select max(as_of_date) from marts.customer_classification_history)"
                      if name == "customer_classification_history" else "")
            out[name] = sorted(map(repr, con.execute(f"select {', '.join(cols)} from marts.{name}{latest}").fetchall()))
    return out
