"""Reconciliation checks between the raw zone and the marts (all `error`):

- `net_amount_reconciles` (marts/fct_order_lines): Σ net_amount_cny and the line count equal the
  same computed from the accepted raw lines (latest version per key of every loaded file);
- `covers_dim_customer` (marts/customer_classification): one classification row per dim_customer row;
- `covers_source_records` (audit/identity_map): every current CRM account, current ERP customer and
  referenced customer_no missing from the customers snapshot has an identity_map row.
"""


from pathlib import Path

import dagster as dg
import duckdb

from orchestration.feeds import ACCOUNTS, CUSTOMERS, INVOICES, ORDER_LINES, FeedSpec
from orchestration.quality.batches import resolve_raw_path, sql_list
from orchestration.quality.check_steps import CheckDef, CheckRun
from orchestration.quality.results import CheckOutcome

SAMPLE = 5


def loaded_files(con: duckdb.DuckDBPyConnection, root: Path, spec: FeedSpec, current_only: bool = False) -> list[str]:
    """Raw files of every loaded file of the feed (any run); only the current snapshot if asked."""
    rows = con.execute(
        f"""
        select raw_path
        from audit.load_log
        where status = 'loaded' and raw_path is not null and feed = ?
        order by export_date desc nulls last, loaded_at desc
        {'limit 1' if current_only else ''}
        """,
        [spec.name],
    ).fetchall()
    return [resolve_raw_path(root, r[0]) for r in rows]


def latest_versions_sql(spec: FeedSpec, files: list[str]) -> str:
    """The latest version per key of the feed's raw rows: greatest updated_at, then later export
    date, then later load, then later row (sources.md)."""
    if not files:
        columns = ", ".join(f'null::{t} as "{c}"' for c, t in spec.raw_schema().items())
        return f"select {columns} limit 0"
    version = f"{spec.updated_at} desc nulls last, " if spec.updated_at else ""
    return f"""
        select *
        from read_parquet({sql_list(files)}, union_by_name = true)
        qualify row_number() over (
            partition by {', '.join(spec.key)}
            order by {version}_export_date desc, _loaded_at desc, _row_number desc
        ) = 1"""


def net_amount_reconciles(con: duckdb.DuckDBPyConnection, root: Path) -> CheckOutcome:
    raw_sql = f"""
        with

        latest as ({latest_versions_sql(ORDER_LINES, loaded_files(con, root, ORDER_LINES))}),

        amounts as (
            select round(latest.quantity * latest.unit_price * (1 - latest.discount_rate) * latest.fx_rate, 2)
                as net_amount_cny
            from latest
        ),

        final as (
            select count(*) as lines, sum(amounts.net_amount_cny)::decimal(38, 2) as net_amount_cny from amounts
        )

        select * from final"""
    mart_sql = ("select count(*) as lines, sum(net_amount_cny)::decimal(38, 2) as net_amount_cny "
                "from marts.fct_order_lines")
    raw_lines, raw_sum = con.execute(raw_sql).fetchone()
    mart_lines, mart_sum = con.execute(mart_sql).fetchone()
    passed = raw_lines == mart_lines and raw_sum == mart_sum
    observed = (f"raw: {raw_lines} lines, Σ net_amount_cny {raw_sum}; marts.fct_order_lines: {mart_lines} lines, "
                f"Σ {mart_sum}" + ("" if passed else f"; difference {(mart_sum or 0) - (raw_sum or 0)}"))
    evidence = f"{mart_sql}\n-- versus, from the raw zone:\n{raw_sql}"
    return CheckOutcome(passed=passed, observed=observed, evidence=evidence,
                        metadata={"raw_lines": raw_lines, "mart_lines": mart_lines,
                                  "raw_net_amount_cny": str(raw_sum), "mart_net_amount_cny": str(mart_sum)})


def covers_dim_customer(con: duckdb.DuckDBPyConnection, root: Path) -> CheckOutcome:
    missing_sql = ("select dim.customer_key from marts.dim_customer as dim where not exists "
                   "(select 1 from marts.customer_classification as cls where cls.customer_key = dim.customer_key)")
    extra_sql = ("select cls.customer_key from marts.customer_classification as cls where not exists "
                 "(select 1 from marts.dim_customer as dim where dim.customer_key = cls.customer_key)")
    missing = [r[0] for r in con.execute(missing_sql).fetchall()]
    extra = [r[0] for r in con.execute(extra_sql).fetchall()]
    passed = not missing and not extra
    observed = (f"{len(missing)} dim_customer row(s) without a classification row {missing[:SAMPLE]}, "
                f"{len(extra)} classification row(s) without a customer {extra[:SAMPLE]}")
    return CheckOutcome(passed=passed, observed="every dim_customer row is classified" if passed else observed,
                        evidence=f"{missing_sql};\n{extra_sql}",
                        metadata={"unclassified_customers": len(missing), "unknown_customers": len(extra)})


def source_records_sql(con: duckdb.DuckDBPyConnection, root: Path) -> str:
    """(source_system, source_id) of every record identity_map must hold."""
    customers = latest_versions_sql(CUSTOMERS, loaded_files(con, root, CUSTOMERS, current_only=True))
    return f"""
        with

        accounts as ({latest_versions_sql(ACCOUNTS, loaded_files(con, root, ACCOUNTS, current_only=True))}),

        customers as ({customers}),

        order_lines as ({latest_versions_sql(ORDER_LINES, loaded_files(con, root, ORDER_LINES))}),

        invoices as ({latest_versions_sql(INVOICES, loaded_files(con, root, INVOICES))}),

        referenced as (
            select customer_no from order_lines
            union
            select customer_no from invoices where customer_no is not null
        ),

        final as (
            select 'crm' as source_system, account_id as source_id from accounts
            union
            select 'erp' as source_system, customer_no as source_id from customers
            union
            select 'erp' as source_system, referenced.customer_no as source_id from referenced
        )

        select * from final"""


def covers_source_records(con: duckdb.DuckDBPyConnection, root: Path) -> CheckOutcome:
    sql = f"""
        with

        source_records as ({source_records_sql(con, root)}),

        mapped as (
            select
                source_records.*,
                exists (
                    select 1 from audit.identity_map as identity_map
                    where identity_map.source_system = source_records.source_system
                        and identity_map.source_id = source_records.source_id
                ) as is_mapped
            from source_records
        ),

        final as (
            select
                count(*) as source_records,
                count(*) filter (where not is_mapped) as unmapped,
                list(source_system || ':' || source_id order by source_system, source_id)
                    filter (where not is_mapped)[1:{SAMPLE}] as sample
            from mapped
        )

        select * from final"""
    total, unmapped, sample = con.execute(sql).fetchone()  # one pass over the raw zone, not two
    observed = (f"all {total} source records are mapped" if not unmapped else
                f"{unmapped} of {total} source records have no identity_map row, e.g. {sample}")
    return CheckOutcome(passed=not unmapped, observed=observed, evidence=sql,
                        metadata={"source_records": total, "unmapped": unmapped})


RECONCILIATIONS = (
    (("marts", "fct_order_lines"), "net_amount_reconciles", net_amount_reconciles,
     "Σ net_amount_cny and line count equal those of the latest raw order-line versions."),
    (("marts", "customer_classification"), "covers_dim_customer", covers_dim_customer,
     "Exactly one classification row per dim_customer row."),
    (("audit", "identity_map"), "covers_source_records", covers_source_records,
     "Every current CRM account, current ERP customer and referenced customer_no has an identity_map row."),
)


def _recon_check(path: tuple[str, ...], name: str, func, description: str) -> CheckDef:
    def body(run: CheckRun) -> CheckOutcome:
        return func(run.con, run.warehouse.root)

    return CheckDef(dg.AssetKey(list(path)), name, description, body)


def recon_check_defs() -> list[CheckDef]:
    return [_recon_check(*spec) for spec in RECONCILIATIONS]
