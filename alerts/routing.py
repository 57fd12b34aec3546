"""Who gets an alert: the units covering an article's places or topics, and the review group.

Units name their communes by old or new names; both resolve through the gazetteer, so a unit
that lists "Xã Đăk Pxi" also receives news naming the old "Xã Đăk Long" that became part of it,
and the other way round. Backfill never alerts: it goes to the review queue and the digest only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from duluan.config import Area, Unit
from nlp.gazetteer import Gazetteer
from storage.records import TELEGRAM, ZALO

BACKFILL_HORIZON = timedelta(hours=48)


@dataclass(frozen=True)
class Destination:
    """One chat (and forum topic) of one messenger ("telegram" or "zalo") an alert goes to,
    and why. Zalo has no forum topics."""

    chat: str
    topic: int | None
    unit: str
    reason: str
    messenger: str = TELEGRAM


@dataclass(frozen=True)
class Hit:
    """What routing needs of a tagged article."""

    places: tuple[str, ...]  # unit names as the tagger reported them (old and new)
    topics: tuple[str, ...]
    tone: str
    backfill: bool
    published_at: datetime | None
    first_seen_at: datetime


def covered_places(unit: Unit, gazetteer: Gazetteer) -> frozenset[str]:
    """The unit names (old and new) a configured unit's communes stand for, within the watch
    area (whatever places make it: a name outside it covers nothing)."""
    names: set[str] = set()
    for commune in unit.communes:
        for place in gazetteer.lookup(commune):
            if not place.in_watch_area:
                continue
            names.add(place.name)
            names.update(place.new_names)
            if place.level == "new_commune":
                names.update(
                    old.name
                    for old in gazetteer.watch_units
                    if old.level == "commune"
                    and place.name in old.new_names
                    and old.new_province == place.province
                )
    return frozenset(names)


def is_backfill(hit: Hit, horizon: timedelta = BACKFILL_HORIZON) -> bool:
    """Marked backfill, or published long before it was first seen."""
    return backfilled(hit.backfill, hit.published_at, hit.first_seen_at, horizon)


def backfilled(
    marked: bool,
    published_at: datetime | None,
    first_seen_at: datetime,
    horizon: timedelta = BACKFILL_HORIZON,
) -> bool:
    """Backfill, not news: marked so by the crawler, or published more than `horizon` before
    it was first seen (routing and spread detection both ask)."""
    return marked or (published_at is not None and first_seen_at - published_at > horizon)


def route(
    hit: Hit, area: Area, gazetteer: Gazetteer, review_chat: str | None = None
) -> list[Destination]:
    """The destinations of one watch area's alert (`hit` holds the area's places and topics):
    its review group first (`review_chat` when the area has none), its leadership chat for
    negative news, its units by commune or topic; each on Telegram and on Zalo where a chat of
    that messenger is configured (`review_chat` stands for Telegram or the console only); none
    for backfill."""
    if is_backfill(hit):
        return []
    out: list[Destination] = []
    review = "nhóm rà soát của Trung tâm"
    chat = area.review.chat or review_chat
    if chat:
        out.append(Destination(chat, None, "review", review))
    if area.review.zalo:
        out.append(Destination(area.review.zalo, None, "review", review, ZALO))
    if hit.tone == "negative":
        negative = "tin tiêu cực"
        if area.review.leadership_chat:
            out.append(Destination(area.review.leadership_chat, None, "leadership", negative))
        if area.review.leadership_zalo:
            out.append(Destination(area.review.leadership_zalo, None, "leadership", negative, ZALO))
    places = set(hit.places)
    for unit in area.units:
        if not unit.chat and not unit.zalo:
            continue
        reason = _reason(unit, places, hit.topics, gazetteer)
        if not reason:
            continue
        if unit.chat:
            out.append(Destination(unit.chat, unit.topic, unit.name, reason))
        if unit.zalo:
            out.append(Destination(unit.zalo, None, unit.name, reason, ZALO))
    return _unique(out)


def _reason(
    unit: Unit, places: set[str], topics: Sequence[str], gazetteer: Gazetteer
) -> str | None:
    shared = sorted(places & covered_places(unit, gazetteer))
    if shared:
        return "địa bàn: " + ", ".join(shared)
    fields = sorted(set(topics) & set(unit.topics))
    if fields:
        return "lĩnh vực: " + ", ".join(fields)
    return None


def _unique(destinations: Iterable[Destination]) -> list[Destination]:
    seen: set[tuple[str, str, int | None]] = set()
    out = []
    for destination in destinations:
        key = (destination.messenger, destination.chat, destination.topic)
        if key not in seen:
            seen.add(key)
            out.append(destination)
    return out
