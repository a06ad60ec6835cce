"""The page around the sections: formatting helpers, labels, CSS and the HTML skeleton.

Self-contained on purpose: inline CSS, system fonts (CJK fonts listed first for the Chinese
labels), no scripts, no external resources, so the file opens offline in any browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from html import escape
from typing import Any

TIER_LABELS = {"A": "A · 大客户", "B": "B · 中型客户", "C": "C · 小客户"}
VALUE_LABELS = {"core": "core 核心", "important": "important 重要", "potential": "potential 潜力",
                "ordinary": "ordinary 一般", "inactive": "inactive 无交易"}
LIFECYCLE_LABELS = {"new": "new 新客户", "active": "active 活跃", "at_risk": "at risk 流失预警",
                    "dormant": "dormant 休眠", "churned": "churned 已流失", "prospect": "prospect 未成交"}
CREDIT_LABELS = {"high": "high 高风险", "medium": "medium 中风险", "low": "low 低风险"}
SIGNAL_LABELS = {"signal_overdue_order": "overdue order 下单逾期", "signal_frequency_drop": "fewer orders 频次下降",
                 "signal_interaction_drop": "fewer interactions 互动下降", "signal_complaint": "complaint 投诉",
                 "signal_overdue_payment": "overdue payment 回款逾期"}
BAND_COLORS = {"high": "#ef4444", "medium": "#f59e0b", "low": "#10b981"}

CSS = """
:root { --ink:#0f172a; --muted:#64748b; --line:#e2e8f0; --bg:#f1f5f9; --card:#fff; --accent:#2563eb; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font: 14px/1.5 "Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",
  "Helvetica Neue",Arial,sans-serif; }
header { background:linear-gradient(120deg,#1e3a8a,#2563eb); color:#fff; padding:28px 40px 22px; }
header h1 { margin:0 0 4px; font-size:24px; font-weight:600; }
header p { margin:0; opacity:.85; }
main { max-width:1200px; margin:0 auto; padding:24px 24px 48px; }
.kpis { display:grid; grid-template-columns:repeat(auto-fit,minmax(170px,1fr)); gap:12px; margin:-44px 0 20px; }
.kpi { background:var(--card); border-radius:10px; padding:14px 16px; box-shadow:0 1px 3px rgba(15,23,42,.12); }
.kpi .v { font-size:22px; font-weight:600; } .kpi .k { color:var(--muted); font-size:12px; }
section { background:var(--card); border-radius:10px; padding:18px 22px; margin:0 0 18px;
  box-shadow:0 1px 3px rgba(15,23,42,.08); }
section h2 { font-size:17px; margin:0 0 2px; } .sub { color:var(--muted); margin:0 0 12px; font-size:13px; }
.grid2 { display:grid; grid-template-columns:minmax(0,1fr) minmax(0,1fr); gap:18px; align-items:start; }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { padding:6px 8px; border-bottom:1px solid var(--line); text-align:left; vertical-align:top; }
th { color:var(--muted); font-weight:600; background:#f8fafc; }
td.n, th.n { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
.chart { max-width:100%; height:auto; display:block; }
.chart .lbl { font-size:12px; fill:#334155; } .chart .val { font-size:12px; fill:#0f172a; }
.chart .seg { font-size:11px; fill:#fff; font-weight:600; } .chart .track { fill:#f1f5f9; }
.chart .guide { stroke:#0f172a; stroke-width:2; stroke-dasharray:3 2; }
.chip { display:inline-block; padding:1px 7px; margin:1px 2px; border-radius:9px; font-size:11px;
  background:#fee2e2; color:#991b1b; white-space:nowrap; }
.band { display:inline-block; padding:1px 8px; border-radius:9px; color:#fff; font-size:11px; }
.ok { color:#047857; font-weight:600; } .bad { color:#b91c1c; font-weight:600; }
.warn { color:#b45309; font-weight:600; }
.note { color:var(--muted); font-style:italic; }
.legend span { display:inline-block; margin-right:14px; font-size:12px; color:#334155; }
.legend i { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:5px; }
footer { color:var(--muted); font-size:12px; text-align:center; padding:10px; }
"""


def num(value: Any) -> float:
    return float(value) if isinstance(value, int | float | Decimal) else 0.0


def fmt_int(value: Any) -> str:
    return "–" if value is None else f"{int(value):,}"


def fmt_money(value: Any) -> str:
    return "–" if value is None else f"¥{num(value):,.0f}"


def fmt_money2(value: Any) -> str:
    return "–" if value is None else f"{num(value):,.2f}"


def fmt_pct(value: Any) -> str:
    return "–" if value is None else f"{num(value):.1%}"


def fmt_text(value: Any) -> str:
    """Any value as escaped text (dates ISO, None as a dash)."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return escape(value.strftime("%Y-%m-%d %H:%M:%S"))
    if isinstance(value, date):
        return escape(value.isoformat())
    return escape(str(value))


def table(headers: Sequence[str], body: Sequence[Sequence[str]], numeric: Sequence[int] = ()) -> str:
    """A table from already-escaped cells; `numeric` column indexes are right-aligned."""
    head = "".join(f'<th class="n">{escape(h)}</th>' if i in numeric else f"<th>{escape(h)}</th>"
                   for i, h in enumerate(headers))
    trs = []
    for cells in body:
        tds = "".join(f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(cells))
        trs.append(f"<tr>{tds}</tr>")
    if not trs:
        trs.append(f'<tr><td colspan="{len(headers)}" class="note">none</td></tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(trs)}</tbody></table>"


def band(value: Any, labels: dict[str, str] | None = None) -> str:
    text = (labels or {}).get(value, value)
    color = BAND_COLORS.get(value, "#64748b")
    return f'<span class="band" style="background:{color}">{fmt_text(text)}</span>'


def legend(items: Sequence[tuple[str, str]]) -> str:
    return '<div class="legend">' + "".join(
        f'<span><i style="background:{escape(c)}"></i>{escape(label)}</span>' for label, c in items) + "</div>"


def kpis(items: Sequence[tuple[str, str]]) -> str:
    return '<div class="kpis">' + "".join(
        f'<div class="kpi"><div class="v">{value}</div><div class="k">{escape(label)}</div></div>'
        for label, value in items) + "</div>"


def section(anchor: str, title: str, subtitle: str, body: str) -> str:
    return (f'<section id="{escape(anchor)}"><h2>{escape(title)}</h2><p class="sub">{escape(subtitle)}</p>'
            f"{body}</section>")


def missing_section(anchor: str, title: str, reason: str) -> str:
    """A section whose source table could not be read: the reason instead of the figures."""
    return section(anchor, title, "not available in this serving database",
                   f'<p class="note">{escape(reason)}</p>')


def page(title: str, subtitle: str, body: str, footer: str) -> str:
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
            f"<header><h1>{escape(title)}</h1><p>{escape(subtitle)}</p></header>"
            f"<main>{body}</main><footer>{escape(footer)}</footer></body></html>")
