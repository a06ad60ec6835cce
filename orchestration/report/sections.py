"""One renderer per report section: rows from `queries` in, escaped HTML (with inline SVG) out."""

from __future__ import annotations

from typing import Any

from orchestration.report import charts
from orchestration.report.page import (
    CREDIT_LABELS,
    LIFECYCLE_LABELS,
    SIGNAL_LABELS,
    TIER_LABELS,
    VALUE_LABELS,
    band,
    fmt_int,
    fmt_money,
    fmt_money2,
    fmt_pct,
    fmt_text,
    kpis,
    legend,
    missing_section,
    num,
    section,
    table,
)
from orchestration.report.queries import SIGNALS, Migration, Missing

TIER_COLORS = {"A": "#1d4ed8", "B": "#0d9488", "C": "#94a3b8"}


def overview(data: dict[str, Any] | Missing, credit: dict[str, Any] | Missing) -> str:
    if isinstance(data, Missing):
        return missing_section("overview", "Overview", data.reason)
    items = [("customers 客户", fmt_int(data["customers"])), ("buyers (tiered) 成交客户", fmt_int(data["buyers"])),
             ("revenue, last 12 months 近12月收入", fmt_money(data["revenue_12m"])),
             ("high churn risk 高流失风险", fmt_int(data["high_churn_risk"]))]
    if not isinstance(credit, Missing):
        items += [("receivables outstanding 应收", fmt_money(credit["outstanding_amount"])),
                  ("overdue 逾期", fmt_money(credit["overdue_amount"]))]
    return kpis(items)


def tiers(data: list[dict] | Missing) -> str:
    title = "Customer tiers vs the 10/30/60 guideline 客户分级"
    if isinstance(data, Missing):
        return missing_section("tiers", title, data.reason)
    bars = [charts.Bar(TIER_LABELS[r["tier"]], num(r["share"]), TIER_COLORS[r["tier"]], r["guideline"]) for r in data]
    chart = charts.hbar_chart(bars, lambda v: f"{v:.1%}", title="share of customers per tier")
    stacked = charts.stacked_share([
        ("actual 实际", [(r["tier"], num(r["share"]), TIER_COLORS[r["tier"]]) for r in data]),
        ("guideline 参考", [(r["tier"], r["guideline"], TIER_COLORS[r["tier"]]) for r in data]),
        ("revenue 收入", [(r["tier"], num(r["revenue_share"]), TIER_COLORS[r["tier"]]) for r in data]),
    ], title="tier mix: actual, guideline and revenue")
    body = table(["tier", "customers", "share", "guideline", "revenue 12m", "revenue share"],
                 [[fmt_text(TIER_LABELS[r["tier"]]), fmt_int(r["customers"]), fmt_pct(r["share"]),
                   fmt_pct(r["guideline"]), fmt_money(r["revenue_12m"]), fmt_pct(r["revenue_share"])] for r in data],
                 numeric=(1, 2, 3, 4, 5))
    note = ('<p class="sub">Dashed marker: the guideline share (A 10%, B 30%, C 60%). '
            "Tiers count customers with a counted order on or before the as-of date.</p>")
    return section("tiers", title, "A: revenue_12m above the A threshold; B: between the thresholds; C: below",
                   f'<div class="grid2"><div>{chart}{note}</div><div>{stacked}{body}</div></div>')


def value_classes(data: list[dict] | Missing) -> str:
    title = "Value classes 客户价值"
    if isinstance(data, Missing):
        return missing_section("values", title, data.reason)
    bars = [charts.Bar(VALUE_LABELS.get(r["value_class"], str(r["value_class"])), num(r["customers"]),
                       charts.PALETTE[i % len(charts.PALETTE)]) for i, r in enumerate(data)]
    chart = charts.hbar_chart(bars, lambda v: f"{v:,.0f}", title="customers per value class")
    body = table(["value class", "customers", "revenue 12m", "gross profit 12m", "avg recency (days)"],
                 [[fmt_text(VALUE_LABELS.get(r["value_class"], r["value_class"])), fmt_int(r["customers"]),
                   fmt_money(r["revenue_12m"]), fmt_money(r["gross_profit_12m"]),
                   "–" if r["avg_recency_days"] is None else f"{num(r['avg_recency_days']):,.0f}"] for r in data],
                 numeric=(1, 2, 3, 4))
    return section("values", title, "first match wins: inactive, core, important, potential, ordinary",
                   f'<div class="grid2"><div>{chart}</div><div>{body}</div></div>')


def lifecycle(data: list[dict] | Missing) -> str:
    title = "Lifecycle stages 生命周期"
    if isinstance(data, Missing):
        return missing_section("lifecycle", title, data.reason)
    bars = [charts.Bar(LIFECYCLE_LABELS.get(r["lifecycle_stage"], str(r["lifecycle_stage"])), num(r["customers"]),
                       charts.PALETTE[(i + 1) % len(charts.PALETTE)]) for i, r in enumerate(data)]
    chart = charts.hbar_chart(bars, lambda v: f"{v:,.0f}", title="customers per lifecycle stage")
    body = table(["stage", "customers", "revenue 12m"],
                 [[fmt_text(LIFECYCLE_LABELS.get(r["lifecycle_stage"], r["lifecycle_stage"])), fmt_int(r["customers"]),
                   fmt_money(r["revenue_12m"])] for r in data], numeric=(1, 2))
    return section("lifecycle", title, "every customer of the dimension, prospects (no counted order) included",
                   f'<div class="grid2"><div>{chart}</div><div>{body}</div></div>')


def migration(data: Migration | Missing) -> str:
    title = "Tier migration 分级变化"
    if isinstance(data, Missing):
        return missing_section("migration", title, data.reason)
    if data.previous is None:
        note = (f"First run: no previous as-of date to compare with (classification history holds only "
                f"{fmt_text(data.current)})." if data.published_dates <= 1 else
                f"No as-of date before {fmt_text(data.current)} in the classification history: nothing to compare.")
        return section("migration", title, "from the previous as-of date to this one", f'<p class="note">{note}</p>')
    labels = ["A", "B", "C", "-"]
    labels += sorted(({c["from_tier"] for c in data.cells} | {c["to_tier"] for c in data.cells}) - set(labels))
    counts = {(c["from_tier"], c["to_tier"]): int(c["customers"]) for c in data.cells}
    peak = max(counts.values(), default=0)
    name = {**TIER_LABELS, "-": "no tier 无"}
    head = "".join(f'<th class="n">to {fmt_text(name.get(t, t))}</th>' for t in labels)
    trs = []
    for f in labels:
        tds = "".join(f'<td class="n" style="background:{charts.heat_color(counts.get((f, t), 0), peak)};'
                      f'{"color:#fff;" if peak and counts.get((f, t), 0) > peak * 0.5 else ""}">'
                      f"{fmt_int(counts.get((f, t), 0))}</td>" for t in labels)
        trs.append(f"<tr><th>from {fmt_text(name.get(f, f))}</th>{tds}</tr>")
    rank = {"A": 0, "B": 1, "C": 2}
    tiered = [(rank[f], rank[t], v) for (f, t), v in counts.items() if f in rank and t in rank]
    up, down = sum(v for f, t, v in tiered if t < f), sum(v for f, t, v in tiered if t > f)
    entered = sum(v for (f, t), v in counts.items() if f not in rank and t in rank)
    left = sum(v for (f, t), v in counts.items() if f in rank and t not in rank)
    matrix = f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{''.join(trs)}</tbody></table>"
    summary = (f'<p class="sub">{fmt_int(up)} moved up, {fmt_int(down)} moved down, {fmt_int(entered)} gained a tier, '
               f"{fmt_int(left)} lost their tier. “no tier”: no counted order then, or not a customer then.</p>")
    return section("migration", title,
                   f"from {fmt_text(data.previous)} (rows) to {fmt_text(data.current)} (columns)", matrix + summary)


def churn(data: list[dict] | Missing) -> str:
    title = "Top 20 churn risks 流失预警"
    if isinstance(data, Missing):
        return missing_section("churn", title, data.reason)
    body = []
    for r in data:
        chips = "".join(f'<span class="chip">{fmt_text(SIGNAL_LABELS[s])}</span>' for s in SIGNALS if r.get(s))
        body.append([f"{fmt_text(r['customer_name'])}<br><small>{fmt_text(r['customer_key'])}</small>",
                     fmt_text(r["city"]), fmt_text(r["tier"]), fmt_money(r["revenue_12m"]),
                     fmt_int(r["churn_risk_score"]), band(r["churn_risk_band"]),
                     fmt_text(LIFECYCLE_LABELS.get(r["lifecycle_stage"], r["lifecycle_stage"])),
                     fmt_int(r["days_since_last_order"]), chips])
    return section("churn", title, "highest churn_risk_score first, then the larger revenue_12m; score = "
                   "35 overdue order + 25 fewer orders + 15 fewer interactions + 15 complaint + 10 overdue payment",
                   table(["customer", "city", "tier", "revenue 12m", "score", "band", "stage",
                          "days since order", "signals"], body, numeric=(3, 4, 7)))


def credit(data: dict[str, Any] | Missing) -> str:
    title = "Receivables risk 应收账款风险"
    if isinstance(data, Missing):
        return missing_section("credit", title, data.reason)
    bands = data["bands"]
    colors = {"high": "#ef4444", "medium": "#f59e0b", "low": "#10b981"}
    bars = [charts.Bar(CREDIT_LABELS.get(b["credit_risk"], str(b["credit_risk"])), num(b["outstanding_amount"]),
                       colors.get(b["credit_risk"], "#64748b")) for b in bands]
    chart = charts.hbar_chart(bars, lambda v: f"¥{v:,.0f}", title="outstanding amount per credit risk band")
    band_table = table(["credit risk", "customers", "outstanding", "overdue"],
                       [[band(b["credit_risk"], CREDIT_LABELS), fmt_int(b["customers"]),
                         fmt_money(b["outstanding_amount"]), fmt_money(b["overdue_amount"])] for b in bands],
                       numeric=(1, 2, 3))
    top = table(["customer", "outstanding (CNY)", "overdue (CNY)", "max days overdue", "risk"],
                [[f"{fmt_text(r['customer_name'])}<br><small>{fmt_text(r['customer_key'])}</small>",
                  fmt_money2(r["outstanding_amount"]), fmt_money2(r["overdue_amount"]), fmt_int(r["max_days_overdue"]),
                  band(r["credit_risk"], CREDIT_LABELS)] for r in data["top_overdue"]], numeric=(1, 2, 3))
    return section("credit", title, "unpaid invoices as of the as-of date; high: more than 90 days overdue, "
                   "medium: more than 30",
                   f'<div class="grid2"><div>{chart}{legend([(CREDIT_LABELS[k], v) for k, v in colors.items()])}</div>'
                   f"<div>{band_table}</div></div><h3>Largest overdue balances</h3>{top}")


def quality(data: dict[str, Any] | Missing) -> str:
    title = "Data quality of this run 数据质量"
    if isinstance(data, Missing):
        return missing_section("quality", title, data.reason)
    run = data["run"]
    if run is None:
        return section("quality", title, "audit.runs", '<p class="note">No run recorded.</p>')
    checks = data["checks"]
    failed_cls, warn_cls = ("bad" if checks["failed"] else "ok"), ("warn" if checks["warnings"] else "ok")
    status = (f'<span class="ok">{fmt_int(checks["passed"])} passed</span> · '
              f'<span class="{failed_cls}">{fmt_int(checks["failed"])} failed (blocking)</span> · '
              f'<span class="{warn_cls}">{fmt_int(checks["warnings"])} warnings</span> '
              f'of {fmt_int(checks["evaluated"])} checks')
    recon = ('<span class="ok">every loaded file reconciles (read = loaded + quarantined)</span>'
             if not data["unreconciled_files"] else
             f'<span class="bad">{fmt_int(data["unreconciled_files"])} file(s) do not reconcile</span>')
    feeds = data["feeds"]
    totals = {k: sum(int(f[k]) for f in feeds) for k in ("files", "rows_read", "rows_loaded", "rows_quarantined")}
    feed_rows = [[fmt_text(f["feed"]), fmt_int(f["files"]), fmt_int(f["loaded_files"]), fmt_int(f["skipped_files"]),
                  fmt_int(f["rejected_files"]), fmt_int(f["rows_read"]), fmt_int(f["rows_loaded"]),
                  fmt_int(f["rows_quarantined"])] for f in feeds]
    if feeds:
        feed_rows.append(["<b>total</b>", fmt_int(totals["files"]), "", "", "", fmt_int(totals["rows_read"]),
                          fmt_int(totals["rows_loaded"]), fmt_int(totals["rows_quarantined"])])
    failed = table(["asset", "check", "severity", "observed"],
                   [[fmt_text(c["asset"]), fmt_text(c["check_name"]), fmt_text(c["severity"]), fmt_text(c["observed"])]
                    for c in data["failed"]])
    run_line = (f"run {fmt_text(run['run_id'])} · as of {fmt_text(run['as_of_date'])}"
                f" · status {fmt_text(run['status'])} · rules {fmt_text(run['rule_version'])}"
                f" · finished {fmt_text(run['finished_at'])}")
    return section("quality", title, "audit.runs, audit.load_log and audit.check_results of the published run",
                   f"<p>{run_line}</p><p>{status}</p><p>{recon}</p>"
                   + table(["feed", "files", "loaded", "skipped (duplicate)", "rejected", "rows read", "rows loaded",
                            "rows quarantined"], feed_rows, numeric=(1, 2, 3, 4, 5, 6, 7))
                   + "<h3>Checks not passed</h3>" + failed)
