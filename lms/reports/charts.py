"""Charts as plain SVG geometry, drawn by templates/reports/_charts.html.

The SVG is part of the page (no scripts, no style attributes, colours as presentation attributes), so it
needs no external request and passes the Content-Security-Policy; its text uses the page's fonts, Chinese
included. Every chart sits next to a table with the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

PALETTE = ("#0b4f8a", "#e07b39", "#1f7a3d", "#8a4fb3")
INK = "#1d2733"
MUTED = "#5b6b7c"
GRID = "#d8dee6"


@dataclass
class Chart:
    key: str
    title: str
    width: int
    height: int
    rects: list[dict] = field(default_factory=list)
    texts: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    legend: list[dict] = field(default_factory=list)
    empty: bool = False


def nice_step(value: float, integer: bool = True) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) with four steps covering ``value``."""
    raw = max(value / 4, 1 if integer else 0.01)
    power = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 5, 10):
        if raw <= step * power:
            return step * power
    return 10 * power


def _fmt(value) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def column_chart(
    key: str,
    title: str,
    categories: list[str],
    series: list[tuple[str, list]],
    *,
    y_max: float | None = None,
    width: int = 640,
    height: int = 260,
) -> Chart:
    """Vertical bars: one group per category, one bar per series."""
    left, right, top, bottom = 48, 12, 14, 44 + (18 if len(series) > 1 else 0)
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [float(v or 0) for _name, vs in series for v in vs]
    top_value = y_max or 4 * nice_step(max(values, default=0))
    chart = Chart(key, title, width, height, empty=not any(values))
    for i in range(5):
        share = i / 4  # four steps: round numbers on the axis
        y = top + plot_h - share * plot_h
        chart.lines.append(
            {"x1": left, "y1": round(y, 1), "x2": width - right, "y2": round(y, 1), "stroke": GRID}
        )
        chart.texts.append(
            {
                "x": left - 6,
                "y": round(y + 4, 1),
                "text": _fmt(top_value * share),
                "anchor": "end",
                "fill": MUTED,
                "size": 11,
            }
        )
    n = max(len(categories), 1)
    group = plot_w / n
    bar_w = group * 0.8 / max(len(series), 1)
    longest = max((len(c) for c in categories), default=1)
    every = max(1, math.ceil(longest * 7.0 / group))  # skip labels rather than let them overlap
    for ci, category in enumerate(categories):
        gx = left + ci * group + group * 0.1
        for si, (name, vs) in enumerate(series):
            value = float(vs[ci] or 0)
            h = plot_h * value / top_value if top_value else 0
            chart.rects.append(
                {
                    "x": round(gx + si * bar_w, 1),
                    "y": round(top + plot_h - h, 1),
                    "width": round(max(bar_w - 2, 1), 1),
                    "height": round(h, 1),
                    "fill": PALETTE[si % len(PALETTE)],
                    "title": f"{category} · {name}: {_fmt(vs[ci])}",
                }
            )
        if ci % every == 0:
            chart.texts.append(
                {
                    "x": round(left + ci * group + group / 2, 1),
                    "y": top + plot_h + 16,
                    "text": category,
                    "anchor": "middle",
                    "fill": INK,
                    "size": 11,
                }
            )
    chart.lines.append(
        {"x1": left, "y1": top + plot_h, "x2": width - right, "y2": top + plot_h, "stroke": MUTED}
    )
    if len(series) > 1:
        x = left
        for si, (name, _vs) in enumerate(series):
            chart.legend.append({"x": x, "y": height - 14, "fill": PALETTE[si % len(PALETTE)], "text": name})
            x += 24 + 9 * len(name) if name.isascii() else 24 + 14 * len(name)
    return chart


def bar_chart(
    key: str,
    title: str,
    items: list[tuple[str, object, str]],
    *,
    max_value: float | None = None,
    width: int = 640,
    label_width: int = 220,
) -> Chart:
    """Horizontal bars, one per item: (label, value, value as shown)."""
    row, top = 30, 8
    height = top * 2 + row * max(len(items), 1)
    values = [float(v or 0) for _label, v, _shown in items]
    scale_max = max_value or max(values, default=0) or 1
    plot_w = width - label_width - 60
    chart = Chart(key, title, width, height, empty=not any(values))
    for i, (label, value, shown) in enumerate(items):
        y = top + i * row
        w = plot_w * float(value or 0) / scale_max
        chart.texts.append(
            {"x": label_width - 8, "y": y + 19, "text": label, "anchor": "end", "fill": INK, "size": 12}
        )
        chart.rects.append(
            {
                "x": label_width,
                "y": y + 5,
                "width": round(max(w, 0), 1),
                "height": row - 10,
                "fill": PALETTE[0],
                "title": f"{label}: {shown}",
            }
        )
        chart.texts.append(
            {
                "x": round(label_width + w + 6, 1),
                "y": y + 19,
                "text": shown,
                "anchor": "start",
                "fill": INK,
                "size": 12,
            }
        )
    chart.lines.append({"x1": label_width, "y1": top, "x2": label_width, "y2": height - top, "stroke": MUTED})
    return chart
