"""From an article page to its fields: title, lead, body, author, date, section, canonical URL.

The order of evidence is: per-site CSS overrides from config (only where the generic result
is wrong), then structured data (JSON-LD, meta tags), then trafilatura for the body and the rest,
then what the feed or sitemap said (`Hints`), then htmldate. A body that an old CMS injects from
an inline script is put back into the page first.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin

import lxml.html
import trafilatura
from htmldate import find_date
from cssselect import SelectorError
from lxml.cssselect import CSSSelector
from lxml.etree import ParserError, XPathError

from crawler.dates import VIETNAM, parse_date
from duluan.config import Extract

log = logging.getLogger(__name__)

# Sapo (lead) classes of the Vietnamese CMS families; generic, not per outlet.
LEAD_SELECTORS = (
    "[data-role=sapo]",
    ".detail-sapo",
    ".singular-sapo",
    ".article__sapo",
    ".content-detail-sapo",
    "p.description",
    ".box-des-detail",
    ".chappeau",
    "h2.sapo",
    "p.sapo",
    ".sapo",
)
DATE_SELECTORS = (
    "[data-role=publishdate]",
    ".detail-time",
    "time.author-time",
    ".article__meta time",
    "span.date",
    ".bread-crumb-detail__time",
    ".date-contentL",
    ".entry-date",
    ".time",
    ".date",
)
# A leading outlet tag in a lead: "(Dân trí) - ", "(Báo Quảng Ngãi)- ", "VTV.vn - ", "TPO - ".
OUTLET_TAG = re.compile(
    r"^\s*(?:\([^()]{2,40}\)|[A-ZĐ][\w.]{1,15}(?:\.vn)?|[A-Z]{2,6})\s*[-–—:]\s*(?=\S)"
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


@dataclass(frozen=True)
class Extracted:
    title: str
    lead: str
    text: str
    author: str | None
    published_at: datetime | None
    section: str | None
    canonical_url: str
    language: str | None
    method: str = "page"


def clean(text: str | None) -> str:
    """NFC, one space between words, paragraphs kept as single newlines."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ").replace("\u200b", "")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


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
    for selector in rules.remove:
        for element in _css(doc, selector):
            element.drop_tree()
    meta = _metadata(doc)
    article_ld = _json_ld_article(doc)
    lead = _pick(
        _text_of(doc, rules.lead),
        *(_text_of(doc, s) for s in LEAD_SELECTORS),
        _ld_str(article_ld, "description"),
        meta.get("og:description"),
        meta.get("description"),
        hints.lead,
    )
    lead = _strip_lead_prefix(lead, rules.lead_prefix)
    title = _pick(_text_of(doc, rules.title), _ld_str(article_ld, "headline"), _text_of(doc, "h1"))
    author = _pick(_text_of(doc, rules.author), _ld_author(article_ld))
    section = _pick(
        _text_of(doc, rules.section), _ld_section(article_ld), meta.get("article:section")
    )
    published = _published(doc, rules, article_ld, meta)
    canonical = _canonical(doc, url, meta)
    language = _language(doc, meta)
    breadcrumb = _breadcrumb(doc)

    body_element = _first(doc, rules.body) if rules.body else None
    document = None
    if body_element is not None:
        text = _element_text(body_element)
    else:
        document = _trafilatura(doc, url)  # prunes `doc` in place: read everything else first
        text = clean(document.text if document else "")
    text = _drop_lead(text, lead)
    if len(text) < MIN_BODY_CHARS:
        log.debug("%s: no article body (%d chars)", url, len(text))
        return None
    title = _pick(title, getattr(document, "title", None), meta.get("og:title"), hints.title)
    if not title:
        return None
    if published is None:
        published = hints.published_at or _htmldate(html)
    meta_author = meta.get("article:author") or meta.get("author") or ""
    return Extracted(
        title=title,
        lead=lead,
        text=text,
        author=_pick(
            author,
            "" if meta_author.startswith("http") else meta_author,
            getattr(document, "author", None),
            hints.author,
        )
        or None,
        published_at=published,
        section=_pick(section, hints.section, breadcrumb) or None,
        canonical_url=canonical,
        language=language or ("vi" if len(_VIETNAMESE.findall(text[:2000])) > 20 else None),
    )


@lru_cache(maxsize=512)
def _compiled(selector: str) -> CSSSelector | None:
    try:
        return CSSSelector(selector, translator="html")
    except (SelectorError, XPathError, ValueError):
        log.warning("invalid CSS selector %r", selector)
        return None


def _css(doc: Any, selector: str | None) -> list[Any]:
    compiled = _compiled(selector) if selector else None
    return list(compiled(doc)) if compiled is not None else []


def _first(doc: Any, selector: str | None) -> Any:
    found = _css(doc, selector)
    return found[0] if found else None


def _element_text(element: Any) -> str:
    blocks = element.xpath(
        ".//*[self::p or self::h2 or self::h3 or self::h4 or self::li or self::blockquote]"
    )
    if not blocks:
        return clean(element.text_content())
    parts = []
    for block in blocks:
        if block.xpath("ancestor::*[self::p or self::li or self::blockquote]"):
            continue
        parts.append(block.text_content())
    return clean("\n".join(parts))


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


def _drop_lead(text: str, lead: str) -> str:
    """Trafilatura often returns the sapo as the first paragraph: the body starts after it."""
    if not lead:
        return text
    paragraphs = text.split("\n")
    head = _strip_lead_prefix(paragraphs[0], None) if paragraphs else ""
    if paragraphs and (head == lead or (len(head) > 30 and lead.startswith(head))):
        return "\n".join(paragraphs[1:])
    return text


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
    try:
        return trafilatura.bare_extraction(
            doc,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            favor_precision=True,
        )
    except Exception:  # trafilatura raises assorted errors on odd markup
        log.warning("%s: trafilatura failed", url, exc_info=True)
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
    doc: Any, rules: Extract, article_ld: dict[str, Any], meta: dict[str, str]
) -> datetime | None:
    for candidate in (
        _date_of(doc, rules.date),
        _ld_str(article_ld, "datePublished"),
        meta.get("article:published_time"),
        meta.get("datepublished"),
        meta.get("pubdate"),
        meta.get("og:article:published_time"),
        *(_date_of(doc, selector) for selector in DATE_SELECTORS),
    ):
        value = parse_date(candidate)
        if value:
            return value
    return None


def _htmldate(html: str) -> datetime | None:
    try:
        found = find_date(html, original_date=True, outputformat="%Y-%m-%dT%H:%M:%S")
    except Exception:  # htmldate raises assorted errors on odd markup
        return None
    return parse_date(found, tz=VIETNAM) if found else None


def _date_of(doc: Any, selector: str | None) -> str | None:
    element = _first(doc, selector)
    if element is None:
        return None
    return element.get("datetime") or clean(element.text_content()) or None


def _breadcrumb(doc: Any) -> str | None:
    for selector in (".breadcrumb a", ".breadcrumbs a", "[itemtype*=BreadcrumbList] a"):
        for element in _css(doc, selector):
            text = clean(element.text_content())
            if text and text.lower() not in ("trang chủ", "home"):
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
