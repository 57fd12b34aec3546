"""The dashboard ("Tổng quan") over HTTP: its figures on a seeded store, weeks cut at Monday
00:00 in Asia/Ho_Chi_Minh, every figure's link opening the queue on exactly the stories it
counts, area scoping, roles, an empty store, hostile names, and a store of thousands of
stories read in a handful of queries."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from storage import FetchError, SourceRun, Store
from tests.kit.articles import record, tag
from tests.kit.console import (
    AREA_A,
    AREA_B,
    MAR,
    NOW,
    PXI,
    Clock,
    Console,
    Seeded,
    add_users,
    config,
    save_tagged,
    two_areas_console,
)

MONDAY = datetime(2026, 11, 22, 17, 0, tzinfo=UTC)  # Monday 23/11 00:00 in Đăk Hà
EVIL = '<script>alert("x")</script>'


def _stories(page: str) -> list[str]:
    return re.findall(r'data-story="([^"]+)"', page)


def _card(page: str, key: str) -> tuple[int, int]:
    """A figure card's count and last week's."""
    found = re.search(
        rf'data-figure="{key}">.*?id="fig-{key}">(\d+)</a>.*?Tuần trước: '
        r'(?:<a href="[^"]*">|<span class="before">)(\d+)<',
        page,
        re.S,
    )
    assert found, f"không thấy ô {key}"
    return int(found.group(1)), int(found.group(2))


def _href(page: str, key: str) -> str:
    found = re.search(rf'<a class="number" href="([^"]+)" id="fig-{key}"', page)
    assert found
    return html.unescape(found.group(1))


def _counted_links(page: str) -> list[tuple[str, int]]:
    """Every chart link to the queue with the count its accessible name gives."""
    return [
        (html.unescape(href), int(count))
        for href, count in re.findall(
            r'<a href="(/queue\?[^"]*)" aria-label="[^"]*?: (\d+) tin', page
        )
    ]


class Board:
    """A store of stories around the week boundaries, its console and the stories' keys."""

    def __init__(self, store: Store, tmp: Path) -> None:
        add_users(store)
        self.store = store
        self.console = Console(store, config(), Clock(), Seeded(0, 0, 0, 0), tmp)
        store.sync_sources([("baoquangngai", "Báo Quảng Ngãi"), ("dantri", EVIL)])
        rows: list[tuple[str, datetime, dict[str, Any]]] = [
            ("monday", MONDAY, {"units": (PXI,)}),  # this week, from its first second
            (
                "sunday",
                MONDAY - timedelta(minutes=1),
                {"needs_verification": False, "units": (MAR,)},
            ),
            (
                "last-monday",
                MONDAY - timedelta(days=7),
                {"tone": "positive", "needs_verification": False},
            ),
            ("before", MONDAY - timedelta(days=7, minutes=1), {"tone": "neutral"}),
            (
                "today",
                NOW - timedelta(hours=1),
                {"tone": "neutral", "needs_verification": False, "topics": (EVIL,)},
            ),
        ]
        saved = store.save_articles(
            [
                record(
                    n,
                    source="dantri" if key == "today" else "baoquangngai",
                    title=f"Tin {key}",
                    url=f"https://baoquangngai.vn/{key}.htm",
                    canonical_url=f"https://baoquangngai.vn/{key}.htm",
                    published_at=when,
                    fetched_at=when,
                )
                for n, (key, when, _) in enumerate(rows, start=1)
            ]
            + [record(99, published_at=NOW, fetched_at=NOW, title="Không liên quan")]
        )
        store.save_tags(
            [tag(s.article_id, **changes) for s, (_, _, changes) in zip(saved, rows, strict=False)]
            + [tag(saved[-1].article_id, relevant=False)]
        )
        self.story = {
            key: f"cluster:{s.cluster_id}" for s, (key, _, _) in zip(saved, rows, strict=False)
        }

    def assign(self, key: str, deadline: date, at: datetime) -> int:
        story = self.story[key]
        version = self.store.review_detail(story).state.version
        _, job = self.store.assign(
            story,
            expected_version=version,
            unit="UBND xã Đăk Pxi",
            chat="-1001",
            topic=None,
            deadline=deadline,
            user_id=1,
            user_name="canbo",
            at=at,
            message="giao",
        )
        return job.id


@pytest.fixture
def board(store: Store, tmp_path: Path) -> Iterator[Board]:
    yield Board(store, tmp_path)


def test_week_against_last_cut_at_monday_midnight_local(board: Board) -> None:
    page = board.console.client("canbo").get("/dashboard").text
    assert _card(page, "stories") == (2, 2)
    assert _card(page, "negative") == (1, 1)
    assert _card(page, "verify") == (1, 0)
    assert "từ thứ Hai 23/11/2026" in page


def test_overdue_and_open_cases_now_against_the_same_hour_last_week(board: Board) -> None:
    # overdue since 26/11, assigned this week: overdue now, not a week ago
    board.assign("monday", date(2026, 11, 25), NOW - timedelta(days=3))
    # overdue since 13/11, answered on 24/11: overdue a week ago, not now
    old = board.assign("last-monday", date(2026, 11, 12), NOW - timedelta(days=16))
    board.store.answer_assignment(old, "true", 2, "dakpxi", NOW - timedelta(days=2))
    # due today: not overdue
    board.assign("today", date(2026, 11, 26), NOW - timedelta(hours=1))
    still = board.store.open_case(board.story["sunday"], "canbo", NOW - timedelta(days=2))
    closed = board.store.open_case(board.story["before"], "canbo", NOW - timedelta(days=10))
    steps: list[tuple[str, dict[str, Any]]] = [
        ("verified", {"unit": "UBND xã Đăk Pxi"}),
        ("document", {"number": "12/UBND", "signer": "Chủ tịch", "on_date": date(2026, 11, 20)}),
        ("sent", {"on_date": date(2026, 11, 21)}),
        ("corrected", {"on_date": date(2026, 11, 25)}),
    ]
    for kind, fields in steps:  # closed a day ago: open a week ago, not now
        board.store.case_step(closed.id, kind, "canbo", NOW - timedelta(days=1), **fields)
    client = board.console.client("xem")
    page = client.get("/dashboard").text
    assert _card(page, "overdue") == (1, 1)
    assert _card(page, "cases") == (1, 1)
    assert _stories(client.get(_href(page, "overdue")).text) == [board.story["monday"]]
    cases = client.get(_href(page, "cases")).text
    assert re.findall(r'data-case="(\d+)"', cases) == [str(still.id)]


def test_every_figure_link_opens_the_queue_on_the_stories_it_counts(board: Board) -> None:
    client = board.console.client("canbo")
    page = client.get("/dashboard").text
    for key, expected in [("stories", 2), ("negative", 1), ("verify", 1)]:
        assert len(_stories(client.get(_href(page, key)).text)) == expected, key
    assert _stories(client.get(_href(page, "negative")).text) == [board.story["monday"]]
    links = _counted_links(page)
    assert len(links) > 10  # tone parts and totals, communes, outlets, platforms, topics
    for href, count in links:
        assert len(_stories(client.get(href).text)) == count, href
    parts = {href for href, _ in links}
    assert "/queue?from=2026-11-16&to=2026-11-22&tone=positive" in parts
    assert "/queue?from=2026-11-09&to=2026-11-15&tone=neutral" in parts


def test_communes_are_new_units_with_old_names_in_the_tooltip(board: Board) -> None:
    page = board.console.client("canbo").get("/dashboard").text
    communes = page.split('id="chart-communes"')[1].split("</section>")[0]
    assert re.search(r"<title>Xã Đăk Pxi: 4 tin — tên cũ trước 01/7/2025: Xã Đăk Long", communes)
    assert "Xã Đăk Mar: 1 tin" in communes


def test_hostile_names_are_escaped_in_svg_and_html(board: Board) -> None:
    run = SourceRun("dantri", NOW, NOW, 0, 0, 0, 0, [FetchError("u", "http", EVIL)], ok=False)
    board.store.record_run(run)
    page = board.console.client("canbo").get("/dashboard").text
    assert "<script>" not in page
    assert "&lt;script&gt;alert(" in page  # the outlet, the topic and the failing source
    assert 'id="health-failing"' in page


def test_roles_and_home(board: Board) -> None:
    for name in ("quantri", "canbo", "xem"):
        client = board.console.client(name)
        assert client.get("/", follow_redirects=False).headers["location"] == "/dashboard"
        assert 'id="nav-dashboard"' in client.get("/dashboard").text
    unit = board.console.client("dakpxi")
    assert unit.get("/", follow_redirects=False).headers["location"] == "/queue"
    refused = unit.get("/dashboard")
    assert refused.status_code == 403 and "Hàng rà soát" in refused.text
    assert 'id="nav-dashboard"' not in unit.get("/queue").text
    anonymous = board.console.client()
    assert (
        anonymous.get("/dashboard", follow_redirects=False).headers["location"].startswith("/login")
    )


def test_an_empty_store_shows_zeros(store: Store, tmp_path: Path) -> None:
    add_users(store)
    console = Console(store, config(), Clock(), Seeded(0, 0, 0, 0), tmp_path)
    response = console.client("canbo").get("/dashboard")
    assert response.status_code == 200
    for key in ("stories", "negative", "verify", "overdue", "cases"):
        assert _card(response.text, key) == (0, 0)
    assert "Chưa có nguồn nào." in response.text


def test_areas_scope_the_figures_and_the_links(store: Store, tmp_path: Path) -> None:
    console = two_areas_console(store, tmp_path)
    save_tagged(
        store,
        [("a1", (PXI,)), ("a2", (PXI,)), ("b1", (MAR,))],
        {"a1": (AREA_A,), "a2": (AREA_A,), "b1": (AREA_B,)},
    )
    own = console.client("pxi").get("/dashboard").text
    assert _card(own, "stories") == (2, 0)
    assert _card(console.client("pxi").get(f"/dashboard?area={AREA_B}").text, "stories") == (2, 0)
    province = console.client("tinh")
    assert _card(province.get("/dashboard").text, "stories") == (3, 0)
    narrowed = province.get(f"/dashboard?area={AREA_B}").text
    assert _card(narrowed, "stories") == (1, 0)
    href = _href(narrowed, "stories")
    assert f"area={AREA_B}" in href
    assert len(_stories(province.get(href).text)) == 1
    for link, count in _counted_links(narrowed):
        assert f"area={AREA_B}" in link
        assert len(_stories(province.get(link).text)) == count


def test_hundreds_of_stories_in_a_handful_of_queries(store: Store, tmp_path: Path) -> None:
    """A query per story would be 300 statements, ten times the bound: the same proof as with
    thousands, at a fraction of the cost."""
    add_users(store)
    console = Console(store, config(), Clock(), Seeded(0, 0, 0, 0), tmp_path)
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi"), ("dantri", "Dân trí")])
    count, batch = 300, 150
    tones = ("negative", "neutral", "positive")
    for start in range(0, count, batch):
        saved = store.save_articles(
            [
                record(
                    n,
                    url=f"https://baoquangngai.vn/s{n}.htm",
                    canonical_url=f"https://baoquangngai.vn/s{n}.htm",
                    published_at=NOW - timedelta(hours=n),
                    fetched_at=NOW - timedelta(hours=n),
                )
                for n in range(start + 1, start + batch + 1)
            ]
        )
        store.save_tags(
            [replace(tag(s.article_id), tone=tones[s.article_id % 3], units=(PXI,)) for s in saved]
        )
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(str(args[2]))

    client = console.client("canbo")
    event.listen(store._engine, "before_cursor_execute", seen)
    try:
        response = client.get("/dashboard")
    finally:
        event.remove(store._engine, "before_cursor_execute", seen)
    assert response.status_code == 200
    weekly = [n for n in range(1, count + 1) if NOW - timedelta(hours=n) >= MONDAY]
    assert _card(response.text, "stories")[0] == len(weekly)
    assert len(statements) < 30, statements  # SQLite adds a PRAGMA per connection


def test_the_queue_filters_the_dashboard_adds(board: Board) -> None:
    board.assign("sunday", date(2026, 11, 25), NOW - timedelta(days=3))
    board.assign("monday", date(2026, 11, 26), NOW - timedelta(days=3))  # due today: not late
    client = board.console.client("xem")
    flagged = {board.story[k] for k in ("monday", "before")}  # the tagger's needs_verification
    assert set(_stories(client.get("/queue?verify=1").text)) == flagged
    assert _stories(client.get("/queue?overdue=1").text) == [board.story["sunday"]]
    assert _stories(client.get("/queue?overdue=1&verify=1").text) == []
    assert len(_stories(client.get("/queue?overdue=yes&verify=%00").text)) == 5  # no filter
    page = client.get("/queue?overdue=1").text
    assert 'id="f-overdue" checked' in page and 'id="f-verify" checked' not in page
