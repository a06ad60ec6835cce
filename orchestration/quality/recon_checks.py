"""Reconciliation checks between the raw zone and the marts (all `error`):

- `net_amount_reconciles` (marts/fct_order_lines): Σ net_amount_cny and the line count equal the
  same computed from the accepted raw lines (latest version per key of every loaded file; a night
  starts from the last passing check's totals, recon_totals.py);
- `covers_dim_customer` (marts/customer_classification): one classification row per dim_customer row;
- `covers_source_records` (audit/identity_map): every current CRM account, current ERP customer and
  referenced customer_no missing from the customers snapshot has an identity_map row.
"""


from pathlib import Path

import dagster as dg
import duckdb

from orchestration.feeds import ACCOUNTS, CUSTOMERS, INVOICES, ORDER_LINES, FeedSpec
from orchestration.quality.check_steps import CheckDef
from orchestration.quality.recon_totals import LoadedFile, derive, latest_of, loaded_files, read_files, record
from orchestration.quality.results import CheckOutcome

SAMPLE = 5


def latest_versions_sql(spec: FeedSpec, files: list[LoadedFile]) -> str:
    """The latest version per key of the feed's raw rows (recon_totals.latest_of)."""
    if not files:
        columns = ", ".join(f'null::{t} as "{c}"' for c, t in spec.raw_schema().items())
        return f"select {columns} limit 0"
    return latest_of(read_files(files), spec)


def net_amount_reconciles(con: duckdb.DuckDBPyConnection, root: Path, run_id: str | None = None) -> CheckOutcome:
    """The raw totals come from recon_totals (in full, or the last passing check's and tonight's files);
    a run's passing check records them (`run_id`; None: a check on its own records nothing)."""
    raw, raw_sql = derive(con, ORDER_LINES, loaded_files(con, root, ORDER_LINES))
    mart_sql = ("select count(*) as lines, sum(net_amount_cny)::decimal(38, 2) as net_amount_cny "
                "from marts.fct_order_lines")
    mart_lines, mart_sum = con.execute(mart_sql).fetchone()
    raw_lines, raw_sum = raw.lines, raw.net_amount_cny
    passed = raw_lines == mart_lines and raw_sum == (mart_sum or 0)
    if passed and run_id is not None:
        record(con, run_id, ORDER_LINES, raw)
    how = "derived in full" if raw.derived == "full" else "the last passing check's + tonight's files"
    observed = (f"raw ({how}): {raw_lines} lines, Σ net_amount_cny {raw_sum}; marts.fct_order_lines: {mart_lines} "
                f"lines, Σ {mart_sum}" + ("" if passed else f"; difference {(mart_sum or 0) - (raw_sum or 0)}"))
    evidence = f"{mart_sql}\n-- versus, from the raw zone:\n{raw_sql}"
    return CheckOutcome(passed=passed, observed=observed, evidence=evidence,
                        metadata={"raw_lines": raw_lines, "mart_lines": mart_lines, "raw_derived": raw.derived,
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


#: no customer number (a feed without loaded files)
NO_CUSTOMERS = "select null::varchar as customer_no where false"


def _named_sql(files: list[LoadedFile]) -> str:
    """Every customer number any raw version of a feed names (a superset of those its latest versions name)."""
    if not files:
        return NO_CUSTOMERS
    return f"select distinct customer_no from {read_files(files)} where customer_no is not null"


def _latest_naming_sql(spec: FeedSpec, files: list[LoadedFile], customers: str) -> str:
    """The customer numbers of `customers` (a relation of customer_no) that a latest version of the feed names:
    the latest versions of only the keys some version of which names one of them."""
    if not files:
        return NO_CUSTOMERS
    keys, naming = ", ".join(spec.key), f"customer_no in (select customer_no from {customers})"
    rows = (f"select raw_rows.* from {read_files(files)} as raw_rows semi join ("
            f"select distinct {keys} from {read_files(files)} where {naming}) as naming_keys using ({keys})")
    return f"select customer_no from ({latest_of(f'({rows})', spec)}) where {naming}"


def source_records_sql(con: duckdb.DuckDBPyConnection, root: Path) -> str:
    """(source_system, source_id) of every record identity_map must hold, and whether it does (`is_mapped`).

    The customer numbers the latest order-line and invoice versions name are found without choosing the
    latest version of every raw row (a window over every row, ~3 s at L): every number any raw version
    names is looked up, and only the keys naming a number identity_map lacks have their latest version
    chosen, to tell whether a latest version names it. A mapped number named only by a superseded version
    is counted among the records checked; it cannot fail the check."""
    accounts = latest_versions_sql(ACCOUNTS, loaded_files(con, root, ACCOUNTS, current_only=True))
    customers = latest_versions_sql(CUSTOMERS, loaded_files(con, root, CUSTOMERS, current_only=True))
    order_lines, invoices = loaded_files(con, root, ORDER_LINES), loaded_files(con, root, INVOICES)
    return f"""
        with

        accounts as ({accounts}),

        customers as ({customers}),

        erp_map as (
            select source_id from audit.identity_map where source_system = 'erp'
        ),

        named as (
            {_named_sql(order_lines)}
            union
            {_named_sql(invoices)}
        ),

        named_unmapped as (
            select customer_no from named where customer_no not in (select source_id from erp_map)
        ),

        referenced_unmapped as (
            {_latest_naming_sql(ORDER_LINES, order_lines, 'named_unmapped')}
            union
            {_latest_naming_sql(INVOICES, invoices, 'named_unmapped')}
        ),

        records as (
            select 'crm' as source_system, account_id as source_id from accounts
            union
            select 'erp' as source_system, customer_no as source_id from customers
            union
            select 'erp' as source_system, customer_no as source_id from named
            where customer_no not in (select customer_no from named_unmapped)
            union
            select 'erp' as source_system, customer_no as source_id from referenced_unmapped
        ),

        final as (
            select
                records.*,
                exists (
                    select 1 from audit.identity_map as identity_map
                    where identity_map.source_system = records.source_system
                        and identity_map.source_id = records.source_id
                ) as is_mapped
            from records
        )

        select * from final"""


def covers_source_records(con: duckdb.DuckDBPyConnection, root: Path) -> CheckOutcome:
    sql = f"""
        with

        mapped as ({source_records_sql(con, root)}),

        final as (
            select
                count(*) as source_records,
                count(*) filter (where not is_mapped) as unmapped,
                list(source_system || ':' || source_id order by source_system, source_id)
                    filter (where not is_mapped)[1:{SAMPLE}] as sample
            from mapped
        )

        select * from final"""
    total, unmapped, sample = con.execute(sql).fetchone()
    observed = (f"all {total} source records are mapped" if not unmapped else
                f"{unmapped} of {total} source records have no identity_map row, e.g. {sample}")
    return CheckOutcome(passed=not unmapped, observed=observed, evidence=sql,
                        metadata={"source_records": total, "unmapped": unmapped})


RECONCILIATIONS = (
    (("marts", "fct_order_lines"), "net_amount_reconciles",
     lambda run: net_amount_reconciles(run.con, run.warehouse.root, run.run_id),
     "Σ net_amount_cny and line count equal those of the latest raw order-line versions."),
    (("marts", "customer_classification"), "covers_dim_customer",
     lambda run: covers_dim_customer(run.con, run.warehouse.root),
     "Exactly one classification row per dim_customer row."),
    (("audit", "identity_map"), "covers_source_records",
     lambda run: covers_source_records(run.con, run.warehouse.root),
     "Every current CRM account, current ERP customer and referenced customer_no has an identity_map row."),
)


def recon_check_defs() -> list[CheckDef]:
    return [CheckDef(dg.AssetKey(list(path)), name, description, body)
            for path, name, body, description in RECONCILIATIONS]
