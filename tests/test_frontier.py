"""The crawl frontier on Redis (`crawl.frontier`): two crawl processes share article requests,
fetch each article once, never ask one site twice at once, and what comes back from Redis still
meets the fetch guard. Uses the machine's Redis on 127.0.0.1:6379 (skipped, saying so, where it
does not answer), each test under its own key namespace."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from scrapy import Request

from crawler.frontier import BadRequest, Frontier, HostLeases, JsonRequests, SharedPass
from crawler.links import Link
from crawler.runner import CrawlFailed
from duluan.config import load_config, masked_dump
from storage import Store
from tests.kit.crawl import by_source, crawl, stored, write_config
from tests.site.generate import generate_site
from tests.site.server import LocalSite

REDIS_URL = "redis://127.0.0.1:6379/0"
ARTICLES = 24


@pytest.fixture
def namespace() -> Iterator[str]:
    """A key namespace of its own on the local Redis, emptied afterwards."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis không truy cập được tại {REDIS_URL}: bỏ qua ({type(exc).__name__})")
    name = f"t{uuid.uuid4().hex[:12]}"
    try:
        yield name
    finally:
        keys = list(client.scan_iter(f"duluan:{name}:*"))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture
def outlet(tmp_path: Path) -> Iterator[tuple[LocalSite, list[str]]]:
    root = tmp_path / "site"
    paths = generate_site(root, ARTICLES, name="thu")
    # The first article has moved: its listed URL redirects (each hop is claimed on its own).
    (root / paths[0].lstrip("/")).rename(root / "thu" / "moved.html")
    with LocalSite(root, redirects={paths[0]: "/thu/moved.html"}) as site:
        yield site, paths


def sources_yaml() -> str:
    """Two sources over one outlet: its feed and its sitemap list the same articles."""
    return """
  - name: thu-rss
    title: Báo Thử (RSS)
    feeds: ['{{BASE}}/thu/rss/tin-moi-nhat.rss']
  - name: thu-sitemap
    title: Báo Thử (sitemap)
    sitemaps: ['{{BASE}}/thu/google-news-sitemap.xml']
"""


def frontier_yaml(namespace: str, url: str = REDIS_URL) -> str:
    return f"  frontier: '{url}'\n  frontier_namespace: {namespace}\n"


def test_two_processes_share_one_frontier(
    outlet: tuple[LocalSite, list[str]], namespace: str, tmp_path: Path, db_url: str
) -> None:
    site, paths = outlet
    config = write_config(tmp_path, site.base, sources_yaml(), crawl_yaml=frontier_yaml(namespace))
    # A busy machine must not time a download out: its retry would be a second fetch.
    slow = config.crawl.model_copy(update={"timeout": timedelta(seconds=20)})
    config = config.model_copy(update={"crawl": slow})
    Store.open(db_url).close()  # the schema exists before two processes race to make it
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(crawl, config, db_url, "thu-rss")
        second = pool.submit(crawl, config, db_url, "thu-sitemap")
        summaries = [first.result(), second.result()]
    assert all(s.ok for summary in summaries for s in summary.sources)
    hits = Counter(h.path for h in site.requests if h.path in {*paths, "/thu/moved.html"})
    assert set(hits) == {*paths, "/thu/moved.html"}  # every article of the feed was fetched...
    assert set(hits.values()) == {1}  # ...once over both processes
    urls = [a.url for a in stored(db_url)]
    assert sorted(urls) == sorted(site.url(p) for p in paths)  # each stored once
    assert site.peak_in_flight == 1  # never two requests to the site at once

    # The next pass polls the feed again (conditional) and fetches no article a second time.
    site.reset_log()
    summary = by_source(crawl(config, db_url, "thu-rss"))["thu-rss"]
    assert summary.ok and summary.new == 0
    assert [h.path for h in site.requests] == ["/robots.txt", "/thu/rss/tin-moi-nhat.rss"]


def test_requests_from_redis_meet_the_guard(
    outlet: tuple[LocalSite, list[str]], namespace: str, tmp_path: Path, db_url: str
) -> None:
    site, _ = outlet
    with LocalSite(tmp_path / "site") as other:
        config = write_config(
            tmp_path, site.base, sources_yaml(), crawl_yaml=frontier_yaml(namespace)
        )
        client = redis.Redis.from_url(REDIS_URL)
        key = f"duluan:{namespace}:frontier:requests"

        def push(payload: bytes) -> None:
            client.execute_command("ZADD", key, 0, payload)

        for url in (other.url("/thu/rss/tin-moi-nhat.rss"), "http://169.254.169.254/latest/"):
            push(hostile(url, "thu-rss"))
        push(hostile(site.url("/thu/x-1.html"), "thu-rss", callback="closed"))
        push(hostile(site.url("/thu/x-2.html"), "no-such-source"))
        push(b"\x80\x04\x95pickled")  # pickle is never loaded
        summary = by_source(crawl(config, db_url, "thu-rss"))["thu-rss"]
        assert other.requests == []
        assert summary.refused == 2
        assert not any(h.path.startswith("/thu/x-") for h in site.requests)
        assert client.zcard(key) == 0
        client.close()


def hostile(url: str, source: str, callback: str = "parse_article") -> bytes:
    meta = {"source": source, "link": {"url": url, "via": "feed"}}
    return json.dumps(
        {"url": url, "callback": callback, "errback": "on_error", "meta": meta}
    ).encode()


def test_unreachable_frontier_fails_in_vietnamese_and_stores_nothing(
    outlet: tuple[LocalSite, list[str]], tmp_path: Path, db_url: str
) -> None:
    site, _ = outlet
    url = "redis://:matkhau-bi-mat@127.0.0.1:1/0"
    config = write_config(tmp_path, site.base, sources_yaml(), crawl_yaml=frontier_yaml("x", url))
    with pytest.raises(CrawlFailed) as failed:
        crawl(config, db_url)
    message = str(failed.value)
    assert "Không kết nối được hàng đợi thu thập chung (crawl.frontier)" in message
    assert "redis://:***@127.0.0.1:1/0" in message
    assert "matkhau-bi-mat" not in message
    assert "Redis" in message and "bỏ" in message  # what to do
    assert site.requests == []
    assert stored(db_url) == []


def test_config_check_masks_the_frontier_password(tmp_path: Path) -> None:
    written = "  frontier: 'redis://:pw-secret@10.0.0.5:6379/2'\n"
    write_config(tmp_path, "http://127.0.0.1:8000", sources_yaml(), crawl_yaml=written)
    dumped = masked_dump(load_config(tmp_path / "config.yaml", {}), {})
    assert "redis://:***@10.0.0.5:6379/2" in dumped and "pw-secret" not in dumped
    environ = {"FRONTIER": "redis://:pw-secret@h:6379/0"}
    crawl_yaml = "  frontier: env:FRONTIER\n"
    config = write_config(tmp_path, "http://127.0.0.1:8000", sources_yaml(), environ, crawl_yaml)
    assert config.crawl.frontier == "redis://:pw-secret@h:6379/0"
    assert "pw-secret" not in masked_dump(load_config(tmp_path / "config.yaml", environ), {})


def test_article_requests_travel_as_plain_json() -> None:
    published = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    link = Link("https://baothu.vn/a-1.html", "feed", title="Cầu treo", published_at=published)
    request = Request(
        link.url,
        meta={"source": "thu", "link": link, "parent": "https://baothu.vn/rss", "download_slot": 1},
    )
    data = JsonRequests.dumps(
        {**request.to_dict(), "callback": "parse_article", "errback": "on_error"}
    )
    back = JsonRequests.loads(data)
    assert back["meta"] == {"source": "thu", "parent": "https://baothu.vn/rss", "link": link}
    assert back["callback"] == "parse_article" and "_class" not in back
    with pytest.raises(BadRequest):
        JsonRequests.loads(
            json.dumps({**json.loads(data), "_class": "os.system"})
            .replace('"parse_article"', '"closed"')
            .encode()
        )


def test_seen_articles_expire_and_updates_are_asked_again(namespace: str) -> None:
    shared = SharedPass(Frontier(REDIS_URL, namespace))
    link = Link("https://baothu.vn/a-1.html", "feed")
    request = Request(link.url, meta={"link": link})
    assert shared.claim(request) and not shared.claim(request)
    ttl = shared.server.ttl(shared._seen_key(link.url, link))
    assert 0 < ttl <= 3600  # forgotten by itself: the article may be fetched again later
    updated = Link(link.url, "feed", updated_at=datetime(2026, 11, 26, tzinfo=UTC))
    assert shared.claim(Request(link.url, meta={"link": updated}))  # a new version: asked
    shared.forget(link.url, link)  # a failed fetch: the next pass may try again
    assert shared.claim(request)
    shared.mark_dirty("https://baothu.vn/rss")
    assert shared.take_dirty(["https://baothu.vn/rss", "https://baothu.vn/x"]) == {
        "https://baothu.vn/rss"
    }
    assert shared.take_dirty(["https://baothu.vn/rss"]) == set()


def test_a_busy_host_waits_for_its_lease(namespace: str) -> None:
    frontier = Frontier(REDIS_URL, namespace)
    mine = HostLeases(frontier.client(), frontier, hold_ms=10_000, delay_ms=0)
    theirs = HostLeases(frontier.client(), frontier, hold_ms=10_000, delay_ms=0)

    async def scenario() -> None:
        token = await mine.acquire("baothu.vn")
        other_host = await theirs.acquire("baomoi.vn")  # another host is not held up
        waiting = asyncio.ensure_future(theirs.acquire("baothu.vn"))
        await asyncio.sleep(0.3)
        assert not waiting.done()
        mine.release("baothu.vn", token)
        await asyncio.wait_for(waiting, timeout=10)
        theirs.release("baothu.vn", waiting.result())
        theirs.release("baomoi.vn", other_host)

    asyncio.run(scenario())
    key = f"duluan:{namespace}:frontier:host:baothu.vn"
    assert not mine.server.exists(key)  # handed back at once without a delay

    polite = HostLeases(frontier.client(), frontier, hold_ms=10_000, delay_ms=60_000)
    token = asyncio.run(polite.acquire("baothu.vn"))
    polite.release("baothu.vn", token)
    assert 10_000 < polite.server.pttl(key) <= 60_000  # held for crawl.delay after the answer
    polite.release("baothu.vn", "not-my-token")  # another's token never frees it
    assert polite.server.exists(key)


def test_keys_are_named_after_the_database_or_the_config() -> None:
    from crawler.frontier import database_namespace

    one = database_namespace("postgresql://duluan:pw@db1.lan:5432/duluan")
    assert one == database_namespace("postgresql+psycopg://crawler@10.0.0.7/duluan")
    assert one != database_namespace("postgresql://duluan:pw@db1.lan:5432/quangngai")
    assert len(one) == 12 and "pw" not in one


def test_a_frontier_lost_mid_pass_leaves_the_process_crawling_alone() -> None:
    from types import SimpleNamespace

    from scrapy.utils.test import get_crawler

    from crawler.frontier import FrontierScheduler

    gone = Frontier("redis://127.0.0.1:1/0", "lost")  # nothing listens on port 1
    scheduler = FrontierScheduler(get_crawler(), gone, gone.client())
    scheduler.open(SimpleNamespace(name="duluan", sources={"thu": None}))

    class Spider:
        def parse_article(self, response: object) -> None: ...

    link = Link("https://baothu.vn/a-1.html", "feed")
    article = Request(
        link.url, callback=Spider().parse_article, meta={"source": "thu", "link": link}
    )
    assert scheduler.enqueue_request(article)  # kept here, not lost
    assert scheduler.lost and scheduler.has_pending_requests()
    assert scheduler.next_request() is article
    assert scheduler.next_request() is None and not scheduler.has_pending_requests()


def test_an_article_failing_in_another_process_keeps_its_feed_unconditional(
    outlet: tuple[LocalSite, list[str]], namespace: str, tmp_path: Path
) -> None:
    site, _ = outlet
    db_url = f"sqlite:///{tmp_path}/db.sqlite3"
    config = write_config(tmp_path, site.base, sources_yaml(), crawl_yaml=frontier_yaml(namespace))
    feed = "/thu/rss/tin-moi-nhat.rss"
    crawl(config, db_url, "thu-rss")  # the poller keeps the feed's validator
    site.reset_log()
    crawl(config, db_url, "thu-rss")
    assert [h.status for h in site.requests if h.path == feed] == [304]

    # An article of that feed, taken from the queue by the sitemap's process, fails there.
    client = redis.Redis.from_url(REDIS_URL)
    broken = json.loads(hostile(site.url("/bad/500"), "thu-rss"))
    broken["meta"]["parent"] = site.url(feed)
    client.execute_command(
        "ZADD", f"duluan:{namespace}:frontier:requests", 0, json.dumps(broken).encode()
    )
    client.close()
    site.reset_log()
    crawl(config, db_url, "thu-sitemap")
    assert [h.status for h in site.requests if h.path == "/bad/500"] == [500, 500]  # one retry
    site.reset_log()
    crawl(config, db_url, "thu-rss")
    assert [h.status for h in site.requests if h.path == feed] == [200]  # asked unconditionally


def test_a_frontier_lost_mid_pass_keeps_no_validator_and_raises_nothing() -> None:
    """Redis gone when an article fails or the pass ends: nothing raises (the pass and what it
    stored stand), and no feed validator is trusted, so the next poll is a full one."""
    gone = SharedPass(Frontier("redis://127.0.0.1:1/0", "lost"))  # nothing listens on port 1
    link = Link("https://baothu.vn/a-1.html", "feed")
    gone.forget(link.url, link)
    gone.mark_dirty("https://baothu.vn/rss")
    urls = ["https://baothu.vn/rss", "https://baothu.vn/sitemap.xml"]
    assert gone.take_dirty(urls) == set(urls)
