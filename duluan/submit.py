"""Reported items: a link, a forwarded post or a screenshot that staff saw and hand in.

One operation, `submit`, called by every front door (the bot, the console's "Thêm tin", the
command `duluan submit`). A report becomes an item like a crawled article: the platform comes
from the link (`crawler.platform`), the title and text from the page's public metadata when it
can be fetched through the fetch guard (og:title, og:description; a news page is extracted
whole), else from the caption; the item is tagged at once, routed, alerted and reviewed like
any article, and a reporter's area makes it relevant there even when its text names no place.
The same link reported twice is one item with two reporters; a link already crawled gets the
report attached to that item. Screenshots are kept as evidence (image, size, SHA-256, sender,
time). Reporters are known people: reviewers and units' members (`units[].members`).
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from alerts.message import link_url
from crawler.fingerprint import content_hash
from crawler.platform import platform_of
from crawler.posts import post_title
from crawler.workers import fingerprint
from duluan.config import Config
from storage import ArticleRecord, Store
from storage.submissions import Screenshot, SubmissionRecord
from storage.vocabulary import story_key

if TYPE_CHECKING:
    from cases.evidence import Fetch
    from nlp.locate import Locator

log = logging.getLogger(__name__)

REPORTED_SOURCE = "_reported"  # not a valid configured name: no outlet can take it
REPORTED_TITLE = "Tin do cán bộ báo"
# The doors a report comes through, as reviewers read them.
VIA_LABELS = {
    "telegram": "Telegram",
    "zalo": "Zalo",
    "console": "Trang web",
    "cli": "Dòng lệnh",
}
VIAS = tuple(VIA_LABELS)
MAX_FILE_BYTES = 10 * 1000**2
MAX_TEXT = 20_000
MAX_NAME = 200
# Networks whose public page of a post names the page or channel in og:title, the post's text
# in og:description (a YouTube video's og:title is its own title).
POST_PLATFORMS = frozenset({"facebook", "tiktok", "telegram", "zalo"})
# What an upload may be, told by its first bytes (never by its name or declared type).
IMAGE_TYPES = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}
# A scheme (`javascript:`, `https:`), not a host with its port (`voz.vn:443`).
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?!\d)")
# Query parameters that only track who shared a link: the same post, reported twice, is one.
_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|igshid|mibextid|__cft__.*|__tn__|ref|ref_src|refsrc|si|"
    r"_rdr|rdid|share_app_id|sender_device|is_from_webapp|_t|_r)$",
    re.IGNORECASE,
)


class SubmitError(Exception):
    """A report that cannot be taken, with the Vietnamese message for the person who sent it;
    nothing was stored."""


@dataclass(frozen=True)
class Reporter:
    """Who reports: a name as shown to reviewers, the door used, and the area the report is
    for (None: every area of the reporter, or the only one)."""

    name: str
    via: str
    telegram_id: int | None = None
    area: str | None = None


@dataclass(frozen=True)
class Report:
    """What was reported: a link and/or a text (caption, forwarded text), perhaps a screenshot;
    `platform` names the network when there is no link (a post forwarded from Telegram)."""

    url: str | None = None
    text: str = ""
    screenshot: Screenshot | None = None
    platform: str | None = None
    published_at: datetime | None = None


@dataclass(frozen=True)
class Submitted:
    """What `submit` did, for the answer to the reporter."""

    article_id: int
    story: str
    new: bool  # a new item; False: the report joined an item already stored
    added: bool  # False: this person had reported it already
    reporters: tuple[str, ...]
    platform: str
    title: str
    url: str
    relevant: bool | None  # None: not tagged yet (the next tag pass will)
    tone: str | None
    places: tuple[str, ...]
    areas: tuple[str, ...]


def telegram_reporter(
    config: Config, user_id: int, name: str, area: str | None = None
) -> Reporter | None:
    """The reporter a Telegram user is (a reviewer of an area, or a member of one of its units),
    or None for anyone else; `area` picks one of theirs (the group the message came from)."""
    mine = [
        a.name
        for a in config.watch_areas()
        if user_id in a.review.reviewers or any(user_id in u.members for u in a.units)
    ]
    return _reporter(config, mine, "telegram", name, str(user_id), area, telegram_id=user_id)


def zalo_reporter(
    config: Config, user_id: str, name: str, area: str | None = None
) -> Reporter | None:
    """The reporter a Zalo user is (an id in an area's `review.zalo_reviewers` or in one of its
    units' `zalo_members`; Zalo ids are strings), or None for anyone else (an empty id too)."""
    if not user_id:
        return None
    mine = [
        a.name
        for a in config.watch_areas()
        if user_id in a.review.zalo_reviewers or any(user_id in u.zalo_members for u in a.units)
    ]
    return _reporter(config, mine, "zalo", name, f"Zalo {_clean_name(user_id)[:64]}", area)


def _reporter(
    config: Config,
    mine: list[str],
    via: str,
    name: str,
    fallback: str,
    area: str | None,
    telegram_id: int | None = None,
) -> Reporter | None:
    """The reporter of someone whose areas are `mine` (None when they have none), named
    `name` (else `fallback`): `area` picks one of theirs, else their only one; None with a
    single configured area (every one)."""
    if not mine:
        return None
    if area is not None and area in mine:
        chosen: str | None = area
    else:
        chosen = mine[0] if len(mine) == 1 else None
    if len(config.watch_areas()) == 1:
        chosen = None
    return Reporter(_clean_name(name) or fallback, via, telegram_id, chosen)


def check_image(name: str, content: bytes, max_bytes: int = MAX_FILE_BYTES) -> Screenshot:
    """A screenshot if `content` is a PNG, JPEG or WebP image of at most `max_bytes`; else a
    `SubmitError` saying what is accepted."""
    if not content:
        raise SubmitError(f"Tệp {name!r} rỗng.")
    check_size(name, len(content), max_bytes)
    media_type = image_type(content)
    if media_type is None:
        raise SubmitError(
            f"Tệp {name!r} không phải ảnh PNG, JPEG hay WebP; hãy gửi ảnh chụp màn hình."
        )
    safe = re.sub(r"[^\w.-]+", "_", unicodedata.normalize("NFC", name))[:100] or "anh"
    return Screenshot(safe, media_type, content)


def check_size(name: str, size: int, max_bytes: int = MAX_FILE_BYTES) -> None:
    """A `SubmitError` when a file of `size` bytes is over `max_bytes`: told before a door
    downloads or reads a file whose size it is given (the bot's photos)."""
    if size > max_bytes:
        raise SubmitError(
            f"Tệp {name!r} quá lớn ({size / 1e6:.1f} MB); chỉ nhận ảnh tới "
            f"{max_bytes / 1e6:.0f} MB."
        )


def image_type(content: bytes) -> str | None:
    """The image type of `content` by its signature, among those accepted."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


def normalize_link(url: str) -> str:
    """The link as stored: http(s) only, scheme added when pasted without one, fragment and
    tracking parameters dropped; a `SubmitError` for anything that is not a web address."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    text = url.strip()
    if text.startswith("//"):
        text = "https:" + text
    elif text and not _SCHEME.match(text):
        text = "https://" + text  # pasted without its scheme: fb.watch/abc
    target = link_url(text)
    if target is None or len(target) > 4096:
        raise SubmitError(
            f"Liên kết {url[:80]!r} không phải địa chỉ trang web (http/https); hãy gửi lại "
            "đường dẫn đầy đủ, ví dụ https://www.facebook.com/…"
        )
    parts = urlsplit(target)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    kept = [(k, v) for k, v in query if not _TRACKING.match(k)]
    return urlunsplit(
        (
            parts.scheme.lower(),
            parts.netloc.lower(),
            parts.path or "/",
            urlencode(kept) if kept != query else parts.query,
            "",
        )
    )


def submit(
    store: Store,
    config: Config,
    report: Report,
    reporter: Reporter,
    now: Callable[[], datetime],
    *,
    fetch: Fetch | None = None,
    locator: Locator | None = None,
    console: bool = True,
) -> Submitted:
    """Take one report: find or make its item, record who reported it (and the screenshot),
    tag it when a `locator` is given (else the next tag pass does), and say what was made.
    `fetch` reads the link's public page through the guard (None: the caption alone)."""
    if reporter.via not in VIAS:
        raise ValueError(f"unknown door {reporter.via!r}")
    name = _clean_name(reporter.name)
    if not name:
        raise SubmitError("Thiếu tên người báo tin.")
    text = _clean_text(report.text)
    url = normalize_link(report.url) if report.url else None
    if url is None and not text and report.screenshot is None:
        raise SubmitError("Tin cần một liên kết, một đoạn nội dung hoặc một ảnh chụp màn hình.")
    moment = now()
    # Without a link the item is named by what was sent: the same screenshot or text sent
    # twice is found again here like a link, so the second report never rewrites the first.
    address = url or _content_address(text, report.screenshot)
    item = store.find_item([address])
    page = None
    if item is None and url is not None and fetch is not None:
        page = read_page(fetch, url)
        if page.canonical and page.canonical != url:
            item = store.find_item([page.canonical])
    new = item is None
    if item is None:
        store.sync_sources([(REPORTED_SOURCE, REPORTED_TITLE)])
        record = _record(config, address, text, report, page, moment)
        outcome = store.save_article(record)
        article_id, cluster_id = outcome.article_id, outcome.cluster_id
        title, item_url, platform = record.title, record.url, record.platform
    else:
        article_id, cluster_id, title, item_url, platform = (
            item.article_id,
            item.cluster_id,
            item.title,
            item.url,
            item.platform,
        )
    story = story_key(cluster_id)
    done = store.add_submission(
        SubmissionRecord(
            article_id=article_id,
            reporter=name,
            via=reporter.via,
            submitted_at=moment,
            note=text,
            url=url,
            telegram_id=reporter.telegram_id,
            area=reporter.area,
        ),
        story,
        report.screenshot,
    )
    log.info(
        "[%s] %s báo tin %s (%s)%s",
        story,
        name,
        item_url,
        "tin mới" if new else "đã có",
        "" if done.added else ", đã báo trước đó",
    )
    relevant = tone = None
    places: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    if locator is not None:
        from duluan.pipeline import tag_pending

        tag_pending(store, config, now, locator=locator, ids=[article_id], console=console)
        tags = store.get_tags(article_id)
        if tags is not None:
            relevant, tone, areas = tags.relevant, tags.tone, tags.areas
            places = tuple(dict.fromkeys(u.name for u in tags.units if u.in_watch_area))
    return Submitted(
        article_id=article_id,
        story=story,
        new=new,
        added=done.added,
        reporters=done.reporters,
        platform=platform,
        title=title,
        url=item_url,
        relevant=relevant,
        tone=tone,
        places=places,
        areas=areas,
    )


@dataclass(frozen=True)
class PageFacts:
    """What a reported link's public page says of itself."""

    title: str = ""
    description: str = ""
    text: str = ""
    canonical: str | None = None
    published_at: datetime | None = None
    published_precision: str = "unknown"


def read_page(fetch: Fetch, url: str) -> PageFacts:
    """The public metadata of `url` (og:title, og:description, og:url on the same site) and, on
    a page holding an article, the article; empty when the page cannot be read (a login wall,
    an error, a refused address): the caption is then the item's text."""
    from urllib.parse import urlsplit

    from crawler.extract import decode_html, extract_article, shared_summary, shared_url

    fetched = fetch(url)
    if fetched.status is None or fetched.status >= 400 or not fetched.body:
        log.info("Không đọc được trang tin được báo %s: %s", url, fetched.error or fetched.status)
        return PageFacts()
    final = fetched.final_url or url
    html = decode_html(fetched.body, fetched.charset)
    declared = shared_url(html)
    canonical = None
    if declared and urlsplit(declared).hostname == urlsplit(final).hostname:
        canonical = link_url(declared)
    article = extract_article(html, final) if platform_of(final) in ("news", "other") else None
    if article is not None and article.text:
        return PageFacts(
            title=article.title,
            description=article.lead,
            text=article.text,
            canonical=canonical,
            published_at=article.published_at,
            published_precision=article.published_precision,
        )
    # What the page declares for sharing, never its <title> (a login wall or an error page
    # has one: "Facebook", "Log in").
    title, description = shared_summary(html) or ("", "")
    return PageFacts(
        title=_clean_text(title)[:1000], description=_clean_text(description), canonical=canonical
    )


def _content_address(text: str, screenshot: Screenshot | None) -> str:
    """The address of an item reported without a link: a hash of its screenshot, else of its
    text (never a web address: never fetched, never linked)."""
    seed = screenshot.sha256 if screenshot else text
    return "duluan:bao-tin:" + hashlib.sha256(seed.encode()).hexdigest()[:32]


def _record(
    config: Config,
    url: str,
    text: str,
    report: Report,
    page: PageFacts | None,
    moment: datetime,
) -> ArticleRecord:
    page = page or PageFacts()
    platform: str = platform_of(url, news_domains(config))
    if report.platform and report.url is None:
        platform = report.platform
    elif platform == "other" and page.text:
        platform = "news"  # a page holding an article: an outlet the config does not list
    author = None
    title = page.title
    if platform in POST_PLATFORMS and page.description:
        # A post's og:title is its page's or channel's name; its text is in og:description.
        title, author = post_title(page.description), page.title or None
    title = title or post_title(text) or post_title(page.description)
    if not title:
        title = "Ảnh chụp màn hình do cán bộ gửi" if report.screenshot else "Tin do cán bộ báo"
    lead = page.description
    body = "\n\n".join(p for p in (page.text, text) if p and p != lead) or lead
    published = page.published_at or report.published_at
    precision = page.published_precision if page.published_at else "minute"
    return ArticleRecord(
        source=_outlet_of(config, url) or REPORTED_SOURCE,
        url=url,
        canonical_url=page.canonical or url,
        title=title,
        lead=lead,
        text=body,
        author=author,
        section=None,
        language="vi",
        published_at=published,
        fetched_at=moment,
        via="report",
        extraction="page" if page.text else "report",
        content_hash=content_hash(title, lead, body),
        fingerprint=fingerprint(title, lead, body),
        backfill=False,
        published_precision=precision if published else "unknown",
        platform=platform,
    )


def _outlet_of(config: Config, url: str) -> str | None:
    """The configured outlet a reported news link belongs to (its pages are counted under its
    name in the digest's press tables), or None."""
    from urllib.parse import urlsplit

    for source in config.sources:
        if source.offsite:
            continue
        hosts = [urlsplit(str(u)).hostname or "" for u in source.configured_urls()]
        if platform_of(url, [*hosts, *source.domains]) == "news":
            return source.name
    return None


def news_domains(config: Config) -> list[str]:
    """The hosts of the configured outlets and their extra domains: a reported link there is
    news (`crawler.platform.platform_of`)."""
    from urllib.parse import urlsplit

    hosts = [urlsplit(str(u)).hostname or "" for s in config.sources for u in s.configured_urls()]
    return [h for h in (*hosts, *(d for s in config.sources for d in s.domains)) if h]


def _clean_text(text: str) -> str:
    """NFC, no control characters but line breaks, at most `MAX_TEXT` characters."""
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c)[0] != "C")
    return "\n".join(line.strip() for line in text.strip().splitlines())[:MAX_TEXT].strip()


def _clean_name(name: str) -> str:
    return " ".join(_clean_text(name).split())[:MAX_NAME]
