"""Downloader middlewares: conditional GET, anti-bot challenges, retries with backoff."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response, TextResponse

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
            log.info("%s: answering a cookie challenge (%s)", request.url, cookie.group(1))
            cookies = {**_cookies(request), cookie.group(1): cookie.group(2)}
            return request.replace(cookies=cookies, meta=meta, dont_filter=True)
        target = JS_REDIRECT.search(text)
        if target:
            url = response.urljoin(target.group(1))
            log.info("%s: following a script redirect to %s", request.url, url)
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
