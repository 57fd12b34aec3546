"""A `youtube_search` source: YouTube keyword search through the YouTube Data API v3.

The stored answers (tests/outlets/youtube_search_api, written in the structure the API
documents: a `youtube#searchListResponse`, its errors) are served by a local stand-in. Each
video is an item of its own (`https://www.youtube.com/watch?v=<id>`, platform youtube, title
and description as text, HTML entities decoded); the key travels in a header, never in a URL,
a log or the database; the daily quota is spent (and stored) before each call, a spent budget
or a 403 quotaExceeded stops the searches until Google's reset at midnight Pacific time."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.spider import OutletSpider
from crawler.tally import Tally
from crawler.youtube import (
    YoutubeError,
    parse_search,
    quota_day,
    quota_name,
    quota_reset,
    search_url,
    youtube_query,
)
from duluan.config import ConfigError, parse_config
from storage import QuotaUse, Store
from tests.apis.server import JsonApi
from tests.kit.crawl import by_source, crawl, stored, write_config

pytestmark = pytest.mark.sqlite_only  # no SQL of its own: see tests/kit/db.py

SAMPLES = Path(__file__).resolve().parent / "outlets" / "youtube_search_api"
FIRST = (SAMPLES / "search.json").read_text(encoding="utf-8")
SECOND = (SAMPLES / "search_page2.json").read_text(encoding="utf-8")
QUOTA = (SAMPLES / "quota_exceeded.json").read_text(encoding="utf-8")
KEY_INVALID = (SAMPLES / "key_invalid.json").read_text(encoding="utf-8")
KEY = "AIzaSyTESTkey-0123456789abcdefghijklmno"
ENV = {"YT_KEY": KEY}
# 2026-11-26 10:00 in Vietnam is 2026-11-25 19:00 in California: that quota day.
DAY = date(2026, 11, 25)


def source(queries: str = "['Đăk Pxi']", extra: str = "") -> str:
    return f"""  - name: yt-dak-pxi
    title: YouTube Đăk Pxi
    youtube_search:
      key: env:YT_KEY
      queries: {queries}
      api_url: '{{{{BASE}}}}/youtube/v3'
{extra}"""


def spent(db_url: str) -> tuple[int, bool]:
    """What the key spent on the frozen clock's quota day."""
    assert KEY[5:] not in quota_name(KEY)
    with Store.open(db_url) as store:
        use = store.quota_use(quota_name(KEY), DAY)
        return use.units, use.exhausted


def test_each_result_is_a_video_item() -> None:
    page = parse_search(FIRST)
    assert page.next_page == "CDIQAA"
    first, second = page.videos
    assert first.url == "https://www.youtube.com/watch?v=Qx7pL2mN9aB"
    assert first.title == 'Sạt lở đường vào xã Đăk Pxi: người dân "đi tắt" qua rẫy cà phê'
    assert first.channel == "Truyền hình Quảng Ngãi"
    assert first.published_at == datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    assert second.title == "Đăk Hà: bà con' mùa cà phê 2026"
    assert second.description.endswith("Quảng Ngãi & Kon Tum cũ.")
    assert parse_search(SECOND).next_page is None


def test_the_search_asks_for_recent_vietnamese_videos_without_the_key() -> None:
    url = search_url(
        "https://www.googleapis.com/youtube/v3/",
        '("Đăk Pxi" OR "Đắk Pxi") ("Kon Tum" OR "Quảng Ngãi")',
        datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
        "CDIQAA",
    )
    assert url.startswith("https://www.googleapis.com/youtube/v3/search?part=snippet&type=video")
    for part in (
        "order=date",
        "publishedAfter=2026-11-23T10%3A00%3A00Z",
        "maxResults=50",
        "regionCode=VN",
        "relevanceLanguage=vi",
        "pageToken=CDIQAA",
    ):
        assert part in url
    assert "key=" not in url
    assert youtube_query('("Đăk Pxi" OR "Đắk Pxi") (a OR b)') == '("Đăk Pxi"|"Đắk Pxi") (a|b)'


@pytest.mark.parametrize(
    ("now", "day", "reset"),
    [
        # Winter (PST, UTC-8): the day turns at 08:00 UTC, 15:00 in Vietnam.
        ("2026-12-03T07:59:00+00:00", date(2026, 12, 2), "2026-12-03T08:00:00+00:00"),
        ("2026-12-03T08:00:00+00:00", date(2026, 12, 3), "2026-12-04T08:00:00+00:00"),
        # Summer (PDT, UTC-7): at 07:00 UTC, 14:00 in Vietnam.
        ("2026-07-01T06:59:00+00:00", date(2026, 6, 30), "2026-07-01T07:00:00+00:00"),
        ("2026-07-01T10:00:00+07:00", date(2026, 6, 30), "2026-07-01T07:00:00+00:00"),
    ],
)
def test_the_quota_day_is_californias(now: str, day: date, reset: str) -> None:
    at = datetime.fromisoformat(now)
    assert quota_day(at) == day
    assert quota_reset(at) == datetime.fromisoformat(reset)


def test_api_errors_say_what_to_do() -> None:
    with pytest.raises(YoutubeError) as quota:
        parse_search(QUOTA)
    assert quota.value.reason == "quotaExceeded"
    assert "hết hạn mức" in str(quota.value)
    with pytest.raises(YoutubeError) as key:
        parse_search(KEY_INVALID)
    assert key.value.reason == "keyInvalid"
    assert "khóa API YouTube không hợp lệ" in str(key.value)


@pytest.mark.parametrize(
    "body",
    [
        "",
        "{",
        "[]",
        "null",
        '"youtube#searchListResponse"',
        '{"kind": "youtube#videoListResponse", "items": []}',
        '{"kind": "youtube#searchListResponse", "items": "nhiều"}',
        "<html><body>502 Bad Gateway</body></html>",
        b"\xff\xfe\x00{",
    ],
)
def test_what_is_no_search_result_is_an_error(body: str | bytes) -> None:
    with pytest.raises(YoutubeError):
        parse_search(body)


def test_results_of_the_wrong_shape_are_skipped() -> None:
    data = json.loads(FIRST)
    items: list[Any] = [
        {"id": "Qx7pL2mN9aB"},  # an id that is no object
        {"id": {"kind": "youtube#channel", "channelId": "UCq1W2e3R4t5Y6u7I8o9P0aS"}},
        {"id": {"videoId": "../../admin"}},  # never turned into a URL
        {"id": {"videoId": 12345678901}},
        None,
        7,
        {"id": {"videoId": "Qx7pL2mN9aB"}, "snippet": None},  # no snippet: empty texts
        {"id": {"videoId": "Qx7pL2mN9aB"}, "snippet": {"title": "lặp lại"}},  # a duplicate
        {
            "id": {"videoId": "Ab3dE5gH7jK"},
            "snippet": {"title": ["x"], "publishedAt": "hôm qua", "description": "x" * 50_000},
        },
    ]
    data["items"] = items
    videos = parse_search(json.dumps(data)).videos
    assert [v.id for v in videos] == ["Qx7pL2mN9aB", "Ab3dE5gH7jK"]
    assert videos[0].title == "" and videos[0].published_at is None
    assert videos[1].title == "" and videos[1].published_at is None
    assert len(videos[1].description) <= 10_000


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=15,
)


@given(JSON, JSON)
def test_any_json_gives_videos_or_a_youtube_error(items: Any, token: Any) -> None:
    kind = "youtube#searchListResponse"
    body = json.dumps({"kind": kind, "items": items, "nextPageToken": token})
    try:
        page = parse_search(body)
    except YoutubeError:
        return
    for video in page.videos:
        assert video.url == f"https://www.youtube.com/watch?v={video.id}" and len(video.id) == 11


def test_the_key_lives_in_the_environment_only() -> None:
    head = "locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}\nsources:\n"
    written = source().replace("env:YT_KEY", KEY).replace("{{BASE}}", "https://x.vn")
    with pytest.raises(ConfigError) as caught:
        parse_config(head + written, "config.yaml", {})
    assert "sources[0].youtube_search.key: mã bí mật không được ghi thẳng" in str(caught.value)
    assert KEY not in str(caught.value)
    with pytest.raises(ConfigError, match="YT_KEY"):
        parse_config(head + source().replace("{{BASE}}", "https://x.vn"), "config.yaml", {})
    loaded = parse_config(head + source().replace("{{BASE}}", "https://x.vn"), "c.yaml", ENV)
    [only] = loaded.config.sources
    assert only.configured_urls() == ["https://x.vn/youtube/v3"]  # the guard's origin
    assert KEY not in repr(only) and KEY not in only.model_dump_json()


def serve(api: JsonApi, first: str = FIRST, second: str = SECOND) -> None:
    api.answer(
        "/youtube/v3/search",
        lambda query: (200, second if query.get("pageToken") == "CDIQAA" else first),
    )


def test_a_pass_stores_each_video_and_spends_the_quota(tmp_path: Path, db_url: str) -> None:
    with JsonApi() as api:
        serve(api)
        config = write_config(tmp_path, api.base, source(extra="      pages: 2"), ENV)
        summary = by_source(crawl(config, db_url))["yt-dak-pxi"]
        assert summary.ok and summary.new == 3, summary.errors
        items = {a.url: a for a in stored(db_url)}
        assert sorted(items) == [
            "https://www.youtube.com/watch?v=Qx7pL2mN9aB",
            "https://www.youtube.com/watch?v=Zz9Yy8Xx7Ww",
            "https://www.youtube.com/watch?v=a-B_c1D2e3F",
        ]
        video = items["https://www.youtube.com/watch?v=Qx7pL2mN9aB"]
        assert video.platform == "youtube" and video.via == "youtube"
        assert video.title.startswith('Sạt lở đường vào xã Đăk Pxi: người dân "đi tắt"')
        assert video.text.startswith(video.title) and "cắm biển cảnh báo" in video.text
        assert video.author == "Truyền hình Quảng Ngãi"
        assert video.published_at == datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
        assert len(api.calls) == 2  # the feed is the item: no video page is fetched
        for call in api.calls:
            assert call.headers.get("X-Goog-Api-Key") == KEY
            assert KEY not in call.target
            assert (call.query["q"], call.query["order"], call.query["type"]) == (
                "Đăk Pxi",
                "date",
                "video",
            )
            assert call.query["publishedAfter"] == "2026-11-23T03:00:00Z"  # the crawl horizon
        assert spent(db_url) == (200, False)
        assert not any(KEY in str(v) for a in stored(db_url) for v in vars(a).values())

        # Next pass: the first page holds a stored video: no second page, 100 more units.
        again = by_source(crawl(config, db_url))["yt-dak-pxi"]
        assert again.ok and again.new == 0 and len(api.calls) == 3
        assert "pageToken" not in api.calls[-1].query
        assert spent(db_url) == (300, False)


def test_the_daily_budget_is_checked_before_each_call(tmp_path: Path, db_url: str) -> None:
    with JsonApi() as api:
        serve(api)
        sources = source("['Đăk Pxi', 'Đăk Hà', 'Kon Tum']", "      daily_units: 200")
        config = write_config(tmp_path, api.base, sources, ENV)
        first = by_source(crawl(config, db_url))["yt-dak-pxi"]
        assert first.ok, first.errors
        # The first two queries had the units, the third none (the two calls may arrive in
        # either order: they are sent at once).
        assert sorted(c.query["q"] for c in api.calls) == ["Đăk Hà", "Đăk Pxi"]
        assert spent(db_url) == (200, False)
        # A new process (a restart) reads what was spent: no call until the reset.
        again = by_source(crawl(config, db_url, now="2026-11-26T14:59:00+07:00"))["yt-dak-pxi"]
        assert again.ok and again.errors == [] and len(api.calls) == 2
        # 15:00 in Vietnam is midnight in California (PST): a new quota day.
        later = by_source(crawl(config, db_url, now="2026-11-26T15:00:00+07:00"))["yt-dak-pxi"]
        assert later.ok and len(api.calls) == 4


def test_a_quota_exceeded_answer_marks_the_day_spent(tmp_path: Path, db_url: str) -> None:
    with JsonApi() as api:
        api.answer("/youtube/v3/search", (403, QUOTA))
        config = write_config(tmp_path, api.base, source("['Đăk Pxi', 'Đăk Hà']"), ENV)
        summary = by_source(crawl(config, db_url))["yt-dak-pxi"]
        assert not summary.ok and summary.new == 0
        assert any("hết hạn mức YouTube" in e.message for e in summary.errors), summary.errors
        assert spent(db_url)[1] is True
        calls = len(api.calls)
        serve(api)
        again = by_source(crawl(config, db_url))["yt-dak-pxi"]
        assert len(api.calls) == calls and again.new == 0  # nothing asked until the reset


def test_a_wrong_key_fails_the_source_not_the_pass(tmp_path: Path, db_url: str) -> None:
    with JsonApi() as api:
        api.answer("/youtube/v3/search", (400, KEY_INVALID.replace("API key", f"API key {KEY}")))
        config = write_config(tmp_path, api.base, source(), ENV)
        summary = by_source(crawl(config, db_url))["yt-dak-pxi"]
        assert not summary.ok and stored(db_url) == []
        [error] = summary.errors
        assert "khóa API YouTube không hợp lệ" in error.message
        assert KEY not in error.message and KEY not in error.url


@pytest.mark.parametrize(
    "answer",
    [
        (200, "{"),
        (200, '{"kind": "youtube#searchListResponse", "items": {"a": 1}}'),
        (500, "<html>Internal Server Error</html>"),
        (503, json.dumps({"error": {"code": 503, "message": "Backend Error"}})),
        (200, json.dumps({"kind": "youtube#searchListResponse", "items": [{"id": 5}] * 3})),
    ],
)
def test_a_broken_answer_stores_nothing(
    tmp_path: Path, db_url: str, answer: tuple[int, str]
) -> None:
    with JsonApi() as api:
        api.answer("/youtube/v3/search", answer)
        config = write_config(tmp_path, api.base, source(), ENV)
        summary = by_source(crawl(config, db_url))["yt-dak-pxi"]
        assert stored(db_url) == []
        assert summary.ok == (answer[0] == 200 and '"id": 5' in answer[1]), summary.errors
        assert len(api.calls) == 1  # a paid call is not retried


def test_a_spent_budget_is_logged_once_a_day(
    tmp_path: Path, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """The skip is one log line until the reset, whatever the passes and restarts; the
    source's run is not a failure (nothing was asked)."""
    extra = "      daily_units: 100"
    config = write_config(tmp_path, "http://127.0.0.1:9", source("['a', 'b']", extra), ENV)
    now = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)

    def one_pass() -> tuple[int, Tally]:
        tally = Tally()
        spider = OutletSpider(config.sources, config.crawl, store, tally, lambda: now)
        try:
            return len(list(spider._entry_requests())), tally
        finally:
            spider.extractor.close()

    with caplog.at_level(logging.WARNING, logger="crawler.spider"):
        assert one_pass()[0] == 1  # 'a' spends the 100 units, 'b' finds none
        for _ in range(3):  # later passes, or after a restart
            asked, tally = one_pass()
            assert asked == 0 and tally.sources["yt-dak-pxi"].ok
    lines = [r.getMessage() for r in caplog.records if "hết hạn mức" in r.getMessage()]
    assert lines == [
        "[yt-dak-pxi] YouTube: đã dùng hết hạn mức trong ngày (100 đơn vị), bỏ qua tìm kiếm đến "
        "khi Google đặt lại hạn mức lúc 15:00 26/11/2026 giờ Việt Nam / daily quota spent, "
        "searches skipped until the reset"
    ]
    assert store.quota_use(quota_name(KEY), DAY).units == 100


def test_the_quota_is_spent_once_across_threads(store: Store) -> None:
    """Two processes (the daemon's crawl role twice, a `duluan crawl` beside it) never spend
    past the budget together: the check and the spending are one locked step."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: store.spend_quota("k", DAY, 100, 1000), range(24)))
    assert results.count(True) == 10
    assert store.quota_use("k", DAY) == QuotaUse(1000, False)
    assert store.quota_use("k", date(2026, 11, 26)) == QuotaUse(0, False)  # another day
    store.exhaust_quota("other", DAY)
    assert not store.spend_quota("other", DAY, 100, 10_000)
    assert store.quota_use("other", DAY) == QuotaUse(0, True)
    assert [store.note_quota_skip("k", DAY) for _ in range(3)] == [True, False, False]
