"""Routing: units get the news of their communes (old or new names) and fields; backfill none."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from alerts.routing import Hit, covered_places, route
from duluan.config import parse_config
from nlp.gazetteer import Gazetteer

ICT = timezone(timedelta(hours=7))
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ICT)
CONFIG = parse_config(
    """
locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}
sources: [{name: x, title: X, feeds: ['https://x.vn/rss']}]
review: {chat: '-100999', reviewers: [1], leadership_chat: '-100555'}
units:
  - {name: UBND xã Đăk Pxi, chat: '-100111', communes: [Xã Đăk Pxi]}
  - {name: UBND xã Đăk Mar (cũ Đăk Hring), chat: '-100222', communes: [Xã Đăk Hring]}
  - {name: Phòng Nông nghiệp, chat: '-100333', topic: 7, topics: [rừng, đất đai]}
  - {name: Chưa có nhóm, communes: [Xã Đăk Ui]}
""",
    "t.yaml",
    {},
).config
GAZETTEER = Gazetteer.build("Tỉnh Kon Tum", "Huyện Đăk Hà")
(AREA,) = CONFIG.watch_areas()


def hit(places: tuple[str, ...], topics: tuple[str, ...] = (), **changes: object) -> Hit:
    base: dict[str, object] = {
        "places": places,
        "topics": topics,
        "tone": "negative",
        "backfill": False,
        "published_at": NOW - timedelta(hours=2),
        "first_seen_at": NOW,
    }
    base.update(changes)
    return Hit(**base)  # type: ignore[arg-type]


def chats(h: Hit) -> list[str]:
    return [d.chat for d in route(h, AREA, GAZETTEER)]


def test_old_names_reach_the_unit_of_the_new_commune() -> None:
    covered = covered_places(CONFIG.units[0], GAZETTEER)
    assert {"Xã Đăk Pxi", "Xã Đăk Long"} <= covered  # Đăk Long (old) is now part of Đăk Pxi
    assert chats(hit(("Huyện Đăk Hà", "Xã Đăk Long"))) == ["-100999", "-100555", "-100111"]


def test_new_name_reaches_the_unit_of_an_old_commune() -> None:
    assert chats(hit(("Xã Đăk Mar",), tone="neutral")) == ["-100999", "-100222"]


def test_fields_reach_departments_with_their_forum_topic() -> None:
    destinations = route(hit(("Huyện Đăk Hà",), ("rừng",), tone="positive"), AREA, GAZETTEER)
    assert [(d.chat, d.topic, d.reason) for d in destinations[1:]] == [
        ("-100333", 7, "lĩnh vực: rừng")
    ]


def test_review_group_always_and_units_without_chat_never() -> None:
    assert chats(hit(("Xã Đăk Ui",), tone="neutral")) == ["-100999"]


def test_negative_items_also_go_to_the_leadership() -> None:
    assert "-100555" in chats(hit(("Xã Đăk Ui",), tone="negative"))
    assert "-100555" not in chats(hit(("Xã Đăk Ui",), tone="positive"))


def test_backfill_never_alerts() -> None:
    assert chats(hit(("Xã Đăk Pxi",), backfill=True)) == []
    old = hit(("Xã Đăk Pxi",), published_at=NOW - timedelta(days=3))
    assert chats(old) == []
