"""Article extraction off the crawl's event loop, in worker processes.

Extraction (trafilatura and our rules) and fingerprinting are CPU work; done inline they hold up
the downloads and the database writes of the crawl process. A pool of worker processes does them
on the other cores while the crawl process keeps fetching and storing.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from crawler.extract import Extracted, Hints, extract_article
from crawler.fingerprint import content_hash, minhash
from duluan.config import Extract

log = logging.getLogger(__name__)


PAGE_GZIP_LEVEL = 6


@dataclass(frozen=True)
class Packed:
    """A page body compressed for keeping: gzip `content`, and the body's SHA-256 and size."""

    content: bytes
    sha256: str
    size: int


@dataclass(frozen=True)
class Extraction:
    """An extracted article with the hashes the store needs, and its page compressed when the
    body was given."""

    article: Extracted
    content_hash: str
    fingerprint: tuple[int, ...]
    page: Packed | None = None


def pack_page(body: bytes) -> Packed:
    """Gzip (level 6, no timestamp, so equal bodies compress equally) and hash a page body."""
    return Packed(
        content=gzip.compress(body, compresslevel=PAGE_GZIP_LEVEL, mtime=0),
        sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
    )


def extract_job(
    html: str, url: str, rules: Extract, hints: Hints, body: bytes | None = None
) -> Extraction | None:
    """Extract and fingerprint one page, and compress its raw `body` if given (only when an
    article was found); picklable, so it runs in a worker process."""
    article = extract_article(html, url, rules, hints)
    if article is None:
        return None
    return Extraction(
        article=article,
        content_hash=content_hash(article.title, article.lead, article.text),
        fingerprint=fingerprint(article.title, article.lead, article.text),
        page=pack_page(body) if body is not None else None,
    )


def fingerprint(title: str, lead: str, text: str) -> tuple[int, ...]:
    """MinHash of the body only: syndicated copies keep the dispatch's text but retitle it."""
    return minhash(f"{lead} {text}".strip() or title)


def _ready() -> None:
    """Nothing: submitted once per worker so that the pool starts them at once."""


def _warm() -> None:
    import trafilatura  # noqa: F401  (import once per worker, before the first page)


class Extractor:
    """Runs `extract_job` in `workers` processes, or inline when `workers` is 0."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None
        if workers > 0:
            self.pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_warm,
            )

    def start(self) -> None:
        """Start the workers now rather than at the first page: their start (a Python and a
        trafilatura import, seconds on a busy machine) then overlaps the fetching of
        robots.txt, feeds and listings instead of holding up the first article of a pass."""
        if self.pool is not None:
            for _ in range(self.workers):
                self.pool.submit(_ready)

    async def extract(
        self, html: str, url: str, rules: Extract, hints: Hints, body: bytes | None = None
    ) -> Extraction | None:
        if self.pool is not None:
            try:
                future = self.pool.submit(extract_job, html, url, rules, hints, body)
                return await asyncio.wrap_future(future)
            except BrokenProcessPool:
                log.warning(
                    "%s: tiến trình trích bài đã dừng; trích ngay trong tiến trình thu thập", url
                )
                self.pool = None
        return extract_job(html, url, rules, hints, body)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
