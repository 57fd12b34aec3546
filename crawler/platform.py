"""The platform an item's URL belongs to: a news outlet, a social network, a forum or other.

One home for the question, asked by the crawler for every item it stores and (issue 15) by
whatever reports a link: the answer decides where the item is shown (the press tables keep
`news` alone; social items get their own digest section).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal, get_args
from urllib.parse import urlsplit

Platform = Literal["facebook", "tiktok", "youtube", "zalo", "telegram", "forum", "news", "other"]
PLATFORMS: tuple[Platform, ...] = get_args(Platform)
# What officials read for each platform: the console, the alerts and the digest all say these.
PLATFORM_LABELS: dict[str, str] = {
    "news": "Báo chí",
    "facebook": "Facebook",
    "tiktok": "TikTok",
    "youtube": "YouTube",
    "zalo": "Zalo",
    "telegram": "Telegram",
    "forum": "Diễn đàn",
    "other": "Khác",
}

# Only the start of a URL decides: a pasted megabyte costs nothing.
MAX_URL = 4096
_SCHEMES = frozenset({"http", "https"})
# A scheme (`mailto:`, `javascript:`), not a host with its port (`voz.vn:443`).
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?!\d)")
# Prefixes of a host that name the same site for another device or the bare site.
_ALIASES = ("www.", "m.", "mobile.", "mbasic.", "web.", "touch.")

# Registrable domains of each network (subdomains included: vm.tiktok.com, vt.tiktok.com).
_NETWORKS: dict[Platform, tuple[str, ...]] = {
    "facebook": ("facebook.com", "fb.com", "fb.watch", "fb.me", "fb.gg"),
    "tiktok": ("tiktok.com",),
    "youtube": ("youtube.com", "youtu.be", "youtube-nocookie.com"),
    "zalo": ("zalo.me", "zalo.vn", "zaloapp.com"),
    "telegram": ("t.me", "telegram.me", "telegram.dog", "telegram.org"),
}
# Well-known Vietnamese forums, whatever their paths.
FORUM_HOSTS = ("voz.vn", "tinhte.vn", "otofun.net", "webtretho.com", "lamchame.com")
# Paths and host prefixes forum software uses (XenForo, vBulletin, phpBB…).
_FORUM_PATHS = (
    "/threads/",
    "/forum",
    "/forums/",
    "/diendan",
    "/dien-dan",
    "/showthread.php",
    "/viewtopic.php",
)
_FORUM_PREFIXES = ("forum.", "forums.", "diendan.")


def platform_of(url: str, news_domains: Iterable[str] = ()) -> Platform:
    """The platform of `url`; `news_domains` are the configured outlets' domains (each covers
    its subdomains). Never raises: anything that is not an http(s) URL with a host is `other`;
    a link pasted without its scheme (`fb.watch/abc`) is read as http."""
    parsed = _host_and_path(url)
    if parsed is None:
        return "other"
    host, path = parsed
    for platform, domains in _NETWORKS.items():
        if _within(host, domains):
            return platform
    if _within(host, FORUM_HOSTS):
        return "forum"
    if _within(host, tuple(d for d in (_clean_host(n) for n in news_domains) if d)):
        return "news"
    if host.startswith(_FORUM_PREFIXES) or path.lower().startswith(_FORUM_PATHS):
        return "forum"
    return "other"


def platform_label(platform: str) -> str:
    """The Vietnamese name of `platform`; a value stored by a later version shows as it is."""
    return PLATFORM_LABELS.get(platform, platform)


def _host_and_path(url: str) -> tuple[str, str] | None:
    """(host without its device prefix, path) of an http(s) URL; None for anything else."""
    if not isinstance(url, str):
        return None
    text = url[:MAX_URL].strip()
    if text.startswith("//"):
        text = "http:" + text
    elif _SCHEME.match(text) is None:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        host = parts.hostname  # lowercased, without userinfo and port
    except ValueError:
        return None
    if parts.scheme.lower() not in _SCHEMES or not host:
        return None
    host = _clean_host(host)
    if not host:
        return None
    for alias in _ALIASES:
        if host.startswith(alias) and "." in host[len(alias) :]:
            host = host[len(alias) :]
            break
    return host, parts.path


def _clean_host(host: str) -> str:
    """Lowercase ASCII form of a host: IDN labels as punycode (which also folds full-width
    look-alikes such as `ｆacebook.com` to what a browser would open), no trailing dot."""
    host = host.strip().lower().rstrip(".")
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _within(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)
