"""The crawl frontier several crawl processes share through Redis (`crawl.frontier`).

When one database poll is not enough, several crawl processes (`duluan start --role crawl` on
one or more machines) split the sources between them by leases; with a frontier they also share
the article requests their feeds, sitemaps and listings find:

- article requests go to one Redis queue (scrapy-redis's priority queue) that any crawl process
  takes from, serialized as JSON (plain data only: the callback is a name among
  `ARTICLE_CALLBACKS`, the meta a few known keys; a request that does not read back as such is
  dropped, and one that does still meets the fetch guard like any other);
- each article is requested once per pass over all processes: a Redis key per request (and per
  version of the article a feed announces) with a lifetime (`SEEN_SECONDS`), forgotten when its
  fetch failed for a reason a retry may not meet again; feeds, sitemaps and listing pages stay
  in the process that polls them and are fetched again every pass;
- one request at a time per site (host) over all processes: a Redis lease per host (`SET NX PX`,
  slightly longer than the download timeout) taken before the connection, handed back when the
  response or the error arrives, and kept `crawl.delay` longer so the pause between two requests
  to a site holds across processes; a request whose host is busy waits without holding up
  requests to other hosts (Scrapy's download slots are per host).

Every key is under `duluan:<namespace>:frontier:` (`crawl.frontier_namespace`, by default made
from the database's name), so two deployments on one Redis never mix.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import heapq
import itertools
import json
import logging
import secrets
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

import redis
from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from w3lib.url import canonicalize_url

from crawler.links import Link
from duluan.config import Config, mask_url_password

log = logging.getLogger(__name__)

# Requests that may travel through the frontier: an article page, fetched by any process.
ARTICLE_CALLBACKS = frozenset({"parse_article"})
ERRBACKS = frozenset({"on_error"})
# Meta keys a shared request keeps (anything else stays in the process that made it).
SHARED_META = {
    "source": str,
    "parent": str,
    "dont_obey_robotstxt": bool,
    "challenge_tries": int,
    "retry_times": int,
}
# How long a request fetched (or being fetched) by one process is not asked again by another.
SEEN_SECONDS = 3600
# A host lease outlives the download timeout by this much (a process that died mid-request
# frees its host after that).
LEASE_MARGIN_MS = 5000
# Longest single wait before asking again for a busy host.
LEASE_POLL_MAX = 0.25
CONNECT_TIMEOUT = 3.0
MIN_SLOT_DELAY = 0.001  # seconds; see `frontier_settings`
DROPPED_MAX = 100  # undecodable requests dropped in one call of `next_request`, at most

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  if tonumber(ARGV[2]) > 0 then
    return redis.call('pexpire', KEYS[1], ARGV[2])
  end
  return redis.call('del', KEYS[1])
end
return 0
"""


class FrontierUnavailable(RuntimeError):
    """The frontier's Redis cannot be reached: the message says where (masked) and what to do."""


class BadRequest(ValueError):
    """A request read from the frontier that is not one duluan put there."""


@dataclass(frozen=True)
class Frontier:
    """Where the frontier is and how its keys are named; picklable (it goes to the child)."""

    url: str
    namespace: str

    @property
    def prefix(self) -> str:
        return f"duluan:{self.namespace}:frontier:"

    @property
    def shown(self) -> str:
        return mask_url_password(self.url)

    def client(self) -> redis.Redis:
        """A client of the frontier's Redis (bytes, short timeouts)."""
        return redis.Redis.from_url(
            self.url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=CONNECT_TIMEOUT * 2
        )

    def check(self) -> redis.Redis:
        """A client whose server answered; `FrontierUnavailable` otherwise."""
        try:
            client = self.client()
            client.ping()
        except (redis.RedisError, ValueError, OSError) as exc:
            raise FrontierUnavailable(
                f"Không kết nối được hàng đợi thu thập chung (crawl.frontier) tại {self.shown}: "
                f"{_reason(exc)}. Hãy khởi động Redis (redis-server) hoặc sửa địa chỉ, hoặc bỏ "
                "crawl.frontier khỏi config.yaml để mỗi tiến trình tự xếp hàng; chưa tải gì, "
                "dữ liệu đã lưu không mất / cannot reach the shared crawl frontier "
                f"(crawl.frontier) at {self.shown}: start Redis, fix the URL or remove "
                "crawl.frontier; nothing was fetched, nothing stored is lost"
            ) from None
        return client


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return mask_url_password(text)[:200]


def frontier_of(config: Config, database_url: str) -> Frontier | None:
    """The frontier `config` asks for, its keys named after `crawl.frontier_namespace` or the
    database; None when the config has none."""
    url = config.crawl.frontier
    if not url:
        return None
    return Frontier(url, config.crawl.frontier_namespace or database_namespace(database_url))


def database_namespace(database_url: str) -> str:
    """A short name of the database (its driver and name, a SQLite file by its absolute path),
    the same from every machine that reaches it, whatever host name or password it uses."""
    from sqlalchemy.engine import make_url

    from storage.db import normalize_url

    try:
        parsed = make_url(normalize_url(database_url))
        name = parsed.database or ""
        if parsed.get_backend_name() == "sqlite" and name and name != ":memory:":
            name = str(Path(name).resolve())
        identity = f"{parsed.get_backend_name()}:{name}"
    except Exception:
        identity = database_url
    return hashlib.sha256(identity.encode()).hexdigest()[:12]


def is_article(request: Request) -> bool:
    """The request is one the frontier shares (an article page)."""
    return getattr(request.callback, "__name__", None) in ARTICLE_CALLBACKS


# Serialization ---------------------------------------------------------------------------


class JsonRequests:
    """scrapy-redis serializer of article requests: JSON of plain data, never pickle (anyone
    who can write to the Redis must not run code in a crawl process)."""

    @staticmethod
    def dumps(data: dict[str, Any]) -> bytes:
        meta = data.get("meta") or {}
        link = meta.get("link")
        plain = {
            "url": data["url"],
            "callback": data.get("callback"),
            "errback": data.get("errback"),
            "priority": int(data.get("priority") or 0),
            "dont_filter": bool(data.get("dont_filter")),
            "cookies": _plain_cookies(data.get("cookies")),
            "meta": {
                **{k: meta[k] for k, kind in SHARED_META.items() if isinstance(meta.get(k), kind)},
                "link": _link_data(link) if isinstance(link, Link) else None,
            },
        }
        return json.dumps(plain, ensure_ascii=False).encode()

    @staticmethod
    def loads(data: bytes) -> dict[str, Any]:
        try:
            plain = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest(f"không phải JSON / not JSON: {exc}") from None
        if not isinstance(plain, dict):
            raise BadRequest("không phải một yêu cầu / not a request")
        url, callback, errback = plain.get("url"), plain.get("callback"), plain.get("errback")
        if not isinstance(url, str) or callback not in ARTICLE_CALLBACKS:
            raise BadRequest(f"yêu cầu lạ / unexpected request: {str(url)[:100]} {callback!r}")
        if errback is not None and errback not in ERRBACKS:
            raise BadRequest(f"errback lạ / unexpected errback {errback!r}")
        raw_meta = plain.get("meta")
        raw_meta = raw_meta if isinstance(raw_meta, dict) else {}
        meta: dict[str, Any] = {
            k: raw_meta[k] for k, kind in SHARED_META.items() if isinstance(raw_meta.get(k), kind)
        }
        if "source" not in meta:
            raise BadRequest(f"yêu cầu không có nguồn / request without a source: {url[:100]}")
        meta["link"] = _link_from(raw_meta.get("link"), url)
        cookies = plain.get("cookies")
        priority = plain.get("priority")
        return {
            "url": url,
            "callback": callback,
            "errback": errback,
            "priority": priority if isinstance(priority, int) else 0,
            "dont_filter": plain.get("dont_filter") is True,
            "cookies": _plain_cookies(cookies),
            "meta": meta,
        }


def _plain_cookies(cookies: Any) -> dict[str, str]:
    if isinstance(cookies, dict):
        return {str(k): str(v) for k, v in cookies.items() if isinstance(v, str | int)}
    return {}


def _link_data(link: Link) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(link).items()}


def _link_from(data: Any, url: str) -> Link:
    if not isinstance(data, dict):
        raise BadRequest(f"yêu cầu không có liên kết / request without a link: {url[:100]}")
    values: dict[str, Any] = {}
    for f in fields(Link):
        value = data.get(f.name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise BadRequest(f"liên kết sai kiểu / bad link field {f.name}")
        if f.name in ("published_at", "updated_at"):
            try:
                values[f.name] = datetime.fromisoformat(value)
            except ValueError:
                raise BadRequest(f"ngày sai / bad date in {f.name}") from None
        else:
            values[f.name] = value
    if "url" not in values or "via" not in values:
        raise BadRequest(f"liên kết thiếu url/via / link without url/via: {url[:100]}")
    return Link(**values)


# Scheduler -------------------------------------------------------------------------------


class FrontierScheduler(Scheduler):
    """scrapy-redis's scheduler for article requests; feeds, sitemaps and listings (and
    anything else) stay in a local priority queue, taken first so discovery runs early."""

    def __init__(self, crawler: Crawler, frontier: Frontier, server: redis.Redis) -> None:
        super().__init__(
            server,
            persist=True,  # other processes may still be taking from the queue
            queue_key=frontier.prefix + "requests",
            dupefilter=SharedDupeFilter(SharedPass(frontier, server)),
            serializer=JsonRequests,
        )
        self.crawler = crawler
        self.frontier = frontier
        self.local: list[tuple[int, int, Request]] = []
        self.local_seen: set[bytes] = set()
        self.order = itertools.count()
        self.dropped = 0
        self.lost = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierScheduler:
        frontier: Frontier = crawler.settings["DULUAN_FRONTIER"]
        instance = cls(crawler, frontier, frontier.check())
        instance.stats = crawler.stats
        return instance

    def open(self, spider: Any) -> None:
        """The shared queue (scrapy-redis's `open`, without its deprecated `spider.log`)."""
        self.spider = spider
        self.queue = PriorityQueue(
            server=self.server, spider=spider, key=self.queue_key, serializer=self.serializer
        )

    def enqueue_request(self, request: Request) -> bool:
        if is_article(request) and not self.lost:
            try:
                if not request.dont_filter and self.df.request_seen(request):
                    return False
                self.queue.push(request)
                return True
            except redis.RedisError as exc:
                self._lose(exc)
        if not request.dont_filter:
            fingerprint = self.crawler.request_fingerprinter.fingerprint(request)
            if fingerprint in self.local_seen:
                return False
            self.local_seen.add(fingerprint)
        heapq.heappush(self.local, (-request.priority, next(self.order), request))
        return True

    def next_request(self) -> Request | None:
        if self.local:
            return heapq.heappop(self.local)[2]
        for _ in range(DROPPED_MAX if not self.lost else 0):
            try:
                request = self.queue.pop()
            except redis.RedisError as exc:
                self._lose(exc)
                return None
            except (BadRequest, ValueError, TypeError) as exc:
                self._drop(str(exc))
                continue
            if request is None:
                return None
            if request.meta.get("source") not in self.spider.sources:
                self._drop(f"nguồn lạ / unknown source {request.meta.get('source')!r}")
                continue
            return request
        return None

    def _lose(self, exc: Exception) -> None:
        """Redis went away mid-pass: this process goes on alone with what it finds itself
        (requests already in the shared queue wait for the next pass)."""
        self.lost = True
        log.warning(
            "Mất kết nối hàng đợi chung %s (%s): tiến trình này thu thập tiếp một mình / lost "
            "the shared frontier, this process goes on alone",
            self.frontier.shown,
            _reason(exc),
        )

    def _drop(self, why: str) -> None:
        self.dropped += 1
        log.warning(
            "Bỏ một yêu cầu không hợp lệ trong hàng đợi chung %s / dropped an invalid request "
            "from the shared frontier: %s",
            self.frontier.shown,
            why,
        )

    def close(self, reason: str) -> None:
        """The queue stays (other processes may still take from it); the connection goes."""
        self.server.close()

    def has_pending_requests(self) -> bool:
        return len(self) > 0

    def __len__(self) -> int:
        if self.lost:
            return len(self.local)
        try:
            return len(self.local) + len(self.queue)
        except redis.RedisError as exc:
            self._lose(exc)
            return len(self.local)


class SharedPass:
    """What the processes of a pass share besides the queue: which articles some process already
    asked for (a key per article and announced version, living `SEEN_SECONDS`), and which feeds
    or listings had an article fail elsewhere (their validator must not be kept)."""

    def __init__(self, frontier: Frontier, server: redis.Redis | None = None) -> None:
        self.server = server if server is not None else frontier.client()
        self.prefix = frontier.prefix

    def _seen_key(self, url: str, link: Any) -> str:
        """The key of one URL (each redirect hop has its own) and the version of the article
        its link announced."""
        version = link.updated_at.isoformat() if isinstance(link, Link) and link.updated_at else ""
        digest = hashlib.sha256(canonicalize_url(url).encode()).hexdigest()[:32]
        return f"{self.prefix}seen:{digest}:{version}"

    def claim(self, request: Request) -> bool:
        """True when no process asked for this URL (this version of its article) lately."""
        key = self._seen_key(request.url, request.meta.get("link"))
        return bool(self.server.set(key, "1", nx=True, ex=SEEN_SECONDS))

    def forget(self, url: str, link: Any) -> None:
        """Let a later pass (of any process) ask for this article again: the URL that failed
        and the article's own (the first hop of a redirect). Redis gone: its keys expire."""
        urls = {url, link.url} if isinstance(link, Link) else {url}
        with contextlib.suppress(redis.RedisError):
            self.server.delete(*(self._seen_key(u, link) for u in urls))

    def _dirty_key(self, url: str) -> str:
        return f"{self.prefix}dirty:{hashlib.sha256(url.encode()).hexdigest()[:32]}"

    def mark_dirty(self, parent: str) -> None:
        """An article listed by `parent` failed here: its poller must not keep its validator
        (Redis gone: its poller, which cannot ask either, keeps none)."""
        with contextlib.suppress(redis.RedisError):
            self.server.set(self._dirty_key(parent), "1", ex=SEEN_SECONDS * 24)

    def take_dirty(self, urls: list[str]) -> set[str]:
        """Which of `urls` were marked dirty by some process; the marks are removed. Redis
        gone (lost mid-pass): all of them, since a failure elsewhere cannot be ruled out and a
        full poll next time costs less than an article hidden behind a 304."""
        if not urls:
            return set()
        keys = [self._dirty_key(url) for url in urls]
        try:
            found = {url for url, hit in zip(urls, self.server.mget(keys), strict=True) if hit}
            if found:
                self.server.delete(*(self._dirty_key(url) for url in found))
        except redis.RedisError:
            return set(urls)
        return found


class SharedDupeFilter:
    """The scheduler's filter of article requests, on `SharedPass`."""

    def __init__(self, shared: SharedPass) -> None:
        self.shared = shared

    def request_seen(self, request: Request) -> bool:
        return not self.shared.claim(request)

    def log(self, request: Request, spider: Any) -> None:
        log.debug("đã có tiến trình khác tải %s", request.url)

    def clear(self) -> None:
        """Never: the keys expire by themselves, other processes rely on them."""

    def close(self, reason: str = "") -> None:
        pass


# Politeness across processes ----------------------------------------------------------------


class HostLeases:
    """One request at a time per host over every process: a lease per host in Redis."""

    def __init__(
        self, server: redis.Redis, frontier: Frontier, hold_ms: int, delay_ms: int
    ) -> None:
        self.server = server
        self.prefix = frontier.prefix + "host:"
        self.hold_ms = hold_ms
        self.delay_ms = delay_ms
        self._release = server.register_script(_RELEASE)

    async def acquire(self, host: str) -> str:
        """Wait until this process holds `host`'s lease; returns its token."""
        key = self.prefix + host
        token = secrets.token_hex(8)
        while not self.server.set(key, token, nx=True, px=self.hold_ms):
            left = self.server.pttl(key)
            wait = left / 1000 if left and left > 0 else 0.01
            await asyncio.sleep(min(max(wait, 0.005), LEASE_POLL_MAX))
        return token

    def release(self, host: str, token: str) -> None:
        """Hand the lease back, kept `crawl.delay` longer (the pause before the next request)."""
        self._release(keys=[self.prefix + host], args=[token, self.delay_ms])


class LeasedDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP handler behind the host lease: the lease is taken after the request left
    its download slot (so only this host's requests wait), released when the download ends."""

    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        frontier: Frontier = settings["DULUAN_FRONTIER"]
        hold = int(settings.getfloat("DOWNLOAD_TIMEOUT") * 1000) + LEASE_MARGIN_MS
        delay = int(settings.getfloat("DULUAN_FRONTIER_DELAY") * 1000)
        self.leases = HostLeases(frontier.client(), frontier, hold, delay)
        self.warned = False

    async def close(self) -> None:
        await super().close()
        self.leases.server.close()

    async def download_request(self, request: Request) -> Response:
        host = (urlparse_cached(request).hostname or "").lower()
        try:
            token: str | None = await self.leases.acquire(host)
        except redis.RedisError as exc:
            self._lost(exc)
            token = None  # the process's own slot (one request per host, the delay) still holds
        try:
            return await super().download_request(request)
        finally:
            if token is not None:
                with contextlib.suppress(redis.RedisError):
                    self.leases.release(host, token)

    def _lost(self, exc: Exception) -> None:
        if not self.warned:
            self.warned = True
            log.warning(
                "Không lấy được lượt tải theo trang từ Redis (%s): chỉ giữ lịch sự trong tiến "
                "trình này / host leases unavailable, politeness holds within this process only",
                _reason(exc),
            )


def frontier_settings(frontier: Frontier, delay_seconds: float) -> dict[str, Any]:
    """The Scrapy settings that put a pass on the frontier."""
    return {
        "DULUAN_FRONTIER": frontier,
        "DULUAN_FRONTIER_DELAY": delay_seconds,
        "SCHEDULER": "crawler.frontier.FrontierScheduler",
        # The lease holds the pause between two requests to a site across processes. In the
        # process, Scrapy 2.19's download slot starts every queued request of a host at once
        # when its delay is 0 (the concurrency check runs before the downloads register): a
        # delay above 0 keeps one request per host at the lease, the others in the slot.
        "DOWNLOAD_DELAY": max(delay_seconds, MIN_SLOT_DELAY),
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
    }


# Added to the pass's own DOWNLOAD_HANDLERS (which keep file:, ftp:, s3: and data: off).
LEASED_HANDLERS = {
    "http": "crawler.frontier.LeasedDownloadHandler",
    "https": "crawler.frontier.LeasedDownloadHandler",
}


__all__ = [
    "LEASED_HANDLERS",
    "Frontier",
    "FrontierScheduler",
    "FrontierUnavailable",
    "HostLeases",
    "JsonRequests",
    "LeasedDownloadHandler",
    "frontier_of",
    "frontier_settings",
    "is_article",
]
