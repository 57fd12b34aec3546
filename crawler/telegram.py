"""Public Telegram channels read through their web preview, `https://t.me/s/<channel>`.

The preview is the page Telegram publishes for anyone without an account: the newest posts
of a channel, oldest first, each a `.tgme_widget_message` whose `data-post` is
`<channel>/<id>`, with its text (`.tgme_widget_message_text`), its time
(`.tgme_widget_message_date time[datetime]`), its views (`.tgme_widget_message_views`, "1.2K")
and, when forwarded, `.tgme_widget_message_forwarded_from_name`; older posts are at
`?before=<id>`. Each post is an item of its own, `https://t.me/<channel>/<id>`.

One post alone is public too, as the widget websites embed: `https://t.me/<channel>/<id>?embed=1`
answers 200 with the same `.tgme_widget_message` markup, or, for a post deleted (or never
posted), a `.tgme_widget_message_error` saying "Post not found" (what public widget readers,
such as the WP Telegram Widget plugin, take as "deleted"). The evidence of a flagged post reads
it there (`parse_post_widget`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import lxml.html
from lxml import etree

from crawler.posts import MAX_TEXT

CHANNEL = re.compile(r"^[A-Za-z0-9_]{5,32}$")
PREVIEW = "https://t.me/s/{channel}"
_VIEWS = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([KkMm]?)\s*$")
_DROP = ("script", "style", "noscript", "template", "iframe", "object")
_POST_LINK = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)/(?:s/)?"
    r"([A-Za-z0-9_]+)/(\d{1,12})/?(?:[?#].*)?$",
    re.IGNORECASE,
)


class TelegramError(ValueError):
    """Not a channel's web preview (a missing or private channel, an error page)."""


class PostNotFound(TelegramError):
    """The post's widget says the post is not there (deleted, or never posted)."""


@dataclass(frozen=True)
class Post:
    """One post of a channel, as its preview shows it."""

    id: int
    url: str
    published_at: datetime | None
    views: int | None
    text: str
    forwarded_from: str | None = None
    photo: bool = False
    edited: bool = False


@dataclass(frozen=True)
class ChannelPage:
    """The posts of one preview page, oldest first, and the channel's title."""

    title: str
    posts: tuple[Post, ...]


def preview_url(channel: str, before: int | None = None, base: str | None = None) -> str:
    """The preview page of `channel` (`base` replaces `https://t.me/s/<channel>`), older than
    post `before` when given."""
    url = base or PREVIEW.format(channel=channel)
    if before is None:
        return url
    return f"{url}{'&' if '?' in url else '?'}before={before}"


def post_url(channel: str, post_id: int) -> str:
    return f"https://t.me/{channel}/{post_id}"


def widget_url(channel: str, post_id: int) -> str:
    """The public widget of one post, as websites embed it."""
    return f"{post_url(channel, post_id)}?embed=1"


def post_of(url: str) -> tuple[str, int] | None:
    """(channel, post id) of a public post link, `t.me/<channel>/<id>` (also `t.me/s/…`,
    `telegram.me/…`); None for anything else (a channel, a private group's `t.me/c/…`)."""
    found = _POST_LINK.match(url.strip()[:500])
    if found is None or not CHANNEL.match(found.group(1)):
        return None
    return found.group(1), int(found.group(2))


def parse_views(text: str) -> int | None:
    """ "1.2K" -> 1200, "3M" -> 3000000, "845" -> 845; None for anything else."""
    found = _VIEWS.match(text or "")
    if found is None:
        return None
    number, unit = found.groups()
    factor = {"": 1, "k": 1_000, "m": 1_000_000}[unit.lower()]
    return round(float(number.replace(",", ".")) * factor)


def parse_channel_page(html: str, channel: str) -> ChannelPage:
    """The posts of a preview page of `channel` (posts of another channel, as a forward's
    preview may hold, are skipped). `TelegramError` when the page is no channel preview."""
    root = _document(html)
    history = root.xpath(
        "//*[contains(concat(' ', normalize-space(@class), ' '), ' tgme_channel_history ')]"
    )
    if not history:
        raise TelegramError(
            f"không phải trang xem trước của kênh Telegram @{channel} (kênh không tồn tại, "
            "riêng tư hoặc đã tắt xem trước)"
        )
    title = _text(_first(root, "tgme_channel_info_header_title")) or channel
    posts: dict[int, Post] = {}
    for node in _all(root, "tgme_widget_message"):
        post = _post(node, channel)
        if post is not None:
            posts[post.id] = post
    return ChannelPage(title, tuple(posts[k] for k in sorted(posts)))


def parse_post_widget(html: str, channel: str, post_id: int) -> Post:
    """The post a widget page shows. `PostNotFound` when the widget says the post is not there;
    `TelegramError` for any other page (another error, another post, no widget at all)."""
    root = _document(html)
    errors = _all(root, "tgme_widget_message_error")
    if errors:
        said = _text(errors[0])[:200]
        if "not found" in said.lower():
            raise PostNotFound(f"Telegram: {said}")
        raise TelegramError(f"Telegram báo lỗi: {said or 'không rõ'}")
    for node in _all(root, "tgme_widget_message"):
        post = _post(node, channel)
        if post is not None and post.id == post_id:
            return post
    raise TelegramError(f"không phải khung nhúng của bài đăng {channel}/{post_id}")


def _document(html: str) -> lxml.html.HtmlElement:
    try:
        root = lxml.html.document_fromstring(html or "<html></html>")
    except (etree.ParserError, ValueError) as exc:
        raise TelegramError(f"không đọc được trang: {exc}") from exc
    for bad in root.xpath("|".join(f"//{tag}" for tag in _DROP)):
        bad.drop_tree()
    return root


def _post(node: lxml.html.HtmlElement, channel: str) -> Post | None:
    owner, _, number = (node.get("data-post") or "").partition("/")
    if owner.lower() != channel.lower() or not number.isdigit() or len(number) > 12:
        return None
    if _first(node, "service_message") is not None:
        return None  # "channel photo updated", "message pinned"
    post_id = int(number)
    texts = [t for t in _all(node, "tgme_widget_message_text") if not _inside(t, "reply")]
    time_nodes = node.xpath(".//*[contains(@class, 'tgme_widget_message_date')]//time/@datetime")
    meta = _text(_first(node, "tgme_widget_message_meta")).lower()
    forwarded = _first(node, "tgme_widget_message_forwarded_from_name")
    return Post(
        id=post_id,
        url=post_url(channel, post_id),
        published_at=_aware(time_nodes[0]) if time_nodes else None,
        views=parse_views(_text(_first(node, "tgme_widget_message_views"))),
        text=_message_text(texts[0] if texts else None),
        forwarded_from=_text(forwarded) or None if forwarded is not None else None,
        photo=_first(node, "tgme_widget_message_photo_wrap") is not None,
        edited="edited" in meta or "đã sửa" in meta,
    )


def _message_text(node: lxml.html.HtmlElement | None) -> str:
    """The post's text with its line breaks (`<br>`) kept, cut at `MAX_TEXT`."""
    if node is None:
        return ""
    for br in node.iter("br"):
        br.tail = "\n" + (br.tail or "")
    lines = "".join(node.itertext())[:MAX_TEXT].splitlines()
    return "\n".join(" ".join(line.split()) for line in lines).strip()


def _aware(value: str) -> datetime | None:
    """The `datetime` attribute, when it is an ISO time with its offset."""
    try:
        parsed = datetime.fromisoformat(value.strip()[:40])
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _classed(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _all(node: lxml.html.HtmlElement, name: str) -> list[lxml.html.HtmlElement]:
    return list(node.xpath(f".//*[{_classed(name)}]"))


def _first(node: lxml.html.HtmlElement, name: str) -> lxml.html.HtmlElement | None:
    found = _all(node, name)
    return found[0] if found else None


def _inside(node: lxml.html.HtmlElement, name: str) -> bool:
    """Within a reply's quote of another post (`.tgme_widget_message_reply`)."""
    return bool(node.xpath(f"ancestor::*[{_classed('tgme_widget_message_' + name)}]"))


def _text(node: lxml.html.HtmlElement | None) -> str:
    return " ".join("".join(node.itertext()).split()) if node is not None else ""
