"""Extraction in a worker process gives what extraction in the crawl process gives."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
from pathlib import Path

from crawler.extract import Hints
from crawler.workers import Extraction, Extractor
from duluan.config import Extract

PAGE = Path(__file__).resolve().parent / "outlets" / "vnexpress"


def run(workers: int) -> Extraction | None:
    url = json.loads((PAGE / "expected.json").read_text(encoding="utf-8"))["url"]
    html = (PAGE / "page.html").read_text(encoding="utf-8")
    extractor = Extractor(workers)
    try:
        return asyncio.run(extractor.extract(html, url, Extract(), Hints()))
    finally:
        extractor.close()


def test_worker_and_inline_agree() -> None:
    inline, pooled = run(0), run(1)
    assert inline is not None and pooled is not None
    assert pooled == inline
    assert len(inline.fingerprint) == 128 and len(inline.content_hash) == 64


def test_no_article_is_none() -> None:
    extractor = Extractor(0)
    page = "<html><body><nav><a href='/'>Trang chủ</a></nav></body></html>"
    assert asyncio.run(extractor.extract(page, "http://x/", Extract(), Hints())) is None


def test_start_launches_the_workers_before_the_first_page() -> None:
    """A pass starts its workers with its first requests, so their start-up overlaps the
    fetching of feeds instead of holding up the first article."""
    before = set(multiprocessing.active_children())
    extractor = Extractor(2)
    try:
        assert set(multiprocessing.active_children()) == before
        extractor.start()
        assert len(set(multiprocessing.active_children()) - before) == 2
    finally:
        extractor.close()
    inline = Extractor(0)
    inline.start()  # nothing to start
    assert set(multiprocessing.active_children()) == before
