"""The one generic spider: every configured source's feeds, sitemaps, listings and articles.

Each request carries its source's name; every failure is logged with the source and the URL,
recorded in that source's tally, and never stops the other sources.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import quote_plus, urlparse
from zoneinfo import ZoneInfo

import scrapy
from scrapy import signals
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.bridges import BridgeError, BridgePost, parse_bridge_feed
from crawler.extract import Hints
from crawler.facebook import FacebookError, PagePost, parse_posts, posts_url
from crawler.feeds import FeedError, parse_feed
from crawler.fingerprint import content_hash
from crawler.frontier import Frontier, SharedPass
from crawler.guard import Guard, Refused
from crawler.links import Link, wanted
from crawler.listings import parse_listing
from crawler.platform import Platform, platform_of
from crawler.posts import post_title
from crawler.sitemaps import SitemapError, parse_sitemap, shard_end
from crawler.tally import Tally
from crawler.telegram import (
    ChannelPage,
    Post,
    TelegramError,
    parse_channel_page,
    preview_url,
)
from crawler.workers import Extraction, Extractor, fingerprint
from crawler.youtube import (
    KEY_HEADER,
    SEARCH_COST,
    Video,
    YoutubeError,
    parse_search,
    quota_day,
    quota_name,
    quota_reset,
    search_url,
)
from duluan.config import CrawlSettings, Listing, Source
from storage import ArticleRecord, FetchError, Store, Validator
from storage.records import PageRecord

log = logging.getLogger(__name__)

NOT_MODIFIED = 304
# Failures of a listed article that a retry would meet again (gone, not an article, refused):
# they do not make the next poll of its feed or sitemap unconditional.
PERMANENT = frozenset(
    {"gone", "no-article", "robots", "too-large", "redirect", "article", "refused"}
)
GOOGLE_NEWS_HOST = "news.google.com"
# Where the centre reads the time of a quota reset.
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
# Older pages of a channel's preview read in one pass at most (20 posts each), on the first
# pass or after a long pause; afterwards the pass stops at the last post already stored.
TELEGRAM_PAGES = 10


class OutletSpider(scrapy.Spider):
    """Crawls the given sources once."""

    name = "duluan"

    def __init__(
        self,
        sources: list[Source],
        settings: CrawlSettings,
        store: Store,
        tally: Tally,
        now: Callable[[], datetime],
        since: datetime | None = None,
        search_queries: dict[str, list[str]] | None = None,
        known: list[Source] | None = None,
        frontier: Frontier | None = None,
        **kwargs: Any,
    ) -> None:
        """`sources` are polled; with a `frontier`, article requests of any of the `known`
        sources (another process polled them) may come back from it and are fetched too."""
        super().__init__(**kwargs)
        self.polled = list(sources)
        self.sources = {source.name: source for source in [*(known or []), *sources]}
        self.crawl_settings = settings
        self.store = store
        self.tally = tally
        self.now = now
        self.since = since
        self.search_queries = search_queries or {}
        self.guard = Guard.for_sources(self.sources.values())
        self.shared = SharedPass(frontier) if frontier is not None else None
        self.extractor = Extractor(settings.workers)
        entry_urls = [url for source in sources for url in _entry_urls(source)]
        # A --since pass reaches back on purpose: unconditional, so unchanged indexes are re-read.
        self.validators: dict[str, Validator] = {} if since else store.get_validators(entry_urls)
        self.fresh_validators: dict[str, Validator] = {}
        self.dirty: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> OutletSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._received, signal=signals.bytes_received)
        return spider

    def _received(self, data: bytes, request: scrapy.Request, spider: Any = None) -> None:
        """Bytes read so far for this request: a page cut at the size limit while streaming
        (no Content-Length) then reads as "too large", not as a failed connection."""
        request.meta["bytes_received"] = request.meta.get("bytes_received", 0) + len(data)

    @property
    def cutoff(self) -> datetime:
        """Sitemap entries and shards older than this are not fetched."""
        return self.since or self.now() - self.crawl_settings.sitemap_horizon

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.extractor.start()
        for request in self._entry_requests():
            yield request

    def _entry_requests(self) -> Iterator[scrapy.Request]:
        for source in self.polled:
            self.tally.begin(source.name)
            for url in source.feeds:
                parse = self.parse_bridge if source.bridge else self.parse_feed
                yield self._entry(url, source, parse)
            for url in source.sitemaps:
                yield self._entry(url, source, self.parse_sitemap)
            for listing in source.listings:
                yield self._entry(listing.url, source, self.parse_listing, listing=listing, page=1)
            if source.search:
                for query in self._queries(source, source.search.queries):
                    url = source.search.url.replace("{query}", quote_plus(query))
                    yield self._entry(url, source, self.parse_feed, via="search")
            if source.telegram:
                yield self._entry(source.telegram_url, source, self.parse_telegram, page=1)
            if source.youtube_search:
                for number, query in enumerate(
                    self._queries(source, source.youtube_search.queries)
                ):
                    request = self._youtube_request(source, query)
                    if request is None:
                        if number == 0:  # nothing asked: the quota waits, nothing failed
                            self.tally.entry(source.name)
                            self.tally.entry_ok(source.name)
                        break
                    yield request
            if source.facebook_page:
                page = source.facebook_page
                url = posts_url(page.api_url, page.page, page.limit)
                yield self._api_request(url, source, self.parse_facebook, entry=True, page=1)

    def _queries(self, source: Source, queries: str | list[str]) -> list[str]:
        """A search's queries: its own list, or the watch area's (`auto`)."""
        if queries == "auto":
            return self.search_queries.get(source.name, [])
        return list(queries)

    def _api_request(
        self, url: str, source: Source, callback: Callable[..., Any], **meta: Any
    ) -> scrapy.Request:
        """A call of a JSON API (YouTube Data API, Graph API): its credential in a header,
        never in the URL; every status reaches the callback, which reads the API's error; no
        robots.txt (no page is crawled) and no redirect (an API answers where it is asked)."""
        if meta.get("entry"):
            self.tally.entry(source.name)
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            dont_filter=True,
            headers=self._credential(source),
            meta={
                "source": source.name,
                "dont_obey_robotstxt": True,
                "dont_redirect": True,
                "handle_httpstatus_all": True,
                **meta,
            },
        )

    @staticmethod
    def _credential(source: Source) -> dict[str, str]:
        if source.youtube_search is not None:
            return {KEY_HEADER: source.youtube_search.key.get_secret_value()}
        if source.facebook_page is not None:
            return {"Authorization": f"Bearer {source.facebook_page.token.get_secret_value()}"}
        return {}

    def _entry(
        self, url: str, source: Source, callback: Callable[..., Any], **meta: Any
    ) -> scrapy.Request:
        self.tally.entry(source.name)
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            dont_filter=True,
            meta=self._meta(source, entry=True, conditional=True, **meta),
        )

    @staticmethod
    def _meta(source: Source, **extra: Any) -> dict[str, Any]:
        """Request meta: the source, its robots.txt choice, 304 handling for conditional GETs."""
        meta: dict[str, Any] = {"source": source.name, **extra}
        if source.obey_robots is False:
            meta["dont_obey_robotstxt"] = True
        if extra.get("conditional"):
            meta["handle_httpstatus_list"] = [NOT_MODIFIED]
        return meta

    # Discovery ---------------------------------------------------------------------------

    def parse_feed(self, response: Response) -> Iterator[Any]:
        source = self._source(response)
        if self._not_modified(response):
            return
        via = response.meta.get("via", "feed")
        try:
            feed = parse_feed(response.body, response.url, via=via)
        except FeedError as exc:
            self._fail(response.meta, response.url, "feed", str(exc))
            return
        self.tally.entry_ok(source.name)
        links = feed.links if via == "search" else self._filter(source, feed.links)
        yield from self._articles(source, links, parent=response.url)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        source = self._source(response)
        if self._not_modified(response):
            return
        try:
            sitemap = parse_sitemap(response.body)
        except SitemapError as exc:
            self._fail(response.meta, response.url, "sitemap", str(exc))
            return
        self.tally.entry_ok(source.name)
        self._load_validators([child.url for child in sitemap.children])
        for child in sitemap.children:
            newest = child.lastmod.date() if child.lastmod else shard_end(child.url)
            if newest is not None and newest < self.cutoff.date():
                log.debug(
                    "[%s] %s: sơ đồ con cũ hơn giới hạn thời gian: bỏ qua", source.name, child.url
                )
                continue
            yield scrapy.Request(
                child.url,
                callback=self.parse_sitemap,
                errback=self.on_error,
                meta=self._meta(source, conditional=True, parent=response.url),
            )
        recent = [
            link
            for link in self._filter(source, sitemap.links)
            if link.published_at is None or link.published_at >= self.cutoff
        ]
        yield from self._articles(source, recent, parent=response.url)

    def parse_listing(self, response: Response) -> Iterator[Any]:
        source = self._source(response)
        listing: Listing = response.meta["listing"]
        page: int = response.meta["page"]
        if self._not_modified(response):
            return
        if not isinstance(response, TextResponse):
            self._fail(response.meta, response.url, "listing", "không phải trang HTML / not HTML")
            return
        self.tally.entry_ok(source.name)
        links, next_url = parse_listing(
            response.text, response.url, listing.article_pattern, source.exclude_pattern
        )
        yield from self._articles(source, links, parent=response.url)
        if page >= listing.pages:
            return
        if listing.page_url:
            next_url = listing.page_url.replace("{page}", str(page + 1))
        if next_url:
            self._load_validators([next_url])
            yield scrapy.Request(
                next_url,
                callback=self.parse_listing,
                errback=self.on_error,
                meta=self._meta(source, listing=listing, page=page + 1, conditional=True),
            )

    def parse_telegram(self, response: Response) -> Iterator[Any]:
        """A page of a channel's web preview: each post is an item (new, or its views and
        text brought up to date); older pages (`?before=`) are read until a post already
        stored, the time limit of the pass or `TELEGRAM_PAGES`."""
        source = self._source(response)
        page_number: int = response.meta["page"]
        if self._not_modified(response):
            return
        assert source.telegram is not None
        if not isinstance(response, TextResponse):
            self._fail(response.meta, response.url, "telegram", "không phải trang HTML / not HTML")
            return
        try:
            page = parse_channel_page(response.text, source.telegram)
        except TelegramError as exc:
            self._fail(response.meta, response.url, "telegram", str(exc))
            return
        if response.meta.get("entry"):
            self.tally.entry_ok(source.name)
        known = self.store.known_articles(post.url for post in page.posts)
        for post in page.posts:
            # Known posts too: the store keeps their views current and their text if edited.
            yield self._record_from_post(source, page, post)
        if not page.posts or known or page_number >= TELEGRAM_PAGES:
            return
        oldest = page.posts[0]
        if oldest.published_at is not None and oldest.published_at < self.cutoff:
            return
        yield scrapy.Request(
            preview_url(source.telegram, before=oldest.id, base=source.telegram_preview),
            callback=self.parse_telegram,
            errback=self.on_error,
            meta=self._meta(source, page=page_number + 1, parent=response.url),
        )

    # YouTube keyword search --------------------------------------------------------------

    def _youtube_request(
        self, source: Source, query: str, token: str | None = None, page: int = 1, **meta: Any
    ) -> scrapy.Request | None:
        """A `search.list` call, if the day's quota allows it: its units are spent (stored)
        before the call; when the budget is gone the search is skipped, logged once a day."""
        search = source.youtube_search
        assert search is not None
        api, day = quota_name(search.key.get_secret_value()), quota_day(self.now())
        if not self.store.spend_quota(api, day, SEARCH_COST, search.daily_units):
            if self.store.note_quota_skip(api, day):
                reset = quota_reset(self.now()).astimezone(VIETNAM)
                log.warning(
                    "[%s] YouTube: đã dùng hết hạn mức trong ngày (%d đơn vị), bỏ qua tìm kiếm "
                    "đến khi Google đặt lại hạn mức lúc %s giờ Việt Nam / daily quota spent, "
                    "searches skipped until the reset",
                    source.name,
                    search.daily_units,
                    reset.strftime("%H:%M %d/%m/%Y"),
                )
            return None
        url = search_url(search.api_url, query, self.cutoff, token)
        # No automatic retry: each call is paid for, and only this one was counted.
        return self._api_request(
            url,
            source,
            self.parse_youtube,
            entry=page == 1,
            page=page,
            query=query,
            dont_retry=True,
            **meta,
        )

    def parse_youtube(self, response: Response) -> Iterator[Any]:
        """A `search.list` answer: each video is an item (the result is the item: no page is
        fetched); the next result page (newest first) while `pages` and the quota allow and no
        video of this page is stored already."""
        source = self._source(response)
        search = source.youtube_search
        assert search is not None
        try:
            found = parse_search(response.body)
        except YoutubeError as exc:
            if exc.reason == "quotaExceeded":
                key = quota_name(search.key.get_secret_value())
                self.store.exhaust_quota(key, quota_day(self.now()))
            self._api_fail(response, "youtube", str(exc))
            return
        if response.status >= 400:
            self._api_fail(response, "youtube", f"HTTP {response.status}")
            return
        if response.meta.get("entry"):
            self.tally.entry_ok(source.name)
        known = self.store.known_articles(video.url for video in found.videos)
        for video in found.videos:
            yield self._record_from_video(source, video)
        page: int = response.meta["page"]
        if found.next_page and found.videos and not known and page < search.pages:
            request = self._youtube_request(
                source, response.meta["query"], found.next_page, page + 1, parent=response.url
            )
            if request is not None:
                yield request

    def _record_from_video(self, source: Source, video: Video) -> ArticleRecord:
        return self._post_record(
            source,
            url=video.url,
            text=f"{video.title}\n\n{video.description}".strip(),
            untitled=f"Video trên kênh {video.channel or 'YouTube'}",
            author=video.channel or None,
            published_at=video.published_at,
            via="youtube",
        )

    # Facebook pages (Graph API) -----------------------------------------------------------

    def parse_facebook(self, response: Response) -> Iterator[Any]:
        """A page of a Facebook page's posts, newest first: each post an item; older pages
        (`paging.next`, without its token) until a post already stored, the crawl horizon or
        `pages`."""
        source = self._source(response)
        settings = source.facebook_page
        assert settings is not None
        try:
            found = parse_posts(response.body, settings.api_url)
        except FacebookError as exc:
            self._api_fail(response, "facebook", str(exc))
            return
        if response.status >= 400:
            self._api_fail(response, "facebook", f"HTTP {response.status}")
            return
        if response.meta.get("entry"):
            self.tally.entry_ok(source.name)
        if found.skipped:
            log.warning(
                "[%s] %d bài đăng không có liên kết Facebook hợp lệ, đã bỏ / posts without a "
                "valid facebook.com permalink, skipped",
                source.name,
                found.skipped,
            )
        known = self.store.known_articles(post.url for post in found.posts)
        for post in found.posts:
            yield self._record_from_page_post(source, post)
        page: int = response.meta["page"]
        if not found.posts or known or not found.next_url or page >= settings.pages:
            return
        oldest = found.posts[-1]
        if oldest.published_at is not None and oldest.published_at < self.cutoff:
            return
        yield self._api_request(
            found.next_url, source, self.parse_facebook, page=page + 1, parent=response.url
        )

    def _record_from_page_post(self, source: Source, post: PagePost) -> ArticleRecord:
        return self._post_record(
            source,
            url=post.url,
            text=post.message,
            untitled=_title(post.story, f"Bài đăng trên trang {source.title}"),
            author=source.title,
            published_at=post.published_at,
            via="facebook",
        )

    def _api_fail(self, response: Response, kind: str, message: str) -> None:
        """A failed API call, its message without the source's credential (whatever the
        API echoed)."""
        secret = next(iter(self._credential(self._source(response)).values()), "")
        secret = secret.removeprefix("Bearer ")
        if secret:
            message = message.replace(secret, "***")
        self._fail(response.meta, response.url, kind, message)

    def _record_from_post(self, source: Source, page: ChannelPage, post: Post) -> ArticleRecord:
        author = page.title
        if post.forwarded_from:
            author = f"{page.title} (chuyển tiếp từ {post.forwarded_from})"
        return self._post_record(
            source,
            url=post.url,
            text=post.text,
            untitled=f"{'Ảnh' if post.photo else 'Bài'} đăng trên kênh {page.title}",
            author=author,
            published_at=post.published_at,
            via="telegram",
            views=post.views,
        )

    def parse_bridge(self, response: Response) -> Iterator[Any]:
        """A feed of the centre's RSSHub or RSS-Bridge: each entry is a post, stored as it
        is (its page on the network is never fetched), when new or updated since stored."""
        source = self._source(response)
        if self._not_modified(response):
            return
        try:
            feed = parse_bridge_feed(response.body, source.configured_urls())
        except BridgeError as exc:
            self._fail(response.meta, response.url, "feed", str(exc))
            return
        self.tally.entry_ok(source.name)
        for refusal in feed.refused:
            if refusal.kind != "missing":
                self._refuse(source.name, refusal)
                continue
            log.warning("[%s] %s: %s", source.name, response.url, refusal.message)
            self.tally.error(source.name, FetchError(response.url, "no-link", refusal.message))
        posts = [
            post
            for post in feed.posts
            if wanted(post.url, source.article_pattern, source.exclude_pattern)
        ]
        known = self.store.known_articles(post.url for post in posts)
        for post in posts:
            fetched = known.get(post.url)
            if fetched is not None and not (post.updated_at and post.updated_at > fetched):
                self.tally.count(source.name, "unchanged")
                continue
            yield self._record_from_bridge(source, feed.title or source.title, post)

    def _record_from_bridge(self, source: Source, feed: str, post: BridgePost) -> ArticleRecord:
        return self._post_record(
            source,
            url=post.url,
            text=post.text,
            untitled=f"Bài đăng trên {feed}",
            author=post.author or feed,
            published_at=post.published_at,
            via=source.bridge or "feed",
        )

    def _post_record(
        self,
        source: Source,
        *,
        url: str,
        text: str,
        untitled: str,
        author: str | None,
        published_at: datetime | None,
        via: str,
        views: int | None = None,
    ) -> ArticleRecord:
        """A post as an item: it has no headline, so its first line is the title (`untitled`
        for a post without text) and its whole text the body."""
        title = post_title(text) or untitled
        return self._make_record(
            source,
            url=url,
            canonical_url=url,
            title=title,
            lead="",
            text=text,
            author=author,
            section=None,
            language="vi",
            published_at=published_at,
            published_precision="minute" if published_at else "unknown",
            via=via,
            extraction="feed",
            content_hash=content_hash(title, "", text),
            fingerprint=fingerprint(title, "", text),
            views=views,
        )

    def _load_validators(self, urls: list[str]) -> None:
        """Validators of documents found during the pass (sitemap shards, listing pages)."""
        if self.since:
            return
        missing = [url for url in urls if url not in self.validators]
        if missing:
            self.validators.update(self.store.get_validators(missing))

    def _filter(self, source: Source, links: Iterable[Link]) -> list[Link]:
        return [
            link
            for link in links
            if wanted(link.url, source.article_pattern, source.exclude_pattern)
        ]

    def _articles(self, source: Source, links: list[Link], parent: str) -> Iterator[Any]:
        """Requests for the links not stored yet; feed-only sources become articles directly.
        Links the source may not fetch (another host, another scheme) are refused here."""
        links = self._in_scope(source, links)
        known = self.store.known_articles(link.url for link in links)
        for link in links:
            fetched = known.get(link.url)
            if fetched is not None and not (link.updated_at and link.updated_at > fetched):
                self.tally.count(source.name, "unchanged")
                continue
            if not source.fetches_pages:
                record = self._record_from_link(source, link)
                if record is not None:
                    yield record
                continue
            yield scrapy.Request(
                link.url,
                callback=self.parse_article,
                errback=self.on_error,
                meta=self._meta(source, link=link, parent=parent),
            )

    def _in_scope(self, source: Source, links: list[Link]) -> list[Link]:
        """The links this source may fetch. A feed-only source fetches none: its links need
        only be http(s) (what is stored is shown as a link; evidence fetches pass the guard)."""
        scope = self.guard.scope(source.name)
        if not source.fetches_pages:
            scope = replace(scope, offsite=True)
        kept = []
        for link in links:
            try:
                scope.check(link.url)
            except Refused as refusal:
                self._refuse(source.name, refusal)
                continue
            kept.append(link)
        return kept

    def _refuse(self, source: str, refusal: Refused) -> None:
        log.warning("[%s] %s: %s", source, refusal.url, refusal.message)
        self.tally.count(source, "refused")
        self.tally.error(source, FetchError(refusal.url, "refused", refusal.message))

    # Articles ----------------------------------------------------------------------------

    async def parse_article(self, response: Response) -> AsyncIterator[Any]:
        source = self._source(response)
        link: Link = response.meta["link"]
        if not isinstance(response, TextResponse):
            self._fail(response.meta, response.url, "article", "không phải trang HTML / not HTML")
            return
        if urlparse(response.url).hostname == GOOGLE_NEWS_HOST:
            for item in self._google_news(response, source, link):
                yield item
            return
        text = response.text
        if text.count("\ufffd") > 20:
            self.tally.error(
                source.name,
                FetchError(response.url, "encoding", "trang lỗi mã hóa ký tự / broken encoding"),
            )
            log.warning("[%s] %s: mã hóa ký tự hỏng", source.name, response.url)
        hints = Hints.from_link(link)
        result = await self.extractor.extract(
            text, response.url, source.extract, hints, response.body
        )
        if result is None:
            self._fail(
                response.meta,
                response.url,
                "no-article",
                "không tìm thấy bài viết trên trang / no article on the page",
            )
            return
        yield self._record(source, link, result, response)

    def _google_news(self, response: TextResponse, source: Source, link: Link) -> Iterator[Any]:
        """A Google News link that did not redirect: find the publisher's URL on the page."""
        target = _publisher_url(response)
        if target:
            yield response.request.replace(url=target, dont_filter=True)  # type: ignore[union-attr]
            return
        record = self._record_from_link(source, link)
        if record is not None:
            log.info(
                "[%s] %s: giữ nội dung trong nguồn tin (không có liên kết tới báo)",
                source.name,
                link.url,
            )
            yield record

    def _record(
        self, source: Source, link: Link, result: Extraction, response: TextResponse
    ) -> ArticleRecord:
        final_url = response.url
        extracted = result.article
        canonical = extracted.canonical_url
        if _host(canonical) != _host(final_url):
            canonical = final_url
        published = extracted.published_at
        precision = extracted.published_precision
        if published is None and link.published_at is not None:
            published, precision = link.published_at, link.published_precision
        return self._make_record(
            source,
            url=link.url,
            canonical_url=canonical,
            title=extracted.title,
            lead=extracted.lead,
            text=extracted.text,
            author=extracted.author,
            section=extracted.section,
            language=extracted.language,
            published_at=published,
            via=link.via,
            extraction="page",
            content_hash=result.content_hash,
            fingerprint=result.fingerprint,
            page=_page_record(result, response),
            alt_title=extracted.alt_title,
            published_precision=precision if published else "unknown",
        )

    def _record_from_link(self, source: Source, link: Link) -> ArticleRecord | None:
        if not link.title:
            return None
        lead = link.lead or ""
        return self._make_record(
            source,
            url=link.url,
            canonical_url=link.url,
            title=link.title,
            lead=lead,
            text=lead,
            author=link.author or link.publisher,
            section=link.section,
            language="vi",
            published_at=link.published_at,
            published_precision=link.published_precision if link.published_at else "unknown",
            via=link.via,
            extraction="feed",
            content_hash=content_hash(link.title, lead, lead),
            fingerprint=fingerprint(link.title, lead, lead),
        )

    def _make_record(self, source: Source, **fields: Any) -> ArticleRecord:
        now = self.now()
        published: datetime | None = fields["published_at"]
        backfill = published is not None and now - published > self.crawl_settings.backfill_after
        return ArticleRecord(
            source=source.name,
            fetched_at=now,
            backfill=backfill,
            platform=item_platform(source, fields["url"]),
            **fields,
        )

    # Failures ----------------------------------------------------------------------------

    def _not_modified(self, response: Response) -> bool:
        if response.status != NOT_MODIFIED:
            return False
        source = response.meta["source"]
        if response.meta.get("entry"):
            self.tally.entry_ok(source)
        log.debug("[%s] %s: không thay đổi", source, response.url)
        return True

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        kind, message = describe_failure(failure)
        if request.meta.get("bytes_received", 0) > self.crawl_settings.max_page_size:
            kind, message = "too-large", "trang quá lớn, đã bỏ / page too large, dropped"
        self._fail(request.meta, request.url, kind, message)

    def _fail(self, meta: dict[str, Any], url: str, kind: str, message: str) -> None:
        source = meta.get("source", "?")
        if kind == "refused" and not meta.get("entry"):
            self._refuse(source, Refused(url, kind, message))
            return
        log.warning("[%s] %s: %s", source, url, message)
        self.tally.error(source, FetchError(url, kind, message))
        if meta.get("entry"):
            self.tally.entry_failed(source)
        elif meta.get("link") is not None:
            self.tally.count(source, "failed")
            if self.shared is not None and kind not in PERMANENT:
                self.shared.forget(url, meta["link"])
                if meta.get("parent"):
                    self.shared.mark_dirty(meta["parent"])
        if kind in PERMANENT and meta.get("parent"):
            return  # retrying would fail again: keep the feed's validator, poll cheaply
        self.dirty.add(meta.get("parent") or url)

    def closed(self, reason: str) -> None:
        """Entry points that never got an answer (filtered, dropped) count as failures."""
        self.extractor.close()
        for name, tally in self.tally.sources.items():
            missing = tally.entries - tally.entries_ok - tally.entries_failed
            for _ in range(missing):
                self.tally.error(
                    name,
                    FetchError(
                        name, "unanswered", "điểm vào không có trả lời / entry point unanswered"
                    ),
                )
                self.tally.entry_failed(name)

    def _source(self, response: Response) -> Source:
        return self.sources[response.meta["source"]]

    def validators_to_keep(self) -> list[Validator]:
        """Validators of the documents whose every listed article was processed (here, and with
        a frontier in every other process so far)."""
        kept = [v for url, v in self.fresh_validators.items() if url not in self.dirty]
        if self.shared is None:
            return kept
        elsewhere = self.shared.take_dirty([v.url for v in kept])
        return [v for v in kept if v.url not in elsewhere]

    def validators_to_drop(self) -> list[Validator]:
        """With a frontier: emptied validators of the documents another process polled whose
        listed article failed here (that process may have kept its validator already)."""
        if self.shared is None:
            return []
        polled = {url for source in self.polled for url in _entry_urls(source)}
        return [
            Validator(url, None, None)
            for url in self.dirty
            if url not in self.fresh_validators and url not in polled
        ]


def describe_failure(failure: Failure) -> tuple[str, str]:
    """A short kind and a Vietnamese/English message for a failed request."""
    from scrapy import exceptions as scrapy_errors
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.internet import error as twisted_errors

    from crawler.middlewares import RefusedRequest

    exc = failure.value
    text = str(exc)
    lowered = text.lower()
    if isinstance(exc, RefusedRequest):
        return "refused", exc.refusal.message
    if isinstance(exc, HttpError):
        status = exc.response.status
        return ("gone" if status in (404, 410) else "http"), f"HTTP {status}"
    if "max size" in lowered or "maxsize" in lowered or "larger than" in lowered:
        return "too-large", "trang quá lớn, đã bỏ / page too large, dropped"
    if isinstance(exc, scrapy_errors.DownloadTimeoutError | twisted_errors.TimeoutError):
        return "timeout", "hết thời gian chờ / timed out"
    if isinstance(exc, scrapy_errors.CannotResolveHostError | twisted_errors.DNSLookupError):
        return "dns", "không tìm thấy tên miền / DNS lookup failed"
    if isinstance(
        exc,
        scrapy_errors.DownloadConnectionRefusedError
        | scrapy_errors.DownloadFailedError
        | scrapy_errors.ResponseDataLossError
        | scrapy_errors.DownloadCancelledError
        | twisted_errors.ConnectError
        | twisted_errors.ConnectionLost,
    ):
        return "connection", f"lỗi kết nối / connection failed: {text}"
    if isinstance(exc, scrapy_errors.IgnoreRequest):
        if "robots.txt" in lowered:
            return "robots", "robots.txt không cho phép / forbidden by robots.txt"
        if "redirect" in lowered:
            return "redirect", "chuyển hướng quá nhiều lần / too many redirects"
        return "ignored", text or type(exc).__name__
    return "error", f"{type(exc).__name__}: {text}"


def _page_record(result: Extraction, response: TextResponse) -> PageRecord | None:
    """The fetched page, as the extraction worker compressed it, to keep with the article."""
    packed = result.page
    if packed is None:
        return None
    return PageRecord(
        content=packed.content,
        sha256=packed.sha256,
        size=packed.size,
        final_url=response.url,
        status=response.status,
        encoding=response.encoding,
    )


def _title(text: str, fallback: str) -> str:
    """An item's title from its text (a post, a video: `crawler.posts.post_title`), else
    `fallback`."""
    return post_title(text) or fallback


def _entry_urls(source: Source) -> list[str]:
    """The documents a pass starts from, asked with their stored validators (a 304 is cheap)."""
    urls = [*source.feeds, *source.sitemaps, *(listing.url for listing in source.listings)]
    if source.telegram:
        urls.append(source.telegram_url)
    return urls


def _host(url: str) -> str:
    host = urlparse(url).hostname or ""
    return host.removeprefix("www.")


def _publisher_url(response: TextResponse) -> str | None:
    for value in response.xpath("//*[@data-n-au]/@data-n-au").getall():
        if value.startswith("http"):
            return str(value)
    for href in response.xpath("//a/@href").getall():
        url = response.urljoin(href)
        if url.startswith("http") and GOOGLE_NEWS_HOST not in url and "google." not in url:
            return url
    return None


def item_platform(source: Source, url: str) -> Platform:
    """The platform of an item crawled from `source`: a network's or a forum's link keeps its
    own (a YouTube channel feed, voz.vn); anything else a configured source leads to is news
    (its own pages, or an outlet an aggregator such as Google News links to). A bridge's post
    keeps the platform of its original link alone (never the bridge's, never news)."""
    if source.bridge is not None:
        return platform_of(url)
    hosts = [urlparse(str(u)).hostname or "" for u in source.configured_urls()]
    found = platform_of(url, [*hosts, *source.domains])
    return "news" if found == "other" else found
