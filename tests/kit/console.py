"""Helpers of the console's HTTP tests: a seeded store, accounts, a logged-in TestClient."""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from crawler.fingerprint import NUM_PERM
from duluan.config import Config, parse_config
from duluan.console.app import build_app
from duluan.console.auth import hash_password
from duluan.console.state import state_of
from duluan.pipeline import locator_for
from nlp.locate import Locator
from storage import ArticleRecord, MentionRecord, Store, TagRecord, UnitRecord
from storage.cases import EvidenceSnapshot
from tests.kit.areas import DAK_MAR, DAK_PXI, areas_yaml

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # Thursday 10:00 in Đăk Hà
PASSWORD = "mật khẩu đủ dài 123"
PXI_UNIT = "UBND xã Đăk Pxi"
LAND_UNIT = "Phòng Tài nguyên và Môi trường"
CONFIG = f"""
locality: {{province: Tỉnh Kon Tum, district: Huyện Đăk Hà}}
sources:
  - {{name: baoquangngai, title: Báo Quảng Ngãi, feeds: ['https://baoquangngai.vn/rss']}}
  - {{name: dantri, title: Dân trí, feeds: ['https://dantri.com.vn/rss']}}
units:
  - {{name: {PXI_UNIT}, chat: "-1001", communes: [Xã Đăk Pxi]}}
  - {{name: {LAND_UNIT}, chat: "-1002", topics: [đất đai]}}
review: {{chat: "-1009", reviewers: [1], deadline_days: 2}}
web: {{secure_cookies: true}}
"""
TEXT = "Người dân xã Đăk Pxi phản ánh việc phá rừng trái phép kéo dài."
PXI = UnitRecord("commune", "Xã Đăk Pxi", "Tỉnh Kon Tum", "Huyện Đăk Hà", "Xã Đăk Pxi", None, True)
MAR = UnitRecord("commune", "Xã Đăk Mar", "Tỉnh Kon Tum", "Huyện Đăk Hà", "Xã Đăk Mar", None, True)


class Clock:
    """A frozen clock the test moves by hand."""

    def __init__(self, value: datetime = NOW) -> None:
        self.value = value

    def __call__(self) -> datetime:
        return self.value


def config() -> Config:
    """The console tests' config (`CONFIG`)."""
    return parse_config(CONFIG, "test.yaml", {}).config


def _record(key: str, source: str, title: str, text: str, n: int, hours: int) -> ArticleRecord:
    seen = NOW - timedelta(hours=hours)
    return ArticleRecord(
        source=source,
        url=f"https://{source}.vn/{key}.htm",
        canonical_url=f"https://{source}.vn/{key}.htm",
        title=title,
        lead="",
        text=text,
        author=None,
        section=None,
        language="vi",
        published_at=seen,
        fetched_at=seen,
        via="feed",
        extraction="page",
        content_hash=f"hash-{key}",
        fingerprint=tuple(n * 1000 + i for i in range(NUM_PERM)),
        backfill=False,
    )


@dataclass(frozen=True)
class Seeded:
    """Cluster ids of the seeded stories: `forest` (two copies), `market`, and `weather`
    (not relevant, so not in the queue)."""

    forest: int
    market: int
    weather: int
    forest_article: int


def seed(store: Store) -> Seeded:
    """Four stored, tagged articles (see `Seeded`) of two sources."""
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi"), ("dantri", "Dân trí")])
    saved = store.save_articles(
        [
            _record("forest", "baoquangngai", "Phá rừng ở Đăk Pxi", TEXT, 1, 5),
            _record("forest-copy", "dantri", "Phá rừng tại Đăk Pxi", TEXT, 1, 4),
            _record(
                "market", "dantri", "Chợ phiên Đăk Mar", "Chợ phiên xã Đăk Mar đông vui.", 2, 2
            ),
            _record("weather", "dantri", "Thời tiết", "Trời nắng.", 3, 1),
        ]
    )
    forest, copy, market, weather = (s.article_id for s in saved)
    start = TEXT.index("xã Đăk Pxi")
    mention = MentionRecord(
        "text", start, start + len("xã Đăk Pxi"), "xã Đăk Pxi", "Xã Đăk Pxi", "commune", "p", 0.97
    )

    def tag(
        article_id: int,
        tone: str,
        units: tuple[UnitRecord, ...],
        relevant: bool = True,
        mentions: tuple[MentionRecord, ...] = (),
        topics: tuple[str, ...] = (),
    ) -> TagRecord:
        return TagRecord(
            article_id=article_id,
            relevant=relevant,
            relevance=0.9 if relevant else 0.1,
            tone=tone,
            needs_verification=tone == "negative",
            topics=topics,
            reasons=("'phá rừng' gần 'xã Đăk Pxi'",) if tone == "negative" else (),
            units=units,
            mentions=mentions,
            tagged_at=NOW - timedelta(minutes=30),
            tagger_version="test",
        )

    store.save_tags(
        [
            tag(forest, "negative", (PXI,), mentions=(mention,), topics=("rừng",)),
            tag(copy, "negative", (PXI,), mentions=(mention,), topics=("rừng",)),
            tag(market, "positive", (MAR,)),
            tag(weather, "neutral", (), relevant=False),
        ]
    )
    clusters = {s.article_id: s.cluster_id for s in saved}
    assert clusters[forest] == clusters[copy]
    return Seeded(clusters[forest], clusters[market], clusters[weather], forest)


def add_users(store: Store) -> None:
    """One account per role: quantri (admin), canbo (staff), dakpxi and phongtn (unit), xem
    (viewer)."""
    hashed = hash_password(PASSWORD)
    for name, role, unit in [
        ("quantri", "admin", None),
        ("canbo", "staff", None),
        ("dakpxi", "unit", PXI_UNIT),
        ("phongtn", "unit", LAND_UNIT),
        ("xem", "viewer", None),
    ]:
        store.add_web_user(name, role, unit, hashed, NOW)


_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def token(client: TestClient, path: str = "/login") -> str:
    """The CSRF token of the form at `path`."""
    found = _TOKEN.search(client.get(path).text)
    assert found, f"không thấy csrf_token trên {path}"
    return found.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD) -> object:
    """Log in through the form; returns the response."""
    return client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": token(client)},
        follow_redirects=False,
    )


_TAGGERS: dict[str, Locator] = {}


def tagger(config: Config) -> Locator:
    """The tagger of `config`'s watch areas, built once per test session for each set of areas
    (building one takes seconds)."""
    key = repr([(a.name, a.places, sorted(a.topics)) for a in config.watch_areas()])
    if key not in _TAGGERS:
        _TAGGERS[key] = locator_for(config)
    return _TAGGERS[key]


@dataclass
class Console:
    """A seeded console: its store, config and clock, and clients logged in as anyone. With
    `tagged`, each app gets the config's tagger (`tagger`) instead of building its own when a
    report is added ("Thêm tin")."""

    store: Store
    config: Config
    clock: Clock
    seeded: Seeded
    tmp: Path
    tagged: bool = False

    def client(self, user: str | None = None) -> TestClient:
        app = build_app(self.config, self.store, self.clock, "s" * 40, data_dir=self.tmp)
        if self.tagged:
            state_of(app).locator = tagger(self.config)
        client = TestClient(app, base_url="https://testserver")
        if user is not None:
            response = login(client, user)
            assert getattr(response, "status_code", 0) == 303, getattr(response, "text", "")
        return client


@pytest.fixture
def console(store: Store, tmp_path: Path) -> Iterator[Console]:
    """A seeded store with one account per role, and the console on it."""
    seeded = seed(store)
    add_users(store)
    yield Console(store, config(), Clock(), seeded, tmp_path)


def save_tagged(
    store: Store,
    stories: list[tuple[str, tuple[UnitRecord, ...]]],
    areas: dict[str, tuple[str, ...]] | None = None,
) -> list[int]:
    """One relevant, tagged article per (key, units), each its own story, concerning the watch
    areas `areas` gives for its key (none by default); their cluster ids."""
    areas = areas or {}
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi"), ("dantri", "Dân trí")])
    saved = store.save_articles(
        [
            _record(key, "baoquangngai", f"Tin {key}", f"Nội dung {key}.", 100 + n, 1 + n)
            for n, (key, _) in enumerate(stories)
        ]
    )
    store.save_tags(
        [
            TagRecord(
                article_id=s.article_id,
                relevant=True,
                relevance=0.9,
                tone="neutral",
                needs_verification=False,
                topics=(),
                reasons=(),
                units=units,
                mentions=(),
                tagged_at=NOW - timedelta(minutes=30),
                tagger_version="test",
                areas=areas.get(key, ()),
            )
            for s, (key, units) in zip(saved, stories, strict=True)
        ]
    )
    return [s.cluster_id for s in saved]


def area_console(store: Store, tmp: Path, places: list[str]) -> Console:
    """The console of the watch area `places` (instead of the district), with one account per
    role and nothing seeded (the clusters of `Seeded` are 0)."""
    add_users(store)
    quoted = ", ".join(f'"{p}"' for p in places)
    text = CONFIG.replace(
        "{province: Tỉnh Kon Tum, district: Huyện Đăk Hà}", f"{{places: [{quoted}]}}"
    )
    return Console(
        store, parse_config(text, "test.yaml", {}).config, Clock(), Seeded(0, 0, 0, 0), tmp
    )


AREA_A, AREA_B = "dak-pxi", "dak-mar"
UNIT_A, UNIT_B = "Công an xã Đăk Pxi", "Công an xã Đăk Mar"
TITLE_A, TITLE_B = "UBND xã Đăk Pxi", "UBND xã Đăk Mar"


def two_areas_console(store: Store, tmp: Path, zalo: bool = False) -> Console:
    """The console of a deployment of two watch areas, `AREA_A` (Xã Đăk Pxi) and `AREA_B` (Xã
    Đăk Mar), each with its review chat, leadership chat, one unit and its deadline (2 and 5
    working days); nothing seeded (the
    clusters of `Seeded` are 0). Accounts: quantri (admin) and tinh (staff) of every area; pxi
    (staff), pxi-donvi (unit `UNIT_A`) and pxi-xem (viewer) of `AREA_A`; mar (staff) of
    `AREA_B`. With `zalo`, each chat has a Zalo twin: "z" and the Telegram chat's digits
    (`review.zalo` z1100, `leadership_zalo` z1105, the unit's `zalo` z1110 in `AREA_A`)."""

    def area(
        name: str, title: str, place: str, unit: str, chat: int, days: int
    ) -> dict[str, object]:
        review: dict[str, object] = {
            "chat": str(chat),
            "leadership_chat": str(chat - 5),
            "deadline_days": days,
        }
        units: dict[str, object] = {"name": unit, "chat": str(chat - 10)}
        if zalo:
            review |= {"zalo": f"z{-chat}", "leadership_zalo": f"z{5 - chat}"}
            units["zalo"] = f"z{10 - chat}"
        return {
            "name": name,
            "title": title,
            "places": [place],
            "review": review,
            "units": [units],
        }

    text = areas_yaml(
        [
            area(AREA_A, TITLE_A, DAK_PXI, UNIT_A, -1100, 2),
            area(AREA_B, TITLE_B, DAK_MAR, UNIT_B, -1200, 5),
        ],
        top=(
            "review: {reviewers: [1], deadline_days: 2}\nweb: {secure_cookies: true}\n"
            f"report: {{out_dir: '{tmp / 'reports'}'}}\n"
        ),
    )
    hashed = hash_password(PASSWORD)
    for name, role, unit, where in [
        ("quantri", "admin", None, None),
        ("tinh", "staff", None, None),
        ("pxi", "staff", None, AREA_A),
        ("pxi-donvi", "unit", UNIT_A, AREA_A),
        ("pxi-xem", "viewer", None, AREA_A),
        ("mar", "staff", None, AREA_B),
    ]:
        store.add_web_user(name, role, unit, hashed, NOW, area=where)
    config = parse_config(text, "test.yaml", {}).config
    return Console(store, config, Clock(), Seeded(0, 0, 0, 0), tmp)


def page_snapshot(
    story: int, article_id: int | None, case_id: int | None, url: str, html: bytes, text: str
) -> EvidenceSnapshot:
    """A kept copy of a page of `story`, fetched at `NOW` (the console's evidence tests)."""
    return EvidenceSnapshot(
        story=f"cluster:{story}",
        article_id=article_id,
        case_id=case_id,
        url=url,
        final_url=url,
        status_code=200,
        fetched_at=NOW,
        reason="ok",
        change="first",
        sha256=hashlib.sha256(html).hexdigest(),
        size=len(html),
        content=gzip.compress(html),
        text_sha256="x",
        text=text,
    )
