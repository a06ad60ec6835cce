"""`python -m orchestration explain --customer X [--as-of D]`: why a customer is classified as it is.

Traces one customer back to the file rows: the source records merged into it (with the rule of
the merge), the order lines and invoices behind its metrics (file and line), the rule
thresholds applied, the resulting classes, the needs profile with the purchases behind it, and
why the next action of the service playbook fired (explain/needs.py). Reads `serving.duckdb` and the working
warehouse, both read-only; the warehouse is optional (lineage of master records).

A past D (`--as-of` older than the D serving holds) is explained from the archived serving file that
published it (`<warehouse>/published/<run id>/serving.duckdb`, control/archive.py): every section is then
that file's, as it was published. Without an archive (older than the last CW_PUBLISHED_KEEP), the classes
and the metric values behind them come from marts.customer_classification_history, the facts from today's
file. Either way the header says which run published the answer.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import duckdb

from orchestration.control import archive
from orchestration.explain import evidence, needs
from orchestration.explain.lookup import ExplainError, Target, find_target, open_read_only, open_warehouse
from orchestration.explain.render import heading, pairs, table, text
from orchestration.settings import Settings

__all__ = ["ExplainError", "explain_customer", "explain_text"]

TIER_NAMES = {"A": "大客户", "B": "中型客户", "C": "小客户"}
LINE_COLS = ("order_date", "order_no", "line_no", "sku", "quantity", "net_amount_cny", "status", "is_counted",
             "source_file", "source_line")
INVOICE_COLS = ("invoice_no", "invoice_date", "due_date", "amount_cny", "paid_date", "state_at_d", "source_file",
                "source_line")
METRIC_TABLES = ("customer_tier", "customer_value", "customer_churn", "customer_credit")
#: the metric values customer_classification_history keeps for every D (beside the classes)
HISTORY_METRICS = ("revenue_12m", "orders_12m", "repurchase_rate", "revenue_prior_12m", "gross_profit_12m",
                   "days_since_last_order", "expected_interval_days", "churn_risk_score", "signal_overdue_order",
                   "signal_frequency_drop", "signal_interaction_drop", "signal_complaint", "signal_overdue_payment",
                   "outstanding_amount", "overdue_amount", "max_days_overdue", "primary_need")


def explain_customer(settings: Settings, customer: str, as_of: date | None) -> int:
    """Print the explanation to stdout; 0 when found, 1 with a clear message otherwise."""
    try:
        report = explain_text(settings.serving_db, settings.warehouse_db, customer, as_of)
    except ExplainError as exc:
        print(f"explain: {exc}", file=sys.stderr)
        return 1
    except duckdb.Error as exc:  # e.g. a serving file published before a mart existed
        print(f"explain: cannot read {settings.serving_db}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    print(report)
    return 0


def explain_text(serving_db: Path, warehouse_db: Path, customer: str, as_of: date | None) -> str:
    if not serving_db.exists():
        raise ExplainError(f"no serving database at {serving_db}: publish a run first (make run)")
    source, note = serving_db, None
    if as_of is not None:
        with open_read_only(serving_db) as live:
            latest = live.execute("select max(as_of_date) from marts.customer_classification").fetchone()[0]
        if as_of != latest:
            found = archive.for_as_of(serving_db.parent, as_of)
            if found is not None:
                source, note = found.serving, f"archived serving file {found.serving}"
            else:
                note = (f"no archived serving file of {as_of} is kept (the last CW_PUBLISHED_KEEP are): the classes "
                        "and their metric values come from marts.customer_classification_history")
    with open_read_only(source) as serving, open_warehouse(warehouse_db) as (warehouse, wh_note):
        target = find_target(serving, customer, as_of)
        result = evidence.classification(serving, target.customer_key, target.as_of)
        rule_version = result.get("rule_version") if result else None
        lines = _header(serving, target, rule_version)
        lines += _published_by(serving, target, result, note)
        lines += _sources(serving, warehouse, wh_note, target)
        lines += _metrics(serving, target, result)
        lines += _facts(serving, target)
        lines += _rules(serving, warehouse, wh_note, rule_version)
        lines += _result(serving, target, result)
        lines += needs.needs_section(serving, warehouse, target.customer_key, target.as_of, target.latest)
        lines += needs.action_section(serving, warehouse, wh_note, target.customer_key, target.latest, rule_version)
    return "\n".join(lines)


def _header(con, target: Target, rule_version: str | None) -> list[str]:
    row = evidence.customer(con, target.customer_key)
    name = row["customer_name"] if row else "(no longer in dim_customer)"
    lines = [f"Customer {target.customer_key} — {text(name)}"]
    if target.resolved_from:
        lines.append(f"  resolved from source id {target.resolved_from!r} through audit.identity_map")
    latest = " (latest published)" if target.as_of == target.latest else f" (latest published: {target.latest})"
    lines.append(f"  as of {target.as_of}{latest} · rule version {text(rule_version)}")
    return lines + (pairs(row, skip=("customer_key", "customer_name")) if row else [])


def _sources(serving, warehouse, wh_note: str | None, target: Target) -> list[str]:
    records = evidence.source_records(serving, warehouse, target.customer_key)
    lines = heading(f"1. Source records merged into this customer ({len(records)}, audit.identity_map)")
    lines += table(records, ("source_system", "source_table", "source_id", "match_rule", "file", "line"))
    if wh_note:
        lines.append(f"  file/line of CRM accounts and ERP customers: n/a — {wh_note}")
    return lines


def _published_by(con, target: Target, result: dict | None, note: str | None) -> list[str]:
    """Which run published the answer (audit.publication of the file read; the history row's run)."""
    try:
        pub = evidence.one(con, "select run_id, marts_run_id, kind, published_at from audit.publication")
    except duckdb.Error:
        pub = None
    lines = []
    if pub and target.as_of == target.latest:
        lines.append(f"  published by run {pub['run_id']} ({pub['kind']}, {text(pub['published_at'])} UTC); marts "
                     f"built by run {pub['marts_run_id']}")
    elif result is not None:
        lines.append(f"  classified by run {result.get('run_id')} (marts.customer_classification_history)")
    return lines + ([f"  source: {note}"] if note else [])


def _metrics(con, target: Target, result: dict | None = None) -> list[str]:
    if target.as_of != target.latest:
        lines = heading(f"2. Metrics as of {target.as_of} (marts.customer_classification_history)")
        kept = {k: result[k] for k in HISTORY_METRICS if result and k in result}
        lines += pairs(kept, skip=()) if kept else ["  (not kept for this date: published before the history "
                                                    "held the metric values)"]
        lines.append(f"  the metric marts of this file hold its latest as-of date {target.latest} only; the lines "
                     f"and invoices below are today's facts of {target.as_of}")
        return lines
    lines = heading(f"2. Metrics (marts, as of {target.latest})")
    for name in METRIC_TABLES:
        row = evidence.metric(con, name, target.customer_key)
        lines.append(f"  {name}:" + ("" if row else " no row (no counted order / no invoice on or before D)"))
        if row:
            lines += pairs(row, skip=("customer_key", "run_id"), indent="    ")
    return lines


def _facts(con, target: Target) -> list[str]:
    d = target.as_of
    last, prior = evidence.order_lines(con, target.customer_key, d), evidence.order_lines(
        con, target.customer_key, d, "prior")
    lines = heading(f"3. Order lines behind revenue_12m and orders_12m ({d} - 365 days < order_date <= {d})")
    lines.append(f"  {last.total} line(s); recomputed from them: revenue_12m = {text(last.summary.get('revenue'))}, "
                 f"orders_12m = {text(last.summary.get('orders'))} (cancelled lines count for nothing)")
    if last.total > len(last.shown):
        lines.append(f"  showing the latest {len(last.shown)} of {last.total}")
    lines += table(last.shown, LINE_COLS)
    lines.append(f"  prior 12 months: {prior.total} line(s), revenue_prior_12m = {text(prior.summary.get('revenue'))}")
    inv = evidence.invoices(con, target.customer_key, d)
    lines += heading(f"4. Invoices behind credit (dated <= {d}; unpaid at D or paid in the last 12 months)")
    lines.append(f"  {inv.total} invoice(s); recomputed: outstanding = {text(inv.summary.get('outstanding'))}, "
                 f"overdue = {text(inv.summary.get('overdue'))}")
    if inv.total > len(inv.shown):
        lines.append(f"  showing {len(inv.shown)} of {inv.total} (unpaid first)")
    return lines + table(inv.shown, INVOICE_COLS)


def _rules(serving, warehouse, wh_note: str | None, rule_version: str | None) -> list[str]:
    tables = evidence.published_rules(serving, rule_version)
    where = "the published rules marts"
    if not tables and warehouse is not None:
        tables, where = evidence.rules(warehouse, rule_version), "schema rules of the working warehouse"
    lines = heading(f"5. Rules applied ({where}, rule_version {text(rule_version)})")
    if not tables:
        return lines + [f"  n/a — {wh_note or 'no rules tables published or in the working warehouse'}"]
    change = evidence.rule_change(serving, rule_version)
    if change:
        lines.append(f"  rule version {rule_version}: changed by {text(change['changed_by'])} on "
                     f"{text(change['changed_on'])}: {text(change['change_reason'])}")
    for name, found in tables.items():
        lines.append(f"  rules.{name}:")
        shown = found[: evidence.RULE_ROW_LIMIT]
        cols = [c for c in (shown[0] if shown else {}) if c != "rule_version"]
        lines += table(shown, cols, indent="    ")
        if len(found) > evidence.RULE_ROW_LIMIT:
            lines.append(f"    … more than {evidence.RULE_ROW_LIMIT} rows, see rules.{name}")
    return lines


def _result(con, target: Target, result: dict | None) -> list[str]:
    lines = heading(f"6. Result as of {target.as_of}")
    if result is None:
        return lines + ["  (no classification row)"]
    tier = result.get("tier")
    lines.append(f"  tier            = {text(tier)}" + (f" ({result.get('tier_label')}, {TIER_NAMES[tier]})"
                                                        if tier in TIER_NAMES else " (no counted order)"))
    for key in ("value_class", "churn_risk_band", "lifecycle_stage", "credit_risk", "rule_version", "run_id"):
        if key in result:
            lines.append(f"  {key.ljust(15)} = {text(result[key])}")
    churn = evidence.metric(con, "customer_churn", target.customer_key) if target.as_of == target.latest else None
    if churn:
        signals = [k for k in churn if k.startswith("signal_")]
        fired = [k.removeprefix("signal_") for k in signals if churn[k]]
        lines.append(f"  churn signals   = {', '.join(fired) or 'none'} -> churn_risk_score "
                     f"{text(churn.get('churn_risk_score'))}")
    elif target.as_of != target.latest:
        lines.append(f"  churn signals   = n/a (published for the latest as-of date {target.latest} only)")
    return lines
