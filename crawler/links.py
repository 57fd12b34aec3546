"""What discovery (feeds, sitemaps, listings) hands to the article fetcher."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Link:
    """A candidate article URL and what its feed or sitemap said about it."""

    url: str
    via: str
    title: str | None = None
    lead: str | None = None
    author: str | None = None
    section: str | None = None
    published_at: datetime | None = None
    published_precision: str = "minute"  # "day" when the sitemap gives only a date
    updated_at: datetime | None = None
    publisher: str | None = None
    publisher_url: str | None = None


def wanted(url: str, article_pattern: str | None, exclude_pattern: str | None) -> bool:
    """Whether a discovered URL is an article of this source, by the config's patterns."""
    if not url.startswith(("http://", "https://")):
        return False
    if exclude_pattern and re.search(exclude_pattern, url):
        return False
    return not article_pattern or re.search(article_pattern, url) is not None
