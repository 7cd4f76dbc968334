"""Charts drawn on the server as SVG: no script library, nothing for the CSP to block.

Each chart has a title, labelled axes with units, a legend when there are
several series, and a colour-blind-safe palette (Okabe and Ito). Pages show
the same numbers as a table next to the chart, so nothing is only visual.
Every piece of text is escaped here; templates insert the result with
``|safe``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)
_FONT = 'font-family="system-ui, sans-serif" font-size="11"'


@dataclass(frozen=True)
class Series:
    """One named run of values, one per category."""

    label: str
    values: Sequence[float]


def compact_number(value: float) -> str:
    """1234 -> 1.2k, 78800000 -> 78.8M: short labels for axes."""
    magnitude = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if magnitude >= limit:
            text = f"{value / limit:.1f}".rstrip("0").rstrip(".")
            return f"{text}{suffix}"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def nice_ticks(maximum: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``maximum`` (1, 2 or 5 times a power of ten)."""
    if maximum <= 0:
        return [0.0, 1.0]
    raw = maximum / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    top = math.ceil(maximum / step) * step
    return [i * step for i in range(round(top / step) + 1)]


def _svg_open(width: int, height: int, title: str, chart_id: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="chart" role="img" aria-labelledby="{chart_id}-title">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
    ]


def _as_series(items: Sequence[Series | Mapping[str, Any]]) -> list[Series]:
    """Series given as objects or, from templates and JSON data, as {"label", "values"} maps."""
    return [
        item if isinstance(item, Series) else Series(str(item["label"]), list(item["values"]))
        for item in items
    ]


def stacked_columns(
    categories: Sequence[str],
    series_data: Sequence[Series | Mapping[str, Any]],
    *,
    title: str,
    y_label: str,
    chart_id: str,
    width: int = 720,
    height: int = 320,
    fmt: Callable[[float], str] = compact_number,
) -> str:
    """Vertical columns, one per category (e.g. year), stacked by series (e.g. type of breach)."""
    series = _as_series(series_data)
    left, right, top, bottom = 56, 12, 28, 64
    legend_rows = math.ceil(len(series) / 3) if len(series) > 1 else 0
    height += legend_rows * 16
    plot_w, plot_h = width - left - right, height - top - bottom - legend_rows * 16
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    ticks = nice_ticks(max(totals, default=0))
    scale = plot_h / ticks[-1] if ticks[-1] else 0
    parts = _svg_open(width, height, title, chart_id)
    parts.append(f'<text x="{left}" y="16" {_FONT} font-weight="bold">{escape(title)}</text>')
    for tick in ticks:
        y = top + plot_h - tick * scale
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" {_FONT}>'
            f"{escape(fmt(tick))}</text>"
        )
    parts.append(
        f'<text transform="translate(12 {top + plot_h / 2:.0f}) rotate(-90)" '
        f'text-anchor="middle" {_FONT}>{escape(y_label)}</text>'
    )
    slot = plot_w / max(len(categories), 1)
    bar = max(slot * 0.7, 1)
    label_every = max(1, math.ceil(len(categories) / 20))
    for i, category in enumerate(categories):
        x = left + i * slot + (slot - bar) / 2
        base = float(top + plot_h)
        for colour, s in zip(_colours(len(series)), series, strict=True):
            value = s.values[i]
            if value <= 0:
                continue
            h = value * scale
            base -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{escape(category)}, {escape(s.label)}: '
                f"{escape(fmt(value))}</title></rect>"
            )
        if i % label_every == 0:
            cx = left + i * slot + slot / 2
            parts.append(
                f'<text x="{cx:.1f}" y="{top + plot_h + 14}" text-anchor="end" '
                f'transform="rotate(-45 {cx:.1f} {top + plot_h + 14})" {_FONT}>'
                f"{escape(category)}</text>"
            )
    parts.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" '
        'stroke="#555"/>'
    )
    if len(series) > 1:
        parts.extend(_legend(series, left, height - legend_rows * 16 - 4, plot_w))
    parts.append("</svg>")
    return "".join(parts)


def horizontal_bars(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    x_label: str,
    chart_id: str,
    width: int = 720,
    fmt: Callable[[float], str] = compact_number,
) -> str:
    """One horizontal bar per label (size buckets, top entities), value printed at its end."""
    left, right, top, row = 180, 70, 28, 22
    height = top + row * len(labels) + 30
    plot_w = width - left - right
    scale = plot_w / max(max(values, default=0), 1)
    parts = _svg_open(width, height, title, chart_id)
    parts.append(f'<text x="8" y="16" {_FONT} font-weight="bold">{escape(title)}</text>')
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * row
        short = label if len(label) <= 30 else label[:29] + "…"
        parts.append(
            f'<text x="{left - 6}" y="{y + 14}" text-anchor="end" {_FONT}>'
            f"<title>{escape(label)}</title>{escape(short)}</text>"
            f'<rect x="{left}" y="{y + 3}" width="{max(value * scale, 1):.1f}" height="{row - 6}" '
            f'fill="{PALETTE[0]}"/>'
            f'<text x="{left + value * scale + 4:.1f}" y="{y + 14}" {_FONT}>'
            f"{escape(fmt(value))}</text>"
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 6}" text-anchor="middle" {_FONT}>'
        f"{escape(x_label)}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def _colours(count: int) -> list[str]:
    return [PALETTE[i % len(PALETTE)] for i in range(count)]


def _legend(series: Sequence[Series], left: int, y: float, width: int) -> list[str]:
    parts = []
    column = width / 3
    for i, (colour, s) in enumerate(zip(_colours(len(series)), series, strict=True)):
        x = left + (i % 3) * column
        row_y = y + (i // 3) * 16
        parts.append(
            f'<rect x="{x:.0f}" y="{row_y - 9:.0f}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14:.0f}" y="{row_y:.0f}" {_FONT}>{escape(s.label)}</text>'
        )
    return parts
