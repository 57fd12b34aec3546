"""A person's correction of what the tagger said of an item: its tone, or its place in an area
(one of the area's communes, or "not of this area").

One operation, `correct`, for every door (the bot's buttons under a reported item's answer;
the console later). The correction is stored (who, when; the latest wins) and the item is
tagged again at once when a locator is given, so that the corrected commune's unit gets the
alert; every later tag pass, `duluan tag --retag` included, keeps the correction
(`duluan.tagging.tag_article` reads it with the item).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from duluan.config import Area, Config
from storage import Store
from storage.corrections import CorrectionRecord
from storage.vocabulary import TONE_LABELS

if TYPE_CHECKING:
    from nlp.locate import Locator

OUTSIDE = ""  # the place value saying "not of this area"


class CorrectionError(Exception):
    """A correction that cannot be taken, with its Vietnamese message; nothing was stored."""


@dataclass(frozen=True)
class Corrector:
    """Who corrects: their name as shown, and their Telegram id (None: the console)."""

    name: str
    user_id: int | None = None


@dataclass(frozen=True)
class Fixed:
    """The item as tagged after the correction (`relevant` None: not tagged again yet);
    `places` are those its text names, `areas` those it now concerns."""

    relevant: bool | None
    tone: str | None
    places: tuple[str, ...]
    areas: tuple[str, ...]


def area_communes(area: Area) -> list[str]:
    """The communes a place correction may name in `area`: those its units follow, each once,
    in config order (the places whose alerts have somewhere to go)."""
    return list(dict.fromkeys(c for u in area.units for c in u.communes))


def correct(
    store: Store,
    config: Config,
    article_id: int,
    who: Corrector,
    now: Callable[[], datetime],
    *,
    tone: str | None = None,
    place: str | None = None,
    area: str | None = None,
    locator: Locator | None = None,
    console: bool = True,
) -> Fixed:
    """Store a correction of the item's `tone` and/or its `place` in `area` (a commune of
    `area_communes`, or `OUTSIDE`), then tag it again with `locator` (else the next pass)."""
    if store.get_article(article_id) is None:
        raise CorrectionError(f"Không còn tin số {article_id}.")
    if tone is None and place is None:
        raise CorrectionError("Chưa chọn sửa sắc thái hay địa bàn.")
    if tone is not None and tone not in TONE_LABELS:
        raise CorrectionError(f"Sắc thái {tone!r} không có; chọn Tiêu cực, Trung tính, Tích cực.")
    if place is not None:
        try:
            chosen = config.area(area or "")
        except KeyError:
            raise CorrectionError(f"Địa bàn {area!r} không còn trong cấu hình.") from None
        if place != OUTSIDE and place not in area_communes(chosen):
            raise CorrectionError(
                f"{place!r} không phải xã, phường của địa bàn {chosen.title}; hãy chọn lại."
            )
    moment = now()
    for field, value, where in (("tone", tone, None), ("place", place, area)):
        if value is not None:
            store.add_correction(
                CorrectionRecord(article_id, field, value, where, who.user_id, who.name, moment)
            )
    if locator is None:
        return Fixed(None, tone, (), ())
    from duluan.pipeline import tag_pending

    tag_pending(store, config, now, locator=locator, ids=[article_id], console=console)
    tags = store.get_tags(article_id)
    if tags is None:
        return Fixed(None, tone, (), ())
    places = tuple(dict.fromkeys(u.name for u in tags.units if u.in_watch_area))
    return Fixed(tags.relevant, tags.tone, places, tags.areas)
