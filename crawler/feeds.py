"""RSS and Atom feeds, parsed with feedparser, into candidate article links."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser
import lxml.html
from lxml.etree import ParserError

from crawler.dates import parse_date
from crawler.extract import clean
from crawler.links import Link

log = logging.getLogger(__name__)


class FeedError(ValueError):
    """The document is not a feed (an HTML error page, truncated XML...)."""


@dataclass(frozen=True)
class Feed:
    title: str
    links: list[Link] = field(default_factory=list)


def parse_feed(body: bytes, url: str, via: str = "feed") -> Feed:
    """The entries of an RSS or Atom document; raises FeedError when it is not a feed."""
    parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        reason = parsed.get("bozo_exception") or "không có mục nào / no entries"
        raise FeedError(f"không phải RSS/Atom hợp lệ / not a valid RSS or Atom feed: {reason}")
    links = [link for entry in parsed.entries if (link := _entry_link(entry, via)) is not None]
    return Feed(title=clean(parsed.feed.get("title")), links=links)


def _entry_link(entry: Any, via: str) -> Link | None:
    url = (entry.get("link") or "").strip()
    if not url and entry.get("yt_videoid"):
        url = f"https://www.youtube.com/watch?v={entry['yt_videoid']}"
    if not url:
        return None
    title = clean(entry.get("title"))
    source = entry.get("source") or {}
    publisher = clean(source.get("title")) or None
    if publisher and title.endswith(f" - {publisher}"):
        title = title[: -len(publisher) - 3].rstrip()
    tags = entry.get("tags") or []
    section = clean(tags[0].get("term")) if tags and tags[0].get("term") else None
    return Link(
        url=url,
        via=via,
        title=title or None,
        lead=_html_text(_summary(entry)) or None,
        author=clean(entry.get("author")) or None,
        section=section,
        published_at=entry_date(entry, "published"),
        updated_at=entry_date(entry, "updated"),
        publisher=publisher,
        publisher_url=source.get("href"),
    )


def _summary(entry: Any) -> str:
    media = entry.get("media_description")
    if media:
        return str(media)
    return str(entry.get("summary") or entry.get("description") or "")


def entry_date(entry: Any, key: str) -> datetime | None:
    # dict.get: feedparser's own get() answers "updated" with the published date.
    raw = dict.get(entry, key)
    value = parse_date(raw) if raw else None
    parsed = dict.get(entry, f"{key}_parsed")
    if value is None and parsed:
        year, month, day, hour, minute, second = parsed[:6]
        try:
            value = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        except (ValueError, TypeError):  # feedparser's year 0 of `<updated>0000000</updated>`
            return None
    return value


def _html_text(value: str) -> str:
    """Feed descriptions hold HTML (VnExpress: an image link, `</br>`, then the sapo)."""
    if "<" not in value:
        return clean(value)
    try:
        fragment = lxml.html.fragment_fromstring(value, create_parent="div")
    except (ParserError, ValueError):
        return clean(value)
    for br in fragment.iter("br"):
        br.tail = "\n" + (br.tail or "")
    text = clean(fragment.text_content())
    linked = sum(len(clean(a.text_content())) for a in fragment.iter("a"))
    if text and linked / len(text) > 0.6:
        return ""  # a list of links (Google News clusters), not a summary
    return text
