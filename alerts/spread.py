"""Stories that spread: one story run by `spikes.spread_outlets` distinct outlets within
`spikes.spread_hours` of its first copy ("nhiều báo cùng đưa tin") alerts the area's review
group and leadership chat once, listing the outlets with times and links.

A copy runs when it was published (to the minute), else when duluan first saw it; backfill
copies (found long after they ran) never count. The outbox's story key `spread:<cluster>`
keeps it to one alert per chat, across restarts too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from alerts.message import LIMIT, cut_html, html_link, when
from alerts.routing import backfilled
from alerts.spikes import spike_chats
from crawler.dates import MINUTE
from duluan.config import Area, Config
from storage import OutboxEntry, Store, StoryCopy

log = logging.getLogger(__name__)

# How far back a tag pass looks for stories still spreading: past the window, a story's
# outlets are settled.
LOOKBACK_EXTRA = timedelta(hours=24)


def spread_story(cluster_id: int) -> str:
    """The outbox story key of a spread alert: one per story and chat."""
    return f"spread:{cluster_id}"


def ran_at(copy: StoryCopy) -> datetime:
    """When a copy ran: its publication time when known to the minute, else first seen."""
    if copy.published_at is not None and copy.published_precision == MINUTE:
        return min(copy.published_at, copy.first_seen_at)
    return copy.first_seen_at


def is_backfill(copy: StoryCopy) -> bool:
    """Found long after it ran (or marked so by the crawler): not news any more."""
    return backfilled(copy.backfill, copy.published_at, copy.first_seen_at)


@dataclass(frozen=True)
class Spread:
    """A story that spread: the first copy of each outlet within the window, by time."""

    cluster_id: int
    copies: tuple[StoryCopy, ...]


def find_spread(copies: Sequence[StoryCopy], outlets: int, hours: float) -> Spread | None:
    """The story's spread when at least `outlets` distinct sources ran it within `hours` of
    its first copy (each source counted once, by its first copy); else None."""
    fresh = sorted(
        (c for c in copies if not is_backfill(c)), key=lambda c: (ran_at(c), c.article_id)
    )
    if not fresh:
        return None
    end = ran_at(fresh[0]) + timedelta(hours=hours)
    first_of: dict[str, StoryCopy] = {}
    for copy in fresh:
        if ran_at(copy) <= end:
            first_of.setdefault(copy.source, copy)
    if len(first_of) < outlets:
        return None
    return Spread(fresh[0].cluster_id, tuple(first_of.values()))


def spread_message(area: Area, spread: Spread, hours: float) -> str:
    """The alert: the story's headline and every outlet that ran it, with time and link."""
    first = spread.copies[0]
    span = f"{hours:g}".replace(".", ",")
    lines = [
        f"📣 <b>Nhiều báo cùng đưa tin</b> ({escape(area.title)})",
        f"{len(spread.copies)} nguồn đăng trong vòng {span} giờ: "
        + html_link(first.url, first.title),
        *(
            f"• {escape(c.outlet)} · {when(ran_at(c))}: {html_link(c.url, c.title)}"
            for c in spread.copies
        ),
    ]
    return cut_html("\n".join(lines), LIMIT)


def check_spread(
    store: Store, config: Config, now: Callable[[], datetime], console: bool = True
) -> int:
    """Queue the spread alert of every area story that has spread (by the area's `spikes`
    settings) and was not alerted yet (the outbox keeps each to one per chat); returns how
    many messages were new."""
    moment = now()
    queued = 0
    for area in config.watch_areas():
        settings = area.spikes
        chats = spike_chats(area, settings, console) if settings.spread else []
        if not chats:
            continue
        since = moment - timedelta(hours=settings.spread_hours) - LOOKBACK_EXTRA
        entries = []
        for cluster, copies in store.spread_copies(area.name, since).items():
            spread = find_spread(copies, settings.spread_outlets, settings.spread_hours)
            if spread is None:
                continue
            text = spread_message(area, spread, settings.spread_hours)
            entries += [
                OutboxEntry(
                    spread_story(cluster),
                    chat,
                    None,
                    "spread",
                    text,
                    spread.copies[0].article_id,
                    messenger,
                )
                for messenger, chat in chats
            ]
        if entries:
            new = store.enqueue(entries, moment)
            if new:
                log.info("Tin lan rộng ở địa bàn %s: %d cảnh báo mới", area.name, new)
            queued += new
    return queued
