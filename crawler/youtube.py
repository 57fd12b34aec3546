"""YouTube keyword search through the YouTube Data API v3 `search.list`.

`GET <api>/search?part=snippet&type=video&q=…&order=date&publishedAfter=…&maxResults=50&
regionCode=VN&relevanceLanguage=vi` answers a `youtube#searchListResponse`: `items[]`, each a
`youtube#searchResult` whose `id.videoId` names the video and whose `snippet` holds `title`,
`description`, `publishedAt` (RFC 3339) and `channelTitle` (the texts HTML-escaped: `&#39;`,
`&quot;`), and `nextPageToken` while more results follow. The API key travels in the
`X-Goog-Api-Key` header, never in the URL, so no logged or stored URL carries it.

Each call costs 100 units of the project's daily quota (10,000 by default), which Google
resets at midnight Pacific time: `quota_day` is the day a call counts against. Errors come as
`{"error": {"code": 403, "message": …, "errors": [{"reason": "quotaExceeded", …}]}}`.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

API = "https://www.googleapis.com/youtube/v3"
SEARCH_COST = 100
DEFAULT_QUOTA = 10_000
MAX_RESULTS = 50
KEY_HEADER = "X-Goog-Api-Key"
# Google's quota day: midnight to midnight Pacific time.
QUOTA_ZONE = ZoneInfo("America/Los_Angeles")
# A video id: 11 of A-Z a-z 0-9 _ -; anything else is not turned into a URL.
VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
MAX_TEXT = 10_000
_OR = re.compile(r"\s+OR\s+")


class YoutubeError(ValueError):
    """The API answered an error, or something that is no search result list.

    `reason` is the API's reason (`quotaExceeded`, `keyInvalid`…) or "malformed"."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Video:
    """One video of a search result, its texts unescaped."""

    id: str
    url: str
    title: str
    description: str
    channel: str
    published_at: datetime | None


@dataclass(frozen=True)
class SearchPage:
    videos: tuple[Video, ...]
    next_page: str | None


def quota_day(now: datetime) -> date:
    """The quota day `now` falls in (Pacific time)."""
    return now.astimezone(QUOTA_ZONE).date()


def quota_name(key: str) -> str:
    """The name the quota of an API key is stored under: a digest, never the key (one key,
    one Google Cloud project, one quota, whichever sources share it)."""
    return "youtube:" + hashlib.sha256(key.encode()).hexdigest()[:24]


def quota_reset(now: datetime) -> datetime:
    """When the quota of `now`'s day is reset (next midnight Pacific), in UTC."""
    local = now.astimezone(QUOTA_ZONE)
    day = local.date().toordinal() + 1
    midnight = datetime.combine(date.fromordinal(day), datetime.min.time(), QUOTA_ZONE)
    return midnight.astimezone(UTC)


def youtube_query(query: str) -> str:
    """A place query as YouTube reads it: the Google News `OR` becomes YouTube's `|`."""
    return _OR.sub("|", query.strip())


def search_url(
    api: str, query: str, published_after: datetime, page_token: str | None = None
) -> str:
    """The `search.list` URL of `query` for videos published after `published_after`, newest
    first, Vietnamese and Vietnam first; without the key (sent as a header)."""
    params = {
        "part": "snippet",
        "type": "video",
        "q": youtube_query(query),
        "order": "date",
        "publishedAfter": published_after.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "maxResults": str(MAX_RESULTS),
        "regionCode": "VN",
        "relevanceLanguage": "vi",
    }
    if page_token:
        params["pageToken"] = page_token
    return f"{api.rstrip('/')}/search?{urlencode(params)}"


def video_url(video_id: str) -> str:
    return f"https://www.youtube.com/watch?v={video_id}"


def parse_search(body: bytes | str) -> SearchPage:
    """The videos of a `search.list` answer; `YoutubeError` for an API error or anything that
    is not a search result list. Results without a valid video id are skipped."""
    data = _json(body)
    error = data.get("error")
    if error is not None:
        raise _api_error(error)
    if data.get("kind") != "youtube#searchListResponse" or not isinstance(
        data.get("items", []), list
    ):
        raise YoutubeError("malformed", "không phải kết quả tìm kiếm YouTube / not a search result")
    videos: dict[str, Video] = {}
    for item in data.get("items", []):
        video = _video(item)
        if video is not None and video.id not in videos:
            videos[video.id] = video
    token = data.get("nextPageToken")
    return SearchPage(tuple(videos.values()), token if isinstance(token, str) and token else None)


def _video(item: Any) -> Video | None:
    if not isinstance(item, dict):
        return None
    ident = item.get("id")
    video_id = ident.get("videoId") if isinstance(ident, dict) else None
    if not isinstance(video_id, str) or not VIDEO_ID.match(video_id):
        return None
    snippet = item.get("snippet")
    snippet = snippet if isinstance(snippet, dict) else {}
    return Video(
        id=video_id,
        url=video_url(video_id),
        title=_text(snippet.get("title"))[:1000],
        description=_text(snippet.get("description"))[:MAX_TEXT],
        channel=_text(snippet.get("channelTitle"))[:200],
        published_at=_rfc3339(snippet.get("publishedAt")),
    )


def _text(value: Any) -> str:
    """An API text unescaped (`&#39;` → `'`), on one line."""
    return " ".join(html.unescape(value).split()) if isinstance(value, str) else ""


def _rfc3339(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip()[:40])
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _json(body: bytes | str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise YoutubeError("malformed", f"JSON hỏng / broken JSON: {str(exc)[:100]}") from None
    if not isinstance(data, dict):
        raise YoutubeError("malformed", "không phải kết quả tìm kiếm YouTube / not a search result")
    return data


def _api_error(error: Any) -> YoutubeError:
    """The Vietnamese reading of an API error: what happened and what to do."""
    error = error if isinstance(error, dict) else {}
    errors = error.get("errors")
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    reason = str(first.get("reason") or error.get("status") or "error")[:60]
    details = error.get("details")
    if isinstance(details, list):
        for detail in details:
            if isinstance(detail, dict) and detail.get("reason") == "API_KEY_INVALID":
                reason = "keyInvalid"
    code = error.get("code")
    message = _text(error.get("message"))[:200]
    if reason == "badRequest" and "api key" in message.lower():
        reason = "keyInvalid"
    if reason == "dailyLimitExceeded":
        reason = "quotaExceeded"
    if reason == "quotaExceeded":
        text = (
            "đã hết hạn mức YouTube Data API trong ngày; tự tìm lại sau 0:00 giờ Thái Bình "
            "Dương (14:00 hoặc 15:00 giờ Việt Nam) / daily quota exceeded"
        )
    elif reason == "keyInvalid":
        text = (
            "khóa API YouTube không hợp lệ: tạo khóa mới trong Google Cloud Console và đặt vào "
            "biến môi trường ghi ở youtube_search.key / invalid API key"
        )
    elif reason in ("accessNotConfigured", "SERVICE_DISABLED", "forbidden", "ipRefererBlocked"):
        text = (
            "khóa API chưa được phép dùng YouTube Data API v3: bật API này cho dự án trong "
            f"Google Cloud Console / API not enabled ({reason})"
        )
    else:
        text = f"YouTube Data API báo lỗi {code} ({reason}): {message}"
    return YoutubeError(reason, text)
