"""Pages as the crawler fetched them: kept compressed with each article, pruned on a schedule,
and stored as the first evidence ("lúc thu thập") when a story is flagged, so an edit made
between the crawl and the flag shows."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from cases.evidence import CRAWLED, before_after, http_fetcher, refetch_open_cases
from crawler.extract import Hints
from crawler.fingerprint import NUM_PERM
from crawler.guard import Guard
from crawler.workers import extract_job, pack_page
from duluan.config import Extract
from storage import ArticleRecord, Store, TagRecord
from storage.cases import EvidenceSnapshot
from storage.records import PageRecord
from tests.kit.crawl import FROZEN_NOW, by_source, crawl, write_config
from tests.site.server import LocalSite

CRAWLED_AT = datetime.fromisoformat(FROZEN_NOW)


def article_html(title: str, sentence: str) -> str:
    body = "".join(f"<p class='Normal'>{i}. {sentence}</p>" for i in range(6))
    return f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title>
<script type="application/ld+json">{{"@type":"NewsArticle","headline":"{title}",
"datePublished":"2026-11-25T08:00:00+07:00"}}</script></head><body><nav><a href="/">Trang chủ</a>
</nav><h1 class="title-detail">{title}</h1><p class="description">Tóm tắt: {title}.</p>
<article class="fck_detail">{body}</article><footer>© Báo Thử 2026</footer></body></html>"""


PAGES = {
    "/thu/cau-treo-dak-pxi-1001.html": article_html(
        "Cầu treo mới ở Đăk Pxi",
        "Người dân xã Đăk Pxi phấn khởi khi cây cầu treo mới trị giá 3 tỷ đồng được đưa vào "
        "sử dụng, giúp hơn 300 học sinh đến trường an toàn trong mùa mưa lũ năm nay.",
    ),
    "/thu/rung-ngok-reo-1002.html": article_html(
        "Phá rừng ở Ngọk Réo",
        "Lực lượng kiểm lâm phát hiện một vụ phá rừng phòng hộ trên địa bàn xã Ngọk Réo, "
        "huyện Đăk Hà; diện tích bị chặt hạ khoảng hai héc ta, đang được điều tra làm rõ.",
    ),
}
EDITED = "/thu/cau-treo-dak-pxi-1001.html"


def rss(base: str = "{{BASE}}") -> str:
    items = "".join(
        f"<item><title>t</title><link>{base}{path}</link>"
        "<pubDate>Wed, 25 Nov 2026 08:00:00 +0700</pubDate></item>"
        for path in PAGES
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>{items}</channel></rss>'
    )


SOURCE = """
  - name: thu
    title: Báo Thử
    feeds: ['{{BASE}}/thu/rss/home.rss']
    article_pattern: '-\\d+\\.html$'
"""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[LocalSite]:
    root = tmp_path / "site"
    (root / "thu" / "rss").mkdir(parents=True)
    (root / "thu" / "rss" / "home.rss").write_text(rss(), encoding="utf-8")
    for path, html in PAGES.items():
        (root / path.lstrip("/")).write_text(html, encoding="utf-8")
    with LocalSite(root) as running:
        yield running


def pages_by_url(db_url: str) -> dict[str, list[tuple[int, str, bytes]]]:
    with Store.open(db_url) as store:
        found = {}
        for item in store.list_articles(limit=100):
            found[item.url] = [(p.id, p.sha256, p.content) for p in store.article_pages(item.id)]
        return found


# --- the crawl keeps the pages ------------------------------------------------------------


def test_crawl_keeps_each_page_compressed_and_a_304_recrawl_adds_nothing(
    site: LocalSite, tmp_path: Path, db_url: str
) -> None:
    config = write_config(tmp_path, site.base, SOURCE)
    assert by_source(crawl(config, db_url))["thu"].new == 2
    with Store.open(db_url) as store:
        items = store.list_articles(limit=100)
        assert len(items) == 2
        for item in items:
            [page] = store.article_pages(item.id)
            body = gzip.decompress(page.content)
            path = item.url.removeprefix(site.base)
            assert body == PAGES[path].encode()
            assert page.sha256 == hashlib.sha256(body).hexdigest() and page.size == len(body)
            assert len(page.content) < page.size
            assert (page.final_url, page.status, page.encoding) == (item.url, 200, "utf-8")
            assert page.fetched_at == CRAWLED_AT
    before = pages_by_url(db_url)

    site.reset_log()
    again = by_source(crawl(config, db_url))["thu"]
    assert (again.new, again.updated, again.failed) == (0, 0, 0)
    assert [h.status for h in site.requests if h.path.endswith("home.rss")] == [304]
    assert pages_by_url(db_url) == before


def test_pages_are_kept_once_per_body(store: Store) -> None:
    store.sync_sources([("thu", "Báo Thử")])
    first = record("https://thu.example/a-1.html", 1, CRAWLED_AT, b"<html>v1</html>")
    art = store.save_article(first).article_id
    assert store.save_article(first).status == "unchanged"
    adverts = record("https://thu.example/a-1.html", 1, CRAWLED_AT, b"<html>v1 ads</html>")
    assert store.save_article(adverts).status == "unchanged"  # same text: the page is not kept
    edited = record("https://thu.example/a-1.html", 1, CRAWLED_AT, b"<html>v2</html>", "h2")
    assert store.save_article(edited).status == "updated"
    bodies = [gzip.decompress(p.content) for p in store.article_pages(art)]
    assert bodies == [b"<html>v1</html>", b"<html>v2</html>"]
    without = record("https://thu.example/b-2.html", 2, CRAWLED_AT, None)
    assert store.article_pages(store.save_article(without).article_id) == []


def test_worker_compresses_only_pages_with_an_article() -> None:
    html = PAGES[EDITED]
    url = "https://thu.example" + EDITED
    done = extract_job(html, url, Extract(), Hints(), html.encode())
    assert done is not None and done.page is not None
    assert gzip.decompress(done.page.content) == html.encode()
    assert done.page == pack_page(html.encode())
    assert extract_job(html, url, Extract(), Hints()) is not None
    assert extract_job(html, url, Extract(), Hints()).page is None  # type: ignore[union-attr]
    empty = "<html><body><p>Không có bài.</p></body></html>"
    assert extract_job(empty, url, Extract(), Hints(), empty.encode()) is None


# --- pruning ------------------------------------------------------------------------------

NOW = datetime.fromisoformat("2026-11-26T03:00:00+00:00")


def record(
    url: str, n: int, at: datetime, body: bytes | None, content_hash: str | None = None
) -> ArticleRecord:
    page = None
    if body is not None:
        packed = pack_page(body)
        page = PageRecord(packed.content, packed.sha256, packed.size, url, 200, "utf-8")
    return ArticleRecord(
        source="thu",
        url=url,
        canonical_url=url,
        title=f"Bài {n}",
        lead="",
        text=f"Nội dung {n}",
        author=None,
        section=None,
        language="vi",
        published_at=at,
        fetched_at=at,
        via="feed",
        extraction="page",
        content_hash=content_hash or f"h{n}",
        fingerprint=tuple(n * 1000 + i for i in range(NUM_PERM)),
        backfill=False,
        page=page,
    )


def relevant(article_id: int) -> TagRecord:
    return TagRecord(
        article_id=article_id,
        relevant=True,
        relevance=0.9,
        tone="negative",
        needs_verification=False,
        topics=(),
        reasons=(),
        units=(),
        mentions=(),
        tagged_at=NOW,
        tagger_version="test",
    )


def test_prune_keeps_recent_relevant_and_evidence_pages(store: Store) -> None:
    store.sync_sources([("thu", "Báo Thử")])
    ages = {
        "fresh": (1, False),
        "old": (4, False),
        "old_relevant": (30, True),
        "ancient_relevant": (100, True),
        "ancient_case": (100, True),
        "old_false": (5, False),
        "old_evidence": (5, False),
        "young_edge": (2, False),
    }
    ids: dict[str, int] = {}
    for n, (name, (days, is_relevant)) in enumerate(ages.items(), start=1):
        at = NOW - timedelta(days=days)
        body = f"<html>{name}</html>".encode()
        saved = store.save_article(record(f"https://thu.example/{name}-{n}.html", n, at, body))
        ids[name] = saved.article_id
        assert saved.cluster_id == saved.article_id
        if is_relevant:
            store.save_tags([relevant(saved.article_id)])
    store.open_case(f"cluster:{ids['ancient_case']}", "Lan", NOW)
    story = f"cluster:{ids['old_false']}"
    store.review_action(
        story,
        expected_version=0,
        action="false_info",
        user_id=42,
        user_name="Lan",
        at=NOW,
        article_id=ids["old_false"],
    )
    [page] = store.article_pages(ids["old_evidence"])
    store.add_evidence(
        EvidenceSnapshot(
            story=f"cluster:{ids['old_evidence']}",
            article_id=ids["old_evidence"],
            case_id=None,
            url="https://thu.example/old_evidence-7.html",
            final_url=None,
            status_code=200,
            fetched_at=page.fetched_at,
            reason=CRAWLED,
            change="first",
            sha256=page.sha256,
            size=page.size,
            content=page.content,
            text_sha256=None,
            text=None,
        )
    )

    assert store.prune_pages(NOW) == 2
    left = {name for name, a in ids.items() if store.article_pages(a)}
    assert left == set(ages) - {"old", "ancient_relevant"}
    assert store.prune_pages(NOW) == 0
    assert store.prune_pages(NOW, keep_all=timedelta(days=1), keep_relevant=timedelta(days=10)) == 2
    left = {name for name, a in ids.items() if store.article_pages(a)}
    assert left == {"fresh", "ancient_case", "old_false", "old_evidence"}


# --- evidence at flag time ----------------------------------------------------------------


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def test_flag_after_an_edit_keeps_the_crawl_time_page_and_shows_the_change(
    site: LocalSite, tmp_path: Path, db_url: str
) -> None:
    config = write_config(tmp_path, site.base, SOURCE)
    crawl(config, db_url)
    original = PAGES[EDITED]
    site.override(EDITED, original.replace("3 tỷ đồng", "300 triệu đồng"))
    clock = Clock(CRAWLED_AT + timedelta(days=1))
    fetch = http_fetcher("duluan-test", Guard.trusting([site.base]))
    with Store.open(db_url) as store:
        by_url = {a.url: a.id for a in store.list_articles(limit=10)}
        edited_id = by_url[site.url(EDITED)]
        case = store.open_case(f"cluster:{edited_id}", "Lan", clock.at, article_id=edited_id)
        records = refetch_open_cases(store, clock, fetch)
        assert [(r.reason, r.change) for r in records] == [(CRAWLED, "first"), ("ok", "changed")]
        crawled, fresh = records
        assert crawled.fetched_at == CRAWLED_AT and fresh.fetched_at == clock.at
        assert crawled.case_id == case.id and crawled.status_code == 200
        assert crawled.sha256 == hashlib.sha256(original.encode()).hexdigest()
        found = store.evidence_content(crawled.id)
        assert found is not None and found[1] is not None
        assert gzip.decompress(found[1]) == original.encode()
        assert crawled.text is not None and "3 tỷ đồng" in crawled.text
        assert fresh.text is not None and "300 triệu đồng" in fresh.text
        assert [(b.id, a.id) for b, a in before_after(records)] == [(crawled.id, fresh.id)]

        clock.at += timedelta(days=1)
        [again] = refetch_open_cases(store, clock, fetch)  # the crawl page is not kept twice
        assert (again.reason, again.change) == ("ok", "unchanged")

        other_id = by_url[site.url("/thu/rung-ngok-reo-1002.html")]
        store.open_case(f"cluster:{other_id}", "Lan", clock.at, article_id=other_id)
        records = refetch_open_cases(store, clock, fetch)
        assert [(r.reason, r.change) for r in records] == [(CRAWLED, "first"), ("ok", "unchanged")]


# --- the daemon's daily prune -------------------------------------------------------------


def test_daemon_prunes_pages_daily_and_records_the_run(site: LocalSite, tmp_path: Path) -> None:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from duluan.daemon import PRUNE_JOB, Daemon

    db_url = f"sqlite:///{tmp_path}/db.sqlite3"
    config = write_config(tmp_path, site.base, SOURCE)
    crawl(config, db_url)
    later = CRAWLED_AT + timedelta(days=4)

    async def run() -> datetime:
        daemon = Daemon(config, db_url, now=lambda: later)
        daemon._store = Store.open(db_url)
        scheduler = AsyncIOScheduler(timezone=config.schedule.zone)
        try:
            daemon._schedule(scheduler)
            scheduler.start(paused=True)
            when: datetime = scheduler.get_job(PRUNE_JOB).next_run_time
            await daemon._prune_job()
            return when
        finally:
            scheduler.shutdown(wait=False)
            daemon._store.close()

    when = asyncio.run(run())
    local = when.astimezone(config.schedule.zone)
    assert (local.hour, local.minute) == (3, 30)
    with Store.open(db_url) as store:
        run_info = store.job_runs()[PRUNE_JOB]
        assert (run_info.last_run_at, run_info.last_result) == (later, "xóa 2 trang")
        assert all(store.article_pages(a.id) == [] for a in store.list_articles(limit=10))
