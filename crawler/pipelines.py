"""The item pipeline: each extracted article is stored in its own transaction."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from storage import ArticleRecord, FetchError, StorageError

log = logging.getLogger(__name__)


class StorePipeline:
    """Saves articles through the spider's Store and counts new / updated / unchanged."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if not isinstance(item, ArticleRecord):
            raise TypeError(f"unexpected item {type(item).__name__}")
        spider = self.crawler.spider
        assert spider is not None
        try:
            outcome = spider.store.save_article(item)
        except StorageError as exc:
            log.error("[%s] %s: not stored: %s", item.source, item.url, exc)
            spider.tally.error(item.source, FetchError(item.url, "storage", str(exc)))
            spider.tally.count(item.source, "failed")
            raise DropItem(str(exc)) from exc
        spider.tally.count(item.source, outcome.status)
        log.debug("[%s] %s: %s (id %d)", item.source, item.url, outcome.status, outcome.article_id)
        return item
