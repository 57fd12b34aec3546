"""Downloader middlewares: conditional GET, anti-bot challenges, retries with backoff."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.base import ReactorBase
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

from crawler.guard import Guard, Refused, ip_literal, is_public
from storage import Validator

log = logging.getLogger(__name__)

COOKIE_CHALLENGE = re.compile(
    r"document\.cookie\s*=\s*[\"']\s*([^=;\"'\s]+)\s*=\s*([^;\"']*)", re.IGNORECASE
)
JS_REDIRECT = re.compile(
    r"(?:window\.)?location(?:\.href)?\s*(?:=|\.replace\(|\.assign\()\s*[\"']([^\"']+)[\"']"
)
CHALLENGE_MAX_BYTES = 8192
MAX_CHALLENGES = 5


class RefusedRequest(IgnoreRequest):
    """A request the fetch guard refused (its `refusal` says why); never retried."""

    def __init__(self, refusal: Refused) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


class GuardMiddleware:
    """Every request, redirect hops and robots.txt included, passes `crawler.guard` first: the
    source's scope, then the address its host resolves to (through the reactor's resolver, whose
    cached answer is the one the connection uses)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GuardMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request, spider: Any = None) -> None:
        guard: Guard = self.crawler.spider.guard  # type: ignore[union-attr]
        scope = guard.scope(request.meta.get("source"))
        try:
            _, host, _ = scope.check(request.url)
            if scope.own(request.url):
                return None
            literal = ip_literal(host)
            if literal is not None:
                guard.check_address(request.url, scope, [literal])
                return None
            address = await self._resolve(host)
            if address is not None:
                guard.check_address(request.url, scope, [address])
        except Refused as refusal:
            raise RefusedRequest(refusal) from None
        return None

    async def _resolve(self, host: str) -> Any:
        """The IPv4 address the download will connect to; None when the name does not resolve
        (the download then fails as a DNS error)."""
        from twisted.internet import reactor

        try:
            deferred: Deferred[str] = reactor.resolver.getHostByName(host)
            found = await maybe_deferred_to_future(deferred)
        except DNSLookupError as exc:
            if isinstance(exc, PrivateAddressError):
                raise exc.refusal from None
            return None
        return ip_literal(str(found))


class PrivateAddressError(DNSLookupError):
    """`GuardedResolver` refused a name that resolved to an internal address."""

    def __init__(self, refusal: Refused) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver that never hands out an internal address for a name other than
    the configured sources' own hosts: the last line against DNS rebinding, whatever asked."""

    def __init__(
        self, reactor: ReactorBase, cache_size: int, timeout: float, own_hosts: frozenset[str]
    ) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.own_hosts = own_hosts

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: ReactorBase) -> GuardedResolver:
        settings = crawler.settings
        size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        hosts = frozenset(str(h).lower() for h in settings.getlist("DULUAN_OWN_HOSTS"))
        return cls(reactor, size, settings.getfloat("DNS_TIMEOUT"), hosts)

    def getHostByName(self, name: str, timeout: Any = ()) -> Deferred[str]:
        deferred = super().getHostByName(name, timeout)
        if name.lower().rstrip(".") in self.own_hosts:
            return deferred
        return deferred.addCallback(self._public, name)

    @staticmethod
    def _public(address: str, name: str) -> str:
        found = ip_literal(address)
        if found is None or not is_public(found):
            raise PrivateAddressError(
                Refused(
                    name,
                    "private",
                    f"{name} trỏ tới địa chỉ nội bộ {address}: không tải / "
                    "internal address refused",
                )
            )
        return address


class ConditionalGetMiddleware:
    """Sends the stored ETag / Last-Modified for feeds, sitemaps and listings; keeps the new ones.

    A poll that finds nothing new gets 304 and costs a few hundred bytes. Validators are handed to
    the spider, which saves them only once what the document listed has been processed.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalGetMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        if not request.meta.get("conditional"):
            return None
        known = self._spider.validators.get(request.url)
        if known is not None:
            if known.etag:
                request.headers.setdefault(b"If-None-Match", known.etag.encode("latin-1"))
            if known.last_modified:
                request.headers.setdefault(
                    b"If-Modified-Since", known.last_modified.encode("latin-1")
                )
        return None

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        if request.meta.get("conditional") and response.status == 200:
            etag = response.headers.get(b"ETag")
            modified = response.headers.get(b"Last-Modified")
            if etag or modified:
                self._spider.fresh_validators[request.url] = Validator(
                    url=request.url,
                    etag=etag.decode("latin-1") if etag else None,
                    last_modified=modified.decode("latin-1") if modified else None,
                )
        return response

    @property
    def _spider(self) -> Any:
        return self.crawler.spider


class ChallengeMiddleware:
    """Answers simple anti-bot pages: a `document.cookie=…; location.reload()` cookie challenge
    (Lao Động) and chained `window.location.href=…` redirects (VOV)."""

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        if (
            response.status != 200
            or not isinstance(response, TextResponse)
            or len(response.body) > CHALLENGE_MAX_BYTES
            or b"<script" not in response.body.lower()
        ):
            return response
        tries = int(request.meta.get("challenge_tries", 0))
        if tries >= MAX_CHALLENGES:
            return response
        text = response.text
        if _has_visible_text(text):
            return response
        meta = {**request.meta, "challenge_tries": tries + 1}
        cookie = COOKIE_CHALLENGE.search(text)
        if cookie and "reload" in text:
            log.info("%s: trả lời thử thách cookie (%s)", request.url, cookie.group(1))
            cookies = {**_cookies(request), cookie.group(1): cookie.group(2)}
            return request.replace(cookies=cookies, meta=meta, dont_filter=True)
        target = JS_REDIRECT.search(text)
        if target:
            url = response.urljoin(target.group(1))
            log.info("%s: theo chuyển hướng bằng script tới %s", request.url, url)
            return request.replace(url=url, meta=meta, dont_filter=True)
        return response


def _cookies(request: Request) -> dict[str, str]:
    cookies = request.cookies
    if isinstance(cookies, dict):
        return {str(k): str(v) for k, v in cookies.items()}
    return {}


def _has_visible_text(html: str) -> bool:
    stripped = re.sub(r"(?is)<(script|style)\b.*?</\1>|<[^>]+>", " ", html)
    return len(stripped.split()) > 40


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries (5xx, 429, timeouts, resets) with an exponential wait before each one."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.backoff = settings.getfloat("DULUAN_RETRY_BACKOFF", 2.0)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self._wait(result, response.headers.get(b"Retry-After"))
        return result

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: Any = None
    ) -> Request | Response | None:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._wait(result, None)
        return result

    async def _wait(self, request: Request, retry_after: bytes | None) -> None:
        attempt = int(request.meta.get("retry_times", 1))
        delay = self.backoff * 2 ** (attempt - 1)
        if retry_after and retry_after.strip().isdigit():
            delay = max(delay, min(float(retry_after), 300.0))
        await asyncio.sleep(delay)
