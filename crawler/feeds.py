"""RSS and Atom feeds, parsed with feedparser, into candidate article links."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urldefrag, urljoin

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
        lead=_html_text(_summary(entry), url) or None,
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


def _html_text(value: str, own_url: str = "") -> str:
    """Feed descriptions hold HTML (VnExpress: an image link, `</br>`, then the sapo; a
    forum's first post, cut short and ended by a "Read more" link to the thread)."""
    if "<" not in value:
        return clean(value)
    try:
        fragment = lxml.html.fragment_fromstring(value, create_parent="div")
    except (ParserError, ValueError):
        return clean(value)
    for br in fragment.iter("br"):
        br.tail = "\n" + (br.tail or "")
    _drop_read_more(fragment, own_url)
    text = clean(fragment.text_content())
    linked = sum(len(clean(a.text_content())) for a in fragment.iter("a"))
    if text and linked / len(text) > 0.6:
        return ""  # a list of links (Google News clusters), not a summary
    return text


def _drop_read_more(fragment: lxml.html.HtmlElement, own_url: str) -> None:
    """Remove the link that closes a summary and leads to the entry itself ("Read more",
    "Xem thêm" in XenForo forum feeds and WordPress excerpts): it names no content. A link
    to the entry that text follows (Google News: the title, then the publisher) stays."""
    anchors = list(fragment.iter("a"))
    if not own_url or not anchors:
        return
    last = anchors[-1]
    if clean(last.text_content()) == clean(fragment.text_content()):
        return  # the link holds the whole summary
    try:
        target = urljoin(own_url, last.get("href") or "")
    except ValueError:  # a broken href ("http://[x"): not a link to the entry
        return
    if _same_page(target, own_url) and not _after(last):
        last.drop_tree()


def _same_page(url: str, other: str) -> bool:
    return urldefrag(url)[0].rstrip("/") == urldefrag(other)[0].rstrip("/")


def _after(element: lxml.html.HtmlElement) -> str:
    """The text that follows `element` in its document."""
    parts = [element.tail or ""]
    for node in element.itersiblings():
        parts.append(node.text_content() + (node.tail or ""))
    for parent in element.iterancestors():
        parts.append(parent.tail or "")
        for node in parent.itersiblings():
            parts.append(node.text_content() + (node.tail or ""))
    return "".join(parts).strip()
