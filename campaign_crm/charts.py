"""Server-side SVG charts for the report pages: a line chart and a horizontal bar chart.

No JavaScript and nothing from outside: the markup is made here and put in the page. Every chart
is an `<svg role="img">` named by its own `<title>`; the page puts it in a `<figure>` with a
one-line summary and the data table beside it, so the numbers never live in the picture alone.
Series are told apart by colour *and* by line pattern and marker, and every colour has at least
3:1 contrast against white (WCAG 2.1, 1.4.1 and 1.4.11).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

# Dark enough for 3:1 (most 4.5:1) on white; the order is the order series get them.
PALETTE = ("#0b4f6c", "#a14a00", "#1d6b2f", "#6a1b9a", "#b00020", "#4a4f55", "#00607a", "#7a5c00")
DASHES = ("", "8 4", "2 3", "10 3 2 3", "4 4", "1 5", "12 6", "6 2 2 2")
MARKERS = ("circle", "square", "diamond", "triangle", "circle", "square", "diamond", "triangle")
INK = "#1b1b1b"
GRID = "#c9ced3"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"


def nl_number(value: float, decimals: int = 0) -> str:
    """1234.5 → "1.234,5" (Dutch thousands dot, decimal comma)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u00a0").replace(".", ",").replace("\u00a0", ".")


def nl_percent(value: float, decimals: int = 0) -> str:
    """0.625 → "62,5%" with the given decimals."""
    return nl_number(value * 100, decimals) + "%"


@dataclass(frozen=True)
class Series:
    """One line: (x, y) points in drawing order; y None leaves a gap. `step` draws a survival curve."""

    name: str
    points: Sequence[tuple[float, float | None]]
    step: bool = False
    dashed: bool = False
    markers: bool = True


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    note: str = ""  # text after the value, e.g. "(62%)"


@dataclass(frozen=True)
class Axis:
    """Ticks as (value, label); `label` names the axis."""

    label: str
    ticks: Sequence[tuple[float, str]] = field(default_factory=tuple)


def nice_ticks(high: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `high`: steps of 1, 2, 2.5 or 5 times a power of ten."""
    if high <= 0:
        return [0.0, 1.0]
    raw = high / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    top = math.ceil(high / step - 1e-9) * step
    return [round(i * step, 10) for i in range(round(top / step) + 1)]


def _text(x: float, y: float, content: str, *, anchor: str = "start", size: int = 13, weight: str = "400",
          extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" font-weight="{weight}" '
            f'fill="{INK}"{extra}>{escape(content)}</text>')


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}"/>'
    if kind == "diamond":
        return (f'<path d="M{x:.1f} {y - 4.5:.1f} L{x + 4.5:.1f} {y:.1f} L{x:.1f} {y + 4.5:.1f} '
                f'L{x - 4.5:.1f} {y:.1f} Z" fill="{colour}"/>')
    if kind == "triangle":
        return (f'<path d="M{x:.1f} {y - 4.5:.1f} L{x + 4.5:.1f} {y + 3.5:.1f} L{x - 4.5:.1f} {y + 3.5:.1f} Z" '
                f'fill="{colour}"/>')
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'


def _open(chart_id: str, title: str, width: int, height: int, css_class: str) -> list[str]:
    return [(f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" viewBox="0 0 {width} {height}" '
            f'role="img" aria-labelledby="{escape(chart_id)}-title" font-family="{FONT}" focusable="false">'),
            f'<title id="{escape(chart_id)}-title">{escape(title)}</title>']


def line_chart(series: Sequence[Series], *, chart_id: str, title: str, x_axis: Axis, y_axis: Axis | None = None,
               y_format: Callable[[float], str] = nl_number, y_max: float | None = None,
               width: int = 760, height: int = 340) -> Markup:
    """Lines on a shared x and y scale, with grid, axis labels and a legend under the plot.

    x values are plain numbers (a day count, or a date's ordinal); `x_axis.ticks` label them.
    Without `y_axis` ticks the y axis gets round ticks from 0 to the highest value (or `y_max`).
    """
    xs = [x for s in series for x, y in s.points if y is not None] + [t for t, _ in x_axis.ticks]
    y_ticks = _y_ticks(series, y_axis, y_format, y_max)
    legend_rows = math.ceil(len(series) / 3) if len(series) > 1 else 0
    left, right, top = 72, 48, 28
    bottom = 58 + 22 * legend_rows
    plot = _Plot(left, top, width - left - right, height - top - bottom,
                 _span(xs), _span([v for v, _ in y_ticks]))

    out = _open(chart_id, title, width, height, "line-chart")
    out.append('<g aria-hidden="true">')
    out.extend(_axes(plot, y_ticks, x_axis, y_axis.label if y_axis is not None else ""))
    out.extend(_lines(plot, series))
    if legend_rows:
        out.extend(_legend(plot, series))
    out.append("</g></svg>")
    return Markup("".join(out))


@dataclass(frozen=True)
class _Plot:
    """The plot area of a line chart (position and size) and the value ranges it spans."""

    left: int
    top: int
    width: int
    height: int
    x_range: tuple[float, float]
    y_range: tuple[float, float]

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def px(self, x: float) -> float:
        low, high = self.x_range
        return self.left + (x - low) / (high - low) * self.width

    def py(self, y: float) -> float:
        low, high = self.y_range
        return self.top + self.height - (y - low) / (high - low) * self.height


def _y_ticks(series: Sequence[Series], y_axis: Axis | None, y_format: Callable[[float], str],
             y_max: float | None) -> list[tuple[float, str]]:
    """The y axis's own ticks when it has them, else round ticks from 0 to the highest value (or `y_max`)."""
    if y_axis is not None and y_axis.ticks:
        return [(v, label) for v, label in y_axis.ticks]
    ys = [y for s in series for _, y in s.points if y is not None]
    return [(v, y_format(v)) for v in nice_ticks(max([*ys, y_max or 0, 0]))]


def _span(values: Sequence[float]) -> tuple[float, float]:
    """The lowest and highest value, at least 1 apart; (0, 1) for no values."""
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    return (low, low + 1) if high == low else (low, high)


def _style(index: int, s: Series) -> tuple[str, str]:
    """The colour and dash pattern of the index-th series; a dashed series is never drawn solid."""
    colour, dash = PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]
    if s.dashed and not dash:
        dash = "8 4"
    return colour, dash


def _axes(plot: _Plot, y_ticks: Sequence[tuple[float, str]], x_axis: Axis, y_label: str) -> list[str]:
    """Grid lines and labels for the y ticks, tick marks and labels for the x ticks, both axes and their names."""
    left, top, right, bottom = plot.left, plot.top, plot.left + plot.width, plot.bottom
    out = []
    for value, label in y_ticks:
        out.append(f'<line x1="{left}" x2="{right}" y1="{plot.py(value):.1f}" y2="{plot.py(value):.1f}" '
                   f'stroke="{GRID}" stroke-width="1"/>')
        out.append(_text(left - 8, plot.py(value) + 4, label, anchor="end", size=12))
    for value, label in x_axis.ticks:
        out.append(f'<line x1="{plot.px(value):.1f}" x2="{plot.px(value):.1f}" y1="{bottom}" y2="{bottom + 5}" '
                   f'stroke="{INK}"/>')
        out.append(_text(plot.px(value), bottom + 19, label, anchor="middle", size=12))
    out.append(f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="{INK}"/>')
    out.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{bottom}" stroke="{INK}"/>')
    if x_axis.label:
        out.append(_text(left + plot.width / 2, bottom + 38, x_axis.label, anchor="middle", size=12))
    if y_label:
        out.append(_text(left - 60, top - 12, y_label, size=12))
    return out


def _lines(plot: _Plot, series: Sequence[Series]) -> list[str]:
    """Each series as a path per run of known points, with its markers when it has them."""
    out = []
    for index, s in enumerate(series):
        colour, dash = _style(index, s)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        for run in _runs(s.points):
            path = _path([(plot.px(x), plot.py(y)) for x, y in run], step=s.step)
            out.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr} '
                       f'stroke-linejoin="round"/>')
            if s.markers:
                out.extend(_marker(MARKERS[index % len(MARKERS)], plot.px(x), plot.py(y), colour) for x, y in run)
    return out


def _legend(plot: _Plot, series: Sequence[Series]) -> list[str]:
    """Under the plot, three series a row: a line sample in the series' style, its marker and its name."""
    out = []
    column_w = plot.width / 3
    for index, s in enumerate(series):
        colour, dash = _style(index, s)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        x0 = plot.left + (index % 3) * column_w
        y0 = plot.bottom + 52 + 22 * (index // 3)
        out.append(f'<line x1="{x0:.1f}" x2="{x0 + 28:.1f}" y1="{y0:.1f}" y2="{y0:.1f}" stroke="{colour}" '
                   f'stroke-width="2.5"{dash_attr}/>')
        out.append(_marker(MARKERS[index % len(MARKERS)], x0 + 14, y0, colour))
        out.append(_text(x0 + 36, y0 + 4, s.name, size=12))
    return out


def _runs(points: Sequence[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    """Split a series at its gaps (y None) into runs of known points."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in points:
        if y is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((x, y))
    return [run for run in runs if run]


def _path(points: list[tuple[float, float]], *, step: bool) -> str:
    parts = [f"M{points[0][0]:.1f} {points[0][1]:.1f}"]
    for x, y in points[1:]:
        # A survival curve holds its level until the next event day, then drops.
        parts.append(f"H{x:.1f} V{y:.1f}" if step else f"L{x:.1f} {y:.1f}")
    return " ".join(parts)


def bar_chart(bars: Sequence[Bar], *, chart_id: str, title: str, value_format: Callable[[float], str] = nl_number,
              width: int = 760, bar_height: int = 26) -> Markup:
    """Horizontal bars, one per row, each with its value (and note) written at its end."""
    gap, top = 10, 8
    # Room for the longest label at about 7 units a character (13px system font), within reason.
    label_width = min(max([len(b.label) for b in bars] + [8]) * 7 + 16, 380)
    height = top * 2 + len(bars) * (bar_height + gap)
    high = max([b.value for b in bars] + [0]) or 1
    value_room = 150
    scale = (width - label_width - value_room) / high
    out = _open(chart_id, title, width, max(height, 40), "bar-chart")
    out.append('<g aria-hidden="true">')
    for index, bar in enumerate(bars):
        y = top + index * (bar_height + gap)
        length = max(bar.value * scale, 0)
        out.append(_text(label_width - 10, y + bar_height / 2 + 5, bar.label, anchor="end"))
        out.append(f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" '
                   f'fill="{PALETTE[0]}"/>')
        value = value_format(bar.value) + (f" {bar.note}" if bar.note else "")
        out.append(_text(label_width + length + 8, y + bar_height / 2 + 5, value, weight="600"))
    out.append(f'<line x1="{label_width}" x2="{label_width}" y1="{top - 4}" y2="{height - top + 4}" '
               f'stroke="{INK}"/>')
    out.append("</g></svg>")
    return Markup("".join(out))
