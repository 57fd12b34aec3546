"""Sitemaps (indexes, date-sharded and Google News sitemaps) into child sitemaps and articles."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from lxml import etree

from crawler.dates import parse_date, precision_of
from crawler.extract import clean
from crawler.links import Link

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, recover=True, huge_tree=False, remove_comments=True
)


class SitemapError(ValueError):
    """The document is not a sitemap."""


@dataclass(frozen=True)
class ChildSitemap:
    url: str
    lastmod: datetime | None


@dataclass(frozen=True)
class Sitemap:
    children: list[ChildSitemap] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)


def parse_sitemap(body: bytes) -> Sitemap:
    """A sitemap index's children or a urlset's links (with news:title and dates)."""
    try:
        root = etree.fromstring(body.lstrip(), _PARSER)
    except etree.XMLSyntaxError as exc:
        raise SitemapError(f"không phải sitemap XML / not sitemap XML: {exc}") from None
    if root is None:
        raise SitemapError("tài liệu rỗng / empty document")
    kind = _local(root)
    if kind == "sitemapindex":
        return Sitemap(children=[_child(node) for node in _each(root, "sitemap") if _loc(node)])
    if kind == "urlset":
        return Sitemap(links=[_link(node) for node in _each(root, "url") if _loc(node)])
    if kind == "rss":
        return _rss_index(root)
    raise SitemapError(f"thẻ gốc <{kind}> không phải sitemap / root <{kind}> is not a sitemap")


def _local(node: etree._Element) -> str:
    """The tag without its namespace; "" for a processing instruction or an entity, and no
    error for the names lxml's recovering parser lets through (`<:`)."""
    tag = node.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _each(root: etree._Element, name: str) -> list[etree._Element]:
    return [node for node in root if _local(node) == name]


def _find(node: etree._Element, *path: str) -> str | None:
    current = [node]
    for name in path:
        current = [c for parent in current for c in parent if _local(c) == name]
    for element in current:
        text = (element.text or "").strip()
        if text:
            return text
    return None


def _loc(node: etree._Element) -> str:
    return _find(node, "loc") or ""


def _child(node: etree._Element) -> ChildSitemap:
    return ChildSitemap(url=_loc(node), lastmod=parse_date(_find(node, "lastmod")))


def _link(node: etree._Element) -> Link:
    raw_published = _find(node, "news", "publication_date")
    raw_lastmod = _find(node, "lastmod")
    published = parse_date(raw_published)
    lastmod = parse_date(raw_lastmod)
    title = _find(node, "news", "title") or _find(node, "image", "title")
    return Link(
        url=_loc(node),
        via="sitemap",
        title=clean(title) or None,
        published_at=published or lastmod,
        published_precision=precision_of(raw_published if published else raw_lastmod),
        updated_at=lastmod,
    )


def _rss_index(root: etree._Element) -> Sitemap:
    """Some outlets (Tuổi Trẻ's /sitemaps/index.rss) list their shards in an RSS document."""
    children, links = [], []
    for item in root.iter():
        if _local(item) not in ("item", "sitemap"):
            continue
        url = _find(item, "loc") or _find(item, "link") or ""
        when = parse_date(_find(item, "lastmod") or _find(item, "pubDate"))
        if re.search(r"\.xml(\.gz)?$", url):
            children.append(ChildSitemap(url=url, lastmod=when))
        elif url:
            links.append(
                Link(
                    url=url,
                    via="sitemap",
                    title=clean(_find(item, "title")) or None,
                    published_at=when,
                )
            )
    return Sitemap(children=children, links=links)


_SHARD_PATTERNS = (
    (re.compile(r"(20\d\d)-(\d{1,2})-(\d{1,2})-(\d{1,2})(?!\d)"), "ymdd"),
    (re.compile(r"(20\d\d)-(\d{1,2})-(\d{1,2})(?!\d)"), "ymd"),
    (re.compile(r"(?<!\d)(\d{1,2})-(20\d\d)(?!\d)"), "my"),
    (re.compile(r"(20\d\d)[-/](\d{1,2})(?![\d])"), "ym"),
    (re.compile(r"(20\d\d)(\d{2})(?=\D*$)"), "ym"),
)


def shard_end(url: str) -> date | None:
    """The last day a date-sharded sitemap covers, read from its URL, or None."""
    name = url.rsplit("/", 1)[-1]
    for pattern, kind in _SHARD_PATTERNS:
        match = pattern.search(name)
        if not match:
            continue
        numbers = [int(g) for g in match.groups()]
        try:
            if kind == "ymdd":
                return date(numbers[0], numbers[1], numbers[3])
            if kind == "ymd":
                return date(numbers[0], numbers[1], numbers[2])
            year, month = (numbers[1], numbers[0]) if kind == "my" else (numbers[0], numbers[1])
            return date(year, month, calendar.monthrange(year, month)[1])
        except ValueError:
            continue
    return None
