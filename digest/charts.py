"""The report's charts as PNG bytes: matplotlib's Agg backend, fixed size and resolution, no
metadata, so the same figures give the same bytes."""

from __future__ import annotations

import io
from typing import Any

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from digest.content import AREA_ONLY, DISTRICT_ONLY, TONES, DigestContent
from storage.vocabulary import TONE_LABELS

WIDTH_IN, HEIGHT_IN, DPI = 6.4, 3.4, 150
TONE_COLOURS = {"negative": "#c0392b", "neutral": "#95a5a6", "positive": "#27ae60"}
MAX_BARS = 10
Chart = tuple[str, bytes]  # caption, PNG
STYLE: dict[Any, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "svg.hashsalt": "duluan",
    "path.simplify": True,
}


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer, metadata={"Software": None})
    return buffer.getvalue()


def _short(text: str, width: int = 28) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def outlets_by_tone(content: DigestContent) -> bytes | None:
    """Stacked horizontal bars: the press's items per outlet, split by tone (the ten largest
    outlets; posts on social networks have their own table)."""
    outlets = [c.label for c in content.figures.by_outlet if c.count][:MAX_BARS]
    if not outlets:
        return None
    counts = {
        (outlet, tone): sum(
            1
            for i in content.annex
            if i.outlet == outlet and i.tone == tone and i.platform == "news"
        )
        for outlet in outlets
        for tone in TONES
    }
    with rc_context(STYLE):
        figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
        axes = figure.add_subplot()
        rows = list(range(len(outlets)))[::-1]
        left = [0] * len(outlets)
        for tone in TONES:
            values = [counts[(o, tone)] for o in outlets]
            axes.barh(rows, values, left=left, color=TONE_COLOURS[tone], label=TONE_LABELS[tone])
            left = [a + b for a, b in zip(left, values, strict=True)]
        axes.set_yticks(rows, [_short(o) for o in outlets])
        axes.set_xlabel("Số tin")
        axes.set_title("Số tin theo cơ quan báo chí và sắc thái")
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=3, frameon=False)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        figure.tight_layout()
        return _png(figure)


def communes(content: DigestContent) -> bytes | None:
    """Horizontal bars: items per commune (the old frame's old names, the new frame's units),
    the ten most named."""
    bars: list[tuple[str, int]]
    if content.figures.by_unit:
        bars = [
            ("Toàn địa bàn" if u.name == AREA_ONLY else u.name, u.count)
            for u in content.figures.by_unit
            if u.count
        ]
    else:
        bars = [
            (
                "Toàn huyện"
                if c.old == DISTRICT_ONLY
                else c.old
                if c.old != "—"
                else f"{c.new} (mới)",
                c.count,
            )
            for c in content.figures.by_commune
            if c.count
        ]
    bars = bars[:MAX_BARS]
    if len(bars) < 2:
        return None
    with rc_context(STYLE):
        figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
        axes = figure.add_subplot()
        rows = list(range(len(bars)))[::-1]
        axes.barh(rows, [count for _, count in bars], color="#2c6fbb", label="Kỳ này")
        axes.set_yticks(rows, [_short(label) for label, _ in bars])
        axes.set_xlabel("Số tin")
        axes.set_title(f"Số tin theo {content.communes_word}")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        figure.tight_layout()
        return _png(figure)


def charts(content: DigestContent) -> list[Chart]:
    """The charts worth drawing for this content, with their captions."""
    out = []
    first = outlets_by_tone(content)
    if first is not None:
        out.append(("Biểu đồ 1. Số tin theo cơ quan báo chí và sắc thái", first))
    second = communes(content)
    if second is not None:
        out.append((f"Biểu đồ {len(out) + 1}. Số tin theo {content.communes_word}", second))
    return out
