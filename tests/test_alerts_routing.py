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


ZALO_CONFIG = parse_config(
    """
locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}
sources: [{name: x, title: X, feeds: ['https://x.vn/rss']}]
review: {chat: '-100999', zalo: z-review, reviewers: [1], leadership_zalo: z-lead}
units:
  - {name: UBND xã Đăk Pxi, chat: '-100111', zalo: z-pxi, communes: [Xã Đăk Pxi]}
  - {name: Phòng Nông nghiệp, zalo: z-nn, topic: 7, topics: [rừng]}
  - {name: UBND xã Đăk Ui, zalo: z-ui, communes: [Xã Đăk Ui]}
""",
    "t.yaml",
    {},
).config
(ZALO_AREA,) = ZALO_CONFIG.watch_areas()


def test_every_destination_with_a_zalo_chat_gets_a_zalo_copy() -> None:
    destinations = route(hit(("Xã Đăk Pxi",), ("rừng",)), ZALO_AREA, GAZETTEER)
    assert [(d.messenger, d.chat, d.topic, d.unit) for d in destinations] == [
        ("telegram", "-100999", None, "review"),
        ("zalo", "z-review", None, "review"),
        ("zalo", "z-lead", None, "leadership"),  # negative news; no Telegram leadership chat
        ("telegram", "-100111", None, "UBND xã Đăk Pxi"),
        ("zalo", "z-pxi", None, "UBND xã Đăk Pxi"),
        ("zalo", "z-nn", None, "Phòng Nông nghiệp"),  # Zalo has no forum topic
    ]
    assert destinations[4].reason == destinations[3].reason == "địa bàn: Xã Đăk Pxi"


def test_a_unit_with_only_a_zalo_chat_is_reached_on_zalo_alone() -> None:
    destinations = route(hit(("Xã Đăk Ui",), tone="positive"), ZALO_AREA, GAZETTEER)
    assert [(d.messenger, d.chat) for d in destinations] == [
        ("telegram", "-100999"),
        ("zalo", "z-review"),
        ("zalo", "z-ui"),
    ]


def test_the_console_stands_for_telegram_only_and_backfill_reaches_no_zalo_chat() -> None:
    no_review = parse_config(
        """
locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}
sources: [{name: x, title: X, feeds: ['https://x.vn/rss']}]
units: [{name: UBND xã Đăk Ui, zalo: z-ui, communes: [Xã Đăk Ui]}]
""",
        "t.yaml",
        {},
    ).config
    (area,) = no_review.watch_areas()
    destinations = route(hit(("Xã Đăk Ui",)), area, GAZETTEER, "console")
    assert [(d.messenger, d.chat) for d in destinations] == [
        ("telegram", "console"),
        ("zalo", "z-ui"),
    ]
    assert route(hit(("Xã Đăk Ui",), backfill=True), ZALO_AREA, GAZETTEER) == []


def test_without_zalo_ids_nothing_goes_to_zalo() -> None:
    destinations = route(hit(("Xã Đăk Pxi",), ("rừng",)), AREA, GAZETTEER)
    assert {d.messenger for d in destinations} == {"telegram"}
