"""The evidence behind one customer's classification: source records, lines, invoices, rules, results.

Published facts come from `serving.duckdb`; the lineage of CRM/ERP master records and the rule
seeds come from the working warehouse (schemas `staging` and `rules`), which may be absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import duckdb

LINE_LIMIT = 20
RULE_ROW_LIMIT = 60
Rows = list[dict[str, Any]]

# identity_map.source_table -> (staging model of the working warehouse, its id column)
MASTER_TABLES = {"accounts": ("stg_crm__accounts", "account_id"), "customers": ("stg_erp__customers", "customer_no")}
# lineage column pairs, in order of preference (staging renames; raw keeps the underscore names)
LINEAGE_PAIRS = (("source_file", "source_line"), ("_file_path", "_line_number"))


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> Rows:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def one(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> dict[str, Any] | None:
    found = rows(con, sql, params)
    return found[0] if found else None


def columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position", [schema, table]).fetchall()]


def customer(con: duckdb.DuckDBPyConnection, key: str) -> dict[str, Any] | None:
    return one(con, """
        select customer_key, customer_name, uscc, industry, province, city, account_type, first_order_date,
               n_crm_accounts, n_erp_customers, match_rule
        from marts.dim_customer where customer_key = ?
    """, [key])


def source_records(serving: duckdb.DuckDBPyConnection, warehouse: duckdb.DuckDBPyConnection | None,
                   key: str) -> Rows:
    """identity_map rows of the customer, with the file and line of each record ('n/a' when unknown)."""
    records = rows(serving, """
        select source_system, source_table, source_id, match_rule
        from audit.identity_map where customer_key = ? order by source_system, source_table, source_id
    """, [key])
    lineage: dict[tuple[str, str], tuple[Any, Any]] = {}
    for table in {r["source_table"] for r in records}:
        ids = [r["source_id"] for r in records if r["source_table"] == table]
        lineage.update({(table, i): v for i, v in _lineage(serving, warehouse, table, ids).items()})
    for r in records:
        file, line = lineage.get((r["source_table"], r["source_id"]), (None, None))
        r["file"], r["line"] = file or "n/a", line if line is not None else "n/a"
    return records


def _lineage(serving: duckdb.DuckDBPyConnection, warehouse: duckdb.DuckDBPyConnection | None, table: str,
             ids: list[str]) -> dict[str, tuple[Any, Any]]:
    """id -> (file, line): master records from staging; ids known only from facts: their first fact row."""
    if table in MASTER_TABLES:
        if warehouse is None:
            return {}
        model, id_col = MASTER_TABLES[table]
        have = set(columns(warehouse, "staging", model))
        pair = next((p for p in LINEAGE_PAIRS if set(p) <= have), None)
        if pair is None or id_col not in have:
            return {}
        try:
            found = warehouse.execute(
                f'select {id_col}, "{pair[0]}", "{pair[1]}" from staging.{model} where {id_col} in (select unnest(?))',
                [ids]).fetchall()
        except duckdb.Error:  # a view over raw files that moved: lineage unknown, not fatal
            return {}
        return {str(i): (f, n) for i, f, n in found}
    fact = {"order_lines": "fct_order_lines", "invoices": "fct_invoices"}.get(table)
    if fact is None:
        return {}
    try:
        found = serving.execute(f"""
            select customer_no, source_file, source_line
            from marts.{fact}
            where customer_no in (select unnest(?))
            qualify row_number() over (partition by customer_no order by source_file, source_line) = 1
        """, [ids]).fetchall()
    except duckdb.Error:
        return {}
    return {str(i): (f, n) for i, f, n in found}


@dataclass
class Window:
    """Lines or invoices behind a metric: the first LINE_LIMIT rows and totals over all of them."""

    shown: Rows
    total: int
    summary: dict[str, Any] = field(default_factory=dict)


def order_lines(con: duckdb.DuckDBPyConnection, key: str, d: date, months: str = "last") -> Window:
    """Order lines of the last (or prior) 12 months of D; summary recomputes the revenue and order count."""
    lo, hi = (365, 0) if months == "last" else (730, 365)
    params = {"key": key, "lo": d - timedelta(days=lo), "hi": d - timedelta(days=hi)}
    window = """
        from marts.fct_order_lines
        where customer_key = $key and order_date > $lo and order_date <= $hi
    """
    shown = rows(con, f"""
        select order_date, order_no, line_no, sku, quantity, net_amount_cny, status, is_counted, source_file,
               source_line
        {window}
        order by order_date desc, order_no, line_no
        limit {LINE_LIMIT}
    """, params)
    summary = one(con, f"""
        select
            count(*) as lines,
            coalesce(sum(net_amount_cny) filter (where is_counted), 0) as revenue,
            count(distinct order_no) filter (where is_counted and quantity > 0) as orders
        {window}
    """, params) or {}
    return Window(shown, int(summary.get("lines") or 0), summary)


def invoices(con: duckdb.DuckDBPyConnection, key: str, d: date) -> Window:
    """Invoices dated on or before D that are unpaid at D or were paid in the last 12 months."""
    params = {"key": key, "d": d}
    relevant = """
        from marts.fct_invoices
        where customer_key = $key and invoice_date <= $d
          and (paid_date is null or paid_date > $d or paid_date > $d - interval 365 day)
    """
    state = """
        case
            when paid_date is not null and paid_date <= $d then 'paid'
            when due_date < $d then 'overdue ' || ($d - due_date) || ' days'
            else 'unpaid, not due'
        end
    """
    shown = rows(con, f"""
        select invoice_no, invoice_date, due_date, amount_cny, paid_date, {state} as state_at_d, source_file,
               source_line
        {relevant}
        order by (paid_date is null or paid_date > $d) desc, due_date, invoice_no
        limit {LINE_LIMIT}
    """, params)
    summary = one(con, f"""
        select
            count(*) as invoices,
            coalesce(sum(amount_cny) filter (where paid_date is null or paid_date > $d), 0) as outstanding,
            coalesce(sum(amount_cny) filter (where (paid_date is null or paid_date > $d) and due_date < $d), 0)
                as overdue
        {relevant}
    """, params) or {}
    return Window(shown, int(summary.get("invoices") or 0), summary)


def metric(con: duckdb.DuckDBPyConnection, table: str, key: str) -> dict[str, Any] | None:
    """The customer's row of a current mart (customer_tier/value/churn/credit), None when absent."""
    try:
        return one(con, f"select * from marts.{table} where customer_key = ?", [key])
    except duckdb.CatalogException:
        return None


def classification(con: duckdb.DuckDBPyConnection, key: str, d: date) -> dict[str, Any] | None:
    return one(con, "select * from marts.customer_classification_history where customer_key = ? and as_of_date = ?",
               [key, d]) or one(con, "select * from marts.customer_classification where customer_key = ? "
                                     "and as_of_date = ?", [key, d])


def rules(warehouse: duckdb.DuckDBPyConnection, rule_version: str | None) -> dict[str, Rows]:
    """Every table of schema `rules`, restricted to the rule version applied when it has that column."""
    out: dict[str, Rows] = {}
    tables = [r[0] for r in warehouse.execute(
        "select table_name from information_schema.tables where table_schema = 'rules' order by 1").fetchall()]
    for table in tables:
        versioned = "rule_version" in columns(warehouse, "rules", table) and rule_version is not None
        where = "where rule_version = ?" if versioned else ""
        out[table] = rows(warehouse, f'select * from rules."{table}" {where} limit {RULE_ROW_LIMIT + 1}',
                          [rule_version] if versioned else [])
    return out


#: the rules marts serving publishes (models/marts/rules), in the order explain shows them
PUBLISHED_RULES = ("classification_rules", "rfm_cut_points", "industry_expected_needs", "service_levels",
                   "service_playbook")
RULE_CHANGE_COLUMNS = ("changed_by", "changed_on", "change_reason", "is_active", "as_of_date")


def published_rules(serving: duckdb.DuckDBPyConnection, rule_version: str | None) -> dict[str, Rows]:
    """The published rules marts of `serving` (as in force when it was published), restricted to the version
    applied; {} for a file published before they were."""
    out: dict[str, Rows] = {}
    for table in PUBLISHED_RULES:
        try:
            found = rows(serving, f'select * exclude ({", ".join(RULE_CHANGE_COLUMNS)}) from marts."{table}" '
                                  f"where rule_version = ? limit {RULE_ROW_LIMIT + 1}", [rule_version])
        except duckdb.Error:
            return {}
        out[table] = found
    return out


def rule_change(serving: duckdb.DuckDBPyConnection, rule_version: str | None) -> dict[str, Any] | None:
    """Who changed the rule version, when and why (marts.classification_rules), None when not published."""
    try:
        return one(serving, "select any_value(changed_by) as changed_by, any_value(changed_on) as changed_on, "
                            "any_value(change_reason) as change_reason from marts.classification_rules "
                            "where rule_version = ? having count(*) > 0", [rule_version])
    except duckdb.Error:
        return None
