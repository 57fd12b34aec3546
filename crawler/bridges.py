"""Feeds made by the centre's own RSSHub or RSS-Bridge: each entry is a post of a network.

The social network's page itself is never fetched (it cannot be, lawfully): the entry is the
item. Its URL is the original post's link, never the bridge's own address; its text is the
entry's HTML description as text (images and media dropped); its date is the entry's.

What the two bridges serve (read in their sources):

- RSSHub (`lib/views/rss.tsx`): RSS 2.0, each `<item>` with `<title>`, `<description>` (HTML),
  `<link>`, `<guid isPermaLink="false">` (the route's guid, else the link), `<pubDate>`,
  `<author>`. Route `/facebook/page/:id`: link = the post's `permalink_url`, title = the first
  line of its text, description `<p>text<br>…</p>` and `<img>`s; route `/tiktok/user/:user`:
  link `https://www.tiktok.com/@<user>/video/<id>`, title = the caption, description a
  `<video>` alone. RSSHub also serves `?format=atom` and `?format=json`.
- RSS-Bridge (`formats/AtomFormat.php`, `formats/JsonFormat.php`): Atom, each `<entry>` with
  `<title type="html">`, `<published>`/`<updated>` (when the bridge knows the time),
  `<id>` (`urn:sha1:<uid>`, else the post's URI), `<link rel="alternate">` (the post's URI),
  `<author><name>`, `<content type="html">`, `<link rel="enclosure">` per image; or JSON Feed 1
  (`format=Json`): `items[]` with `id`, `url`, `title`, `date_modified`, `content_html` or
  `content_text`, `author.name`, `attachments`. FacebookBridge gives the post's `wwwURL`, or
  the bare `https://www.facebook.com/` when it found none, and the title "Post from
  YYYY-MM-DD" to a post without text; TikTokBridge gives `https://www.tiktok.com/@<user>/
  video/<id>` without any time, its content `<p>caption</p><a><img></a><p>N views<p>`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser

from crawler.dates import parse_date
from crawler.extract import clean
from crawler.feeds import entry_date
from crawler.guard import Refused, check_link, origin
from crawler.platform import MAX_URL
from crawler.posts import post_text

# RSS-Bridge's FacebookBridge names a post without text by its date: no title worth keeping.
_PLACEHOLDER_TITLE = re.compile(r"^Post from \d{4}-\d{2}-\d{2}$")


class BridgeError(ValueError):
    """The document is not a feed (an error page of the bridge, broken XML or JSON)."""


@dataclass(frozen=True)
class BridgePost:
    """One post, as the bridge's feed reports it."""

    url: str
    text: str
    author: str | None
    published_at: datetime | None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class BridgeFeed:
    """The posts of one feed, in its order, and the entries left out (with why)."""

    title: str
    posts: tuple[BridgePost, ...]
    refused: tuple[Refused, ...] = ()


@dataclass(frozen=True)
class _Entry:
    links: tuple[str, ...]  # where the original post may be named, best first
    html: str
    title: str
    author: str | None
    published_at: datetime | None
    updated_at: datetime | None


def parse_bridge_feed(body: bytes, bridge_urls: Iterable[str]) -> BridgeFeed:
    """The posts of a feed (RSS 2.0, Atom or JSON Feed) served by a bridge at `bridge_urls`
    (the source's configured URLs: a link to their hosts is the bridge's, not a post's).
    `BridgeError` when the document is not a feed."""
    bridge_hosts = {o[1] for o in (origin(str(u)) for u in bridge_urls) if o is not None}
    if body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        title, entries = _json_feed(body)
    else:
        title, entries = _xml_feed(body)
    posts: dict[str, BridgePost] = {}
    refused: list[Refused] = []
    for entry in entries:
        url = _original(entry.links, bridge_hosts)
        if isinstance(url, Refused):
            refused.append(url)
            continue
        if url in posts:
            continue
        text = post_text(entry.html)
        if not text and entry.title not in (entry.author, title):
            text = entry.title  # RSSHub's TikTok route: the caption; the description, a video
        posts[url] = BridgePost(url, text, entry.author, entry.published_at, entry.updated_at)
    return BridgeFeed(title, tuple(posts.values()), tuple(refused))


def _xml_feed(body: bytes) -> tuple[str, list[_Entry]]:
    parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        reason = parsed.get("bozo_exception") or "không có mục nào / no entries"
        raise BridgeError(f"không phải RSS/Atom hợp lệ / not a valid RSS or Atom feed: {reason}")
    entries = []
    for entry in parsed.entries:
        alternates = [
            str(link.get("href") or "")
            for link in entry.get("links") or []
            if link.get("rel", "alternate") == "alternate"
        ]
        content = entry.get("content") or []
        html = str(content[0].get("value") or "") if content else ""
        entries.append(
            _Entry(
                links=(str(entry.get("link") or ""), *alternates, str(entry.get("id") or "")),
                html=html or str(entry.get("summary") or entry.get("description") or ""),
                title=_title(entry.get("title")),
                author=clean(entry.get("author")) or None,
                published_at=entry_date(entry, "published"),
                updated_at=entry_date(entry, "updated"),
            )
        )
    return clean(parsed.feed.get("title")), entries


def _json_feed(body: bytes) -> tuple[str, list[_Entry]]:
    """JSON Feed 1 or 1.1 (https://jsonfeed.org), as RSS-Bridge's and RSSHub's `json` format."""
    try:
        document = json.loads(body.decode("utf-8-sig", errors="replace"))
    except (ValueError, RecursionError) as exc:
        raise BridgeError(f"không phải JSON Feed hợp lệ / not a valid JSON Feed: {exc}") from exc
    items = document.get("items") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise BridgeError("JSON không có danh sách items / not a JSON Feed: no items")
    return clean(_string(document.get("title"))), list(_json_entries(items))


def _json_entries(items: list[Any]) -> Iterator[_Entry]:
    for item in items:
        if not isinstance(item, dict):
            continue
        authors = item.get("authors")
        author = item.get("author") or (authors[0] if isinstance(authors, list) and authors else {})
        html = _string(item.get("content_html"))
        if not html:
            text = _string(item.get("content_text"))
            html = text.replace("&", "&amp;").replace("<", "&lt;").replace("\n", "<br>")
        yield _Entry(
            links=tuple(_string(item.get(k)) for k in ("url", "external_url", "id")),
            html=html,
            title=_title(item.get("title")),
            author=clean(_string(author.get("name") if isinstance(author, dict) else "")) or None,
            published_at=_date(item.get("date_published")),
            updated_at=_date(item.get("date_modified")),
        )


def _original(links: Iterable[str], bridge_hosts: set[str]) -> str | Refused:
    """The first link that names the original post; else why the entry was left out (the
    first link refused, or the entry had none)."""
    refusal: Refused | None = None
    for raw in links:
        url = raw.strip()
        if not url or url.startswith("urn:"):  # RSS-Bridge's `urn:sha1:` ids name no page
            continue
        if len(url) > MAX_URL:
            refusal = refusal or Refused(url[:200], "scheme", "liên kết quá dài / link too long")
            continue
        found = origin(url)
        if found is not None and found[1] in bridge_hosts:
            refusal = refusal or Refused(
                url, "bridge", "liên kết trỏ về chính cầu nối / link back to the bridge itself"
            )
            continue
        try:
            check_link(url)
        except Refused as exc:
            refusal = refusal or exc
            continue
        parts = urlsplit(url)
        if parts.path in ("", "/") and not parts.query:
            continue  # a network's home page (FacebookBridge's fallback), not a post
        return url
    return refusal or Refused(
        "", "missing", "mục không có liên kết tới bài gốc / entry without the original post's link"
    )


def _title(value: Any) -> str:
    title = post_text(_string(value))
    return "" if _PLACEHOLDER_TITLE.match(title) else title


def _string(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _date(value: Any) -> datetime | None:
    return parse_date(value) if isinstance(value, str) and value.strip() else None
