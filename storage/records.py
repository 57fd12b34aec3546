"""Plain data crossing the storage boundary: the rest of duluan never sees SQLAlchemy models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

SaveStatus = Literal["new", "updated", "unchanged"]


@dataclass(frozen=True)
class PageRecord:
    """An article page as the crawler fetched it, kept as evidence "as fetched".

    `content` is the gzip-compressed body; `sha256` and `size` are those of the body itself;
    `final_url` is where redirects ended and `encoding` the one the crawler decoded it with.
    """

    content: bytes
    sha256: str
    size: int
    final_url: str
    status: int
    encoding: str | None


@dataclass(frozen=True)
class StoredPage:
    """A crawl-time page of a stored article (see `Store.article_pages`)."""

    id: int
    article_id: int
    fetched_at: datetime
    final_url: str
    status: int
    encoding: str | None
    sha256: str
    size: int
    content: bytes


@dataclass(frozen=True)
class ArticleRecord:
    """One extracted article as the crawler hands it over.

    Datetimes are timezone-aware; `fingerprint` is the MinHash signature of the text
    (unsigned 32-bit slots, see `crawler.fingerprint.minhash`; empty when there is no text);
    `via` is how the URL was found ("feed", "sitemap", "listing", "search") and `extraction`
    where the text came from ("page" or "feed"); `page` is the fetched page, compressed, when
    the text came from one.
    """

    source: str
    url: str
    canonical_url: str
    title: str
    lead: str
    text: str
    author: str | None
    section: str | None
    language: str | None
    published_at: datetime | None
    fetched_at: datetime
    via: str
    extraction: str
    content_hash: str
    fingerprint: tuple[int, ...]
    backfill: bool
    page: PageRecord | None = None
    alt_title: str | None = None  # JSON-LD/og:title where it differs from the visible headline
    published_precision: str = "minute"  # "day" when only the day is known, "unknown" if none
    platform: str = "news"  # crawler.platform.Platform of the URL
    views: int | None = None  # how many have seen it, where the platform shows it


@dataclass(frozen=True)
class SaveOutcome:
    """What `Store.save_article` did with a record."""

    article_id: int
    status: SaveStatus
    cluster_id: int


@dataclass(frozen=True)
class Validator:
    """HTTP cache validators of a URL, for conditional GET."""

    url: str
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class FetchError:
    """One failed fetch during a crawl pass; `kind` is e.g. "http", "timeout", "parse"."""

    url: str
    kind: str
    message: str


@dataclass(frozen=True)
class SourceRun:
    """One crawl pass of one source; `ok` means the source's entry points answered."""

    source: str
    started_at: datetime
    finished_at: datetime
    new: int
    updated: int
    unchanged: int
    failed: int
    errors: list[FetchError]
    ok: bool
    refused: int = 0  # links and redirects the fetch guard refused


@dataclass(frozen=True)
class SourceHealth:
    """A source's health as shown by `duluan sources` and the daemon's health checks."""

    name: str
    title: str
    last_run_at: datetime | None
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    items_last_run: int
    new_last_run: int
    articles_total: int
    last_article_at: datetime | None


@dataclass(frozen=True)
class ArticleSummary:
    """A stored article in lists."""

    id: int
    source: str
    title: str
    url: str
    published_at: datetime | None
    first_seen_at: datetime
    backfill: bool
    cluster_id: int
    published_precision: str = "minute"
    areas: tuple[str, ...] = ()  # the watch areas it concerns, by name


@dataclass(frozen=True)
class ArticleDetail:
    """Everything stored about one article, with the other copies of its cluster."""

    id: int
    source: str
    url: str
    canonical_url: str
    title: str
    lead: str
    text: str
    author: str | None
    section: str | None
    language: str | None
    published_at: datetime | None
    first_seen_at: datetime
    last_fetched_at: datetime
    updated_at: datetime
    tagged_at: datetime | None
    content_hash: str
    fingerprint: tuple[int, ...]
    via: str
    extraction: str
    backfill: bool
    cluster_id: int
    cluster_size: int
    cluster_others: tuple[int, ...]
    alt_title: str | None = None
    published_precision: str = "minute"
    platform: str = "news"
    views: int | None = None


@dataclass(frozen=True)
class Corrected:
    """What people fixed of one item, as the tagger honours it."""

    tone: str | None = None
    places: tuple[tuple[str, str], ...] = ()  # (area, commune or "" for "not of this area")

    def place(self, area: str) -> str | None:
        return next((value for name, value in self.places if name == area), None)


@dataclass(frozen=True)
class ArticleText:
    """What the tagger reads of a stored article."""

    id: int
    source: str
    title: str
    lead: str
    text: str
    published_at: datetime | None
    url: str = ""
    source_title: str = ""
    first_seen_at: datetime | None = None
    backfill: bool = False
    cluster_id: int = 0
    published_precision: str = "minute"
    platform: str = "news"
    # The areas people reported it for (None: every area of the reporter); empty: crawled.
    reported_areas: tuple[str | None, ...] = ()
    # What people fixed of it (tone, place per area): the tagger honours it on every pass.
    corrected: Corrected | None = None


@dataclass(frozen=True)
class UnitRecord:
    """An administrative unit an article is about (names as in underthesea's mapping)."""

    level: str
    name: str
    province: str | None
    district: str | None
    new_name: str | None
    new_province: str | None
    in_watch_area: bool


@dataclass(frozen=True)
class MentionRecord:
    """One place name found in an article's `field` ("title", "lead" or "text")."""

    field: str
    start: int
    end: int
    text: str
    unit: str
    level: str
    rule: str
    confidence: float


@dataclass(frozen=True)
class RuleHit:
    """A watch rule that matched an article in one area, and where: `spans` of (field, start,
    end, words), the field as the query language names it (title, text, source…)."""

    rule: str
    area: str
    spans: tuple[tuple[str, int, int, str], ...]


@dataclass(frozen=True)
class TagRecord:
    """The tagger's verdict on one article, with its evidence."""

    article_id: int
    relevant: bool
    relevance: float
    tone: str
    needs_verification: bool
    topics: tuple[str, ...]
    reasons: tuple[str, ...]
    units: tuple[UnitRecord, ...]
    mentions: tuple[MentionRecord, ...]
    tagged_at: datetime
    tagger_version: str
    areas: tuple[str, ...] = ()  # the watch areas (names) it concerns, each once
    rules: tuple[RuleHit, ...] = ()  # the watch rules it matched


TELEGRAM = "telegram"
ZALO = "zalo"
MESSENGERS = (TELEGRAM, ZALO)
"""The messengers a message can go out on; an outbox row names one (issue 17)."""


@dataclass(frozen=True)
class OutboxEntry:
    """A message to queue: `story` (e.g. "cluster:42") is sent to a chat/topic at most once."""

    story: str
    chat: str
    topic: int | None
    kind: str
    text: str
    article_id: int | None = None
    messenger: str = TELEGRAM


OUTBOX_WAITING = ("pending", "sending", "uncertain")
"""Outbox statuses still to be sent: waiting their turn; claimed by a send in flight (stale when
the process died during the call); sent but Telegram's answer never came."""


@dataclass(frozen=True)
class OutboxItem:
    """A queued message that is due. `resend`: an earlier send may have reached Telegram (its
    answer never came, or the process stopped during the call), so this one says so."""

    id: int
    story: str
    chat: str
    topic: int | None
    kind: str
    text: str
    article_id: int | None
    attempts: int
    resend: bool = False
    messenger: str = TELEGRAM


@dataclass(frozen=True)
class OutboxCount:
    """How many messages a chat has in a status (pending, sending, uncertain, sent, failed);
    `last_error` only of rows still waiting or failed (a row sent since has nothing to fix)."""

    chat: str
    status: str
    count: int
    last_error: str | None
    messenger: str = TELEGRAM


@dataclass(frozen=True)
class StoryMessage:
    """The message a story was alerted with in one chat: its stored text and Telegram id, and
    the outlets that ran copies of it since (for the "cũng đăng trên" line)."""

    outbox_id: int
    story: str
    chat: str
    topic: int | None
    kind: str  # "alert", or "burst" when it went out inside a summary message
    status: str
    message_id: int | None
    text: str
    article_id: int | None
    also_in: tuple[str, ...]
    messenger: str = TELEGRAM


@dataclass(frozen=True)
class AlertBrief:
    """What a burst summary lists of one article."""

    article_id: int
    outlet: str
    title: str
    url: str
    needs_verification: bool
    platform: str = "news"


@dataclass(frozen=True)
class StoryCopy:
    """One copy of a story as spread detection reads it: its outlet and when it ran."""

    article_id: int
    cluster_id: int
    source: str
    outlet: str
    title: str
    url: str
    published_at: datetime | None
    published_precision: str
    first_seen_at: datetime
    backfill: bool


@dataclass(frozen=True)
class AreaStory:
    """A story of a watch area as the daily counts read it: first seen when its first copy in
    the area was, negative when any copy is, its topics those of all its copies."""

    cluster_id: int
    first_seen_at: datetime
    tone: str
    topics: tuple[str, ...]
    outlet: str
    title: str
    url: str
