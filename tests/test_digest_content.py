"""The weekly digest's content on a seeded database (SQLite and PostgreSQL): exact counts,
sections and their order, late items, the previous week, the empty week."""

from __future__ import annotations

from datetime import date, timedelta

from digest.content import DISTRICT_ONLY, build_content
from digest.window import week_window
from storage import Store
from tests.kit.digest import NOW, SOURCES, config, seed, w48


def test_figures_count_exactly_what_the_window_holds(store: Store) -> None:
    seed(store)
    content = w48(store)
    f = content.figures
    assert (f.total, f.previous_total, f.stories) == (8, 3, 7)
    # a2 is a copy of a1, whose story needs verification: both copies say so.
    assert (f.negative, f.neutral, f.positive, f.needs_verification) == (3, 3, 2, 3)
    assert (f.late, f.dismissed, f.untagged) == (1, 1, 1)
    assert [(c.label, c.count, c.previous) for c in f.by_outlet] == [
        ("Báo Quảng Ngãi", 3, 2),
        ("Dân trí", 3, 1),
        ("VnExpress", 2, 0),
    ]
    assert [(c.label, c.count, c.previous, c.change) for c in f.by_tone] == [
        ("Tiêu cực", 3, 1, 2),
        ("Trung tính", 3, 1, 2),
        ("Tích cực", 2, 1, 1),
    ]
    assert [(c.label, c.count, c.previous) for c in f.by_topic] == [
        ("đất đai", 2, 1),
        ("giáo dục", 1, 0),
        ("môi trường", 1, 0),
    ]
    assert [(c.old, c.new, c.count, c.previous) for c in f.by_commune] == [
        ("Xã Đăk Pxi", "Xã Đăk Pxi", 2, 1),
        ("Thị trấn Đăk Hà", "Xã Đăk Hà", 1, 0),
        ("Xã Đăk Long", "Xã Đăk Pxi", 1, 0),
        ("Xã Hà Mòn", "Xã Đăk Mar", 1, 0),
        ("Xã Ngọk Wang", "Xã Ngọk Réo", 1, 0),
        ("—", "Xã Đăk Ui", 1, 0),
        ("Xã Đăk Mar", "Xã Đăk Mar", 0, 1),
        (DISTRICT_ONLY, "—", 1, 1),
    ]


def test_sections_and_their_order(store: Store) -> None:
    ids = seed(store).ids
    content = w48(store)
    by_id = {v: k for k, v in ids.items()}
    # Negative and to-verify stories, the overdue one first; a1 and its copy a2 are one story.
    assert [by_id[i.article_id] for i in content.attention] == ["a1", "a4", "a3"]
    first, second, third = content.attention
    assert first.also_in == ("VnExpress",)
    assert (first.unit, first.deadline, first.overdue) == (
        "UBND xã Đăk Pxi",
        date(2026, 11, 24),
        True,
    )
    assert (first.review_status, first.assignment_status) == ("assigned", "open")
    assert (second.review_status, second.assignment_status, second.report) == (
        "false",
        "false",
        "Tin sai",
    )
    assert second.overdue is False  # answered: not overdue although its deadline passed
    assert (third.overdue, third.deadline) == (False, date(2026, 11, 30))
    # Awaiting a report past the deadline, whatever week the story came in.
    assert [by_id[i.article_id] for i in content.overdue] == ["p1", "a1"]
    assert [by_id[i.article_id] for i in content.positive] == ["a6", "a5"]
    # The annex: every relevant, not dismissed item, by publication time.
    annex = [by_id[i.article_id] for i in content.annex]
    assert annex == ["a6", "a12", "a1", "a2", "a4", "a3", "a5", "a7"]
    late = {by_id[i.article_id] for i in content.annex if i.late}
    assert late == {"a6"}
    places = {by_id[i.article_id]: i.places for i in content.annex}
    assert places["a3"] == ("Xã Đăk Long (nay xã Đăk Pxi)",)
    assert places["a12"] == ("Xã Đăk Ui (mới)",)
    assert places["a7"] == ("Huyện Đăk Hà",)
    assert places["a5"] == ("Thị trấn Đăk Hà (nay xã Đăk Hà)",)


def test_coverage_puts_incomplete_sources_first(store: Store) -> None:
    seed(store)
    rows = [(c.name, c.runs, c.ok_runs, c.articles, c.state, c.note) for c in w48(store).coverage]
    assert rows == [
        ("dantri", 2, 0, 3, "Lỗi cả kỳ", "lỗi gần nhất: HTTP 500"),
        ("kontumtv", 0, 0, 0, "Không thu thập trong kỳ", ""),
        ("vnexpress", 3, 2, 4, "Gián đoạn (1/3 lượt lỗi)", "lỗi gần nhất: HTTP 500"),
        ("baoquangngai", 3, 3, 4, "Đầy đủ", ""),
    ]


def test_next_window_gets_the_item_seen_at_its_start(store: Store) -> None:
    ids = seed(store).ids
    cfg = config()
    window = week_window("2026-W49", cfg.schedule.digest, cfg.schedule.zone)
    content = build_content(store, cfg, window, lambda: NOW + timedelta(days=7))
    assert [i.article_id for i in content.annex] == [ids["a11"]]
    assert content.figures.previous_total == 8
    assert next((c.label, c.count, c.previous) for c in content.figures.by_outlet) == (
        "Báo Quảng Ngãi",
        1,
        3,
    )
    assert [i.article_id for i in content.overdue] == [ids["p1"], ids["a1"], ids["a3"]]


def test_empty_week_is_a_valid_report(store: Store) -> None:
    store.sync_sources(SOURCES)
    content = w48(store)
    assert content.empty
    assert (content.attention, content.overdue, content.positive, content.annex) == ((), (), (), ())
    assert content.figures.by_outlet == () and content.figures.by_commune == ()
    assert [c.count for c in content.figures.by_tone] == [0, 0, 0]
    assert [c.state for c in content.coverage] == ["Không thu thập trong kỳ"] * 4
    assert content.as_of == date(2026, 11, 26)
