"""The alert messages, in Vietnamese, as Telegram HTML: safely escaped, never over the limit.

One article: outlet, headline as a link, publication time (local), the places matched, tone, the
sentence with the mention (the place in bold), fields, and "cần xác minh" when flagged. A burst
for one chat becomes one summary message listing the headlines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from crawler.dates import MINUTE, shown
from crawler.platform import platform_label

LIMIT = 4096  # a message, in UTF-16 code units as Telegram counts
CAPTION_LIMIT = 1024  # a document's caption
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
TONES = {"negative": "🔴 tiêu cực", "neutral": "⚪ trung tính", "positive": "🟢 tích cực"}


@dataclass(frozen=True)
class AlertItem:
    """What an alert says about one article."""

    outlet: str
    title: str
    url: str
    published_at: datetime | None
    places: tuple[str, ...]
    tone: str
    text: str = ""
    mention: tuple[int, int] | None = None  # the place's span in `text`
    topics: tuple[str, ...] = ()
    needs_verification: bool = False
    published_precision: str = "minute"  # "day": the page gave only the day
    platform: str = "news"  # crawler.platform.Platform; any other than news is named
    rules: tuple[str, ...] = ()  # the watch rules it matched (their names)


def source_line(item: AlertItem) -> str:
    """Who published the item, escaped: the outlet in bold for the press, "Nguồn: <platform> ·
    <channel or page>" for anything else, so a Telegram post is not read as a newspaper's."""
    if item.platform == "news":
        return f"<b>{escape(item.outlet)}</b>"
    return f"Nguồn: <b>{escape(platform_label(item.platform))}</b> · {escape(item.outlet)}"


LINK_SCHEMES = ("http", "https")
_IGNORED_INSIDE = re.compile(r"[\t\n\r]")  # what browsers drop anywhere in a URL
_EDGES = "".join(map(chr, range(0x21))) + "\x7f"  # C0 controls, space and DEL at either end


def link_url(url: str | None) -> str | None:
    """`url`, cleaned, when it may become a link (an http or https address); else None, and
    the caller shows its text without a link. The one allow-list every rendering uses:
    Telegram messages, the console, the digest (HTML, DOCX, Markdown) and the letter, since a
    crawled or reported page can carry `javascript:`, `data:` or `vbscript:` addresses."""
    if not url:
        return None
    cleaned = _IGNORED_INSIDE.sub("", url).strip(_EDGES).strip()
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in cleaned):
        return None
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return None
    if parts.scheme.lower() not in LINK_SCHEMES or not parts.netloc:
        return None
    return cleaned


def html_link(url: str | None, text: str) -> str:
    """Telegram HTML: `text` as a link to `url` when `link_url` allows it, else plain text
    (both escaped)."""
    target = link_url(url)
    if target is None:
        return escape(text)
    return f'<a href="{escape(target, quote=True)}">{escape(text)}</a>'


def when(value: datetime | None, precision: str = MINUTE) -> str:
    """When an article was published, as the alert says it (a day-only date as a day)."""
    return shown(value, precision, VIETNAM, none="không rõ giờ đăng")


def excerpt(text: str, span: tuple[int, int] | None, width: int = 400) -> str:
    """The sentence holding the mention, escaped, with the place in bold."""
    if span is None:
        return ""
    start, end = span
    left = max(text.rfind(c, 0, start) for c in ".!?\n") + 1
    right_candidates = [i for i in (text.find(c, end) for c in ".!?\n") if i >= 0]
    right = min(right_candidates) + 1 if right_candidates else len(text)
    if right - left > width:
        left, right = max(left, start - width // 2), min(right, end + width // 2)
    before, place, after = text[left:start], text[start:end], text[end:right]
    return f"{escape(before.lstrip())}<b>{escape(place)}</b>{escape(after.rstrip())}"


def article_message(item: AlertItem) -> str:
    """One alert, Telegram HTML, at most 4,096 UTF-16 code units."""
    lines = [
        f"📰 {source_line(item)} · {when(item.published_at, item.published_precision)}",
        html_link(item.url, item.title),
        f"📍 {escape(', '.join(item.places))}" if item.places else "",
        f"Sắc thái: {TONES.get(item.tone, escape(item.tone))}",
        f"Lĩnh vực: {escape(', '.join(item.topics))}" if item.topics else "",
        "⚠️ <b>Cần xác minh</b>" if item.needs_verification else "",
        f"🔔 Quy tắc theo dõi: {escape(', '.join(item.rules))}" if item.rules else "",
    ]
    quote = excerpt(item.text, item.mention)
    head = "\n".join(line for line in lines if line)
    room = LIMIT - utf16_len(head) - len("\n\n<i></i>")
    if quote and room > 100:  # a huge headline leaves no room for the quote
        return f"{head}\n\n<i>{cut_html(quote, room)}</i>"
    return cut_html(head, LIMIT)


def compose(base: str, also_in: Sequence[str] = (), status: str = "") -> str:
    """An alert as sent now: its stored text, the outlets that ran copies since ("cũng đăng
    trên"), and the review status block; the stored text is cut so the whole fits 4,096."""
    tail = ""
    if also_in:
        tail += f"\n\n📎 Cũng đăng trên: {escape(', '.join(also_in))}"
    if status:
        tail += f"\n\n{status}"
    if utf16_len(tail) > LIMIT // 2:
        tail = cut_html(tail, LIMIT // 2)
    return cut_html(base, LIMIT - utf16_len(tail)) + tail


def burst_message(items: Sequence[AlertItem]) -> str:
    """Many hits for one chat in one throttle window: one message listing them."""
    head = f"📰 <b>{len(items)} tin mới</b> về địa bàn:"
    lines = []
    for item in items:
        flag = " ⚠️" if item.needs_verification else ""
        lines.append(f"• {_burst_source(item)}: {html_link(item.url, item.title)}{flag}")
    text = head
    for count, line in enumerate(lines):
        rest = len(lines) - count
        tail = f"\n… và {rest} tin khác"
        if utf16_len(text) + 1 + utf16_len(line) + utf16_len(tail) > LIMIT:
            return text + tail
        text += "\n" + line
    return text


def _burst_source(item: AlertItem) -> str:
    """The outlet of a burst line; the platform before it when the item is not the press."""
    if item.platform == "news":
        return escape(item.outlet)
    return f"{escape(platform_label(item.platform))} · {escape(item.outlet)}"


_TAG = re.compile(r"<[^>]*>|&[a-z#0-9]+;")


def utf16_len(text: str) -> int:
    """The length Telegram counts: UTF-16 code units (an emoji or 𝐀 counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def utf16_prefix(text: str, units: int) -> str:
    """The longest start of `text` that is at most `units` UTF-16 code units long (a character
    outside the BMP is never cut in half: Python strings hold it whole)."""
    if units <= 0:
        return ""
    if utf16_len(text) <= units:
        return text
    size = 0
    for index, char in enumerate(text):
        size += 2 if ord(char) > 0xFFFF else 1
        if size > units:
            return text[:index]
    return text


def cut_html(text: str, limit: int) -> str:
    """Cut to at most `limit` UTF-16 code units (Telegram's measure) without breaking a tag or
    an entity, closing open tags."""
    if utf16_len(text) <= limit:
        return text
    out: list[str] = []
    size = 0
    open_tags: list[str] = []
    position = 0
    budget = limit - 1 - 12  # room for "…" and closing tags
    for match in _TAG.finditer(text):
        plain = text[position : match.start()]
        if size + utf16_len(plain) > budget:
            out.append(utf16_prefix(plain, budget - size))
            size = budget
            break
        out.append(plain)
        size += utf16_len(plain)
        token = match.group(0)
        if size + utf16_len(token) > budget:
            break
        out.append(token)
        size += utf16_len(token)
        if token.startswith("</"):
            if open_tags:
                open_tags.pop()
        elif token.startswith("<") and not token.endswith("/>"):
            open_tags.append(token[1:].split()[0].rstrip(">"))
        position = match.end()
    else:
        out.append(utf16_prefix(text[position:], budget - size))
    closing = "".join(f"</{tag}>" for tag in reversed(open_tags))
    return "".join(out).rstrip() + "…" + closing
