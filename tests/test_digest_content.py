"""The weekly digest's content on a seeded database (SQLite and PostgreSQL): exact counts,
sections and their order, late items, the previous week, the empty week."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import NamedTuple

from crawler.fingerprint import NUM_PERM
from digest.content import DISTRICT_ONLY, DigestContent, build_content
from digest.window import week_window
from duluan.config import Config, parse_config
from storage import ArticleRecord, FetchError, SourceRun, Store, TagRecord, UnitRecord

ICT = timezone(timedelta(hours=7))
NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)  # Thursday 15:00 in Đăk Hà
CONFIG = """
locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}
sources:
  - {name: baoquangngai, title: Báo Quảng Ngãi, feeds: ['https://baoquangngai.vn/rss']}
  - {name: vnexpress, title: VnExpress, feeds: ['https://vnexpress.net/rss']}
  - {name: dantri, title: Dân trí, feeds: ['https://dantri.com.vn/rss']}
  - {name: kontumtv, title: Đài PT-TH Kon Tum, feeds: ['https://kontumtv.vn/rss']}
schedule: {timezone: Asia/Ho_Chi_Minh, digest: 'thu 14:00'}
report:
  signer_name: Nguyễn Văn A
  chat: "-1001112223334"
"""
SOURCES = [
    ("baoquangngai", "Báo Quảng Ngãi"),
    ("vnexpress", "VnExpress"),
    ("dantri", "Dân trí"),
    ("kontumtv", "Đài PT-TH Kon Tum"),
]


def config() -> Config:
    return parse_config(CONFIG, "test.yaml", {}).config


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=ICT)


def commune(old: str, new: str) -> UnitRecord:
    return UnitRecord("commune", old, "Tỉnh Kon Tum", "Huyện Đăk Hà", new, "Tỉnh Quảng Ngãi", True)


DISTRICT = UnitRecord("district", "Huyện Đăk Hà", "Tỉnh Kon Tum", None, None, None, True)
ELSEWHERE = UnitRecord("district", "Huyện Chư Păh", "Tỉnh Gia Lai", None, None, None, False)


@dataclass
class Seeded:
    """Article ids by key, as `seed` stored them."""

    ids: dict[str, int] = field(default_factory=dict)


def _record(
    key: str, source: str, title: str, published: datetime | None, seen: datetime, n: int
) -> ArticleRecord:
    return ArticleRecord(
        source=source,
        url=f"https://{source}.vn/{key}.htm",
        canonical_url=f"https://{source}.vn/{key}.htm",
        title=title,
        lead="",
        text=f"Nội dung {key}",
        author=None,
        section=None,
        language="vi",
        published_at=published,
        fetched_at=seen,
        via="feed",
        extraction="page",
        content_hash=f"hash-{key}",
        fingerprint=tuple(n * 1000 + i for i in range(NUM_PERM)),
        backfill=False,
    )


def _tag(
    article_id: int,
    tone: str,
    units: tuple[UnitRecord, ...],
    topics: tuple[str, ...] = (),
    flagged: bool = False,
    relevant: bool = True,
) -> TagRecord:
    return TagRecord(
        article_id=article_id,
        relevant=relevant,
        relevance=0.9 if relevant else 0.1,
        tone=tone,
        needs_verification=flagged,
        topics=topics,
        reasons=(),
        units=units,
        mentions=(),
        tagged_at=NOW - timedelta(days=1),
        tagger_version="test",
    )


class Spec(NamedTuple):
    """One seeded article: where and when it appeared and how the tagger saw it."""

    key: str
    source: str
    title: str
    published: datetime | None
    seen: datetime
    n: int  # fingerprint seed: equal seeds are copies of one story
    tone: str
    units: tuple[UnitRecord, ...]
    topics: tuple[str, ...] = ()
    flagged: bool = False


PXI = commune("Xã Đăk Pxi", "Xã Đăk Pxi")
MAR = commune("Xã Đăk Mar", "Xã Đăk Mar")
NEW_UI = UnitRecord("new_commune", "Xã Đăk Ui", "Tỉnh Quảng Ngãi", None, None, None, True)
BQN, VNE, DT = "baoquangngai", "vnexpress", "dantri"
# fmt: off
ARTICLES = [
    # W47, the previous week
    Spec("p1", BQN, "Tranh chấp đất", at(13, 8), at(13, 9), 1, "negative", (PXI,), ("đất đai",)),
    Spec("p2", BQN, "Hội nghị", at(14, 8), at(14, 9), 2, "neutral", (MAR,)),
    Spec("p3", DT, "Gương sáng", at(15, 8), at(15, 9), 3, "positive", (DISTRICT,)),
    # W48
    Spec("a12", DT, "Tin lúc mở kỳ", None, at(19, 14), 12, "neutral", (NEW_UI,)),
    Spec("a1", BQN, "Dân phản ánh <lấn chiếm> đất & rừng", at(20, 9), at(20, 10), 10, "negative",
         (PXI,), ("đất đai",), True),
    Spec("a2", VNE, "Lấn chiếm đất rừng", at(20, 11), at(20, 12), 10, "negative", (PXI,),
         ("đất đai",)),
    Spec("a4", BQN, "Tin đồn về dự án", at(21, 8), at(21, 9), 14, "neutral",
         (commune("Xã Hà Mòn", "Xã Đăk Mar"),), (), True),
    Spec("a6", VNE, "Ngọk Wang được khen", at(10, 8), at(21, 15), 16, "positive",
         (commune("Xã Ngọk Wang", "Xã Ngọk Réo"),)),
    Spec("a3", DT, "Ô nhiễm suối", at(22, 8), at(22, 9), 13, "negative",
         (commune("Xã Đăk Long", "Xã Đăk Pxi"),), ("môi trường",)),
    Spec("a5", BQN, "Trường học mới", at(23, 8), at(23, 9), 15, "positive",
         (commune("Thị trấn Đăk Hà", "Xã Đăk Hà"), DISTRICT), ("giáo dục",)),
    Spec("a7", DT, "Huyện họp", at(24, 8), at(24, 9), 17, "neutral", (DISTRICT,)),
    Spec("a8", VNE, "Trùng tên", at(24, 10), at(24, 11), 18, "neutral", (DISTRICT,)),  # dismissed
    Spec("a9", VNE, "Chư Păh", at(24, 12), at(24, 13), 19, "neutral", (ELSEWHERE,)),  # irrelevant
    Spec("a10", BQN, "Chưa gắn nhãn", at(25, 8), at(25, 9), 20, "neutral", ()),  # untagged
    # W49: first seen at the very end of W48
    Spec("a11", BQN, "Tin lúc đóng kỳ", at(26, 13), at(26, 14), 21, "negative", (DISTRICT,)),
]


# fmt: on


def seed(store: Store) -> Seeded:
    """Two weeks of press (W47 and W48 of 2026), reviews, assignments and crawl runs."""
    store.sync_sources(SOURCES)
    out = Seeded()
    for a in ARTICLES:
        outcome = store.save_article(_record(a.key, a.source, a.title, a.published, a.seen, a.n))
        out.ids[a.key] = outcome.article_id
    tags = [
        _tag(out.ids[a.key], a.tone, a.units, a.topics, a.flagged, relevant=a.key != "a9")
        for a in ARTICLES
        if a.key != "a10"
    ]
    store.save_tags(tags)
    ids = out.ids

    def story(key: str) -> str:
        detail = store.get_article(ids[key])
        assert detail is not None
        return f"cluster:{detail.cluster_id}"

    reviewed = at(25, 10)
    store.assign(
        story("p1"),
        0,
        "UBND xã Đăk Pxi",
        None,
        None,
        date(2026, 11, 16),
        1,
        "Lan",
        at(13, 10),
        "giao",
        ids["p1"],
    )
    store.assign(
        story("a1"),
        0,
        "UBND xã Đăk Pxi",
        None,
        None,
        date(2026, 11, 24),
        1,
        "Lan",
        at(20, 13),
        "giao",
        ids["a1"],
    )
    store.assign(
        story("a3"),
        0,
        "Phòng Tài nguyên và Môi trường",
        None,
        None,
        date(2026, 11, 30),
        1,
        "Lan",
        reviewed,
        "giao",
        ids["a3"],
    )
    store.review_action(story("a4"), 0, "false_info", 1, "Lan", reviewed, article_id=ids["a4"])
    _, job = store.assign(
        story("a4"),
        1,
        "UBND xã Hà Mòn",
        None,
        None,
        date(2026, 11, 25),
        1,
        "Lan",
        reviewed,
        "giao",
        ids["a4"],
    )
    store.answer_assignment(job.id, "false", 2, "UBND xã Hà Mòn", at(25, 16), "Tin sai")
    store.review_action(story("a8"), 0, "irrelevant", 1, "Lan", reviewed, article_id=ids["a8"])

    def run(source: str, when: datetime, ok: bool) -> SourceRun:
        errors = [] if ok else [FetchError("https://x/rss", "http", "HTTP 500")]
        return SourceRun(source, when, when, 0, 0, 0, 0 if ok else 1, errors, ok)

    for day in (20, 22, 24):
        store.record_run(run("baoquangngai", at(day, 6), True))
    for day, ok in ((20, True), (21, False), (23, True)):
        store.record_run(run("vnexpress", at(day, 6), ok))
    for day in (21, 23):
        store.record_run(run("dantri", at(day, 6), False))
    store.record_run(run("kontumtv", at(18, 6), True))  # before the window: silent in it
    return out


def w48(store: Store) -> DigestContent:
    cfg = config()
    window = week_window("2026-W48", cfg.schedule.digest, cfg.schedule.zone)
    return build_content(store, cfg, window, lambda: NOW)


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
