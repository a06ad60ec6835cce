"""explain, sections 7 and 8: the needs profile with the purchases behind it, and why the next action fired.

Purchases (counted lines with quantity > 0 of the last 12 months) come from `marts.fct_order_lines`
of serving, with file and line; a line's grade and product line come from the current products
snapshot of the working warehouse (`staging.stg_erp__products`), which may be absent. The
playbook rules come from the working warehouse's `rules.service_playbook` (the published row
names the rule's condition either way).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import duckdb

from orchestration.explain import evidence
from orchestration.explain.render import heading, pairs, table, text

PURCHASE_COLS = ("order_date", "order_no", "line_no", "sku", "grade", "product_line", "quantity", "unit_price",
                 "discount_rate", "fx_rate", "net_amount_cny", "source_file", "source_line")
MIX_COLS = ("grade", "product_line", "lines", "net_amount_cny", "share_of_product_net")
PLAYBOOK_COLS = ("", "priority", "action", "condition", "and_condition", "due_days")


def purchases(serving: duckdb.DuckDBPyConnection, warehouse: duckdb.DuckDBPyConnection | None, key: str,
              d: date) -> tuple[evidence.Rows, str | None]:
    """Every purchase of the last 12 months of D (latest first), with grade and product line when known."""
    lines = evidence.rows(serving, """
        select order_date, order_no, line_no, sku, quantity, unit_price, discount_rate, fx_rate, net_amount_cny,
               source_file, source_line
        from marts.fct_order_lines
        where customer_key = $key and is_counted and quantity > 0 and order_date > $lo and order_date <= $d
        order by order_date desc, order_no, line_no
    """, {"key": key, "lo": d - timedelta(days=365), "d": d})
    products, note = _products(warehouse, sorted({r["sku"] for r in lines if r["sku"] is not None}))
    for line in lines:
        product = products.get(line["sku"])
        line["has_product"] = product is not None
        line["grade"], line["product_line"] = product if product else (None, None)
    return lines, note


def _products(warehouse: duckdb.DuckDBPyConnection | None, skus: list[str]) -> tuple[dict, str | None]:
    if warehouse is None:
        return {}, "the working warehouse is not readable"
    try:
        found = warehouse.execute("select sku, grade, product_line from staging.stg_erp__products "
                                  "where sku in (select unnest(?))", [skus]).fetchall()
    except duckdb.Error as exc:
        return {}, f"staging.stg_erp__products not readable ({str(exc).splitlines()[0]})"
    return {sku: (grade, line) for sku, grade, line in found}, None


def _dec(value: Any, default: int = 0) -> Decimal:
    return Decimal(default) if value is None else Decimal(str(value))


def mix(lines: evidence.Rows) -> tuple[evidence.Rows, dict[str, Any]]:
    """Net amount per (grade, product line) and the shares recomputed from the lines."""
    groups: dict[tuple, dict[str, Any]] = {}
    for line in lines:
        name = (line["grade"], line["product_line"]) if line["has_product"] else ("(no product)", None)
        group = groups.setdefault(name, {"grade": name[0], "product_line": name[1], "lines": 0,
                                         "net_amount_cny": Decimal(0)})
        group["lines"] += 1
        group["net_amount_cny"] += line["net_amount_cny"] or 0
    with_product = [line for line in lines if line["has_product"]]
    base = sum((line["net_amount_cny"] or 0 for line in with_product), Decimal(0))
    for group in groups.values():
        group["share_of_product_net"] = (round(float(group["net_amount_cny"] / base), 4)
                                         if base > 0 and group["grade"] != "(no product)" else None)
    listed = sum((_dec(ln["quantity"]) * _dec(ln["unit_price"]) * _dec(ln["fx_rate"], 1) for ln in lines),
                 Decimal(0))
    discount = sum((_dec(ln["quantity"]) * _dec(ln["unit_price"]) * _dec(ln["discount_rate"]) * _dec(ln["fx_rate"], 1)
                    for ln in lines), Decimal(0))
    per_line: dict[str, Decimal] = {}
    for line in with_product:
        if line["product_line"] is not None:
            per_line[line["product_line"]] = per_line.get(line["product_line"], Decimal(0)) + line["net_amount_cny"]
    top = min(per_line.items(), key=lambda kv: (-kv[1], kv[0])) if per_line and base > 0 else None

    def share(part: Decimal) -> float | None:
        return round(float(part / base), 4) if base > 0 else None

    grade_net = {g: sum((ln["net_amount_cny"] for ln in with_product if ln["grade"] == g), Decimal(0))
                 for g in ("premium", "economy")}
    summary = {"discount_share_12m": round(float(discount / listed), 4) if listed > 0 else None,
               "premium_share_12m": share(grade_net["premium"]), "economy_share_12m": share(grade_net["economy"]),
               "top_product_line": top[0] if top else None, "top_line_share_12m": share(top[1]) if top else None}
    ordered = sorted(groups.values(), key=lambda g: (-g["net_amount_cny"], str(g["grade"]), str(g["product_line"])))
    return ordered, summary


def needs_section(serving, warehouse, key: str, d: date, latest: date) -> list[str]:
    lines = heading(f"7. Needs profile (marts.customer_needs, as of {latest})")
    row = evidence.metric(serving, "customer_needs", key)
    if row is None:
        lines.append("  no row (no counted order on or before D, or customer_needs not published)")
    else:
        lines += pairs(row, skip=("customer_key", "run_id"), indent="    ")
    if d != latest:
        lines.append(f"  customer_needs holds the latest as-of date {latest} only; the purchases below are those "
                     f"of {d}")
    bought, note = purchases(serving, warehouse, key, d)
    groups, summary = mix(bought)
    lines.append(f"  purchases behind the shares ({d} - 365 days < order_date <= {d}; counted lines, quantity > 0):")
    lines.append(f"  {len(bought)} purchase line(s); recomputed: " + ", ".join(
        f"{k} = {text(v)}" for k, v in summary.items()))
    if note:
        lines.append(f"  grade / product line: n/a — {note}")
    lines.append("  by grade and product line (net amount CNY; the share is of the purchases with a product):")
    lines += table(groups, MIX_COLS, indent="    ")
    if len(bought) > evidence.LINE_LIMIT:
        lines.append(f"  showing the latest {evidence.LINE_LIMIT} of {len(bought)}")
    return lines + table(bought[: evidence.LINE_LIMIT], PURCHASE_COLS)


def action_section(serving, warehouse, wh_note: str | None, key: str, latest: date,
                   rule_version: str | None) -> list[str]:
    lines = heading(f"8. Next action (marts.customer_actions, service playbook, as of {latest})")
    row = evidence.metric(serving, "customer_actions", key)
    if row is None:
        return lines + ["  no row (customer_actions not published)"]
    lines += pairs({k: row.get(k) for k in ("service_level", "next_action", "action_priority", "action_due_date",
                                            "action_owner", "action_condition") if k in row}, skip=(), indent="    ")
    fired = row.get("next_action")
    reason = row.get("action_reason") or "(no rule with an action holds: nothing to do)"
    lines.append(f"  why: rule {text(row.get('action_priority'))} ({text(fired)}) is the first rule of the "
                 f"playbook whose condition holds; the facts: {reason}")
    playbook = _playbook(warehouse, row.get("rule_version") or rule_version)
    if playbook is None:
        return lines + [f"  the playbook rules: n/a — {wh_note or 'rules.service_playbook not readable'}"]
    for rule in playbook:
        rule[""] = "->" if rule["priority"] == row.get("action_priority") else (
            "no" if rule["priority"] < (row.get("action_priority") or 0) else "")
    lines.append(f"  the playbook (rules.service_playbook, rule_version {text(row.get('rule_version'))}; "
                 "'no': checked first, did not hold; '->': fired):")
    return lines + table(playbook, PLAYBOOK_COLS, indent="    ")


def _playbook(warehouse, rule_version: str | None) -> evidence.Rows | None:
    if warehouse is None:
        return None
    try:
        return evidence.rows(warehouse, "select priority, action, condition, and_condition, due_days "
                                        "from rules.service_playbook where rule_version = ? order by priority",
                             [rule_version])
    except duckdb.Error:
        return None
