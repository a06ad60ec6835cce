"""The report's needs and action-list sections: what customers need, and what to do next, by whom.

Reads `marts.customer_needs`, `marts.customer_actions`, `marts.customer_classification` and
`marts.dim_customer` (company names and industry only: no contact data is selected). Like the
other sections, a table the serving file lacks leaves a note instead of failing the report.
"""

from __future__ import annotations

from typing import Any

import duckdb

from orchestration.report import charts
from orchestration.report.page import (
    TIER_LABELS,
    band,
    fmt_int,
    fmt_pct,
    fmt_text,
    legend,
    missing_section,
    section,
    table,
)
from orchestration.report.queries import Missing, rows
from orchestration.report.queries import section as guarded

NEEDS = ("quality", "price", "line_loyal", "service", "general")
NEED_LABELS = {"quality": "quality 重品质", "price": "price 重价格", "line_loyal": "line loyal 专一品类",
               "service": "service 重服务", "general": "general 综合"}
NEED_COLORS = dict(zip(NEEDS, ("#7c3aed", "#f59e0b", "#0d9488", "#2563eb", "#94a3b8"), strict=True))
ACTION_LABELS = {
    "collect_receivables": "collect receivables 催收", "retention_visit": "retention visit 挽留拜访",
    "retention_call": "retention call 挽留电话", "satisfaction_recovery": "satisfaction recovery 满意度修复",
    "win_back": "win back 唤回", "onboarding": "onboarding 新客引导", "growth_offer": "growth offer 增长方案",
    "account_review": "account review 客户复盘", "qualify_prospect": "qualify prospect 潜客甄别", "none": "none 无",
}
ACTION_LIST_LIMIT = 30
OWNER_LIMIT = 40


def collect(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The data of both sections (a `Missing` when a table cannot be read)."""
    return {"needs": guarded(needs_by_tier, con), "actions": guarded(action_list, con)}


def needs_by_tier(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Customers per tier x primary need (buyers), and needs matching per industry."""
    cells = rows(con, """
        with
        needs as (select * from marts.customer_needs),
        classification as (select * from marts.customer_classification),
        final as (
            select coalesce(classification.tier, '-') as tier, needs.primary_need, count(*) as customers
            from needs
            left join classification
                on classification.customer_key = needs.customer_key
            group by all
        )
        select * from final order by tier, primary_need
    """)
    industries = rows(con, """
        with
        needs as (select * from marts.customer_needs),
        customers as (select customer_key, industry from marts.dim_customer),
        final as (
            select
                coalesce(customers.industry, 'unknown') as industry,
                max(needs.expected_need) as expected_need,
                count(*) as buyers,
                count(needs.needs_match) as compared,
                count(*) filter (where needs.needs_match) as matched,
                count(*) filter (where not needs.needs_match) as mismatched
            from needs
            left join customers
                on customers.customer_key = needs.customer_key
            group by all
        )
        select *, matched / nullif(compared, 0) as match_rate from final order by industry
    """)
    return {"cells": cells, "industries": industries}


def action_list(con: duckdb.DuckDBPyConnection, limit: int = ACTION_LIST_LIMIT) -> dict[str, Any]:
    """Customers per next action and owner, and the customers to act on: overdue-risk ones first."""
    counts = rows(con, """
        with
        actions as (select * from marts.customer_actions),
        final as (
            select
                next_action,
                min(action_priority) as action_priority,
                coalesce(action_owner, '(no owner)') as action_owner,
                count(*) as customers,
                min(action_due_date) as first_due_date
            from actions
            group by next_action, coalesce(action_owner, '(no owner)')
        )
        select * from final order by action_priority, next_action, customers desc, action_owner
    """)
    shown = rows(con, f"""
        with
        actions as (select * from marts.customer_actions),
        classification as (select * from marts.customer_classification),
        customers as (select customer_key, customer_name from marts.dim_customer),
        final as (
            select
                actions.customer_key,
                customers.customer_name,
                classification.tier,
                classification.credit_risk,
                classification.revenue_12m,
                actions.next_action,
                actions.action_priority,
                actions.action_due_date,
                actions.action_owner,
                actions.action_reason,
                actions.next_action = 'collect_receivables' or classification.credit_risk = 'high' as overdue_risk
            from actions
            left join classification
                on classification.customer_key = actions.customer_key
            left join customers
                on customers.customer_key = actions.customer_key
            where actions.next_action <> 'none'
        )
        select * from final
        order by overdue_risk desc, action_priority, action_due_date, revenue_12m desc nulls last, customer_key
        limit {int(limit)}
    """)
    total = con.execute("select count(*) filter (where next_action <> 'none') from marts.customer_actions").fetchone()
    return {"counts": counts, "customers": shown, "with_action": int(total[0] or 0)}


def needs_section(data: dict[str, Any] | Missing) -> str:
    title = "Customer needs 客户需求"
    if isinstance(data, Missing):
        return missing_section("needs", title, data.reason)
    counts = {(c["tier"], c["primary_need"]): int(c["customers"]) for c in data["cells"]}
    tiers = [t for t in (*TIER_LABELS, "-") if any(k[0] == t for k in counts)]
    needs = list(NEEDS) + sorted({k[1] for k in counts} - set(NEEDS), key=str)
    body, bars = [], []
    for tier in tiers:
        total = sum(counts.get((tier, n), 0) for n in needs)
        label = TIER_LABELS.get(tier, "no tier 无")
        body.append([fmt_text(label)] + [f"{fmt_int(counts.get((tier, n), 0))} <small>"
                                         f"{fmt_pct(counts.get((tier, n), 0) / total if total else 0)}</small>"
                                         for n in needs] + [fmt_int(total)])
        bars.append((label, [(n.replace("_", " "), counts.get((tier, n), 0) / total if total else 0.0,
                              NEED_COLORS.get(n, "#64748b")) for n in needs]))
    matrix = table(["tier", *(NEED_LABELS.get(n, n) for n in needs), "buyers"], body,
                   numeric=tuple(range(1, len(needs) + 2)))
    chart = charts.stacked_share(bars, width=900, title="primary need per tier")
    industries = table(["industry", "expected need", "buyers", "compared", "matched", "mismatched", "match rate"],
                       [[fmt_text(r["industry"]), fmt_text(NEED_LABELS.get(r["expected_need"], r["expected_need"])),
                         fmt_int(r["buyers"]), fmt_int(r["compared"]), fmt_int(r["matched"]),
                         fmt_int(r["mismatched"]), fmt_pct(r["match_rate"])] for r in data["industries"]],
                       numeric=(2, 3, 4, 5, 6))
    note = ('<p class="sub">Compared: buyers whose industry has an expected need and whose primary need is not '
            "general. A low match rate means the industry's customers buy differently from what the sales "
            "approach assumes.</p>")
    return section("needs", title, "primary need of each buyer (first of quality, price, line loyal, service), "
                   "per tier, and how often it matches the need its industry usually leads with",
                   f"{chart}{legend([(NEED_LABELS[n], NEED_COLORS[n]) for n in NEEDS])}{matrix}"
                   f"<h3>Needs matching by industry</h3>{industries}{note}")


def actions_section(data: dict[str, Any] | Missing) -> str:
    title = "Action list 行动清单"
    if isinstance(data, Missing):
        return missing_section("actions", title, data.reason)
    per_action: dict[str, int] = {}
    for r in data["counts"]:
        per_action[r["next_action"]] = per_action.get(r["next_action"], 0) + int(r["customers"])
    bars = [charts.Bar(ACTION_LABELS.get(a, str(a)), float(n), charts.PALETTE[i % len(charts.PALETTE)])
            for i, (a, n) in enumerate(per_action.items())]
    chart = charts.hbar_chart(bars, lambda v: f"{v:,.0f}", label_width=190, title="customers per next action")
    counts = _owner_matrix(data["counts"])
    shown = data["customers"]
    listed = table(["customer", "tier", "credit risk", "action", "due", "owner", "why"],
                   [[f"{fmt_text(r['customer_name'])}<br><small>{fmt_text(r['customer_key'])}</small>",
                     fmt_text(r["tier"]), band(r["credit_risk"]),
                     fmt_text(ACTION_LABELS.get(r["next_action"], r["next_action"])),
                     fmt_text(r["action_due_date"]), fmt_text(r["action_owner"]), fmt_text(r["action_reason"])]
                    for r in shown])
    more = (f'<p class="sub">{fmt_int(len(shown))} of {fmt_int(data["with_action"])} customers with an action: '
            "overdue-risk customers (collect receivables, high credit risk) first, then by rule and due date.</p>")
    return section("actions", title, "the service playbook's next action per customer, by rule (1 = first "
                   "checked), owner and due date",
                   f"{chart}<h3>Customers per owner and action</h3>{counts}"
                   f"<h3>Customers to act on</h3>{more}{listed}")


def _owner_matrix(counts: list[dict[str, Any]], limit: int = OWNER_LIMIT) -> str:
    """Owners (rows, most customers with an action first) x actions (columns, in playbook order)."""
    actions = sorted({(r["action_priority"], r["next_action"]) for r in counts}, key=lambda p: (p[0] is None, p))
    cell = {(r["action_owner"], r["next_action"]): int(r["customers"]) for r in counts}
    owners: dict[str, int] = {}
    for r in counts:
        acting = int(r["customers"]) if r["next_action"] != "none" else 0
        owners[r["action_owner"]] = owners.get(r["action_owner"], 0) + acting
    ranked = sorted(owners, key=lambda o: (-owners[o], o))
    peak = max(cell.values(), default=0)
    head = "".join(f"<th>{fmt_int(p)}. {fmt_text(ACTION_LABELS.get(a, a))}</th>" for p, a in actions)
    trs = []
    for owner in ranked[:limit]:
        tds = "".join(f'<td class="n" style="background:{charts.heat_color(cell.get((owner, a), 0), peak)};'
                      f'{"color:#fff;" if peak and cell.get((owner, a), 0) > peak * 0.5 else ""}">'
                      f"{fmt_int(cell.get((owner, a), 0))}</td>" for _, a in actions)
        trs.append(f"<tr><th>{fmt_text(owner)}</th>{tds}<td class=\"n\">{fmt_int(owners[owner])}</td></tr>")
    more = (f'<p class="sub">{fmt_int(limit)} of {fmt_int(len(ranked))} owners shown (most customers with an '
            "action first).</p>" if len(ranked) > limit else "")
    return (f'<table><thead><tr><th>owner</th>{head}<th class="n">with an action</th></tr></thead>'
            f"<tbody>{''.join(trs)}</tbody></table>{more}")
