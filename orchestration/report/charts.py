"""Inline SVG charts, written by hand: no JavaScript, no fonts or images to fetch.

The SVG is embedded in the HTML page (no `xmlns` needed there), so the report stays one file
that opens offline. Every label is escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#2563eb", "#0d9488", "#f59e0b", "#8b5cf6", "#ef4444", "#64748b", "#14b8a6", "#ec4899")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    color: str = PALETTE[0]
    guide: float | None = None  # a reference value drawn as a dashed marker (e.g. the 10/30/60 guideline)


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def hbar_chart(bars: Sequence[Bar], fmt: Callable[[float], str], *, width: int = 560, row: int = 30,
               label_width: int = 150, title: str = "") -> str:
    """Horizontal bars on a light track, the value right of the track, an optional dashed guide marker."""
    top = 8
    height = top + row * max(len(bars), 1) + 8
    plot = width - label_width - 90
    peak = max([b.value for b in bars] + [b.guide or 0 for b in bars] + [0]) or 1
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
             f"<title>{escape(title)}</title>"]
    for i, bar in enumerate(bars):
        y = top + i * row
        w = max(bar.value, 0) / peak * plot
        parts.append(f'<text x="{label_width - 8}" y="{_num(y + row / 2 + 4)}" text-anchor="end" '
                     f'class="lbl">{escape(bar.label)}</text>')
        parts.append(f'<rect x="{label_width}" y="{y + 5}" width="{_num(plot)}" height="{row - 10}" rx="3" '
                     f'class="track"/>')
        parts.append(f'<rect x="{label_width}" y="{y + 5}" width="{_num(w)}" height="{row - 10}" rx="3" '
                     f'fill="{escape(bar.color)}"/>')
        parts.append(f'<text x="{_num(label_width + plot + 8)}" y="{_num(y + row / 2 + 4)}" '
                     f'class="val">{escape(fmt(bar.value))}</text>')
        if bar.guide is not None:
            gx = label_width + bar.guide / peak * plot
            parts.append(f'<line x1="{_num(gx)}" x2="{_num(gx)}" y1="{y + 1}" y2="{y + row - 1}" class="guide"/>')
    parts.append("</svg>")
    return "".join(parts)


def stacked_share(rows: Sequence[tuple[str, Sequence[tuple[str, float, str]]]], *, width: int = 560,
                  label_width: int = 110, title: str = "") -> str:
    """100% stacked bars, one per row: (row label, [(segment label, share 0..1, color), ...])."""
    row, top = 38, 6
    height = top + row * len(rows) + 4
    plot = width - label_width - 10
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
             f"<title>{escape(title)}</title>"]
    for i, (label, segments) in enumerate(rows):
        y = top + i * row
        parts.append(f'<text x="{label_width - 8}" y="{y + 22}" text-anchor="end" class="lbl">{escape(label)}</text>')
        x = float(label_width)
        for seg_label, share, color in segments:
            w = max(share, 0) * plot
            parts.append(f'<rect x="{_num(x)}" y="{y + 4}" width="{_num(w)}" height="{row - 10}" '
                         f'fill="{escape(color)}"><title>{escape(seg_label)}: {share:.1%}</title></rect>')
            if w >= 46:
                parts.append(f'<text x="{_num(x + w / 2)}" y="{y + 22}" text-anchor="middle" class="seg">'
                             f"{escape(seg_label)} {share:.0%}</text>")
            x += w
    parts.append("</svg>")
    return "".join(parts)


def heat_color(value: float, peak: float) -> str:
    """A blue shade for a matrix cell (white at 0, deep blue at the peak)."""
    if peak <= 0 or value <= 0:
        return "#f8fafc"
    t = 0.15 + 0.85 * min(value / peak, 1.0)
    r, g, b = (int(round(255 - (255 - c) * t)) for c in (37, 99, 235))
    return f"#{r:02x}{g:02x}{b:02x}"
