"""The public copy of a flagged item, per platform: what is fetched, how it is read, and how a
removed post is told from a failed fetch.

- News sites, forums and other pages: the page itself, its article extracted. A 404/410 or a
  redirect to the home page is a takedown; a news page without an article too. A forum thread,
  a blog or any page that is no news article often has no article the extractor finds: what it
  declares for sharing (`og:title`, `og:description`) is read instead ("summary").
- Telegram: one post's public widget, `https://t.me/<channel>/<id>?embed=1` (the markup of the
  channel preview; "Post not found" in `.tgme_widget_message_error` once deleted, with HTTP 200).
- YouTube: the public oEmbed endpoint, `https://www.youtube.com/oembed?url=<watch URL>&format=json`:
  200 with the JSON (`title`, `author_name`) while public; 404 once removed; 401 when embedding
  is disabled and 403 (or, for a while in 2020, a 200 whose body is just `Forbidden`) for a
  private video: both read as "no longer public" (ruby-oembed #79/#80, oembed-extractor #168,
  YoutubeExplode #163 describe these answers).
- TikTok: its public oEmbed endpoint, `https://www.tiktok.com/oembed?url=<video URL>` (TikTok's
  "Embed Videos" documentation): 200 with the JSON (`title`, `author_name`); a 404/410 is a
  takedown. What else TikTok answers for a removed or private video is not documented: any
  other status is recorded as an error, never as a takedown.
- Facebook, Zalo: nothing is public without logging in, and duluan never logs in: nothing is
  fetched; the evidence is the screenshot the reporter sent.

No answer, 429, 5xx, an unreadable JSON or an unknown widget error is an error, never a
takedown. The snapshot stored is what was fetched (the page, the widget, the oEmbed JSON).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit

from crawler.extract import decode_html, extract_article, shared_summary
from crawler.platform import platform_of
from crawler.telegram import PostNotFound, TelegramError, parse_post_widget, post_of, widget_url

YOUTUBE_OEMBED = "https://www.youtube.com/oembed"
TIKTOK_OEMBED = "https://www.tiktok.com/oembed"
# Platforms whose posts cannot be seen without an account: never fetched.
NOT_PUBLIC = frozenset({"facebook", "zalo"})
GONE = frozenset({404, 410})
# Pages read for their shared title and description when no article is found on them.
SUMMARISED = frozenset({"forum", "other", "telegram", "youtube", "tiktok"})
# Statuses saying "no longer public" (private, or embedding disabled) per oEmbed provider.
_PRIVATE = {"youtube": frozenset({401, 403}), "tiktok": frozenset[int]()}
_OEMBED_TEXT = 5000
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_TIKTOK_POST = re.compile(r"/(?:video|photo)/\d{5,25}(?:/|$)")


@dataclass(frozen=True)
class Reading:
    """What one answer says: `reason` (ok, summary, gone, post_missing, private,
    redirected_home, no_article, error), the text compared between snapshots (None when
    nothing readable), and for an error what was wrong with the answer."""

    reason: str
    text: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Check:
    """How one item is checked: `fetch_url` is fetched, `read` tells what its answer says."""

    url: str
    platform: str
    fetch_url: str
    how: str  # page, telegram, youtube or tiktok

    def read(
        self, status: int, final_url: str | None, body: bytes, charset: str | None = None
    ) -> Reading:
        """What an HTTP answer to `fetch_url` says of the item."""
        if status == 429 or status >= 500:
            return Reading("error")
        if self.how == "page":
            return _read_page(self.url, self.platform, status, final_url, body, charset)
        if status in GONE:
            return Reading("gone")
        if self.how == "telegram":
            return _read_widget(self.url, status, body, charset)
        return _read_oembed(self.how, status, body)


def check_for(url: str, platform: str | None = None) -> Check | None:
    """How `url` (an item of `platform`; judged from the URL when not given) is checked; None
    for a platform that shows nothing without an account, or an item with no web address (a
    screenshot reported without its link): nothing is fetched."""
    platform = platform or platform_of(url)
    if platform in NOT_PUBLIC or not _is_web_address(url):
        return None
    if platform == "telegram":
        post = post_of(url)
        if post is not None:
            return Check(url, platform, widget_url(*post), "telegram")
    if platform == "youtube":
        video = youtube_video(url)
        if video is not None:
            watch = quote(f"https://www.youtube.com/watch?v={video}", safe="")
            return Check(url, platform, f"{YOUTUBE_OEMBED}?url={watch}&format=json", "youtube")
    if platform == "tiktok" and _TIKTOK_POST.search(_path(url)):
        return Check(url, platform, f"{TIKTOK_OEMBED}?url={quote(url, safe='')}", "tiktok")
    return Check(url, platform, url, "page")


def _is_web_address(url: str) -> bool:
    try:
        return urlsplit(url).scheme.lower() in ("http", "https")
    except ValueError:  # "https://[::1": no address the guard could check either
        return False


def snapshot_suffix(body: bytes) -> str:
    """The file name suffix a kept answer is downloaded with: `.json` for an oEmbed answer,
    else `.html` (a page, a widget)."""
    return ".json" if body.lstrip()[:1] in (b"{", b"[") else ".html"


def _path(url: str) -> str:
    try:
        return urlsplit(url.strip()[:2000]).path
    except ValueError:
        return ""


def youtube_video(url: str) -> str | None:
    """The video id of a YouTube link (`watch?v=`, `youtu.be/`, `/shorts/`, `/embed/`, `/live/`),
    None for a channel, a playlist or anything else."""
    try:
        parts = urlsplit(url.strip()[:2000])
    except ValueError:
        return None
    host = (parts.hostname or "").removeprefix("www.").removeprefix("m.")
    segments = [s for s in parts.path.split("/") if s]
    found: str | None = None
    if host == "youtu.be" and segments:
        found = segments[0]
    elif host.endswith("youtube.com") or host.endswith("youtube-nocookie.com"):
        if segments[:1] == ["watch"]:
            found = (parse_qs(parts.query).get("v") or [""])[0]
        elif len(segments) >= 2 and segments[0] in ("shorts", "embed", "live", "v"):
            found = segments[1]
    return found if found and _YOUTUBE_ID.match(found) else None


def page_text(html: str, url: str, platform: str) -> Reading:
    """A fetched page's text: its article, else (not for the press) what it declares for
    sharing; `no_article` when neither."""
    page = extract_article(html, url)
    if page is not None:
        return Reading("ok", "\n".join(part for part in (page.title, page.lead, page.text) if part))
    if platform in SUMMARISED:
        summary = shared_summary(html)
        if summary is not None:
            return Reading("summary", "\n".join(part for part in summary if part))
    return Reading("no_article")


def _is_home(url: str, final_url: str | None) -> bool:
    if not final_url:
        return False
    before, after = urlsplit(url), urlsplit(final_url)
    moved = (before.netloc, before.path) != (after.netloc, after.path)
    return moved and after.path in ("", "/") and not after.query


def _read_page(
    url: str, platform: str, status: int, final_url: str | None, body: bytes, charset: str | None
) -> Reading:
    if status in GONE:
        return Reading("gone")
    if _is_home(url, final_url):
        return Reading("redirected_home")
    if status >= 400:
        return Reading("error")
    return page_text(decode_html(body, charset), final_url or url, platform)


def _read_widget(url: str, status: int, body: bytes, charset: str | None) -> Reading:
    if status != 200:
        return Reading("error", error=f"Telegram trả lời HTTP {status}")
    post = post_of(url)
    assert post is not None  # a telegram check is made for a post link only
    try:
        found = parse_post_widget(decode_html(body, charset), *post)
    except PostNotFound:
        return Reading("post_missing")
    except TelegramError as exc:
        return Reading("error", error=str(exc))
    text = found.text or ("(ảnh, không có chữ)" if found.photo else "(không có chữ)")
    return Reading("ok", text)


def _read_oembed(how: str, status: int, body: bytes) -> Reading:
    if status in _PRIVATE[how] or (how == "youtube" and body.strip() == b"Forbidden"):
        return Reading("private")
    if status != 200:
        return Reading("error", error=f"oEmbed trả lời HTTP {status}")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return Reading("error", error="oEmbed không trả JSON / not JSON")
    if not isinstance(data, dict):
        return Reading("error", error="oEmbed trả JSON không đúng dạng / unexpected JSON")
    fields = [data.get("title"), data.get("author_name")]
    if not all(isinstance(v, str | None) for v in fields) or not any(fields):
        return Reading("error", error="oEmbed thiếu tiêu đề và tác giả / no title nor author")
    return Reading("ok", "\n".join(" ".join(v.split())[:_OEMBED_TEXT] for v in fields if v))
