"""Plain-text output shared by the commands: aligned tables, cut text, Vietnamese times."""

from __future__ import annotations

from datetime import datetime

from crawler.dates import VIETNAM, local, shown


def published(value: datetime | None, precision: str) -> str:
    """A publication time; only its day when the page gave only the day."""
    return shown(value, precision, VIETNAM, "%d/%m/%Y %H:%M", none="")


def when(value: datetime | None) -> str:
    """A moment as the operators read it (Vietnam time, day first); empty for none."""
    if value is None:
        return ""
    return local(value, VIETNAM).strftime("%d/%m/%Y %H:%M")


def cut(text: str, width: int) -> str:
    """`text` shortened to `width` characters, an ellipsis marking the cut."""
    return text if len(text) <= width else text[: width - 1] + "…"


def table(headers: list[str], rows: list[list[str]]) -> str:
    """Columns aligned with two spaces between them, a dashed line under the headers."""
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line.rstrip(), "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(out)
