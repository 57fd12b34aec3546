"""Helpers for tests that run the real crawl against the local site."""

from __future__ import annotations

from pathlib import Path

from crawler.runner import PassSummary, SourceSummary, run_pass
from duluan.config import Config, load_config
from duluan.locality import search_queries
from storage import ArticleDetail, Store

FROZEN_NOW = "2026-11-26T10:00:00+07:00"

CRAWL = """
locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}
crawl:
  contact: test@example.invalid
  delay: 0s
  autothrottle: false
  retries: 1
  retry_backoff: 0.05s
  timeout: 1s
  max_page_size: 5MB
  concurrency_per_domain: 8
"""


def write_config(tmp_path: Path, base: str, sources_yaml: str) -> Config:
    """A config with the test crawl settings and the given `sources:` block ({{BASE}} filled)."""
    path = tmp_path / "config.yaml"
    text = CRAWL + "sources:\n" + sources_yaml
    path.write_text(text.replace("{{BASE}}", base), encoding="utf-8")
    return load_config(path, {}).config


def crawl(config: Config, db_url: str, *sources: str, since: str | None = None) -> PassSummary:
    from crawler.dates import parse_date

    queries = {s.name: search_queries(config.locality) for s in config.sources if s.search}
    return run_pass(
        config,
        db_url,
        sources=list(sources) or None,
        since=parse_date(since) if since else None,
        search_queries=queries,
    )


def by_source(summary: PassSummary) -> dict[str, SourceSummary]:
    return {s.name: s for s in summary.sources}


def stored(db_url: str, source: str | None = None) -> list[ArticleDetail]:
    with Store.open(db_url) as store:
        items = store.list_articles(source=source, limit=10_000)
        details = [store.get_article(item.id) for item in items]
    return [d for d in details if d is not None]
