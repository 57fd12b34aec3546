"""Listing (category) pages: the article links on them and the next page."""

from __future__ import annotations

from urllib.parse import urldefrag, urljoin

import lxml.html
from lxml.etree import ParserError

from crawler.extract import clean
from crawler.links import Link, wanted


def parse_listing(
    html: str, page_url: str, article_pattern: str, exclude_pattern: str | None = None
) -> tuple[list[Link], str | None]:
    """Article links (matching the pattern, in page order, once each) and the rel=next URL."""
    try:
        doc = lxml.html.document_fromstring(html)
    except (ParserError, ValueError):
        return [], None
    seen: set[str] = set()
    links: list[Link] = []
    for anchor in doc.iter("a"):
        href = anchor.get("href")
        if not href:
            continue
        url = urldefrag(urljoin(page_url, href.strip()))[0]
        if url in seen or not wanted(url, article_pattern, exclude_pattern):
            continue
        seen.add(url)
        links.append(Link(url=url, via="listing", title=clean(anchor.text_content()) or None))
    nxt = doc.xpath("//link[@rel='next']/@href | //a[@rel='next']/@href")
    return links, urljoin(page_url, nxt[0]) if nxt else None
