"""Stories that spread: N outlets within H hours of the first copy alert the area's review
group and leadership chat once, listing the outlets; backfill never counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alerts.spread import check_spread, find_spread, spread_message, spread_story
from duluan.config import Config, parse_config
from storage import Store, StoryCopy
from tests.kit.stories import add_copy

T = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)

CONFIG = """
locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}
sources:
  - {name: bao1, title: Báo số 1, feeds: ['https://bao1.vn/rss']}
review: {chat: '-1001', leadership_chat: '-1003'}
report: {area: huyện Đăk Hà}
"""


def config(extra: str = "") -> Config:
    return parse_config(CONFIG + extra, "test", {}).config


def copy(
    source: str,
    hours: float,
    *,
    n: int = 0,
    precision: str = "minute",
    backfill: bool = False,
    seen_late: timedelta = timedelta(0),
    title: str = "Sạt lở ở xã Đăk Pxi",
    url: str = "https://bao.vn/tin.html",
) -> StoryCopy:
    at = T + timedelta(hours=hours)
    return StoryCopy(
        n or int(hours * 10) + len(source),
        7,
        source,
        source.upper(),
        title,
        url,
        at,
        precision,
        at + seen_late,
        backfill,
    )


def test_three_outlets_within_six_hours_spread() -> None:
    found = find_spread([copy("a", 0), copy("b", 2), copy("c", 5.5)], 3, 6)
    assert found is not None
    assert [c.source for c in found.copies] == ["a", "b", "c"]


def test_three_outlets_over_seven_hours_do_not() -> None:
    assert find_spread([copy("a", 0), copy("b", 2), copy("c", 7)], 3, 6) is None


def test_two_outlets_do_not() -> None:
    assert find_spread([copy("a", 0), copy("b", 1)], 3, 6) is None


def test_copies_from_one_outlet_count_once() -> None:
    copies = [copy("a", 0), copy("a", 1, n=90), copy("b", 2)]
    assert find_spread(copies, 3, 6) is None
    found = find_spread([*copies, copy("c", 3)], 3, 6)
    assert found is not None and found.copies[0].article_id == copies[0].article_id
    assert len(found.copies) == 3


def test_backfill_copies_never_count() -> None:
    marked = [copy("a", 0), copy("b", 1), copy("c", 2, backfill=True)]
    assert find_spread(marked, 3, 6) is None
    late = [copy("a", 0), copy("b", 1), copy("c", 2, seen_late=timedelta(days=3))]
    assert find_spread(late, 3, 6) is None


def test_a_day_only_date_runs_when_first_seen() -> None:
    """Published "on the day" (midnight) but seen at 10:00: the window starts when seen."""
    day = copy("a", -9, precision="day", seen_late=timedelta(hours=9))
    assert find_spread([day, copy("b", 4), copy("c", 5)], 3, 6) is not None


def test_message_escapes_hostile_titles_and_links() -> None:
    area = config().watch_areas()[0]
    hostile = "<script>alert(1)</script> & <b>"
    found = find_spread(
        [
            copy("a", 0, title=hostile, url="javascript:alert(1)"),
            copy("b", 1, url='https://x.vn/"><b>'),
            copy("c", 2),
        ],
        3,
        6,
    )
    assert found is not None
    text = spread_message(area, found, 6)
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "javascript:" not in text
    assert '"><b>' not in text
    assert text.startswith("📣 <b>Nhiều báo cùng đưa tin</b> (huyện Đăk Hà)")
    assert "3 nguồn đăng trong vòng 6 giờ" in text


def outbox(store: Store) -> list[tuple[str, str, str]]:
    return sorted((i.story, i.chat, i.kind) for i in store.due_outbox(T + timedelta(days=30), 100))


def test_spread_alerts_review_and_leadership_once(store: Store) -> None:
    first = add_copy(store, 1, 1, T)
    add_copy(store, 1, 2, T + timedelta(hours=2))
    cfg = config()
    assert check_spread(store, cfg, lambda: T + timedelta(hours=2)) == 0
    add_copy(store, 1, 3, T + timedelta(hours=5))
    now = T + timedelta(hours=5, minutes=1)
    assert check_spread(store, cfg, lambda: now) == 2
    story = spread_story(store.get_article(first).cluster_id)  # type: ignore[union-attr]
    assert outbox(store) == [(story, "-1001", "spread"), (story, "-1003", "spread")]
    text = store.due_outbox(now, 10)[0].text
    assert all(f"Báo số {i}" in text for i in (1, 2, 3))
    add_copy(store, 1, 4, T + timedelta(hours=6))
    assert check_spread(store, cfg, lambda: now + timedelta(hours=1)) == 0  # once
    assert len(outbox(store)) == 2


def test_spread_over_seven_hours_or_backfill_is_silent(store: Store) -> None:
    for outlet, hours in ((1, 0), (2, 3), (3, 7)):
        add_copy(store, 1, outlet, T + timedelta(hours=hours))
    for outlet in (1, 2, 3):
        add_copy(store, 2, outlet, T + timedelta(hours=outlet), backfill=True)
    assert check_spread(store, config(), lambda: T + timedelta(hours=8)) == 0
    assert outbox(store) == []


def test_spread_can_be_turned_off_and_sent_to_review_only(store: Store) -> None:
    for outlet in (1, 2, 3):
        add_copy(store, 1, outlet, T + timedelta(hours=outlet))
    now = T + timedelta(hours=4)
    assert check_spread(store, config("spikes: {spread: false}\n"), lambda: now) == 0
    assert check_spread(store, config("spikes: {chats: [review]}\n"), lambda: now) == 1
    assert [chat for _, chat, _ in outbox(store)] == ["-1001"]


def test_each_area_has_its_own_settings(store: Store) -> None:
    """With `areas:`, an area's `spikes` overrides the top level key by key: two outlets are
    enough in `pxi`, not in `mar`; a story counts for the areas its copies were tagged in."""
    from tests.kit.areas import DAK_MAR, DAK_PXI, areas_yaml

    text = areas_yaml(
        [
            {
                "name": "pxi",
                "title": "Xã Đăk Pxi",
                "places": [DAK_PXI],
                "review": {"chat": "-2001"},
                "spikes": {"spread_outlets": 2, "chats": ["review"]},
            },
            {
                "name": "mar",
                "title": "Xã Đăk Mar",
                "places": [DAK_MAR],
                "review": {"chat": "-3001"},
            },
        ],
        top="spikes: {spread_hours: 3}\n",
    )
    cfg = parse_config(text, "test", {}).config
    pxi, mar = cfg.watch_areas()
    assert (pxi.spikes.spread_outlets, pxi.spikes.spread_hours) == (2, 3)
    assert (mar.spikes.spread_outlets, mar.spikes.chats) == (3, ["review", "leadership"])
    for outlet in (1, 2):
        add_copy(store, 1, outlet, T + timedelta(hours=outlet), area="pxi")
        add_copy(store, 2, outlet, T + timedelta(hours=outlet), area="mar")
    assert check_spread(store, cfg, lambda: T + timedelta(hours=3)) == 1
    assert [chat for _, chat, _ in outbox(store)] == ["-2001"]


def messengers(store: Store) -> list[tuple[str, str, str]]:
    due = store.due_outbox(T + timedelta(days=30), 100)
    return sorted((i.messenger, i.chat, i.kind) for i in due)


def test_spread_also_alerts_the_zalo_chats_once(store: Store) -> None:
    cfg = parse_config(
        CONFIG.replace(
            "review: {chat: '-1001', leadership_chat: '-1003'}",
            "review: {chat: '-1001', zalo: z-rv, leadership_chat: '-1003', leadership_zalo: z-ld}",
        ),
        "test",
        {},
    ).config
    for outlet in (1, 2, 3):
        add_copy(store, 1, outlet, T + timedelta(hours=outlet))
    now = T + timedelta(hours=4)
    assert check_spread(store, cfg, lambda: now) == 4
    assert messengers(store) == [
        ("telegram", "-1001", "spread"),
        ("telegram", "-1003", "spread"),
        ("zalo", "z-ld", "spread"),
        ("zalo", "z-rv", "spread"),
    ]
    assert len({i.text for i in store.due_outbox(now, 10)}) == 1
    assert check_spread(store, cfg, lambda: now + timedelta(hours=1)) == 0  # once per chat


def test_spread_reaches_a_zalo_only_review_group(store: Store) -> None:
    cfg = parse_config(
        CONFIG.replace("review: {chat: '-1001', leadership_chat: '-1003'}", "review: {zalo: z-rv}"),
        "test",
        {},
    ).config
    for outlet in (1, 2, 3):
        add_copy(store, 1, outlet, T + timedelta(hours=outlet))
    assert check_spread(store, cfg, lambda: T + timedelta(hours=4), console=False) == 1
    assert messengers(store) == [("zalo", "z-rv", "spread")]
