"""SVG charts drawn on the server for the console: bars and stacked columns whose every bar is a
link, with a tooltip (`<title>`) and an accessible name. No script and no library: the console
works offline, and the charts scale to the page (viewBox, width 100% in the style sheet).

Text is escaped here; the shapes' sizes are numbers this module computes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

BAR_WIDTH = 400  # the viewBox width of a bar chart
ROW = 26  # the height of one bar's row
LABEL = 150  # the width kept for the labels on the left
NUMBER = 40  # the width kept for the numbers on the right
LABEL_CHARS = 20  # longer labels are shortened (the whole label stays in the tooltip)
COLUMNS_WIDTH = 600
COLUMNS_HEIGHT = 220
AXIS = 24  # the room under the columns for their labels
HEADROOM = 30  # the room over the tallest column for its total
PAD = 24  # the room left and right, so the outer labels are not cut off


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value, where it leads and its tooltip."""

    label: str
    value: int
    href: str
    title: str


@dataclass(frozen=True)
class Part:
    """One segment of a stacked column; `kind` names its CSS class (`part-KIND`)."""

    kind: str
    value: int
    href: str
    title: str


@dataclass(frozen=True)
class Column:
    """One stacked column: its label under it, its segments bottom up, and its total written
    on top with a link (the total may count what no segment shows)."""

    label: str
    parts: tuple[Part, ...]
    total: int
    href: str
    title: str


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def bars(items: Sequence[Bar], name: str) -> Markup:
    """Horizontal bars, one row each, longest scaled to the width; `name` is the chart's
    accessible name. An empty list draws nothing (the page says there is nothing)."""
    if not items:
        return Markup("")
    top = max(max(b.value for b in items), 1)
    span = BAR_WIDTH - LABEL - NUMBER
    height = ROW * len(items)
    out = [
        f'<svg class="chart bars" viewBox="0 0 {BAR_WIDTH} {height}" '
        f'preserveAspectRatio="xMinYMin meet" aria-label="{escape(name)}">'
    ]
    for row, bar in enumerate(items):
        y = row * ROW
        width = round(span * bar.value / top, 1) if bar.value else 0
        out.append(
            f'<a href="{escape(bar.href)}" aria-label="{escape(bar.title)}">'
            f"<title>{escape(bar.title)}</title>"
            f'<rect class="hit" x="0" y="{y}" width="{BAR_WIDTH}" height="{ROW}"></rect>'
            f'<text class="label" x="{LABEL - 6}" y="{y + ROW * 0.65:.1f}" '
            f'text-anchor="end">{escape(_short(bar.label))}</text>'
            f'<rect class="bar" x="{LABEL}" y="{y + 4}" width="{width}" height="{ROW - 8}">'
            "</rect>"
            f'<text class="value" x="{LABEL + width + 4}" y="{y + ROW * 0.65:.1f}">'
            f"{bar.value}</text></a>"
        )
    out.append("</svg>")
    return Markup("".join(out))


def columns(items: Sequence[Column], name: str) -> Markup:
    """Stacked columns left to right, their segments bottom up, the total on top; `name` is
    the chart's accessible name."""
    if not items:
        return Markup("")
    top = max(max(max(c.total, sum(p.value for p in c.parts)) for c in items), 1)
    slot = (COLUMNS_WIDTH - 2 * PAD) / len(items)
    width = slot * 0.7
    room = COLUMNS_HEIGHT - AXIS - HEADROOM  # the tallest column, under its total
    base = COLUMNS_HEIGHT - AXIS
    out = [
        f'<svg class="chart columns" viewBox="0 0 {COLUMNS_WIDTH} {COLUMNS_HEIGHT}" '
        f'preserveAspectRatio="xMidYMid meet" aria-label="{escape(name)}">',
        f'<line class="axis" x1="0" y1="{base}" x2="{COLUMNS_WIDTH}" y2="{base}"></line>',
    ]
    for index, column in enumerate(items):
        x = PAD + index * slot + (slot - width) / 2
        y = float(base)
        for part in column.parts:
            if not part.value:
                continue
            height = room * part.value / top
            y -= height
            out.append(
                f'<a href="{escape(part.href)}" aria-label="{escape(part.title)}">'
                f"<title>{escape(part.title)}</title>"
                f'<rect class="part-{escape(part.kind)}" x="{x:.1f}" y="{y:.1f}" '
                f'width="{width:.1f}" height="{height:.1f}"></rect></a>'
            )
        middle = x + width / 2
        # every other label from the newest one: a phone's style sheet hides the others
        minor = " minor" if (len(items) - 1 - index) % 2 else ""
        out.append(
            f'<a href="{escape(column.href)}" aria-label="{escape(column.title)}">'
            f"<title>{escape(column.title)}</title>"
            f'<text class="total" x="{middle:.1f}" y="{y - 4:.1f}" text-anchor="middle">'
            f"{column.total}</text>"
            f'<text class="label{minor}" x="{middle:.1f}" y="{COLUMNS_HEIGHT - 6}" '
            f'text-anchor="middle">{escape(column.label)}</text></a>'
        )
    out.append("</svg>")
    return Markup("".join(out))
