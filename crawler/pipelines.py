"""The item pipeline: extracted articles are stored in small batches, one transaction each."""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy.crawler import Crawler

from crawler.spider import OutletSpider
from storage import ArticleRecord, FetchError, StorageError

log = logging.getLogger(__name__)

BATCH_SIZE = 100  # a batch of new articles is saved in a few statements whatever its size
BATCH_SECONDS = 1.0


class StorePipeline:
    """Saves articles through the spider's Store and counts new / updated / unchanged.

    Items wait at most `BATCH_SECONDS` (or until `BATCH_SIZE` of them) so that one commit serves
    several articles; whatever is left is written when the spider closes.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.pending: list[ArticleRecord] = []
        self.oldest = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if not isinstance(item, ArticleRecord):
            raise TypeError(f"unexpected item {type(item).__name__}")
        if not self.pending:
            self.oldest = time.monotonic()
        self.pending.append(item)
        if len(self.pending) >= BATCH_SIZE or time.monotonic() - self.oldest >= BATCH_SECONDS:
            self.flush()
        return item

    def close_spider(self, spider: Any = None) -> None:
        self.flush()

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        if not batch:
            return
        spider = self.crawler.spider
        assert isinstance(spider, OutletSpider)
        try:
            outcomes = spider.store.save_articles(batch)
        except StorageError as exc:
            for item in batch:
                log.error("[%s] %s: không lưu được: %s", item.source, item.url, exc)
                spider.tally.error(item.source, FetchError(item.url, "storage", str(exc)))
                spider.tally.count(item.source, "failed")
            return
        for item, outcome in zip(batch, outcomes, strict=True):
            spider.tally.count(item.source, outcome.status)
            log.debug(
                "[%s] %s: %s (id %d)", item.source, item.url, outcome.status, outcome.article_id
            )
