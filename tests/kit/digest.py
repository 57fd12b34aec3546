"""The digest tests' week: a config with four sources, and `seed`, two weeks of press (W47 and
W48 of 2026) with tags, reviews, assignments and crawl runs; `w48` builds the digest content of
the second. `NOW` is Thursday 26/11/2026, 15:00 in Đăk Hà."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import NamedTuple

from crawler.fingerprint import NUM_PERM
from digest.content import DigestContent, build_content
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
    """The digest tests' config (`CONFIG`)."""
    return parse_config(CONFIG, "test.yaml", {}).config


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A moment of 2026 in Vietnam time (November unless told)."""
    return datetime(2026, month, day, hour, minute, tzinfo=ICT)


def commune(old: str, new: str) -> UnitRecord:
    """An old commune of Huyện Đăk Hà and the new unit that succeeded it."""
    return UnitRecord("commune", old, "Tỉnh Kon Tum", "Huyện Đăk Hà", new, "Tỉnh Quảng Ngãi", True)


DISTRICT = UnitRecord("district", "Huyện Đăk Hà", "Tỉnh Kon Tum", None, None, None, True)
ELSEWHERE = UnitRecord("district", "Huyện Chư Păh", "Tỉnh Gia Lai", None, None, None, False)


@dataclass
class Seeded:
    """Article ids by key, as `seed` stored them."""

    ids: dict[str, int] = field(default_factory=dict)


def _record(
    key: str,
    source: str,
    title: str,
    published: datetime | None,
    seen: datetime,
    n: int,
    platform: str = "news",
    author: str | None = None,
) -> ArticleRecord:
    return ArticleRecord(
        source=source,
        url=f"https://{source}.vn/{key}.htm",
        canonical_url=f"https://{source}.vn/{key}.htm",
        title=title,
        lead="",
        text=f"Nội dung {key}",
        author=author,
        section=None,
        language="vi",
        published_at=published,
        fetched_at=seen,
        via="feed",
        extraction="page",
        content_hash=f"hash-{key}",
        fingerprint=tuple(n * 1000 + i for i in range(NUM_PERM)),
        backfill=False,
        platform=platform,
    )


def _tag(
    article_id: int,
    tone: str,
    units: tuple[UnitRecord, ...],
    topics: tuple[str, ...] = (),
    flagged: bool = False,
    relevant: bool = True,
    areas: tuple[str, ...] = (),
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
        areas=areas,
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
    areas: tuple[str, ...] = ()  # the watch areas (`areas:`) it concerns
    platform: str = "news"  # crawler.platform.Platform
    author: str | None = None  # the byline


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
        expected_version=0,
        unit="UBND xã Đăk Pxi",
        chat=None,
        topic=None,
        deadline=date(2026, 11, 16),
        user_id=1,
        user_name="Lan",
        at=at(13, 10),
        message="giao",
        article_id=ids["p1"],
    )
    store.assign(
        story("a1"),
        expected_version=0,
        unit="UBND xã Đăk Pxi",
        chat=None,
        topic=None,
        deadline=date(2026, 11, 24),
        user_id=1,
        user_name="Lan",
        at=at(20, 13),
        message="giao",
        article_id=ids["a1"],
    )
    store.assign(
        story("a3"),
        expected_version=0,
        unit="Phòng Tài nguyên và Môi trường",
        chat=None,
        topic=None,
        deadline=date(2026, 11, 30),
        user_id=1,
        user_name="Lan",
        at=reviewed,
        message="giao",
        article_id=ids["a3"],
    )
    store.review_action(
        story("a4"),
        expected_version=0,
        action="false_info",
        user_id=1,
        user_name="Lan",
        at=reviewed,
        article_id=ids["a4"],
    )
    _, job = store.assign(
        story("a4"),
        expected_version=1,
        unit="UBND xã Hà Mòn",
        chat=None,
        topic=None,
        deadline=date(2026, 11, 25),
        user_id=1,
        user_name="Lan",
        at=reviewed,
        message="giao",
        article_id=ids["a4"],
    )
    store.answer_assignment(job.id, "false", 2, "UBND xã Hà Mòn", at(25, 16), "Tin sai")
    store.review_action(
        story("a8"),
        expected_version=0,
        action="irrelevant",
        user_id=1,
        user_name="Lan",
        at=reviewed,
        article_id=ids["a8"],
    )

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
    """The digest content of week 48 of 2026 on the seeded store, built at `NOW`."""
    cfg = config()
    window = week_window("2026-W48", cfg.schedule.digest, cfg.schedule.zone)
    return build_content(store, cfg, window, lambda: NOW)


def area_config(places: list[str]) -> Config:
    """The digest tests' config with the watch area `places` instead of the district."""
    quoted = ", ".join(f'"{p}"' for p in places)
    text = CONFIG.replace(
        "{province: Tỉnh Kon Tum, district: Huyện Đăk Hà}", f"{{places: [{quoted}]}}"
    )
    return parse_config(text, "test.yaml", {}).config


def save_specs(store: Store, specs: list[Spec]) -> dict[str, int]:
    """Store these articles and their tags (relevant when a unit is in the watch area); their
    ids by key."""
    store.sync_sources(SOURCES)
    ids = {}
    for a in specs:
        outcome = store.save_article(
            _record(a.key, a.source, a.title, a.published, a.seen, a.n, a.platform, a.author)
        )
        ids[a.key] = outcome.article_id
    store.save_tags(
        [
            _tag(
                ids[a.key],
                a.tone,
                a.units,
                a.topics,
                a.flagged,
                any(u.in_watch_area for u in a.units),
                a.areas,
            )
            for a in specs
        ]
    )
    return ids


def content_of(store: Store, cfg: Config) -> DigestContent:
    """The digest content of week 48 of 2026 for `cfg`, built at `NOW`."""
    window = week_window("2026-W48", cfg.schedule.digest, cfg.schedule.zone)
    return build_content(store, cfg, window, lambda: NOW)
