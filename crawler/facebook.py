"""Facebook pages the centre may read, through the Graph API with a page access token.

`GET <api>/<page-id>/posts?fields=id,message,created_time,permalink_url,story&limit=N` answers
`{"data": [{"id": "<page>_<post>", "message": …, "created_time": "2026-11-25T08:00:00+0000",
"permalink_url": "https://www.facebook.com/…", "story": …}], "paging": {"cursors": {"before": …,
"after": …}, "next": "<api>/<page-id>/posts?access_token=…&after=…"}}`, newest first. The token
travels in the `Authorization: Bearer` header; `paging.next` repeats it as `access_token`, so
the next URL is read without it (`next_page`). Errors come as `{"error": {"message", "type":
"OAuthException", "code", "error_subcode", "fbtrace_id"}}`; `describe_error` says in Vietnamese
what the centre has to do.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawler.platform import platform_of

API = "https://graph.facebook.com/v26.0"
FIELDS = "id,message,created_time,permalink_url,story"
# A page id (digits) or a page username (letters, digits, dots).
PAGE = re.compile(r"^(?:\d{1,20}|[A-Za-z0-9.]{5,50})$")
# A post's message is at most 63,206 characters; the item keeps this much.
MAX_TEXT = 10_000
# Query parameters never kept in a URL: the credentials Graph API may repeat.
SECRET_PARAMS = frozenset({"access_token", "appsecret_proof", "key"})
RATE_LIMITS = frozenset({4, 17, 32, 613, 80001})
TOKEN_ERRORS = frozenset({102, 190, 463, 467})


class FacebookError(ValueError):
    """The Graph API answered an error, or something that is no list of posts."""

    def __init__(self, code: int | None, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class PagePost:
    """One post of the page."""

    id: str
    url: str
    message: str
    story: str
    published_at: datetime | None


@dataclass(frozen=True)
class PostsPage:
    """A page of posts, newest first, the next page's URL (without credentials) and how many
    entries were skipped (no permalink on facebook.com, a broken entry)."""

    posts: tuple[PagePost, ...]
    next_url: str | None
    skipped: int


def posts_url(api: str, page: str, limit: int) -> str:
    """The first page of `page`'s posts; without the token (sent as a header)."""
    return f"{api.rstrip('/')}/{page}/posts?{urlencode({'fields': FIELDS, 'limit': limit})}"


def without_secrets(url: str) -> str:
    """`url` without `access_token` (and the like): what may be logged, followed or stored."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    kept = [(k, v) for k, v in query if k.lower() not in SECRET_PARAMS]
    if len(kept) == len(query):
        return url
    return urlunsplit(parts._replace(query=urlencode(kept)))


def parse_posts(body: bytes | str, api: str) -> PostsPage:
    """The posts of a `/<page>/posts` answer. `FacebookError` for an API error or anything
    that is no list of posts. `paging.next` is kept only on the API's own origin (the token
    is sent there and nowhere else), without its credentials."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FacebookError(None, f"JSON hỏng / broken JSON: {str(exc)[:100]}") from None
    if not isinstance(data, dict):
        raise FacebookError(None, "không phải danh sách bài đăng / not a list of posts")
    if "error" in data:
        raise api_error(data["error"])
    entries = data.get("data")
    if not isinstance(entries, list):
        raise FacebookError(None, "không phải danh sách bài đăng / not a list of posts")
    posts: list[PagePost] = []
    skipped = 0
    for entry in entries:
        post = _post(entry)
        if post is None:
            skipped += 1
        else:
            posts.append(post)
    paging = data.get("paging")
    following = paging.get("next") if isinstance(paging, dict) else None
    next_url = None
    if isinstance(following, str) and _same_origin(following, api):
        next_url = without_secrets(following)
    return PostsPage(tuple(posts), next_url, skipped)


def _post(entry: Any) -> PagePost | None:
    if not isinstance(entry, dict):
        return None
    ident, link = entry.get("id"), entry.get("permalink_url")
    if not isinstance(ident, str) or not isinstance(link, str) or len(link) > 2000:
        return None
    parts = urlsplit(link.strip())
    if parts.scheme != "https" or platform_of(link) != "facebook" or parts.port is not None:
        return None  # a permalink elsewhere (an internal address…) is no item of this page
    return PagePost(
        id=ident[:100],
        url=link.strip(),
        message=_message(entry.get("message")),
        story=" ".join(_message(entry.get("story")).split())[:500],
        published_at=_time(entry.get("created_time")),
    )


def _message(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    lines = value[:MAX_TEXT].splitlines()
    return "\n".join(" ".join(line.split()) for line in lines).strip()


def _time(value: Any) -> datetime | None:
    """Graph API's `2026-11-25T08:00:00+0000`, aware; None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip()[:40])
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _same_origin(url: str, api: str) -> bool:
    try:
        a, b = urlsplit(url), urlsplit(api)
        return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)
    except ValueError:
        return False


def api_error(error: Any) -> FacebookError:
    """What a Graph API error means for the centre, and what to do, in Vietnamese."""
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    code = code if isinstance(code, int) and not isinstance(code, bool) else None
    message = " ".join(str(error.get("message") or "").split())[:200]
    if code in TOKEN_ERRORS:
        text = (
            "mã truy cập trang (page access token) đã hết hạn hoặc bị thu hồi: quản trị viên "
            "trang tạo mã mới và đặt lại biến môi trường ghi ở facebook_page.token / the page "
            "token expired or was revoked; renew it"
        )
    elif code in RATE_LIMITS:
        text = (
            "Facebook đang giới hạn số lần gọi: lần quét sau sẽ thử lại; nếu lặp lại, tăng "
            "interval của nguồn / rate limited by the Graph API"
        )
    elif code == 10 or (code is not None and 200 <= code <= 299):
        text = (
            "mã truy cập không có quyền đọc trang này: dùng mã của chính trang trung tâm quản "
            "trị, có quyền pages_read_engagement / the token may not read this page"
        )
    elif code in (100, 803):
        text = (
            "không tìm thấy trang hoặc trường yêu cầu: kiểm tra facebook_page.page (mã số hoặc "
            f"tên trang) / page or field not found: {message}"
        )
    else:
        text = f"Graph API báo lỗi {code}: {message}"
    return FacebookError(code, text)
