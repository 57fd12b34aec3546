"""From an article page to its fields: title, lead, body, author, date, section, canonical URL.

The order of evidence is: per-site CSS overrides from config (only where the generic result
is wrong), then structured data (JSON-LD, meta tags), then trafilatura for the body and the rest,
then what the feed or sitemap said (`Hints`), then htmldate. A body that an old CMS injects from
an inline script is put back into the page first.
"""

from __future__ import annotations

import html
import json
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlparse

import lxml.html
import trafilatura
from cssselect import SelectorError
from htmldate import find_date
from lxml.cssselect import CSSSelector
from lxml.etree import ParserError, XPathError
from w3lib.encoding import html_to_unicode

from crawler.dates import (
    DAY,
    MINUTE,
    UNKNOWN,
    VIETNAM,
    has_time,
    parse_date,
    url_date,
    url_month,
)
from crawler.links import Link
from duluan.config import Extract

log = logging.getLogger(__name__)

# Markers of the Vietnamese CMS families, generic rather than per outlet, in order of trust.
# "role:x" is a data-role attribute, "tag.class" a class on that tag only, else a class token.
LEAD_MARKERS = (
    "role:sapo",
    "slot:sapo",
    "detail-sapo",
    "singular-sapo",
    "article__sapo",
    "content-detail-sapo",
    "p.description",
    "box-des-detail",
    "chappeau",
    "sapo",
)
DATE_MARKERS = (
    "role:publishdate",
    "detail-time",
    "author-time",
    "article__meta",
    "date-contentL",
    "bread-crumb-detail__time",
    "entry-date",
    "date",
    "time",
)
AUTHOR_MARKERS = (
    "author-info",
    "author-name",
    "article__author",
    "article-detail-author__info",
    "box-author",
    "author-source",
    "authors",
    "author",
    "byline",
)
SECTION_MARKERS = (
    "slot:breadcrumb",
    "detail-cate",
    "breadcrumb",
    "breadcrumbs",
    "bread-crumb",
    "bread-crumb-detail",
    "uk-breadcrumb",
    "breadcrumb-detail",
    "cate-detail",
)
# Boxes of other stories inside article bodies: related news, "read more", "other news".
RELATED = re.compile(
    r"relate|lienquan|lien-quan|tinkhac|tin-khac|readmore|cungchuyenmuc|\bbox-other\b|other-news",
    re.I,
)
# Promotional lines that outlets append to bodies.
PROMO = re.compile(r"^(?:Mời (?:quý )?(?:độc giả|bạn đọc)|Xem thêm\s*:|Đọc thêm\s*:|>> ?Xem)", re.I)
# A photo caption written as a plain paragraph (CKEditor bodies of government portals): a short
# line ending with the photographer, "… Ảnh: Thanh Hồng" or "(Ảnh: TL)".
CAPTION = re.compile(r"(?:^|[.!?…:\s])\(?Ảnh(?: minh họa)?\s*:\s*[^\n.:;()]{1,40}\)?\.?$")
CAPTION_CHARS = 200
# A shared title or description longer than this is cut (a hostile page may declare megabytes).
MAX_SUMMARY = 5000
MARKERS = frozenset(LEAD_MARKERS + DATE_MARKERS + AUTHOR_MARKERS + SECTION_MARKERS)
# A leading outlet tag in a lead: "(Dân trí) - ", "(Báo Quảng Ngãi)- ", "VTV.vn - ", "TPO - ".
OUTLET_TAG = re.compile(
    r"^\s*(?:\([^()]{2,40}\)|[A-ZĐ][\w.]{1,15}(?:\.vn)?|[A-Z]{2,6})\s*[-–—:]\s*(?=\S)"
)
# A byline line: "Thành Nguyễn", "CTV Minh Tuấn", "Văn Ngọc/VOV-Tây Nguyên", "Cao Nguyên (TTXVN)".
_NAME_WORD = r"[A-ZĐÀ-Ỹ][\wÀ-ỹ.'’-]*"
BYLINE = re.compile(
    rf"^(?:(?:Bài(?: và|,)? ảnh|Bài|Ảnh|Nhóm PV|PV|CTV|Theo)\s*:?\s*)?"
    rf"(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,4}})"
    r"(?:\s*\([^)]{1,40}\))?(?:\s*[/-]\s*[\w .-]{1,40})?$"
)
OUTLET_WORDS = re.compile(
    r"\b(?:báo|online|tạp chí|đài|vov|vtv|ttxvn|com|vn|net)\b|\.vn\b|\.com\b", re.I
)
INLINE_BODY = (
    re.compile(r"outputData\s*=\s*\"((?:[^\"\\]|\\.)*)\"", re.DOTALL),
    re.compile(r"\$\(\s*['\"]#content['\"]\s*\)\.html\(\s*`((?:[^`\\]|\\.)*)`\s*\)", re.DOTALL),
)
BODY_CONTAINERS = ("#content", "#body", ".content", "#main-detail")
MIN_BODY_CHARS = 150
_VIETNAMESE = re.compile(r"[ăâđêôơưĂÂĐÊÔƠƯ]|[\u0300-\u0323]")


@dataclass(frozen=True)
class Hints:
    """What a feed or sitemap said about an article, used where the page is silent."""

    title: str | None = None
    lead: str | None = None
    author: str | None = None
    section: str | None = None
    published_at: datetime | None = None
    published_precision: str = MINUTE

    @classmethod
    def from_link(cls, link: Link) -> Hints:
        """What a discovered link's feed or sitemap said."""
        return cls(
            title=link.title,
            lead=link.lead,
            author=link.author,
            section=link.section,
            published_at=link.published_at,
            published_precision=link.published_precision,
        )


@dataclass(frozen=True)
class Extracted:
    """What the crawler stores of one article page. `published_precision` is `minute`, `day`
    (the page gives only a day: shown as a day, never as 00:00) or `unknown`; `alt_title` is the
    JSON-LD/og:title headline where it differs from the visible one; `rules` names, per field,
    the rule that decided it (`override`, `json-ld`, `meta`, `marker`, `h1`, `date-line`,
    `url-id`, `feed`, `trafilatura`, `htmldate`…), as `duluan extract` shows it."""

    title: str
    lead: str
    text: str
    author: str | None
    published_at: datetime | None
    section: str | None
    canonical_url: str
    language: str | None
    alt_title: str | None = None
    published_precision: str = UNKNOWN
    rules: dict[str, str] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The fields as JSON values: the date as ISO 8601 with its offset, or `YYYY-MM-DD` when
        only the day is known."""
        published = None
        if self.published_at is not None:
            at = self.published_at.astimezone(VIETNAM)
            published = at.date().isoformat() if self.published_precision == DAY else at.isoformat()
        return {
            "title": self.title,
            "alt_title": self.alt_title,
            "lead": self.lead,
            "text": self.text,
            "author": self.author,
            "published_at": published,
            "published_precision": self.published_precision,
            "section": self.section,
            "canonical_url": self.canonical_url,
            "language": self.language,
            "rules": dict(self.rules),
        }


# A character reference with its `;` (`&#7871;`, `&#xE9;`, `&amp;`): text from JSON-LD, meta tags,
# feeds and sitemaps is often escaped once more than its format asks (`Chi&amp;#7871;n`).
_REFERENCE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")


def decode_references(text: str) -> str:
    """Character references decoded until none is left (an escaped reference is decoded twice);
    a `&` that starts no reference is kept."""
    for _ in range(4):
        if "&" not in text:
            break
        decoded = _REFERENCE.sub(lambda m: html.unescape(m.group(0)), text)
        if decoded == text:
            break
        text = decoded
    return text


def strip_markup(text: str) -> str:
    """A one-line field (title, lead, author) without the tags a feed or JSON-LD left in it."""
    return _TAG.sub(" ", text) if "<" in text else text


def clean(text: str | None) -> str:
    """NFC, character references decoded, one space between words, paragraphs kept as single
    newlines."""
    if not text:
        return ""
    text = decode_references(text)
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ").replace("\u200b", "")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def decode_html(body: bytes, charset: str | None = None) -> str:
    """A fetched page as text, decoded as the crawler decodes it (BOM, then the HTTP charset,
    then the page's own declaration, else UTF-8), so every fetcher reads the same text."""
    return html_to_unicode(f"charset={charset}" if charset else None, body)[1]


def shared_summary(html: str) -> tuple[str, str] | None:
    """(title, description) a page declares for sharing (`og:title`, `og:description`, else the
    `twitter:` ones); None when it declares neither. What a forum thread or a network's public
    page says of itself where no article is found. `<title>` is not read: an error page has one."""
    try:
        doc = lxml.html.document_fromstring(html)
    except (ParserError, ValueError):
        return None
    meta = _metadata(doc)
    title = strip_markup(_pick(meta.get("og:title"), meta.get("twitter:title")))
    description = strip_markup(_pick(meta.get("og:description"), meta.get("twitter:description")))
    if not title and not description:
        return None
    return clean(title)[:MAX_SUMMARY], clean(description)[:MAX_SUMMARY]


def shared_url(html: str) -> str | None:
    """The address a page declares as its own (`og:url`, else `<link rel="canonical">`), as
    written; None when it declares none. A reported link's page may name the story already
    crawled under another address (a short link, a mobile page)."""
    try:
        doc = lxml.html.document_fromstring(html)
    except (ParserError, ValueError):
        return None
    declared = _metadata(doc).get("og:url")
    if not declared:
        links = doc.xpath("//link[@rel='canonical']/@href")
        declared = str(links[0]) if links else None
    return declared.strip()[:4096] if declared and declared.strip() else None


def extract_article(
    html: str, url: str, rules: Extract | None = None, hints: Hints | None = None
) -> Extracted | None:
    """The article on a page, or None when the page holds no article."""
    rules = rules or Extract()
    hints = hints or Hints()
    try:
        doc = lxml.html.document_fromstring(html)
    except (ParserError, ValueError):
        return None
    _restore_inline_body(doc, rules)
    author_override = _text_of(doc, rules.author)
    for selector in rules.remove:
        for element in _css(doc, selector):
            element.drop_tree()
    found = _markers(doc)
    meta = _metadata(doc)
    article_ld = _json_ld_article(doc)
    site_names = {meta.get("og:site_name", ""), urlparse(url).hostname or ""}
    decided: dict[str, str] = {}
    lead, decided["lead"] = _choose(
        ("override", _text_of(doc, rules.lead)),
        ("marker", _marked_text(found, LEAD_MARKERS)),
        ("json-ld", _ld_str(article_ld, "description")),
        ("meta", meta.get("og:description")),
        ("meta", meta.get("description")),
        ("feed", hints.lead),
    )
    lead = strip_markup(_strip_lead_prefix(lead, rules.lead_prefix))
    structured_title, structured_rule = _choose(
        ("json-ld", _ld_str(article_ld, "headline")),
        ("meta", _without_site(meta.get("og:title"), site_names)),
    )
    title, decided["title"] = _choose(
        ("override", _text_of(doc, rules.title)),
        ("h1", _visible_headline(doc, site_names)),
        (structured_rule, structured_title),
    )
    author, decided["author"] = _choose(
        ("override", author_override),
        ("json-ld", _person(_ld_author(article_ld), site_names)),
        ("marker", _person(_marked_author(found), site_names)),
    )
    section, decided["section"] = _choose(
        ("override", _text_of(doc, rules.section)),
        ("json-ld", _ld_section(article_ld)),
        ("meta", meta.get("article:section")),
        ("marker", _breadcrumb(found)),
        ("json-ld", _ld_breadcrumb(doc)),
    )
    published, precision, decided["published"] = _published(
        doc, rules, article_ld, meta, found, url, hints
    )
    canonical = _canonical(doc, url, meta)
    language = _language(doc, meta)
    for box in [*found.get("related", []), *_headed_link_boxes(doc)]:
        if box.getparent() is not None:
            box.drop_tree()
    for box in found.get("content-box", []):
        _flatten_box(box)

    body_element = _first(doc, rules.body) if rules.body else None
    document = None
    if body_element is not None:
        text = _element_text(body_element)
        decided["text"] = "override"
    else:
        document = _trafilatura(doc, url)  # prunes `doc` in place: read everything else first
        text = clean(document.text if document else "")
        decided["text"] = "trafilatura"
    if not title:
        title, decided["title"] = _choose(
            ("trafilatura", getattr(document, "title", None)), ("feed", hints.title)
        )
    title = strip_markup(title).strip()
    text, byline = _tidy_body(text, title, lead, author)
    if len(text) < MIN_BODY_CHARS or not title:
        log.debug("%s: không có thân bài (%d ký tự)", url, len(text))
        return None
    if published is None:
        published, precision, decided["published"] = _htmldate(html, url)
    if not author:
        meta_author = meta.get("article:author") or meta.get("author") or ""
        author, decided["author"] = _choose(
            ("byline", byline),
            ("meta", _person(meta_author, site_names)),
            ("trafilatura", _person(getattr(document, "author", None), site_names)),
            ("feed", _person(hints.author, site_names)),
        )
    if not section:
        section, decided["section"] = _choose(("feed", hints.section))
    alt_title = None
    if structured_title and _key(structured_title) != _key(title):
        alt_title = strip_markup(structured_title).strip() or None
        decided["alt_title"] = structured_rule
    decided["canonical_url"] = "link" if canonical != url else "url"
    return Extracted(
        title=title,
        lead=lead,
        text=text,
        author=strip_markup(author).strip() or None,
        published_at=published,
        section=section or None,
        canonical_url=canonical,
        language=language or ("vi" if len(_VIETNAMESE.findall(text[:2000])) > 20 else None),
        alt_title=alt_title,
        published_precision=precision,
        rules={k: v for k, v in decided.items() if v},
    )


def _choose(*candidates: tuple[str, str | None]) -> tuple[str, str]:
    """The first non-empty candidate, cleaned, and the name of the rule that gave it."""
    for rule, candidate in candidates:
        value = clean(candidate)
        if value:
            return value, rule
    return "", ""


_TITLE_CLASSES = re.compile(r"title|headline|heading", re.I)


def _visible_headline(doc: Any, site_names: set[str]) -> str:
    """The headline readers see: the article's `h1` (one marked as a title first), not a logo
    `h1` naming the site."""
    sites = [n for n in site_names if n]
    candidates = []
    for h1 in doc.iter("h1"):
        text = clean(h1.text_content())
        if len(text) < 10 or _names_site(text, sites) or "logo" in (h1.get("class") or ""):
            continue
        marked = _TITLE_CLASSES.search(
            " ".join(filter(None, (h1.get("class"), h1.get("data-role"), h1.get("data-slot"))))
        )
        candidates.append((0 if marked else 1, text))
    return min(candidates, key=lambda c: c[0])[1] if candidates else ""


def _without_site(title: str | None, site_names: set[str]) -> str:
    """An og:title without the outlet's name appended (`… - Báo Tuổi Trẻ`, `… | VTV.VN`)."""
    text = clean(title)
    match = re.match(r"^(?P<head>.{10,}?)\s+[-|–—]\s+(?P<tail>[^-|–—]{2,40})$", text)
    sites = [n for n in site_names if n]
    if match and (
        _names_site(match.group("tail"), sites) or OUTLET_WORDS.search(match.group("tail"))
    ):
        return match.group("head")
    return text


def _markers(doc: Any) -> dict[str, list[Any]]:
    """One walk over the page: the first elements carrying each known CMS marker, and the
    related-news boxes. (Twenty separate selector scans cost more than the extraction.)"""
    found: dict[str, list[Any]] = {}
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        classes = element.get("class")
        role = element.get("data-role")
        if role:
            found.setdefault(f"role:{role}", []).append(element)
        slot = element.get("data-slot")  # Dân trí's 2025 Tailwind pages
        if slot:
            found.setdefault(f"slot:{slot}", []).append(element)
        kind = element.get("type")
        if kind and kind.startswith("Related"):
            found.setdefault("related", []).append(element)
        elif kind == "content" and classes and "VCSortableInPreviewMode" in classes:
            found.setdefault("content-box", []).append(element)
        if not classes:
            continue
        for token in classes.split():
            if token in MARKERS:
                found.setdefault(token, []).append(element)
            tagged = f"{element.tag}.{token}"
            if tagged in MARKERS:
                found.setdefault(tagged, []).append(element)
        if RELATED.search(classes) and element.tag not in ("body", "html", "article"):
            found.setdefault("related", []).append(element)
    return found


def _flatten_box(box: Any) -> None:
    """An in-body box of article text (the CMS family of Tuổi Trẻ, Thanh Niên, NLĐ, VTV, Báo
    Chính phủ: `div.VCSortableInPreviewMode[type=content]`, lines as divs or in a layout table)
    becomes plain paragraphs in its place, so the body extractor neither drops it nor stops
    there."""
    parent = box.getparent()
    if parent is None:
        return
    lines = [clean(b.text_content()) for b in _leaf_blocks(box)] or [clean(box.text_content())]
    index = parent.index(box)
    tail = box.tail
    parent.remove(box)
    for offset, line in enumerate(x for x in lines if x):
        paragraph = lxml.html.Element("p")
        paragraph.text = line
        parent.insert(index + offset, paragraph)
    if tail and tail.strip():
        previous = parent[index - 1] if index > 0 else None
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


def _leaf_blocks(element: Any) -> list[Any]:
    return [
        block
        for block in element.iter(*_BLOCKS)
        if block is not element and not any(c.tag in _BLOCKS for c in block.iterdescendants())
    ]


_RELATED_HEADINGS = (
    "Tin liên quan",
    "Bài liên quan",
    "Tin cùng chuyên mục",
    "Các tin, bài khác",
    "Tin khác",
    "Đọc thêm",
    "Xem thêm",
)
_HEADED = " or ".join(f"starts-with(normalize-space(text()), '{h}')" for h in _RELATED_HEADINGS)
_BOXES = frozenset({"table", "div", "ul", "ol", "aside", "section"})


def _headed_link_boxes(doc: Any) -> list[Any]:
    """Unclassed boxes of links to other stories, found by their heading ("Tin liên quan:")."""
    boxes = []
    for heading in doc.xpath(f"//body//*[{_HEADED}]"):
        box = heading.getparent()
        while box is not None and box.tag not in _BOXES:
            box = box.getparent()
        if box is None or box.tag == "body":
            continue
        text = len(clean(box.text_content()))
        linked = sum(len(clean(a.text_content())) for a in box.iter("a"))
        if text and linked / text > 0.5:
            boxes.append(box)
    return boxes


def _marked_text(found: dict[str, list[Any]], markers: tuple[str, ...]) -> str:
    for marker in markers:
        for element in found.get(marker, []):
            text = clean(element.text_content())
            if text:
                return text
    return ""


def _marked_author(found: dict[str, list[Any]]) -> str:
    for marker in AUTHOR_MARKERS:
        for element in found.get(marker, []):
            named = element.xpath(
                ".//*[contains(concat(' ', normalize-space(@class), ' '), ' name ')]"
                " | .//b | .//strong"
            )
            text = clean((named[0] if named else element).text_content())
            if text and len(text) <= 80:
                return text
    return ""


def _person(value: str | None, site_names: set[str]) -> str:
    """A person's name from a byline or metadata, or "" when it names the outlet itself."""
    text = clean(value)
    if not text:
        return ""
    parts = [p.strip() for p in re.split(r"[;|]", text) if p.strip()]
    sites = [_key(n) for n in site_names if n]
    people = [p for p in parts if not OUTLET_WORDS.search(p) and not _names_site(p, sites)]
    if not people:
        return ""
    match = BYLINE.match(people[0])
    return match.group("name") if match else people[0]


def _names_site(text: str, sites: list[str]) -> bool:
    """ "Baochinhphu Vn" names baochinhphu.vn: compared on letters and digits only."""
    key = _alnum(text)
    return any(key and key in _alnum(site) for site in sites)


def _alnum(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _tidy_body(text: str, title: str, lead: str, author: str) -> tuple[str, str]:
    """Drop what trafilatura keeps around the body: the headline and the lead at the top (often
    with the outlet tag), and a byline line at the bottom, which is returned as the byline."""
    paragraphs = text.split("\n")
    heads = {_key(title), _key(lead)}
    while paragraphs:
        first = _key(_strip_lead_prefix(paragraphs[0], None))
        if first in heads or (len(first) > 30 and any(h.startswith(first) for h in heads if h)):
            paragraphs.pop(0)
            continue
        if len(first) <= 80 and _DATE_IN_LINE.search(first):  # "Hà Linh - 07/03/2026 08:47"
            paragraphs.pop(0)
            continue
        break
    while paragraphs and PROMO.match(paragraphs[-1]):
        paragraphs.pop()
    # A closing "Ảnh: Name" alone is the photographer's byline, read below.
    bylined = paragraphs[-1:] if paragraphs and BYLINE.match(paragraphs[-1]) else []
    captions = {
        p for p in paragraphs if len(p) <= CAPTION_CHARS and CAPTION.search(p) and p not in bylined
    }
    if len(captions) < len(paragraphs):
        paragraphs = [p for p in paragraphs if p not in captions]
    byline = ""
    if paragraphs:
        last = paragraphs[-1]
        match = BYLINE.match(last)
        if len(last) <= 60 and (match or (author and _key(last) == _key(author))):
            byline = match.group("name") if match else last
            paragraphs.pop()
    return "\n".join(paragraphs), byline


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


@lru_cache(maxsize=512)
def _compiled(selector: str) -> CSSSelector | None:
    try:
        return CSSSelector(selector, translator="html")
    except (SelectorError, XPathError, ValueError):
        log.warning("bộ chọn CSS %r không hợp lệ: bỏ qua", selector)
        return None


def _css(doc: Any, selector: str | None) -> list[Any]:
    compiled = _compiled(selector) if selector else None
    return list(compiled(doc)) if compiled is not None else []


def _first(doc: Any, selector: str | None) -> Any:
    found = _css(doc, selector)
    return found[0] if found else None


_BLOCKS = frozenset({"p", "div", "h2", "h3", "h4", "h5", "li", "blockquote", "figcaption", "td"})


def _element_text(element: Any) -> str:
    """Text of a chosen body element, one line per leaf block (p, div, li...)."""
    parts: list[str] = []
    for block in element.iter(*_BLOCKS):
        if block is element or any(child.tag in _BLOCKS for child in block.iterdescendants()):
            continue
        if block.tag != "figcaption":
            parts.append(block.text_content())
    return clean("\n".join(parts) if parts else element.text_content())


def _text_of(doc: Any, selector: str | None) -> str:
    element = _first(doc, selector)
    return clean(element.text_content()) if element is not None else ""


def _pick(*candidates: str | None) -> str:
    for candidate in candidates:
        value = clean(candidate)
        if value:
            return value
    return ""


def _strip_lead_prefix(lead: str, pattern: str | None) -> str:
    if pattern:
        lead = re.sub(pattern, "", lead, count=1)
    return OUTLET_TAG.sub("", lead, count=1).strip()


def _restore_inline_body(doc: Any, rules: Extract) -> None:
    """Old CMSs (baoquangngai) ship an empty body element and fill it from an inline script."""
    selectors = [rules.body] if rules.body else list(BODY_CONTAINERS)
    target = None
    for selector in selectors:
        element = _first(doc, selector)
        if element is not None and not clean(element.text_content()):
            target = element
            break
    if target is None:
        return
    for script in doc.iter("script"):
        source = script.text or ""
        for pattern in INLINE_BODY:
            match = pattern.search(source)
            if not match:
                continue
            fragment = _unescape_js(match.group(1))
            try:
                children = lxml.html.fragments_fromstring(fragment)
            except (ParserError, ValueError):
                continue
            for child in children:
                if isinstance(child, str):
                    target.text = (target.text or "") + child
                else:
                    target.append(child)
            return


def _unescape_js(value: str) -> str:
    try:
        return str(json.loads(f'"{value}"'))
    except ValueError:
        return (
            value.replace('\\"', '"')
            .replace("\\'", "'")
            .replace("\\/", "/")
            .replace("\\n", "\n")
            .replace("\\`", "`")
        )


def _trafilatura(doc: Any, url: str) -> Any:
    """trafilatura's body, balanced rather than `favor_precision`: precision comes from our own
    removal of related-news boxes; trafilatura's precision mode dropped in-body boxes and, on
    real pages of the Tuổi Trẻ family, every paragraph after them."""
    try:
        return trafilatura.bare_extraction(
            doc,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            favor_precision=False,
        )
    except Exception:  # trafilatura raises assorted errors on odd markup
        log.warning("%s: trafilatura lỗi khi trích bài", url, exc_info=True)
        return None


def _metadata(doc: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for element in doc.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        content = element.get("content")
        if key and content and key.lower() not in found:
            found[key.lower()] = content
    return found


def _json_ld_article(doc: Any) -> dict[str, Any]:
    for script in doc.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue
        for item in _ld_items(data):
            kind = item.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(isinstance(k, str) and k.endswith("Article") for k in kinds):
                return item
    return {}


def _ld_items(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, list):
        return [i for d in data for i in _ld_items(d)]
    if isinstance(data, dict):
        return [data, *_ld_items(data.get("@graph", []))]
    return []


def _ld_str(item: dict[str, Any], key: str) -> str | None:
    value = item.get(key)
    return value if isinstance(value, str) else None


def _ld_section(item: dict[str, Any]) -> str | None:
    value = item.get("articleSection")
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, str) else None


def _ld_breadcrumb(doc: Any) -> str | None:
    """The first section of a JSON-LD BreadcrumbList after the home page."""
    for script in doc.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue
        for item in _ld_items(data):
            if item.get("@type") != "BreadcrumbList":
                continue
            entries = [e for e in item.get("itemListElement") or [] if isinstance(e, dict)]
            entries.sort(key=_position)
            for entry in entries:
                inner = entry.get("item")
                name = entry.get("name") or (inner.get("name") if isinstance(inner, dict) else None)
                if isinstance(name, str) and clean(name).casefold() not in _HOME:
                    return name
    return None


_HOME = frozenset({"trang chủ", "home", "trang chu", "trang nhất"})


def _position(entry: dict[str, Any]) -> int:
    position = entry.get("position")
    return position if isinstance(position, int) else 0


def _ld_author(item: dict[str, Any]) -> str | None:
    value = item.get("author")
    people = value if isinstance(value, list) else [value]
    names = []
    for person in people:
        if isinstance(person, dict) and isinstance(person.get("name"), str):
            names.append(person["name"])
        elif isinstance(person, str):
            names.append(person)
    return ", ".join(n for n in names if n.strip()) or None


def _published(
    doc: Any,
    rules: Extract,
    article_ld: dict[str, Any],
    meta: dict[str, str],
    found: dict[str, list[Any]],
    url: str,
    hints: Hints,
) -> tuple[datetime | None, str, str]:
    """The publication time, its precision and the rule that gave it, before any guessing:
    structured data and the CMS markers, `<time datetime>`, a visible date line near the
    headline, the feed, the date an article id carries. A day-only date is kept only when no
    source gives the time on that day. None when the page and its feed say nothing."""
    marked = (("marker", _element_date(e)) for m in DATE_MARKERS for e in found.get(m, [])[:3])
    times = (("time", t.get("datetime")) for t in doc.iter("time") if t.get("datetime"))
    structured = (
        ("override", _date_of(doc, rules.date)),
        ("json-ld", _ld_str(article_ld, "datePublished")),
        ("meta", meta.get("article:published_time")),
        ("meta", meta.get("datepublished")),
        ("meta", meta.get("pubdate")),
        ("meta", meta.get("og:article:published_time")),
        *marked,
        *times,
        ("date-line", _date_line(doc)),
    )
    day_only: tuple[datetime, str, str] | None = None
    for rule, raw in structured:
        value = parse_date(raw)
        if value is None:
            continue
        if has_time(raw):
            return value, MINUTE, rule
        day_only = day_only or (value, DAY, rule)
    later: list[tuple[datetime, str, str]] = []
    if hints.published_at is not None:
        later.append((hints.published_at, hints.published_precision, "feed"))
    carried = url_date(url)
    if carried is not None:
        later.append((carried[0], carried[1], "url-id"))
    for value, precision, rule in later:
        if precision == MINUTE and (day_only is None or _same_day(value, day_only[0])):
            return value, precision, rule
    if day_only is not None:
        return day_only
    if later:
        return later[0]
    return None, UNKNOWN, ""


def _same_day(a: datetime, b: datetime) -> bool:
    return a.astimezone(VIETNAM).date() == b.astimezone(VIETNAM).date()


_DATE_IN_LINE = re.compile(r"(?<!\d)\d{1,2}/\d{1,2}/\d{4}(?!\d)")
_LINE_CHARS = 3000


def _date_line(doc: Any) -> str | None:
    """The first visible date after the headline (`Nguyên Minh - 07/03/2026 08:47`,
    `Thứ Hai, 16:54, 29/12/2025`), with the time written next to it."""
    started = not any(True for _ in doc.iter("h1"))
    seen: list[str] = []
    size = 0
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "h1":
            started = True
            seen.append(element.tail or "")
            continue
        if not started or element.tag in ("script", "style", "noscript"):
            continue
        for piece in (element.text, element.tail):
            if piece and piece.strip():
                seen.append(piece)
                size += len(piece)
        if size > _LINE_CHARS:
            break
    text = " ".join(" ".join(seen).split())
    match = _DATE_IN_LINE.search(text)
    if match is None:
        return None
    return text[max(0, match.start() - 16) : match.end() + 12]


def _htmldate(html: str, url: str) -> tuple[datetime | None, str, str]:
    """htmldate's guess, last: a day (unless it found a time), refused when it contradicts the
    month the URL names."""
    try:
        found = find_date(html, original_date=True, outputformat="%Y-%m-%dT%H:%M:%S")
    except Exception:  # htmldate raises assorted errors on odd markup
        return None, UNKNOWN, ""
    value = parse_date(found, tz=VIETNAM) if found else None
    if value is None:
        return None, UNKNOWN, ""
    month = url_month(url)
    if month is not None and month != (value.year, value.month):
        log.debug("%s: ngày %s của htmldate trái với địa chỉ bài: không lấy", url, value.date())
        return None, UNKNOWN, ""
    precision = DAY if (value.hour, value.minute, value.second) == (0, 0, 0) else MINUTE
    return value, precision, "htmldate"


def _date_of(doc: Any, selector: str | None) -> str | None:
    element = _first(doc, selector)
    return None if element is None else _element_date(element)


def _element_date(element: Any) -> str | None:
    inner = element if element.tag == "time" else next(element.iter("time"), element)
    return inner.get("datetime") or clean(element.text_content()) or None


def _breadcrumb(found: dict[str, list[Any]]) -> str | None:
    for marker in SECTION_MARKERS:
        for element in found.get(marker, []):
            for link in element.iter("a"):
                text = clean(link.text_content())
                if text and text.lower() not in ("trang chủ", "home", "trang chu"):
                    return text
    return None


def _canonical(doc: Any, url: str, meta: dict[str, str]) -> str:
    for link in doc.xpath("//link[@rel='canonical']/@href"):
        if link.strip():
            return urljoin(url, link.strip())
    og = meta.get("og:url")
    return urljoin(url, og.strip()) if og and og.strip() else url


def _language(doc: Any, meta: dict[str, str]) -> str | None:
    lang = doc.get("lang") or meta.get("content-language") or meta.get("og:locale")
    return lang.split("-")[0].split("_")[0].lower() if lang else None
