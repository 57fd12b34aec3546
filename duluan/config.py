"""Loading and validation of config.yaml into typed models.

A wrong config stops the program with one message per problem, in Vietnamese and English, naming
the key path, the value and what is expected; nothing starts half-configured.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from duluan.units import format_duration, parse_duration, parse_size
from nlp.area import DEFAULT_AREA

if TYPE_CHECKING:
    from nlp.query import QueryError

__all__ = ["DEFAULT_AREA"]

log = logging.getLogger(__name__)

ENV_PREFIX = "env:"


class ConfigError(Exception):
    """A config a user wrote is wrong; `problems` lists each one, bilingual."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        header = f"Cấu hình không hợp lệ / invalid configuration: {path}"
        super().__init__("\n".join([header, *(f"  - {p}" for p in problems)]))


def _duration(value: Any) -> timedelta:
    try:
        return parse_duration(value)
    except (ValueError, TypeError):
        raise ValueError(
            f"{value!r} không phải khoảng thời gian như 10m, 2h, 1d / "
            "is not a duration such as 10m, 2h, 1d"
        ) from None


def _size(value: Any) -> int:
    try:
        return parse_size(value)
    except (ValueError, TypeError):
        raise ValueError(
            f"{value!r} không phải dung lượng như 10MB / is not a size such as 10MB"
        ) from None


def _regex(value: Any) -> Any:
    if value is None:
        return None
    try:
        re.compile(value)
    except (re.error, TypeError) as exc:
        raise ValueError(
            f"{value!r} không phải biểu thức chính quy hợp lệ ({exc}) / is not a valid regex"
        ) from None
    return str(value)


def _css(value: Any) -> Any:
    if value is None:
        return None
    from cssselect import GenericTranslator, SelectorError

    try:
        GenericTranslator().css_to_xpath(value)
    except (SelectorError, TypeError) as exc:
        raise ValueError(
            f"{value!r} không phải bộ chọn CSS hợp lệ ({exc}) / is not a valid CSS selector"
        ) from None
    return value


def _http_url(value: Any) -> str:
    text = str(value).strip()
    if not re.match(r"^https?://[^\s/]+", text):
        raise ValueError(f"{value!r} không phải địa chỉ http(s):// / is not an http(s):// URL")
    return text


def _domain(value: Any) -> str:
    text = str(value).strip().lower().rstrip(".")
    if not re.fullmatch(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}", text):
        raise ValueError(
            f"{value!r} không phải tên miền như cdn.baomoi.vn (không có http:// hay /) / "
            "is not a domain name such as cdn.example.vn"
        )
    return text


ZALO_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def zalo_ids(value: Any) -> Any:
    """Zalo chat and user ids are strings (hex-like, `e4ea2cd5189df1c3a88c`); one written as a
    number is kept as text, blanks are trimmed, and anything else is refused in Vietnamese."""
    if value is None:
        return None
    if isinstance(value, list):
        return [zalo_ids(v) for v in value if v is not None]
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not ZALO_ID.fullmatch(value.strip()):
        raise ValueError(
            f"{value!r} không phải mã Zalo (chữ, số, dấu - _ . ; tối đa 64 ký tự; xem mục Zalo "
            "trong README để lấy mã) / is not a Zalo id"
        )
    return value.strip()


def _time_of_day(value: Any) -> str:
    """ "08:00" (local time), stripped; anything else is refused. YAML 1.1 reads an unquoted
    14:00 as the base-60 number 840: such a number is read back as the time it was written as."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        value = f"{value // 60:02d}:{value % 60:02d}"
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", str(value))
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ValueError(
            f"{value!r} không phải giờ như '08:00' / is not a time of day such as '08:00'"
        )
    return str(value).strip()


def _network(value: Any) -> str:
    text = str(value).strip()
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(
            f"{value!r} không phải địa chỉ IP hay dải mạng như 127.0.0.1, 10.0.0.0/8 / "
            "is not an IP address or network such as 127.0.0.1, 10.0.0.0/8"
        ) from None
    return text


Duration = Annotated[
    timedelta, BeforeValidator(_duration), PlainSerializer(format_duration, when_used="json")
]
Size = Annotated[int, BeforeValidator(_size)]
Regex = Annotated[str, BeforeValidator(_regex)]
Css = Annotated[str, BeforeValidator(_css)]
HttpUrl = Annotated[str, BeforeValidator(_http_url)]
Domain = Annotated[str, BeforeValidator(_domain)]
Network = Annotated[str, BeforeValidator(_network)]


def _redis_url(value: Any) -> str:
    text = str(value).strip()
    if not re.match(r"^(redis|rediss|unix)://\S+$", text):
        raise ValueError(
            f"{mask_url_password(text)!r} không phải địa chỉ redis:// / is not a redis:// URL"
        )
    return text


def mask_url_password(url: str) -> str:
    """`url` with the password of its `user:password@` part replaced by ***, for messages and
    `duluan config check` (a Redis URL may carry one)."""
    return re.sub(r"^([a-z][a-z0-9+.-]*://[^/@:]*:)[^/@]*@", r"\1***@", url, flags=re.I)


# A Redis URL: shown with its password masked by `duluan config check` (a dump in JSON mode).
RedisUrl = Annotated[
    str, BeforeValidator(_redis_url), PlainSerializer(mask_url_password, when_used="json")
]


def mask(value: str) -> str:
    """Hide a secret but keep enough to recognise it."""
    if len(value) <= 6:
        return "***"
    return value[:2] + "***" + value[-2:]


# A secret: hidden from repr and logs by pydantic, masked by `duluan config check` because of its
# type (a dump in JSON mode masks it), read with `.get_secret_value()` where it is used.
Secret = Annotated[
    SecretStr, PlainSerializer(lambda s: mask(s.get_secret_value()), when_used="json")
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Locality(_Model):
    """The watch area: `places`, any units of Vietnam by their old or new names (`nlp.area`), or
    the shorthand `province` + `district`, one old district (the same as
    `places: ["<district>, <province>"]`). Whether the names exist is checked at start
    (`duluan.locality.watch_area`), against underthesea's mapping."""

    places: list[str] | None = Field(
        default=None,
        description=(
            "the watch area: any units of Vietnam, old or new, at any level, as `mapping.json` "
            'names them, e.g. `["Xã Đăk Pxi, Tỉnh Quảng Ngãi"]`, `["Huyện Sa Thầy, Tỉnh Kon '
            'Tum", "Xã Măng Đen"]`, `["Tỉnh Quảng Ngãi"]` (see "Watch areas" below; checked at '
            "start)"
        ),
        json_schema_extra={"shown_default": "none: the shorthand below"},
    )
    province: str | None = Field(
        default=None,
        validate_default=True,
        description=(
            "with `district`, the shorthand of one old district, the same as "
            '`places: ["<district>, <province>"]` (the shipped config); not together with '
            "`places`"
        ),
        json_schema_extra={"shown_default": "required without `places`"},
    )
    district: str | None = Field(
        default=None,
        validate_default=True,
        description="the old district of the shorthand, exactly as in `mapping.json`",
        json_schema_extra={"shown_default": "required without `places`"},
    )
    aliases: dict[str, list[str]] = Field(
        default_factory=dict,
        description=(
            "other spellings per unit name (old or new), e.g. `Xã Đăk Pxi: [Đắk Pxi, Dak Pxi]`"
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _places_or_district(cls, data: Any) -> Any:
        """`places` is a non-empty list of names, and then neither province nor district is
        given (the field validators below ask for both when `places` is absent)."""
        if not isinstance(data, dict) or data.get("places") is None:
            return data
        places = _place_list(data["places"])
        given = [key for key in ("province", "district") if data.get(key) is not None]
        if given:
            raise ValueError(
                f"ghi places hoặc province + district, không cả hai (có cả {' và '.join(given)}) / "
                f"either places or province + district, not both ({' and '.join(given)} given)"
            )
        return {**data, "places": places}

    @field_validator("province", "district")
    @classmethod
    def _shorthand(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Both halves of the shorthand, unless `places` is given; under `areas:` (the
        validation context says so) the locality may name no place at all: only aliases."""
        if value is None and info.data.get("places") is None:
            other = info.data.get("province") if info.field_name == "district" else None
            if not (info.context or {}).get("areas") or other is not None:
                raise PydanticCustomError("missing", "Field required")
        return value

    @property
    def names_places(self) -> bool:
        """Whether it names a watch area (`places` or the shorthand), not only aliases."""
        return self.places is not None or self.district is not None

    @property
    def place_names(self) -> tuple[str, ...]:
        """The places as configured; the shorthand reads as its one place."""
        if self.places is not None:
            return tuple(self.places)
        return (f"{self.district}, {self.province}",)


def _place_list(places: Any, key: str = "places: ") -> list[str]:
    """A non-empty list of place names, spaces collapsed; a bilingual `ValueError` otherwise,
    starting with `key` (empty where the error's location already names the list)."""
    if not isinstance(places, list):
        raise ValueError(
            f"{key}{_short(places)} phải là danh sách tên đơn vị, ví dụ "
            '["Xã Đăk Pxi, Tỉnh Quảng Ngãi"] / must be a list of unit names'
        )
    if not places:
        raise ValueError(
            f"{key}danh sách rỗng; cần ít nhất một đơn vị, ví dụ "
            '["Xã Đăk Pxi, Tỉnh Quảng Ngãi"] / the list is empty; name at least one unit'
        )
    for i, place in enumerate(places):
        if not isinstance(place, str) or not place.strip():
            raise ValueError(
                f"{key.removesuffix(': ')}[{i}]: {_short(place)} không phải tên đơn vị như "
                "'Xã Đăk Pxi, Tỉnh Quảng Ngãi' / is not a unit name such as 'Xã Đăk Pxi, Tỉnh "
                "Quảng Ngãi'"
            )
    return [" ".join(p.split()) for p in places]


class CrawlSettings(_Model):
    contact: str = Field(
        default="not configured",
        description=(
            "put in the User-Agent `duluan/0.1.0 (+contact)` (accents dropped: a header is ASCII)"
        ),
        json_schema_extra={"shown_default": "—"},
    )
    user_agent: str | None = Field(
        default=None,
        description="a full User-Agent instead of the one built from `contact`",
        json_schema_extra={"shown_default": "built from `contact`"},
    )
    timeout: Duration = Field(default=timedelta(seconds=30), description="per request")
    max_page_size: Size = Field(
        default=10 * 1000**2,
        description=("larger responses (and gzip bombs, by their inflated size) are dropped"),
        json_schema_extra={"shown_default": "`10MB`"},
    )
    retries: int = Field(
        default=2, ge=0, le=10, description="retries of 5xx, 429, timeouts and resets"
    )
    retry_backoff: Duration = Field(
        default=timedelta(seconds=2),
        description=("the wait before retry n is `backoff × 2ⁿ` (or the server's `Retry-After`)"),
    )
    concurrency_per_domain: int = Field(
        default=1, ge=1, le=16, description="parallel requests per site"
    )
    concurrency: int = Field(default=16, ge=1, le=256, description="parallel requests in all")
    delay: Duration = Field(
        default=timedelta(seconds=1.5), description="delay between requests to one site"
    )
    autothrottle: bool = Field(
        default=True, description="AutoThrottle adapts the delay to the site's latency"
    )
    obey_robots: bool = Field(default=True, description="robots.txt is obeyed")
    sitemap_horizon: Duration = Field(
        default=timedelta(days=3),
        description=(
            "sitemap entries and date-sharded sitemaps older than this are not fetched "
            "(`duluan crawl --since` overrides)"
        ),
    )
    backfill_after: Duration = Field(
        default=timedelta(hours=48),
        description=(
            "an article first seen this long after its publication is stored as *backfill* "
            "(never alerted)"
        ),
    )
    workers: int = Field(
        default=1,
        ge=0,
        le=16,
        description=("processes that extract articles beside the crawl process (`0`: inline)"),
    )
    frontier: RedisUrl | None = Field(
        default=None,
        description=(
            "a Redis URL (`redis://host:6379/0`, or `env:NAME` when it holds a password) "
            "whose queue every crawl process shares: an article found by one is fetched once, "
            "by any, and one request at a time per site over all of them; absent: each pass "
            "queues in its own process"
        ),
        json_schema_extra={"shown_default": "—"},
    )
    frontier_namespace: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9_-]{1,40}$",
        description=(
            "the part of the frontier's Redis keys (`duluan:<namespace>:…`) that keeps two "
            "deployments on one Redis apart; default: made from the database's name"
        ),
        json_schema_extra={"shown_default": "from the database"},
    )

    @property
    def agent(self) -> str:
        from duluan import __version__

        return ascii_header(self.user_agent or f"duluan/{__version__} (+{self.contact})")


def ascii_header(text: str) -> str:
    """`text` as an HTTP header value can carry it: Vietnamese accents dropped ("Trung tâm Văn
    hóa" → "Trung tam Van hoa", "đ" → "d"), other non-ASCII and control characters removed. A
    contact typed with accents once made every guarded fetch fail (httpx refuses the header)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join("".join(c for c in plain if c.isprintable()).split())


class Listing(_Model):
    url: HttpUrl = Field(description="a listing page (a section or a tag page)")
    article_pattern: Regex = Field(
        description=("regex on absolute link URLs: which links of the page are articles")
    )
    page_url: str | None = Field(
        default=None,
        description=(
            "the next pages' URL with `{page}`; without it the next page is found from "
            "`rel=next`, `?page=N`, `-pN`, `/page/N` links"
        ),
    )
    pages: int = Field(default=1, ge=1, le=100, description="how many pages deep")

    @field_validator("page_url")
    @classmethod
    def _page_template(cls, value: str | None) -> str | None:
        if value is not None and "{page}" not in value:
            raise ValueError(
                f"{value!r} phải chứa {{page}} / must contain {{page}}, e.g. …?page={{page}}"
            )
        return value


class Search(_Model):
    url: str = Field(
        description=("a keyword-search feed URL with `{query}` (Google News RSS search)")
    )
    queries: Literal["auto"] | list[str] = Field(
        default="auto",
        description=(
            "a list of queries, or `auto`: the area's provinces and districts that lie wholly in "
            "it, then each commune, old and new names, with regional spellings (Đăk/Đắk, "
            "Ngọk/Ngọc) and aliases; one query per place up to 20 places, past that packed with "
            'OR within Google\'s 32-word limit (see "Watch areas")'
        ),
    )

    @field_validator("url")
    @classmethod
    def _query_template(cls, value: str) -> str:
        _http_url(value)
        if "{query}" not in value:
            raise ValueError(f"{value!r} phải chứa {{query}} / must contain {{query}}")
        return value


class YoutubeSearch(_Model):
    """YouTube keyword search (YouTube Data API v3 `search.list`), within a daily quota."""

    key: Secret = Field(
        description=(
            "the API key, `env:NAME` only (a key written in the file is refused); see "
            '"YouTube và Facebook" below'
        )
    )
    queries: Literal["auto"] | list[str] = Field(
        default="auto",
        description=(
            "a list of queries, or `auto`: the same place queries as the Google News `search`, "
            "`OR` written as YouTube's `|`"
        ),
    )
    daily_units: int = Field(
        default=10_000,
        ge=100,
        le=10_000_000,
        description=(
            "quota units this source may spend per Pacific-time day (a search costs 100; "
            "Google grants 10,000 a day by default); checked before each call, stored in the "
            "database"
        ),
    )
    pages: int = Field(
        default=1, ge=1, le=10, description="result pages (50 videos each) per query and pass"
    )
    api_url: HttpUrl = Field(
        default="https://www.googleapis.com/youtube/v3",
        description="the API's base URL (a test server)",
    )


class FacebookPage(_Model):
    """A Facebook page the centre may read, through the Graph API with a page access token."""

    page: str = Field(
        pattern=r"^(?:\d{1,20}|[A-Za-z0-9.]{5,50})$",
        description="the page's id (digits) or username",
    )
    token: Secret = Field(
        description=(
            "the page access token, `env:NAME` only (a token written in the file is refused)"
        )
    )
    api_url: HttpUrl = Field(
        default="https://graph.facebook.com/v26.0",
        description="the Graph API's base URL with its version (a test server)",
    )
    limit: int = Field(default=25, ge=1, le=100, description="posts per request")
    pages: int = Field(
        default=5,
        ge=1,
        le=50,
        description=(
            "older pages read at most in one pass (fewer once a post already stored or the "
            "crawl horizon is reached)"
        ),
    )

    @field_validator("page", mode="before")
    @classmethod
    def _page_id(cls, value: Any) -> Any:
        """A page id written without quotes is read by YAML as a number: the same id."""
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Extract(_Model):
    """Per-site CSS overrides, only where the generic extraction is wrong."""

    title: Css | None = Field(default=None, description="CSS selector of the headline")
    lead: Css | None = Field(default=None, description="CSS selector of the lead (sapo)")
    body: Css | None = Field(default=None, description="CSS selector of the body")
    date: Css | None = Field(default=None, description="CSS selector of the publication date")
    author: Css | None = Field(default=None, description="CSS selector of the author")
    section: Css | None = Field(
        default=None, description="CSS selector of the section (chuyên mục)"
    )
    remove: list[Css] = Field(
        default_factory=list,
        description=("CSS selectors of parts to drop before extraction (related links, ads)"),
    )
    lead_prefix: Regex | None = Field(
        default=None,
        description=("regex removed from the start of the lead (e.g. the outlet's dateline)"),
    )


class Source(_Model):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="a unique slug `[a-z0-9_-]`")
    title: str = Field(description="the outlet's name, as users read it")
    homepage: HttpUrl | None = Field(default=None, description="the outlet's home page")
    feeds: list[HttpUrl] = Field(default_factory=list, description="RSS or Atom URLs")
    sitemaps: list[HttpUrl] = Field(
        default_factory=list,
        description=(
            "sitemap, sitemap index (also RSS-shaped indexes) or Google News sitemap URLs"
        ),
    )
    listings: list[Listing] = Field(
        default_factory=list, description="listing pages whose links are followed"
    )
    search: Search | None = Field(default=None, description="a keyword-search feed")
    youtube_search: YoutubeSearch | None = Field(
        default=None, description="YouTube keyword search through the YouTube Data API"
    )
    facebook_page: FacebookPage | None = Field(
        default=None, description="a Facebook page read through the Graph API"
    )
    telegram: str | None = Field(
        default=None,
        description=(
            "a public Telegram channel's username (5-32 of `A-Z a-z 0-9 _`, without `@`): "
            "its posts are read from its public web preview `https://t.me/s/<channel>`"
        ),
    )
    telegram_preview: HttpUrl | None = Field(
        default=None,
        description=(
            "where that preview is read instead of `https://t.me/s/<channel>` (a mirror, a "
            "test server); older pages add `?before=<post id>`"
        ),
        json_schema_extra={"shown_default": "`https://t.me/s/<channel>`"},
    )
    bridge: Literal["rsshub", "rss-bridge"] | None = Field(
        default=None,
        description=(
            "`rsshub` or `rss-bridge`: its `feeds` are made by the centre's own RSSHub or "
            "RSS-Bridge (a Facebook page, a TikTok account…). Each entry is the post itself: "
            "its page is never fetched; the item keeps the original post's link and its "
            'platform (see "Nguồn qua RSSHub / RSS-Bridge")'
        ),
    )
    article_pattern: Regex | None = Field(
        default=None, description="regex: which feed and sitemap links are articles"
    )
    exclude_pattern: Regex | None = Field(
        default=None, description="regex: which links are skipped (video, podcast…)"
    )
    fetch_pages: bool = Field(
        default=True,
        description=(
            "`false`: the feed entry is the article (YouTube: title + description; Google "
            "News, whose links need JavaScript to resolve)"
        ),
    )
    obey_robots: bool | None = Field(
        default=None,
        description=(
            "`false` ignores robots.txt for this source only (a decision for the centre to "
            "take per outlet); default `crawl.obey_robots`"
        ),
        json_schema_extra={"shown_default": "`crawl.obey_robots`"},
    )
    archive: bool = Field(
        default=False,
        description=("the outlet ceased (Báo Kon Tum, Kon Tum TV): kept for its archive"),
    )
    domains: list[Domain] = Field(
        default_factory=list,
        description=(
            "other domains its links and redirects may lead to (a CDN, a second domain, "
            "e.g. `tuoitre.vn` for NLĐ); each covers its subdomains. Anything else is "
            "refused (see Security)"
        ),
    )
    offsite: bool = Field(
        default=False,
        description=(
            "`true` for an aggregator whose links lead to any outlet (Google News): any "
            "public host, never an internal address"
        ),
    )
    interval: Duration = Field(
        default=timedelta(minutes=10), description="how often `duluan start` polls it"
    )
    enabled: bool = Field(
        default=True, description="`duluan crawl` and `duluan start` crawl every enabled source"
    )
    extract: Extract = Field(
        default_factory=Extract,
        description=("per-site CSS overrides, only where the generic extraction is wrong"),
    )

    def configured_urls(self) -> list[str]:
        """Every URL the config names for this source: its own origins for the fetch guard."""
        urls = [*self.feeds, *self.sitemaps, *(listing.url for listing in self.listings)]
        if self.search is not None:
            urls.append(self.search.url)
        if self.homepage is not None:
            urls.append(self.homepage)
        if self.telegram is not None:
            urls.append(self.telegram_url)
        if self.youtube_search is not None:
            urls.append(self.youtube_search.api_url)
        if self.facebook_page is not None:
            urls.append(self.facebook_page.api_url)
        return urls

    @field_validator("telegram", mode="before")
    @classmethod
    def _channel(cls, value: Any) -> Any:
        """A Telegram username: 5-32 letters, digits or `_`; a leading `@` or a `t.me/` link
        is a mistake worth naming rather than guessing."""
        if isinstance(value, str) and not re.fullmatch(r"[A-Za-z0-9_]{5,32}", value):
            raise ValueError(
                f"tên kênh Telegram {value[:60]!r} không hợp lệ: ghi tên kênh (5-32 chữ cái "
                "không dấu, số, '_'), không có '@' hay 't.me/' / a Telegram channel username "
                "is 5-32 of A-Z a-z 0-9 _, without '@' or 't.me/'"
            )
        return value

    @property
    def fetches_pages(self) -> bool:
        """Whether the pages its feeds and sitemaps link to are fetched: not with
        `fetch_pages: false`, never for a bridge's feeds (the entry is the post)."""
        return self.fetch_pages and self.bridge is None

    @property
    def telegram_url(self) -> str:
        """The newest page of the channel's web preview (only for a `telegram` source)."""
        assert self.telegram is not None
        return self.telegram_preview or f"https://t.me/s/{self.telegram}"

    @model_validator(mode="after")
    def _has_entry_point(self) -> Source:
        entries = (self.feeds, self.sitemaps, self.listings, self.search, self.telegram)
        if not any(entries) and not (self.youtube_search or self.facebook_page):
            raise ValueError(
                "cần ít nhất một trong feeds, sitemaps, listings, search, telegram, "
                "youtube_search, facebook_page / needs at least one of feeds, sitemaps, "
                "listings, search, telegram, youtube_search, facebook_page"
            )
        if self.telegram_preview is not None and self.telegram is None:
            raise ValueError(
                "telegram_preview chỉ dùng cùng telegram (tên kênh) / "
                "telegram_preview needs telegram"
            )
        if self.bridge is not None:
            self._check_bridge()
        return self

    def _check_bridge(self) -> None:
        """A bridge source is its feeds alone, read without fetching a page."""
        if not self.feeds or self.sitemaps or self.listings or self.search or self.telegram:
            raise ValueError(
                f"bridge: {self.bridge} cần feeds (địa chỉ nguồn tin do {self.bridge} tạo) và "
                "không dùng cùng sitemaps, listings, search, telegram / a bridge source needs "
                "feeds and nothing else"
            )
        if self.fetch_pages and "fetch_pages" in self.model_fields_set:
            raise ValueError(
                "bridge: không tải trang của bài đăng mạng xã hội; bỏ fetch_pages: true / "
                "a bridge's posts are never fetched: remove fetch_pages: true"
            )


class Unit(_Model):
    name: str = Field(description="the unit's name, as alerts and the console show it")
    chat: str | None = Field(default=None, description="its Telegram chat id, or `env:NAME`")
    topic: int | None = Field(default=None, description="a forum topic id in that chat")
    zalo: str | None = Field(
        default=None,
        description="its Zalo chat id (a private chat or a group the bot is in), or `env:NAME`",
    )
    communes: list[str] = Field(
        default_factory=list,
        description=("the communes it follows (old or new names): stories placed there reach it"),
    )
    topics: list[str] = Field(
        default_factory=list,
        description=("the fields it follows (topics in use): stories of that field reach it"),
    )
    members: list[int] = Field(
        default_factory=list,
        description=(
            "the Telegram user ids of its staff: they may report items to the bot (a link, a "
            "forwarded post, a screenshot); reviewers may too, anyone else is refused"
        ),
    )
    zalo_members: list[str] = Field(
        default_factory=list,
        description=(
            "the Zalo user ids of its staff: they answer its assignments and report items to "
            "the Zalo bot"
        ),
    )

    @field_validator("zalo", "zalo_members", mode="before")
    @classmethod
    def _zalo(cls, value: Any) -> Any:
        return zalo_ids(value)

    @field_validator("topics")
    @classmethod
    def _topic_names(cls, topics: list[str]) -> list[str]:
        """In the tagger's form (NFC, one space), so that routing compares like with like."""
        return [" ".join(unicodedata.normalize("NFC", t).split()) for t in topics]


RULE_SCOPES = ("area", "anywhere")
MAX_RULE_QUERY = 2000


def query_error(query: str) -> QueryError | None:
    """Why a watch rule's query is wrong (`str()` gives its position: "vị trí 7: …"), or None."""
    from nlp.query import QueryError, parse

    try:
        parse(query)
    except QueryError as exc:
        return exc
    return None


class Rule(_Model):
    """A watch rule (issue 16): a query over every tagged text; a hit alerts the rule's chats
    and units, once per story, with the rule's name in the message."""

    name: str = Field(
        min_length=1,
        max_length=100,
        description='a unique name, shown in the alert ("Quy tắc theo dõi: …") and the console',
    )
    query: str = Field(
        min_length=1,
        max_length=MAX_RULE_QUERY,
        description="what to look for, in the query language (a bad query: its position)",
    )
    scope: Literal["area", "anywhere"] = Field(
        default="area",
        description=(
            "`area`: only texts about the watch area; `anywhere`: any text (a national story "
            "naming the chairman), which then counts as about the area"
        ),
    )
    chats: list[str] = Field(
        default_factory=list,
        description="Telegram chat ids (or `env:NAME`) alerted on a hit",
    )
    zalo_chats: list[str] = Field(
        default_factory=list,
        description="Zalo chat ids (or `env:NAME`) alerted on a hit",
    )
    units: list[str] = Field(
        default_factory=list,
        description=(
            "units (of the area) whose chats are alerted; with neither `chats` nor `units` "
            "the hit goes to the area's review group"
        ),
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("tên quy tắc trống / the rule name is empty")
        return value

    @field_validator("chats", "zalo_chats", mode="before")
    @classmethod
    def _chats(cls, value: Any) -> Any:
        """Chat ids written as numbers are kept as text; an unset `env:` chat (no bot token,
        alerts on the console) is left out."""
        if not isinstance(value, list):
            return value
        return [
            str(c) if isinstance(c, int) and not isinstance(c, bool) else c
            for c in value
            if c is not None
        ]

    @field_validator("query")
    @classmethod
    def _query(cls, value: str, info: ValidationInfo) -> str:
        error = query_error(value)
        if error is not None:
            name = info.data.get("name", "")
            raise ValueError(
                f"quy tắc {name!r}: truy vấn sai ở {error} / rule {name!r}: bad query at "
                f"position {error.position + 1}"
            )
        return value


class Review(_Model):
    chat: str | None = Field(default=None, description="the centre's review group")
    reviewers: list[int] = Field(
        default_factory=list, description="the Telegram user ids allowed to press its buttons"
    )
    leadership_chat: str | None = Field(
        default=None, description="a chat that also receives every negative item"
    )
    admin_chat: str | None = Field(
        default=None,
        description=("health alerts (a source silent or failing); default `review.chat`"),
        json_schema_extra={"shown_default": "`review.chat`"},
    )
    zalo: str | None = Field(
        default=None,
        description=(
            "the review group's Zalo chat (alerts with a short code to answer, e.g. "
            "`A17 liên quan`)"
        ),
    )
    zalo_reviewers: list[str] = Field(
        default_factory=list,
        description=(
            "the Zalo user ids allowed to review by short replies (in any chat with the bot)"
        ),
    )
    leadership_zalo: str | None = Field(
        default=None, description="a Zalo chat that also receives every negative item"
    )
    admin_zalo: str | None = Field(
        default=None,
        description="the Zalo chat of health alerts; default `review.zalo`",
        json_schema_extra={"shown_default": "`review.zalo`"},
    )
    deadline_days: int = Field(
        default=2, ge=1, le=60, description="working days a unit has to verify"
    )
    reminder_at: str = Field(
        default="08:00",
        description=(
            "the local time of the working-morning reminder of overdue items (`08:00` needs"
            " no quotes)"
        ),
    )
    holidays: list[date] = Field(
        default_factory=list,
        description=(
            "extra days off (announced bridges), on top of the Vietnamese public holidays"
        ),
    )
    workdays: list[date] = Field(default_factory=list, description="weekend days made working days")

    @field_validator("reminder_at", mode="before")
    @classmethod
    def _clock_time(cls, value: Any) -> str:
        return _time_of_day(value)

    @field_validator("zalo", "zalo_reviewers", "leadership_zalo", "admin_zalo", mode="before")
    @classmethod
    def _zalo(cls, value: Any) -> Any:
        return zalo_ids(value)


MIN_SECRET_TOKEN = 32
MIN_SECRET_DISTINCT = 8
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


def secret_token_problem(token: str) -> str | None:
    """Why `token` cannot guard the webhook, or None. Telegram allows 1-256 characters of
    A-Z a-z 0-9 _ -; we ask for at least 32 of them, at least 8 different, and not one short
    block repeated ("abcdabcd…"): a rule that a random token (secrets.token_urlsafe(32)) always
    meets and that a typed word or a pattern does not."""
    if not _SECRET_TOKEN.fullmatch(token):
        return (
            "chỉ được gồm 1–256 ký tự A-Z a-z 0-9 _ - (bảng ký tự Telegram cho phép, Zalo cũng "
            "nhận) / must be 1-256 characters of A-Z a-z 0-9 _ - (Telegram's rule, Zalo's too)"
        )
    if len(token) < MIN_SECRET_TOKEN:
        return (
            f"quá ngắn ({len(token)} ký tự), cần ít nhất {MIN_SECRET_TOKEN} ký tự ngẫu nhiên / "
            f"too short ({len(token)} characters), at least {MIN_SECRET_TOKEN} random characters"
        )
    if len(set(token)) < MIN_SECRET_DISTINCT or token in (token + token)[1:-1]:
        return (
            f"không ngẫu nhiên (cần ít nhất {MIN_SECRET_DISTINCT} ký tự khác nhau, không lặp một "
            f"đoạn) / not random (needs at least {MIN_SECRET_DISTINCT} different characters, "
            "not a repeated block)"
        )
    return None


class Telegram(_Model):
    """How callbacks arrive: long polling (default, works behind NAT) or a webhook, which
    obeys only requests carrying its secret token (else anyone could post a forged press)."""

    mode: Literal["polling", "webhook"] = Field(
        default="polling",
        description=("how button presses arrive: `polling` (works behind NAT) or `webhook`"),
    )
    webhook_url: HttpUrl | None = Field(
        default=None, description="webhook mode: the public HTTPS address Telegram posts to"
    )
    listen: str = Field(
        default="127.0.0.1", description="webhook mode: the address the webhook server listens on"
    )
    port: int = Field(default=8443, ge=1, le=65535, description="webhook mode: its port")
    secret_token: Secret | None = Field(
        default=None,
        description=(
            "required in webhook mode (else config error, exit 2): `env:NAME` holding ≥ 32 "
            "characters of `A-Z a-z 0-9 _ -` (Telegram's alphabet, ≤ 256), at least 8 "
            "different and not one block repeated — `python3 -c 'import secrets; "
            "print(secrets.token_urlsafe(32))'`; written in the file it is accepted with a "
            "warning"
        ),
    )

    @model_validator(mode="after")
    def _webhook_needs_url_and_secret(self) -> Telegram:
        _check_webhook(self.mode, self.webhook_url, self.secret_token)
        return self

    @field_validator("secret_token")
    @classmethod
    def _random_token(cls, value: SecretStr | None) -> SecretStr | None:
        return _random_secret(value)


def _check_webhook(
    mode: str, url: str | None, secret: SecretStr | None, *, https: bool = False
) -> None:
    """Webhook mode needs the public address (`https`: an https:// one) and a secret token."""
    if mode != "webhook":
        return
    if not url:
        raise ValueError(
            "chế độ webhook cần webhook_url (địa chỉ HTTPS công khai) / "
            "webhook mode needs webhook_url (a public HTTPS address)"
        )
    if https and not url.lower().startswith("https://"):
        raise ValueError(
            "webhook_url phải là địa chỉ https:// (nền tảng chỉ gọi webhook qua HTTPS) / "
            "webhook_url must be an https:// address"
        )
    if not secret:
        raise ValueError(
            "chế độ webhook cần secret_token: env:TÊN_BIẾN chứa ít nhất "
            f"{MIN_SECRET_TOKEN} ký tự ngẫu nhiên, tạo bằng python3 -c 'import secrets; "
            "print(secrets.token_urlsafe(32))' / webhook mode needs secret_token "
            f"(at least {MIN_SECRET_TOKEN} random characters)"
        )


def _random_secret(value: SecretStr | None) -> SecretStr | None:
    """A webhook's secret token, refused when `secret_token_problem` finds it guessable."""
    if value is None:
        return None
    problem = secret_token_problem(value.get_secret_value())
    if problem:
        raise ValueError(problem)
    return value


class ZaloBotSettings(_Model):
    """How the Zalo bot's updates arrive (config `zalo_bot:`): long polling (default, works
    behind NAT) or a webhook, which obeys only requests carrying its secret token. Zalo's own
    rule is 8–256 characters; we hold it to Telegram's randomness rule (`secret_token_problem`).
    Named apart from `alerts.zalo.ZaloBot`, the client."""

    mode: Literal["polling", "webhook"] = Field(
        default="polling",
        description=(
            "how Zalo messages arrive: `polling` (getUpdates, works behind NAT) or `webhook`"
        ),
    )
    webhook_url: HttpUrl | None = Field(
        default=None, description="webhook mode: the public HTTPS address Zalo posts to"
    )
    listen: str = Field(
        default="127.0.0.1", description="webhook mode: the address the webhook server listens on"
    )
    port: int = Field(
        default=8444, ge=1, le=65535, description="webhook mode: its port (Telegram's is 8443)"
    )
    secret_token: Secret | None = Field(
        default=None,
        description=(
            "required in webhook mode (else config error, exit 2): `env:NAME` holding a random "
            "token, same rule as `telegram.secret_token` (≥ 32 characters of `A-Z a-z 0-9 _ -`); "
            "written in the file it is accepted with a warning"
        ),
    )

    @model_validator(mode="after")
    def _webhook_needs_url_and_secret(self) -> ZaloBotSettings:
        _check_webhook(self.mode, self.webhook_url, self.secret_token, https=True)
        return self

    @field_validator("secret_token")
    @classmethod
    def _random_token(cls, value: SecretStr | None) -> SecretStr | None:
        return _random_secret(value)


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _weekly_time(value: str) -> str:
    """A weekly time such as "thu 14:00", checked (`schedule.digest`, `report.schedule`)."""
    match = re.fullmatch(r"\s*([a-z]{3})\s+(\d{1,2}):(\d{2})\s*", str(value).lower())
    if (
        not match
        or match.group(1) not in _WEEKDAYS
        or int(match.group(2)) > 23
        or int(match.group(3)) > 59
    ):
        raise ValueError(
            f"{value!r} không phải lịch tuần như 'thu 14:00' / "
            "is not a weekly time such as 'thu 14:00'"
        )
    return value


class Schedule(_Model):
    timezone: str = Field(default="Asia/Ho_Chi_Minh", description="the daemon's time zone (IANA)")
    digest: str = Field(default="thu 14:00", description="the weekly digest's day and time")
    monthly: str | None = Field(
        default=None,
        description=(
            "the local time (`08:00`) at which the daemon builds and sends the previous month's"
            " report on the first working day of each month; none: no monthly report"
        ),
    )

    @field_validator("monthly", mode="before")
    @classmethod
    def _monthly(cls, value: Any) -> str | None:
        return None if value is None else _time_of_day(value)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} không phải múi giờ IANA như Asia/Ho_Chi_Minh / "
                "is not an IANA time zone such as Asia/Ho_Chi_Minh"
            ) from None
        return value

    @field_validator("digest")
    @classmethod
    def _weekly(cls, value: str) -> str:
        return _weekly_time(value)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


_FORMATS = ("docx", "html", "md")


class Report(_Model):
    """The weekly digest: who issues and signs it, who receives it, where it goes."""

    issuer: list[str] = Field(
        default_factory=lambda: [
            "UBND HUYỆN ĐĂK HÀ",
            "TRUNG TÂM VĂN HÓA, THỂ THAO VÀ TRUYỀN THÔNG",
        ],
        description="the issuing bodies, top to bottom (the parent body first)",
    )
    symbol: str = Field(
        default="BC-TTVHTT", description="the document number's symbol (Số …/BC-TTVHTT)"
    )
    place: str = Field(default="Đăk Hà", description="the place in the dateline (Đăk Hà, ngày …)")
    area: str | None = Field(
        default=None,
        description=(
            'the area named in the title; default: named from the watch area ("xã Đăk Pxi", '
            '"huyện Đăk Hà", "tỉnh Quảng Ngãi", "các xã Đăk Pxi và Đăk Mar")'
        ),
        json_schema_extra={"shown_default": "from the watch area"},
    )
    signer_title: str = Field(default="GIÁM ĐỐC", description="the signer's title")
    signer_name: str = Field(default="", description="the signer's name")
    recipients: list[str] = Field(
        default_factory=lambda: ["Văn phòng HĐND và UBND huyện (b/c)", "Lưu: VT"],
        description='"Nơi nhận": who receives it',
    )
    chat: str | None = Field(
        default=None, description="the office or leadership chat the digest is sent to"
    )
    zalo: str | None = Field(
        default=None,
        description=(
            "a Zalo chat the digest's summary is sent to, with the console's download link "
            "(Zalo bots cannot send files)"
        ),
    )
    formats: list[str] = Field(
        default_factory=lambda: list(_FORMATS), description="among `docx`, `html`, `md`"
    )
    out_dir: str = Field(default="data/digests", description="where the files are written")
    schedule: str | None = Field(
        default=None,
        description=(
            "the digest's day and time, as `schedule.digest` (\"thu 10:00\"): an area's own "
            "time; default `schedule.digest`"
        ),
        json_schema_extra={"shown_default": "`schedule.digest`"},
    )

    @field_validator("schedule")
    @classmethod
    def _weekly(cls, value: str | None) -> str | None:
        return None if value is None else _weekly_time(value)

    @field_validator("zalo", mode="before")
    @classmethod
    def _zalo(cls, value: Any) -> Any:
        return zalo_ids(value)

    @field_validator("formats")
    @classmethod
    def _known_formats(cls, value: list[str]) -> list[str]:
        wrong = [f for f in value if f not in _FORMATS]
        if wrong or not value:
            raise ValueError(
                f"{wrong or value!r}: định dạng phải thuộc docx, html, md / "
                "formats must be among docx, html, md"
            )
        return list(dict.fromkeys(value))


class Web(_Model):
    """The review console: where it listens, how its sessions are signed and sent."""

    enabled: bool = Field(default=True, description="`duluan start` also serves the console")
    host: str = Field(default="127.0.0.1", description="where the console listens")
    port: int = Field(default=8080, ge=1, le=65535, description="its port")
    secret: Secret | None = Field(
        default=None,
        description=(
            "the session signing key (`env:` recommended); default: one made once in "
            "`data/web-secret` (mode 600)"
        ),
        json_schema_extra={"shown_default": "`data/web-secret`"},
    )
    secure_cookies: bool = Field(
        default=True,
        description=(
            "HTTPS-only session cookies (the login page warns when opened over plain HTTP "
            "from another machine); `false` only for local use without HTTPS"
        ),
    )
    base_path: str = Field(
        default="",
        description=("a path prefix behind a reverse proxy, which must strip it, e.g. `/duluan`"),
    )
    trusted_proxies: list[Network] = Field(
        default_factory=list,
        description=(
            "addresses or networks (`127.0.0.1`, `10.0.0.0/8`) of the reverse proxies whose"
            " `X-Forwarded-For`/`-Proto` the console believes; by default none, so the "
            "login throttle counts the TCP peer"
        ),
    )
    unit_digests: bool = Field(
        default=False,
        description=(
            "`true` lets unit officers read and download the weekly digests (which list "
            "every unit's items); otherwise they get 403"
        ),
    )
    public_url: HttpUrl | None = Field(
        default=None,
        description=(
            "the address officials open the console at, e.g. "
            "`https://duluan.xa-dakpxi.gov.vn`; used for links in Zalo messages"
        ),
    )

    @field_validator("base_path")
    @classmethod
    def _path(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and (not value.startswith("/") or "//" in value or " " in value):
            raise ValueError(
                f"{value!r} phải bắt đầu bằng / như /duluan / must start with / such as /duluan"
            )
        return value

    @field_validator("public_url")
    @classmethod
    def _public(cls, value: str | None) -> str | None:
        """An address to put links under: no spaces, query or fragment; no trailing slash."""
        if value is None:
            return None
        if re.search(r"[\s?#]", value):
            raise ValueError(
                f"{value!r} phải là địa chỉ trang rà soát như https://duluan.xa.gov.vn (không có "
                "dấu cách, ? hay #) / must be the console's address such as https://x.gov.vn"
            )
        return value.rstrip("/")

    def console_link(self, path: str) -> str | None:
        """The public address of the console page `path` ("/digests/3/x.docx"): `public_url`
        with `base_path` added unless it already ends with it; None without a `public_url`."""
        if self.public_url is None:
            return None
        root = self.public_url
        if self.base_path and not urlsplit(root).path.rstrip("/").endswith(self.base_path):
            root += self.base_path
        return root + path


class Backup(_Model):
    """The daemon's daily backup: when, how many archives to keep, and where."""

    enabled: bool = Field(default=True, description="the daemon makes a daily backup")
    at: str = Field(
        default="02:30", description="its local time (`02:30` and `14:00` need no quotes)"
    )
    keep: int = Field(
        default=7,
        ge=1,
        le=1000,
        description="how many of its archives to keep; older ones are deleted",
    )
    dir: str = Field(
        default="data/backups",
        description=("where (better another disk: a copy on the same disk dies with it)"),
    )

    @field_validator("at", mode="before")
    @classmethod
    def _clock_time(cls, value: Any) -> str:
        return _time_of_day(value)

    @field_validator("dir")
    @classmethod
    def _folder(cls, value: str) -> str:
        if not str(value).strip():
            raise ValueError(
                "cần đường dẫn thư mục như data/backups / needs a folder path such as data/backups"
            )
        return str(value).strip()


ToneWords = list[str] | dict[str, float]


class ToneConfig(_Model):
    """Extra words for the tagger's tone and needs-verification, per deployment: a list (each
    word weighs 1.5) or a mapping word → weight (0 < weight ≤ 5), added to the built-in lexicon
    (a word listed again takes the new weight)."""

    negative: ToneWords = Field(
        default_factory=list,
        description=(
            "negative words: a list (weight 1.5) or `{từ: trọng số}` with 0 < weight ≤ 5, "
            "e.g. `tone: {negative: [nước đục], verify: {nước đục: 3}}`; the tone model "
            "never saw them, so a word of weight w also adds w to its label's log-odds: one"
            " such word decides a text that says little else"
        ),
    )
    positive: ToneWords = Field(default_factory=list, description="positive words, the same way")
    verify: ToneWords = Field(
        default_factory=list, description="needs-verification words, the same way"
    )

    @field_validator("negative", "positive", "verify")
    @classmethod
    def _words(cls, value: ToneWords) -> ToneWords:
        words = value if isinstance(value, list) else list(value)
        for word in words:
            if not str(word).strip():
                raise ValueError(
                    "có một từ rỗng; mỗi từ phải có chữ, ví dụ 'nước đục' / "
                    "an empty word; each word needs letters, e.g. 'nước đục'"
                )
        if isinstance(value, dict):
            for word, weight in value.items():
                if not 0 < weight <= 5:
                    raise ValueError(
                        f"trọng số của {word!r} là {weight}, phải lớn hơn 0 và không quá 5 / "
                        f"weight of {word!r} is {weight}; it must be above 0 and at most 5"
                    )
        return value


class Spikes(_Model):
    """Stories that spread (many outlets run one story within hours) and days far above an
    area's usual rhythm: when each alerts (`alerts/spread.py`, `alerts/spikes.py`)."""

    spread: bool = Field(default=True, description="alert a story that many outlets run")
    spread_outlets: int = Field(
        default=3, ge=2, le=50, description="how many distinct outlets make a story spread"
    )
    spread_hours: float = Field(
        default=6,
        gt=0,
        le=72,
        description="within how many hours of its first copy they must run it",
    )
    daily: bool = Field(
        default=True, description="alert a day far above the area's usual number of stories"
    )
    p_value: float = Field(
        default=0.001,
        gt=0,
        lt=0.5,
        description=(
            "how unlikely today's count must be under the usual rhythm (lower: fewer, surer alerts)"
        ),
    )
    min_count: int = Field(
        default=5, ge=1, le=10000, description="a day below this many stories never alerts"
    )
    min_ratio: float = Field(
        default=2.0, ge=1, le=100, description="today must be at least this many times usual"
    )
    min_history_days: int = Field(
        default=14,
        ge=1,
        le=56,
        description="days of history (of the last 56) before daily alerts start",
    )
    negative: bool = Field(default=True, description="also watch the daily negative stories")
    topics: list[str] = Field(
        default_factory=list,
        description="topics whose daily stories are watched too, e.g. `[đất đai]`",
    )
    chats: list[Literal["review", "leadership"]] = Field(
        default=["review", "leadership"],
        description="which of the area's chats receive these alerts",
        json_schema_extra={"shown_default": "`[review, leadership]`"},
    )

    @field_validator("topics")
    @classmethod
    def _topic_names(cls, topics: list[str]) -> list[str]:
        """In the tagger's form (NFC, one space), as stored articles hold them."""
        return list(dict.fromkeys(_topic_name(t) for t in topics if _topic_name(t)))


class AreaConfig(_Model):
    """One watch area of a deployment that serves several (`areas:`): its places and its own
    units, review, report and topics; a key it does not set takes the top-level value (for
    `review` and `report`, key by key)."""

    name: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        max_length=64,
        description="a unique slug `[a-z0-9_-]`, e.g. `dak-pxi` (`duluan digest --area NAME`)",
    )
    title: str = Field(
        min_length=1, description="the area as users read it, e.g. `UBND xã Đăk Pxi`"
    )
    places: list[str] = Field(
        description=(
            "its places, as `locality.places` (the locality's `aliases` apply); checked at start"
        )
    )
    units: list[Unit] | None = Field(
        default=None,
        description="who receives its alerts, as the top-level `units`",
        json_schema_extra={"shown_default": "the top-level `units`"},
    )
    review: Review | None = Field(
        default=None,
        description=(
            "its review group (chat, reviewers, leadership_chat, admin_chat…); keys it leaves "
            "out take the top-level `review`'s"
        ),
        json_schema_extra={"shown_default": "the top-level `review`"},
    )
    report: Report | None = Field(
        default=None,
        description="its weekly digest (issuer, signer, recipients, chat…), key by key as `review`",
        json_schema_extra={"shown_default": "the top-level `report`"},
    )
    topics: dict[str, list[str]] | None = Field(
        default=None,
        description="its topic keyword lists, as the top-level `topics`",
        json_schema_extra={"shown_default": "the top-level `topics`"},
    )
    extra_topics: dict[str, list[str]] | None = Field(
        default=None,
        description="keywords added to its topics, as the top-level `extra_topics`",
        json_schema_extra={"shown_default": "the top-level `extra_topics`"},
    )
    spikes: Spikes | None = Field(
        default=None,
        description="its spread and spike alerts' settings, key by key as `review`",
        json_schema_extra={"shown_default": "the top-level `spikes`"},
    )

    rules: list[Rule] = Field(
        default_factory=list,
        description="its own watch rules, added to the top-level `rules` (which every area has)",
    )

    @field_validator("places", mode="before")
    @classmethod
    def _places(cls, value: Any) -> list[str]:
        return _place_list(value, key="")


@dataclass(frozen=True)
class Area:
    """A watch area with its settings merged from the top level: what every part of duluan reads
    (`Config.watch_areas()`). `locality` holds its places and the deployment's aliases (for
    `duluan.locality.watch_area`); `key` is the config path of its places (error messages)."""

    name: str
    title: str
    locality: Locality
    units: tuple[Unit, ...]
    review: Review
    report: Report
    topics: tuple[tuple[str, tuple[str, ...]], ...]
    key: str
    spikes: Spikes = field(default_factory=lambda: Spikes())
    rules: tuple[Rule, ...] = ()  # the top-level rules, then its own

    @property
    def places(self) -> tuple[str, ...]:
        return self.locality.place_names

    def topic_keywords(self) -> dict[str, list[str]]:
        """Its topics in use and their keywords (see `Config.topic_keywords`)."""
        return {topic: list(words) for topic, words in self.topics}


def units_of(areas: Sequence[Area]) -> list[str]:
    """The unit names of `areas`, each once, in config order."""
    return list(dict.fromkeys(u.name for a in areas for u in a.units))


def _check_rules(area: Area, where: str, top: Sequence[Rule]) -> None:
    """An area's rules have unique names; its own rules name units of the area (a top-level
    rule's units are checked over every area: `Config._areas_are_whole`)."""
    names: set[str] = set()
    units = {u.name for u in area.units}
    for rule in area.rules:
        if rule.name in names:
            raise ValueError(
                f"{where}tên quy tắc {rule.name!r} bị trùng trong địa bàn {area.name!r} / "
                f"rule name {rule.name!r} is repeated in area {area.name!r}"
            )
        names.add(rule.name)
        if any(rule is r for r in top):
            continue
        unknown = [u for u in rule.units if u not in units]
        if unknown:
            raise ValueError(
                f"{where}quy tắc {rule.name!r} nêu đơn vị không có trong địa bàn {area.name!r}: "
                f"{', '.join(unknown)} / rule {rule.name!r} names unknown units {unknown}"
            )


def _merged(top: _Model, own: _Model | None) -> Any:
    """`own`'s keys over `top`'s: the keys an area sets, the top level's for the rest."""
    if own is None:
        return top
    return top.model_copy(update={key: getattr(own, key) for key in own.model_fields_set})


def _topic_keywords(
    topics: Mapping[str, list[str]], extra: Mapping[str, list[str]]
) -> dict[str, list[str]]:
    """`topics`, or the built-in lists when empty, plus `extra` (keywords added to the topic of
    the same name, or a new topic)."""
    from nlp.topics import DEFAULT_TOPICS

    merged = {t: list(words) for t, words in (topics or DEFAULT_TOPICS).items()}
    for topic, words in extra.items():
        kept = merged.setdefault(topic, [])
        kept.extend(w for w in words if w not in kept)
    return merged


def _topic_name(topic: str) -> str:
    return " ".join(unicodedata.normalize("NFC", topic).split())


class Config(_Model):
    locality: Locality = Field(
        description=(
            "the watch area (without `areas:`); with `areas:` only its `aliases` are needed"
        )
    )
    areas: list[AreaConfig] | None = Field(
        default=None,
        description=(
            "several watch areas in one deployment, each with its `name`, `title`, `places` "
            'and own `units`, `review`, `report`, `topics` (see "Watch areas"); without it '
            "the top level is the one area"
        ),
        json_schema_extra={"shown_default": f"one area `{DEFAULT_AREA}`"},
    )
    crawl: CrawlSettings = Field(
        default_factory=CrawlSettings, description="how the crawler fetches"
    )
    sources: list[Source] = Field(description="the outlets")
    units: list[Unit] = Field(default_factory=list, description="who receives which alerts")
    rules: list[Rule] = Field(
        default_factory=list,
        description=(
            "watch rules of every area (`name`, `query`, `scope`, `chats`, `units`): see "
            '"Watch rules"; console rules are added to them'
        ),
    )
    review: Review = Field(default_factory=Review, description="the centre's review")
    schedule: Schedule = Field(default_factory=Schedule, description="the daemon's clock")
    telegram: Telegram = Field(
        default_factory=Telegram, description="how Telegram's button presses arrive"
    )
    zalo_bot: ZaloBotSettings = Field(
        default_factory=ZaloBotSettings, description="how the Zalo bot's messages arrive"
    )
    topics: dict[str, list[str]] = Field(
        default_factory=dict,
        description=(
            "keyword lists per field (`đất đai: [sổ đỏ, thu hồi đất]`…), replacing the "
            "built-in ones; `{}`: the built-in lists"
        ),
    )
    extra_topics: dict[str, list[str]] = Field(
        default_factory=dict,
        description=(
            "keyword lists added to the topics in use (`topics`, or the built-in lists): "
            "words join the topic of the same name, a new name is a new topic, e.g. "
            "`extra_topics: {du lịch: [homestay]}`; a unit's `topics` must name topics in "
            "use (else a Vietnamese error lists them)"
        ),
    )
    tone: ToneConfig = Field(
        default_factory=ToneConfig,
        description=("extra tone words per deployment, added to the built-in lexicon"),
    )
    report: Report = Field(default_factory=Report, description="the weekly digest")
    web: Web = Field(default_factory=Web, description="the review console")
    backup: Backup = Field(default_factory=Backup, description="the daemon's daily backup")
    spikes: Spikes = Field(
        default_factory=Spikes,
        description="alerts for stories many outlets run and for days far above the usual",
    )

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, sources: list[Source]) -> list[Source]:
        seen: set[str] = set()
        for source in sources:
            if source.name in seen:
                raise ValueError(
                    f"tên nguồn {source.name!r} bị trùng / source name {source.name!r} is repeated"
                )
            seen.add(source.name)
        return sources

    @field_validator("areas")
    @classmethod
    def _unique_areas(cls, areas: list[AreaConfig] | None) -> list[AreaConfig] | None:
        if areas is None:
            return None
        if not areas:
            raise ValueError(
                "danh sách rỗng; bỏ khóa areas (một địa bàn) hoặc khai báo ít nhất một "
                "địa bàn / the list is empty; leave areas out (one area) or name at least one"
            )
        seen: dict[str, int] = {}
        for i, area in enumerate(areas):
            if area.name in seen:
                raise ValueError(
                    f"areas[{i}].name: tên địa bàn {area.name!r} trùng với areas[{seen[area.name]}]"
                    f" / area name {area.name!r} is repeated (areas[{seen[area.name]}])"
                )
            seen[area.name] = i
        return areas

    @model_validator(mode="after")
    def _zalo_webhook_port_is_free(self) -> Config:
        """Zalo's webhook cannot share a port with Telegram's nor the console's: the daemon
        serves all three at once (any address on a port: 0.0.0.0 takes every address)."""
        if self.zalo_bot.mode != "webhook":
            return self
        others = [
            ("telegram.port", self.telegram.port, self.telegram.mode == "webhook"),
            ("web.port", self.web.port, self.web.enabled),
        ]
        for key, port, used in others:
            if used and port == self.zalo_bot.port:
                raise ValueError(
                    f"zalo_bot.port {port} trùng với {key}; đặt cổng khác cho webhook Zalo "
                    f"(mặc định 8444) / zalo_bot.port {port} is also {key}"
                )
        return self

    @model_validator(mode="after")
    def _areas_are_whole(self) -> Config:
        """Without `areas:` the locality names the watch area; in each area, unit names are
        unique and units follow topics the area has."""
        if self.areas is None and not self.locality.names_places:
            raise ValueError(
                "locality: cần places (hoặc province + district) khi không có areas / "
                "needs places (or province + district) when there are no areas"
            )
        reviewed_in: dict[str, str] = {}
        for area in self.watch_areas():
            where = "" if self.areas is None else f"{area.key.removesuffix('.places')}: "
            chat = area.review.chat
            if chat is not None and chat in reviewed_in:
                raise ValueError(
                    f"{where}địa bàn {area.name!r} dùng chung nhóm rà soát với địa bàn "
                    f"{reviewed_in[chat]!r}; mỗi địa bàn rà soát tin riêng nên cần nhóm riêng "
                    f"(review.chat) / area {area.name!r} shares its review chat with area "
                    f"{reviewed_in[chat]!r}; each area needs its own review chat"
                )
            if chat is not None:
                reviewed_in[chat] = area.name
            seen: set[str] = set()
            for unit in area.units:
                if unit.name in seen:
                    raise ValueError(
                        f"{where}tên đơn vị {unit.name!r} bị trùng trong địa bàn {area.name!r} / "
                        f"unit name {unit.name!r} is repeated in area {area.name!r}"
                    )
                seen.add(unit.name)
            _check_rules(area, where, self.rules)
            keywords = area.topic_keywords()
            known = {_topic_name(t) for t in keywords}
            for unit in area.units:
                unknown = [t for t in unit.topics if _topic_name(t) not in known]
                if unknown:
                    raise ValueError(
                        f"{where}đơn vị {unit.name!r} nhận lĩnh vực chưa khai báo: "
                        f"{', '.join(unknown)}; các lĩnh vực có: {', '.join(sorted(keywords))} "
                        f"(thêm lĩnh vực mới ở extra_topics) / unit {unit.name!r} lists unknown "
                        f"topics {unknown}"
                    )
            unwatched = [t for t in area.spikes.topics if t not in known]
            if unwatched:
                raise ValueError(
                    f"{where}spikes.topics: lĩnh vực chưa khai báo: {', '.join(unwatched)}; "
                    f"các lĩnh vực có: {', '.join(sorted(keywords))} / spikes.topics lists "
                    f"unknown topics {unwatched}"
                )
        every = set(units_of(self.watch_areas()))
        for i, rule in enumerate(self.rules):
            unknown = [u for u in rule.units if u not in every]
            if unknown:
                raise ValueError(
                    f"rules[{i}]: quy tắc {rule.name!r} nêu đơn vị không có trong cấu hình: "
                    f"{', '.join(unknown)} / rule {rule.name!r} names unknown units {unknown}"
                )
        return self

    def topic_keywords(self) -> dict[str, list[str]]:
        """The top level's topics in use and their keywords: `topics`, or the built-in lists
        when it is empty, plus `extra_topics` (keywords added to the topic of the same name, or
        a new topic)."""
        return _topic_keywords(self.topics, self.extra_topics)

    def watch_areas(self) -> tuple[Area, ...]:
        """Every watch area with its merged settings: the `areas:`, or without them the top
        level as one area named `DEFAULT_AREA`. What everything that acts per area reads."""
        if self.areas is None:
            return (self._top_area(DEFAULT_AREA),)
        aliases = self.locality.aliases
        return tuple(
            Area(
                name=a.name,
                title=a.title,
                locality=Locality(places=a.places, aliases=aliases),
                units=tuple(self.units if a.units is None else a.units),
                review=_merged(self.review, a.review),
                report=_merged(self.report, a.report),
                topics=_frozen_topics(
                    _topic_keywords(
                        self.topics if a.topics is None else a.topics,
                        self.extra_topics if a.extra_topics is None else a.extra_topics,
                    )
                ),
                key=f"areas[{i}].places",
                spikes=_merged(self.spikes, a.spikes),
                rules=(*self.rules, *a.rules),
            )
            for i, a in enumerate(self.areas)
        )

    def _top_area(self, name: str) -> Area:
        """The top level as an area called `name`."""
        return Area(
            name=name,
            title=self.report.area or _default_title(self.locality),
            locality=self.locality,
            units=tuple(self.units),
            review=self.review,
            report=self.report,
            topics=_frozen_topics(self.topic_keywords()),
            key="locality.places",
            spikes=self.spikes,
            rules=tuple(self.rules),
        )

    def stored_area(self, name: str) -> Area:
        """The area a stored row names (a review, case, digest, assignment): the configured
        area of that name; without `areas:` the one area, whatever name an earlier
        configuration gave it; an area no longer configured takes the top level's settings."""
        areas = self.watch_areas()
        if self.areas is None:
            return areas[0]
        return next((a for a in areas if a.name == name), None) or self._top_area(name)

    def account_units(self, area: str | None) -> list[str]:
        """The units a unit officer of `area` may belong to: its area's, or any area's for an
        account of every area (`duluan users add` and the console's account form)."""
        return units_of([a for a in self.watch_areas() if area is None or a.name == area])

    def review_area(self, chat: str | None) -> Area | None:
        """The area a review chat belongs to (each area has its own); with one area, that area
        wherever the press comes from, as before areas existed."""
        areas = self.watch_areas()
        if len(areas) == 1:
            return areas[0]
        return next((a for a in areas if chat is not None and a.review.chat == chat), None)

    def digest_time(self, area: Area) -> str:
        """When `area`'s weekly digest is due ("thu 14:00"): its `report.schedule`, else
        `schedule.digest`."""
        return area.report.schedule or self.schedule.digest

    def area(self, name: str) -> Area:
        """The watch area of that name; a `KeyError` otherwise."""
        for area in self.watch_areas():
            if area.name == name:
                return area
        raise KeyError(name)

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(name)


def _default_title(locality: Locality) -> str:
    """The one area's title: its district, or its places."""
    return locality.district or ", ".join(locality.place_names)


def _frozen_topics(keywords: Mapping[str, list[str]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((topic, tuple(words)) for topic, words in keywords.items())


@dataclass(frozen=True)
class LoadedConfig:
    """A validated config, where it came from, and which values came from the environment."""

    config: Config
    path: str
    secret_paths: frozenset[str] = field(default_factory=frozenset)
    warnings: tuple[str, ...] = ()


def load_config(path: str | Path, environ: Mapping[str, str]) -> LoadedConfig:
    """Read, resolve `env:` references in (from `environ`, the runtime's variables), and
    validate a config file."""
    where = str(path)
    try:
        text = Path(where).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            where,
            [
                "không tìm thấy tệp cấu hình; đặt DULUAN_CONFIG hoặc chạy trong thư mục có "
                "config.yaml / config file not found; set DULUAN_CONFIG or run where config.yaml is"
            ],
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(where, [f"không đọc được tệp / cannot read the file: {exc}"]) from None
    return parse_config(text, where, environ)


def parse_config(text: str, where: str, environ: Mapping[str, str]) -> LoadedConfig:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (dòng/line {mark.line + 1}, cột/column {mark.column + 1})" if mark else ""
        raise ConfigError(
            where, [f"YAML sai cú pháp / YAML syntax error{at}: {getattr(exc, 'problem', exc)}"]
        ) from None
    if not isinstance(raw, dict):
        raise ConfigError(
            where, ["tệp phải là một bảng khóa: giá trị / the file must be a mapping of keys"]
        )
    secret_paths: set[str] = set()
    problems: list[str] = []
    warnings: list[str] = []
    lenient = not environ.get("TELEGRAM_BOT_TOKEN")
    lenient_zalo = not environ.get("ZALO_BOT_TOKEN")
    resolved = _resolve_env(
        raw, "", environ, secret_paths, problems, warnings, (lenient, lenient_zalo)
    )
    if problems:
        raise ConfigError(where, problems)
    try:
        config = Config.model_validate(
            resolved, context={"areas": isinstance(resolved.get("areas"), list)}
        )
    except ValidationError as exc:
        raise ConfigError(where, [_describe(err, resolved) for err in exc.errors()]) from None
    written = [
        f"sources[{i}].{path}"
        for i, source in enumerate(config.sources)
        for path, value in (
            ("youtube_search.key", source.youtube_search),
            ("facebook_page.token", source.facebook_page),
        )
        if value is not None and f"sources[{i}].{path}" not in secret_paths
    ]
    if written:
        raise ConfigError(
            where,
            [
                f"{path}: mã bí mật không được ghi thẳng trong tệp cấu hình; đặt env:TÊN_BIẾN "
                "và đặt giá trị trong biến môi trường / secrets never live in the config file; "
                "use env:NAME"
                for path in written
            ],
        )
    for path, token in (
        ("telegram.secret_token", config.telegram.secret_token),
        ("zalo_bot.secret_token", config.zalo_bot.secret_token),
    ):
        if token and path not in secret_paths:
            warnings.append(
                f"{path}: mã bí mật ghi thẳng trong tệp cấu hình; nên đặt "
                "env:TÊN_BIẾN / the secret is written in the config file; use env:NAME"
            )
    for message in warnings:
        log.warning("%s: %s", where, message)
    return LoadedConfig(config, where, frozenset(secret_paths), tuple(warnings))


def _resolve_env(
    node: Any,
    path: str,
    environ: Mapping[str, str],
    secrets: set[str],
    problems: list[str],
    warnings: list[str],
    lenient: tuple[bool, bool],
) -> Any:
    """`lenient`: (no Telegram token, no Zalo token): an unset `env:` chat of a messenger
    without its token is a warning (its alerts go to the console), not an error."""
    if isinstance(node, dict):
        return {
            key: _resolve_env(
                value, _join(path, key), environ, secrets, problems, warnings, lenient
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [
            _resolve_env(value, f"{path}[{i}]", environ, secrets, problems, warnings, lenient)
            for i, value in enumerate(node)
        ]
    if isinstance(node, str) and node.startswith(ENV_PREFIX):
        name = node[len(ENV_PREFIX) :].strip()
        secrets.add(path)
        if name in environ and environ[name] != "":
            return environ[name]
        message = (
            f"{path}: biến môi trường {name} chưa được đặt / environment variable {name} is not set"
        )
        telegram_chat = path.endswith(".chat") or re.search(r"\.chats\[\d+\]$", path)
        zalo_chat = re.search(r"(\.|_)zalo$|\.zalo_chats\[\d+\]$", path)
        for chat, loose, token in ((telegram_chat, lenient[0], "TELEGRAM_BOT_TOKEN"),
                                   (zalo_chat, lenient[1], "ZALO_BOT_TOKEN")):  # fmt: skip
            if chat and loose:
                warnings.append(
                    message + f" (chưa có {token} nên cảnh báo in ra màn hình / "
                    f"no {token}, alerts go to the console)"
                )
                return None
        problems.append(message)
        return None
    return node


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not re.match(r"^[A-Za-z_][\w-]*$", str(part)):
            continue
        else:
            out = _join(out, part)
    return out or "(gốc / root)"


_EXPECTED = {
    "missing": ("thiếu khóa bắt buộc", "required key is missing"),
    "extra_forbidden": ("khóa không được hỗ trợ (gõ sai tên?)", "unknown key (a typo?)"),
    "string_type": ("phải là chuỗi", "must be a string"),
    "int_type": ("phải là số nguyên", "must be a whole number"),
    "int_parsing": ("phải là số nguyên", "must be a whole number"),
    "bool_type": ("phải là true hoặc false", "must be true or false"),
    "bool_parsing": ("phải là true hoặc false", "must be true or false"),
    "list_type": ("phải là danh sách", "must be a list"),
    "dict_type": ("phải là bảng khóa: giá trị", "must be a mapping"),
    "model_type": ("phải là bảng khóa: giá trị", "must be a mapping"),
    "literal_error": ("giá trị không được phép", "value not allowed"),
    "string_pattern_mismatch": (
        "chỉ gồm chữ thường, số, '-' và '_'",
        "only lowercase letters, digits, '-' and '_'",
    ),
    "greater_than_equal": ("quá nhỏ", "too small"),
    "less_than_equal": ("quá lớn", "too large"),
}


def _describe(err: Any, raw: Any) -> str:
    loc = tuple(err.get("loc", ()))
    # Pydantic names the tried union member (e.g. `list[str]`) in the location: drop those parts.
    clean = tuple(p for p in loc if isinstance(p, int) or re.match(r"^[A-Za-z_][\w]*$", str(p)))
    where = _loc(clean)
    kind = err.get("type", "")
    value = err.get("input")
    shown = "" if kind == "missing" else f"{_short(value)} "
    if kind == "value_error":
        message = str(err.get("msg", "")).removeprefix("Value error, ")
        return f"{where}: {message}"
    vi, en = _EXPECTED.get(kind, ("giá trị không hợp lệ", str(err.get("msg", "invalid value"))))
    extra = ""
    ctx = err.get("ctx") or {}
    if kind in ("greater_than_equal", "less_than_equal"):
        limit = ctx.get("ge", ctx.get("le"))
        extra = f" ({'≥' if kind == 'greater_than_equal' else '≤'} {limit})"
    if kind == "literal_error":
        extra = f" ({ctx.get('expected', '')})"
    return f"{where}: {shown}{vi}{extra} / {en}{extra}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def masked_dump(loaded: LoadedConfig, runtime: dict[str, str]) -> str:
    """The resolved config as YAML with the runtime it runs with (`Runtime.describe()`): values
    of type `Secret` are masked by their type, values read from `env:` variables by their path."""
    data = loaded.config.model_dump(mode="json")
    for path in loaded.secret_paths:
        _mask_path(data, path)
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    head = yaml.safe_dump({"runtime": runtime}, allow_unicode=True, sort_keys=False, width=100)
    return head + body


def _mask_path(data: Any, path: str) -> None:
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    node = data
    for part in parts[:-1]:
        node = node[int(part[1:-1])] if part.startswith("[") else node.get(part)
        if node is None:
            return
    last = parts[-1]
    key: Any = int(last[1:-1]) if last.startswith("[") else last
    try:
        value = node[key]
    except (KeyError, IndexError, TypeError):
        return
    if isinstance(value, str):
        node[key] = mask(value)
    elif value is not None:
        node[key] = "***"
