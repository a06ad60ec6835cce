"""What the business report shows, read from `serving.duckdb` (schemas `marts` and `audit`).

Each query returns plain rows (dicts); aggregation is DuckDB's work. A table the serving file
does not hold (a model not built yet) leaves its section empty with a note instead of failing
the whole report: `section()` turns the DuckDB error into a `Missing` marker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

TIERS = ("A", "B", "C")
TIER_GUIDELINE = {"A": 0.10, "B": 0.30, "C": 0.60}  # the 10/30/60 rule of thumb of B2B suppliers
VALUE_CLASSES = ("core", "important", "potential", "ordinary", "inactive")
LIFECYCLE_STAGES = ("new", "active", "at_risk", "dormant", "churned", "prospect")
CREDIT_RISKS = ("high", "medium", "low")
SIGNALS = ("signal_overdue_order", "signal_frequency_drop", "signal_interaction_drop", "signal_complaint",
           "signal_overdue_payment")
TOP_RISK_LIMIT = 20
TOP_OVERDUE_LIMIT = 10

Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class Missing:
    """A section whose source table could not be read (the reason is shown in the report)."""

    reason: str


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> Rows:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def section(fn, *args):
    """Run one section's query; an absent table or column becomes `Missing` (shown, not raised)."""
    try:
        return fn(*args)
    except duckdb.CatalogException as exc:
        return Missing(str(exc).splitlines()[0])
    except duckdb.BinderException as exc:
        return Missing(str(exc).splitlines()[0])


def overview(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    return rows(con, """
        with
        classification as (select * from marts.customer_classification),
        final as (
            select
                max(classification.as_of_date) as as_of_date,
                max(classification.rule_version) as rule_version,
                count(*) as customers,
                count(classification.tier) as buyers,
                coalesce(sum(classification.revenue_12m), 0) as revenue_12m,
                count(*) filter (where classification.churn_risk_band = 'high') as high_churn_risk,
                count(*) filter (where classification.credit_risk = 'high') as high_credit_risk
            from classification
        )
        select * from final
    """)[0]


def tier_distribution(con: duckdb.DuckDBPyConnection) -> Rows:
    found = {r["tier"]: r for r in rows(con, """
        with
        tiers as (select * from marts.customer_tier),
        per_tier as (
            select tier, count(*) as customers, coalesce(sum(revenue_12m), 0) as revenue_12m
            from tiers
            group by tier
        ),
        final as (
            select
                tier,
                customers,
                customers / sum(customers) over () as share,
                revenue_12m,
                coalesce(revenue_12m / nullif(sum(revenue_12m) over (), 0), 0) as revenue_share
            from per_tier
        )
        select * from final
    """)}
    empty = {"customers": 0, "share": 0.0, "revenue_12m": 0, "revenue_share": 0.0}
    return [{**empty, **found.get(t, {}), "tier": t, "guideline": TIER_GUIDELINE[t]} for t in TIERS]


def value_classes(con: duckdb.DuckDBPyConnection) -> Rows:
    found = {r["value_class"]: r for r in rows(con, """
        select
            value_class,
            count(*) as customers,
            coalesce(sum(revenue_12m), 0) as revenue_12m,
            coalesce(sum(gross_profit_12m), 0) as gross_profit_12m,
            avg(recency_days) as avg_recency_days
        from marts.customer_value
        group by value_class
    """)}
    known = [found.pop(v, {"value_class": v, "customers": 0, "revenue_12m": 0, "gross_profit_12m": 0,
                           "avg_recency_days": None}) for v in VALUE_CLASSES]
    return known + sorted(found.values(), key=lambda r: str(r["value_class"]))


def lifecycle_stages(con: duckdb.DuckDBPyConnection) -> Rows:
    found = {r["lifecycle_stage"]: r for r in rows(con, """
        select lifecycle_stage, count(*) as customers, coalesce(sum(revenue_12m), 0) as revenue_12m
        from marts.customer_classification
        group by lifecycle_stage
    """)}
    known = [found.pop(s, {"lifecycle_stage": s, "customers": 0, "revenue_12m": 0}) for s in LIFECYCLE_STAGES]
    return known + sorted(found.values(), key=lambda r: str(r["lifecycle_stage"]))


@dataclass(frozen=True)
class Migration:
    current: date | None
    previous: date | None  # None: first run, nothing to compare with
    cells: Rows  # from_tier, to_tier, customers ('-' = no tier / not a customer then)
    published_dates: int = 1  # as-of dates in the history: 1 means this is the first run


def tier_migration(con: duckdb.DuckDBPyConnection) -> Migration:
    current = con.execute("select max(as_of_date) from marts.customer_classification").fetchone()[0]
    previous = con.execute(
        "select max(as_of_date) from marts.customer_classification_history where as_of_date < ?",
        [current]).fetchone()[0]
    if current is None or previous is None:
        dates = con.execute("select count(distinct as_of_date) from marts.customer_classification_history").fetchone()
        return Migration(current, None, [], int(dates[0]))
    cells = rows(con, """
        with
        history as (select * from marts.customer_classification_history),
        current_d as (select customer_key, tier from history where as_of_date = $current),
        previous_d as (select customer_key, tier from history where as_of_date = $previous),
        pairs as (
            select
                coalesce(previous_d.tier, '-') as from_tier,
                coalesce(current_d.tier, '-') as to_tier
            from previous_d
            full outer join current_d
                on current_d.customer_key = previous_d.customer_key
        ),
        final as (
            select from_tier, to_tier, count(*) as customers
            from pairs
            group by all
        )
        select * from final order by from_tier, to_tier
    """, {"current": current, "previous": previous})
    return Migration(current, previous, cells)


def top_churn_risk(con: duckdb.DuckDBPyConnection, limit: int = TOP_RISK_LIMIT) -> Rows:
    return rows(con, f"""
        with
        churn as (select * from marts.customer_churn),
        customers as (select * from marts.dim_customer),
        tiers as (select * from marts.customer_tier),
        final as (
            select
                churn.customer_key,
                customers.customer_name,
                customers.city,
                tiers.tier,
                coalesce(tiers.revenue_12m, 0) as revenue_12m,
                churn.churn_risk_score,
                churn.churn_risk_band,
                churn.lifecycle_stage,
                churn.days_since_last_order,
                {", ".join(f"churn.{s}" for s in SIGNALS)}
            from churn
            left join customers
                on customers.customer_key = churn.customer_key
            left join tiers
                on tiers.customer_key = churn.customer_key
            where churn.churn_risk_score > 0
        )
        select * from final
        order by churn_risk_score desc, revenue_12m desc, customer_key
        limit {int(limit)}
    """)


def receivables(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    found = {r["credit_risk"]: r for r in rows(con, """
        select
            credit_risk,
            count(*) as customers,
            coalesce(sum(outstanding_amount), 0) as outstanding_amount,
            coalesce(sum(overdue_amount), 0) as overdue_amount
        from marts.customer_credit
        group by credit_risk
    """)}
    bands = [found.pop(b, {"credit_risk": b, "customers": 0, "outstanding_amount": 0, "overdue_amount": 0})
             for b in CREDIT_RISKS]
    bands += list(found.values())
    top = rows(con, f"""
        with
        credit as (select * from marts.customer_credit),
        customers as (select * from marts.dim_customer),
        final as (
            select
                credit.customer_key,
                customers.customer_name,
                credit.outstanding_amount,
                credit.overdue_amount,
                credit.max_days_overdue,
                credit.credit_risk
            from credit
            left join customers
                on customers.customer_key = credit.customer_key
            where credit.overdue_amount > 0
        )
        select * from final
        order by overdue_amount desc, max_days_overdue desc, customer_key
        limit {TOP_OVERDUE_LIMIT}
    """)
    return {"bands": bands, "top_overdue": top,
            "outstanding_amount": sum(b["outstanding_amount"] for b in bands),
            "overdue_amount": sum(b["overdue_amount"] for b in bands)}


def data_quality(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    run = rows(con, """
        select run_id, as_of_date, started_at, finished_at, status, rule_version, published
        from audit.runs
        order by published desc, coalesce(finished_at, started_at) desc
        limit 1
    """)
    if not run:
        return {"run": None, "feeds": [], "checks": {}, "failed": [], "unreconciled_files": 0}
    run_id = run[0]["run_id"]
    feeds = rows(con, """
        select
            feed,
            count(*) as files,
            count(*) filter (where status = 'loaded') as loaded_files,
            count(*) filter (where status = 'skipped_duplicate') as skipped_files,
            count(*) filter (where status = 'rejected') as rejected_files,
            coalesce(sum(rows_read), 0) as rows_read,
            coalesce(sum(rows_loaded), 0) as rows_loaded,
            coalesce(sum(rows_quarantined), 0) as rows_quarantined
        from audit.load_log
        where run_id = ?
        group by feed
        order by feed
    """, [run_id])
    unreconciled = con.execute("""
        select count(*) from audit.load_log
        where run_id = ? and status = 'loaded'
          and rows_read is distinct from coalesce(rows_loaded, 0) + coalesce(rows_quarantined, 0)
    """, [run_id]).fetchone()[0]
    checks = rows(con, """
        select
            count(*) as evaluated,
            count(*) filter (where passed) as passed,
            count(*) filter (where not passed and severity = 'error') as failed,
            count(*) filter (where not passed and severity <> 'error') as warnings
        from audit.check_results
        where run_id = ?
    """, [run_id])[0]
    failed = rows(con, """
        select asset, check_name, severity, observed
        from audit.check_results
        where run_id = ? and not passed
        order by severity = 'error' desc, asset, check_name
        limit 30
    """, [run_id])
    return {"run": run[0], "feeds": feeds, "checks": checks, "failed": failed, "unreconciled_files": unreconciled}


def collect(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Everything the report shows, one entry per section (a `Missing` when unreadable)."""
    return {
        "overview": section(overview, con),
        "tiers": section(tier_distribution, con),
        "values": section(value_classes, con),
        "lifecycle": section(lifecycle_stages, con),
        "migration": section(tier_migration, con),
        "churn": section(top_churn_risk, con),
        "credit": section(receivables, con),
        "quality": section(data_quality, con),
    }
