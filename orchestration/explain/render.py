"""Plain-text rendering for the terminal: aligned tables (CJK-aware widths) and key = value lines."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

MAX_CELL = 60


def text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | float):
        return f"{value:,.2f}" if abs(value) >= 1000 or isinstance(value, Decimal) else f"{value:g}"
    s = " ".join(str(value).split())
    return s if len(s) <= MAX_CELL else s[: MAX_CELL - 1] + "…"


def width(s: str) -> int:
    """Terminal columns of a string: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def pad(s: str, n: int, right: bool = False) -> str:
    fill = " " * max(n - width(s), 0)
    return fill + s if right else s + fill


def table(rows: Sequence[dict[str, Any]], cols: Sequence[str], indent: str = "  ") -> list[str]:
    """An aligned table; numeric columns right-aligned."""
    if not rows:
        return [f"{indent}(none)"]
    cells = [[text(r.get(c)) for c in cols] for r in rows]
    widths = [max(width(c), *(width(row[i]) for row in cells)) for i, c in enumerate(cols)]
    numeric = [all(isinstance(r.get(c), int | float | Decimal) and not isinstance(r.get(c), bool)
                   for r in rows if r.get(c) is not None) for c in cols]
    out = [indent + "  ".join(pad(c, w, n) for c, w, n in zip(cols, widths, numeric, strict=True)).rstrip(),
           indent + "  ".join("-" * w for w in widths)]
    for row in cells:
        out.append(indent + "  ".join(pad(c, w, n) for c, w, n in zip(row, widths, numeric, strict=True)).rstrip())
    return out


def pairs(row: dict[str, Any] | None, skip: Sequence[str] = ("customer_key",), indent: str = "  ") -> list[str]:
    """`key = value` lines of one row, in column order."""
    if row is None:
        return [f"{indent}(no row)"]
    keys = [k for k in row if k not in skip]
    w = max((len(k) for k in keys), default=0)
    return [f"{indent}{k.ljust(w)} = {text(row[k])}" for k in keys]


def heading(title: str) -> list[str]:
    return ["", title, "=" * width(title)]
