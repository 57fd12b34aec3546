"""Listing (category) pages: the article links on them and the next page."""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urljoin

import lxml.html
from lxml.etree import ParserError

from crawler.extract import clean
from crawler.links import Link, wanted

# How outlets number their listing pages: ?page=2, -p2, /page/2/, /trang-2.
_PAGE = re.compile(r"([?&]page=|-p|/page/|/trang-)(\d+)")
_NEXT_WORDS = {"trang sau", "sau", "tiếp", "tiếp theo", "›", "»", ">", "next"}


def parse_listing(
    html: str, page_url: str, article_pattern: str, exclude_pattern: str | None = None
) -> tuple[list[Link], str | None]:
    """Article links (matching the pattern, in page order, once each) and the next page's URL."""
    try:
        doc = lxml.html.document_fromstring(html)
    except (ParserError, ValueError):
        return [], None
    seen: set[str] = set()
    links: list[Link] = []
    anchors: list[tuple[str, str]] = []
    for anchor in doc.iter("a"):
        href = anchor.get("href")
        if not href or href.startswith(("javascript:", "mailto:")):
            continue
        url = urldefrag(urljoin(page_url, href.strip()))[0]
        text = clean(anchor.text_content())
        anchors.append((url, text))
        if url in seen or not wanted(url, article_pattern, exclude_pattern):
            continue
        seen.add(url)
        links.append(Link(url=url, via="listing", title=text or None))
    return links, _next_page(doc, page_url, anchors)


def _next_page(
    doc: lxml.html.HtmlElement, page_url: str, anchors: list[tuple[str, str]]
) -> str | None:
    declared = doc.xpath("//link[@rel='next']/@href | //a[@rel='next']/@href")
    if declared:
        return urljoin(page_url, declared[0])
    current = _page_number(page_url)
    for url, _text in anchors:
        number = _page_number(url)
        if number == current + 1 and _without_page(url) == _without_page(page_url):
            return url
    for url, text in anchors:
        if text.lower() in _NEXT_WORDS and url != page_url:
            return url
    return None


def _page_number(url: str) -> int:
    match = _PAGE.search(url)
    return int(match.group(2)) if match else 1


def _without_page(url: str) -> str:
    return _PAGE.sub("", url).rstrip("/?&")
