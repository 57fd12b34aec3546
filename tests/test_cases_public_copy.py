"""Evidence of social items: each platform's public copy read through the guarded fetcher against
a local stand-in of t.me, youtube.com, tiktok.com and a forum (never the internet); still there
or removed told apart from errors; Facebook and Zalo never fetched; hostile answers."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from ipaddress import ip_address
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cases.evidence import (
    STANDING_LABELS,
    Fetched,
    capture,
    refetch_open_cases,
    standing,
)
from cases.public_copy import check_for, youtube_video
from crawler.extract import shared_summary
from crawler.fingerprint import NUM_PERM
from crawler.guard import Guard, Refused
from crawler.platform import PLATFORMS
from crawler.telegram import PostNotFound, TelegramError, parse_post_widget, post_of
from duluan.submit import Report, Reporter, submit
from storage import ArticleRecord, Store
from storage.submissions import Screenshot
from tests.kit.console import config as console_config
from tests.kit.public_web import JSON, PublicWeb, public_web

pytestmark = pytest.mark.sqlite_only  # no SQL of its own: see tests/kit/db.py

ICT = timezone(timedelta(hours=7))
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=ICT)
SAMPLES = Path(__file__).parent / "outlets" / "public_posts"
WIDGET = (SAMPLES / "telegram-embed.html").read_text(encoding="utf-8")
WIDGET_GONE = (SAMPLES / "telegram-embed-not-found.html").read_text(encoding="utf-8")
YOUTUBE_JSON = (SAMPLES / "youtube-oembed.json").read_bytes()
TIKTOK_JSON = (SAMPLES / "tiktok-oembed.json").read_bytes()
THREAD = (SAMPLES / "voz-thread.html").read_text(encoding="utf-8")

POST = "https://t.me/dakpxi_tin/141"
POST_WIDGET = "https://t.me/dakpxi_tin/141?embed=1"
VIDEO = "https://www.youtube.com/watch?v=Qn7xUuDk9pA"
VIDEO_OEMBED = (
    "https://www.youtube.com/oembed?url=https%3A%2F%2Fwww.youtube.com%2Fwatch%3Fv%3DQn7xUuDk9pA"
    "&format=json"
)
TIKTOK = "https://www.tiktok.com/@dakpxi.quetoi/video/7441122334455667788"
TIKTOK_OEMBED = "https://www.tiktok.com/oembed?url=" + quote(TIKTOK, safe="")
THREAD_URL = "https://voz.vn/t/duong-vao-thon-kon-gung-sat-lo-xa-lam-gi-chua.981234/"


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        return self.at

    def next_day(self) -> Clock:
        self.at += timedelta(days=1)
        return self


@pytest.fixture
def web() -> Iterator[PublicWeb]:
    with public_web() as server:
        yield server


def item(url: str, platform: str, n: int = 1) -> ArticleRecord:
    return ArticleRecord(
        source="reported",
        url=url,
        canonical_url=url,
        title="Sạt lở đường vào thôn Kon Gung",
        lead="",
        text="Nội dung",
        author=None,
        section=None,
        language="vi",
        published_at=T0,
        fetched_at=T0,
        via="report",
        extraction="feed",
        content_hash=f"h{n}",
        fingerprint=tuple(n * 1000 + i for i in range(NUM_PERM)),
        backfill=False,
        platform=platform,
    )


def check(store: Store, web: PublicWeb, url: str, platform: str, clock: Clock, **kw: int):  # type: ignore[no-untyped-def]
    record = capture(store, "cluster:1", url, web.fetch(**kw), clock, platform=platform)
    assert record is not None
    return record


# --- how each platform is checked ------------------------------------------------------------


def test_each_platform_is_checked_at_its_public_copy() -> None:
    cases = {
        (POST, "telegram"): POST_WIDGET,
        ("https://t.me/s/dakpxi_tin/141", "telegram"): POST_WIDGET,
        (VIDEO, "youtube"): VIDEO_OEMBED,
        ("https://youtu.be/Qn7xUuDk9pA?t=42", "youtube"): VIDEO_OEMBED,
        ("https://m.youtube.com/shorts/Qn7xUuDk9pA", "youtube"): VIDEO_OEMBED,
        (TIKTOK, "tiktok"): TIKTOK_OEMBED,
        (THREAD_URL, "forum"): THREAD_URL,
        # No post in the link: the page itself (a channel, a private group, a profile).
        ("https://t.me/dakpxi_tin", "telegram"): "https://t.me/dakpxi_tin",
        ("https://t.me/c/1234567/89", "telegram"): "https://t.me/c/1234567/89",
        ("https://www.youtube.com/@tinquangngai24h", "youtube"): (
            "https://www.youtube.com/@tinquangngai24h"
        ),
        (
            "https://www.tiktok.com/@dakpxi.quetoi",
            "tiktok",
        ): "https://www.tiktok.com/@dakpxi.quetoi",
    }
    for (url, platform), expected in cases.items():
        found = check_for(url, platform)
        assert found is not None and found.fetch_url == expected, url
    assert check_for("https://www.facebook.com/dakpxi/posts/123", "facebook") is None
    assert check_for("https://zalo.me/g/abcdef", "zalo") is None
    # Without a stored platform, the URL decides.
    assert check_for("https://fb.watch/abc/") is None
    found = check_for(POST)
    assert found is not None and found.fetch_url == POST_WIDGET


def test_youtube_video_ids() -> None:
    assert youtube_video("https://www.youtube.com/watch?v=Qn7xUuDk9pA&list=PL1") == "Qn7xUuDk9pA"
    assert youtube_video("https://www.youtube.com/embed/Qn7xUuDk9pA") == "Qn7xUuDk9pA"
    assert youtube_video("https://www.youtube.com/live/Qn7xUuDk9pA?si=x") == "Qn7xUuDk9pA"
    for url in (
        "https://www.youtube.com/watch?v=short",
        "https://www.youtube.com/watch?v=Qn7xUuDk9pA%22%3E",
        "https://www.youtube.com/playlist?list=PL1",
        "https://evil.example/watch?v=Qn7xUuDk9pA",
        "https://[::1",
        "",
    ):
        assert youtube_video(url) is None, url


@given(st.text(max_size=300), st.sampled_from([*PLATFORMS, "later-platform", None]))
def test_any_url_is_checked_or_left_alone_without_raising(url: str, platform: str | None) -> None:
    found = check_for(url, platform)
    if found is None:
        web = url.startswith(("http://", "https://")) and "[" not in url
        assert platform in ("facebook", "zalo") or platform is None or not web
    else:
        assert found.how != "page" or found.fetch_url == url


def test_a_link_with_a_broken_host_is_never_fetched() -> None:
    """No address the guard could check: nothing to fetch, rather than an error every day."""
    assert check_for("https://[www.tiktok.com/@a/video/7441122334455667788", "tiktok") is None
    assert check_for("duluan:bao-tin:0a1b", "other") is None


def test_telegram_post_links_and_widget_parsing() -> None:
    assert post_of("t.me/dakpxi_tin/141") == ("dakpxi_tin", 141)
    assert post_of("https://telegram.me/dakpxi_tin/141/?single") == ("dakpxi_tin", 141)
    assert post_of("https://t.me/c/1234567/89") is None
    assert post_of("https://t.me/dakpxi_tin") is None
    assert post_of("https://t.me.evil.example/dakpxi_tin/141") is None
    post = parse_post_widget(WIDGET, "dakpxi_tin", 141)
    assert post.views == 912 and post.text.startswith("Mưa lớn kéo dài")
    with pytest.raises(PostNotFound):
        parse_post_widget(WIDGET_GONE, "dakpxi_tin", 141)
    with pytest.raises(TelegramError) as other_post:
        parse_post_widget(WIDGET, "dakpxi_tin", 142)
    assert not isinstance(other_post.value, PostNotFound)
    for page in ("", "<html><body>Xin chào</body></html>", "\x00\x01<<<"):
        with pytest.raises(TelegramError):
            parse_post_widget(page, "dakpxi_tin", 141)
    blocked = WIDGET_GONE.replace("Post not found", "Channel is unavailable")
    with pytest.raises(TelegramError) as unknown:
        parse_post_widget(blocked, "dakpxi_tin", 141)
    assert not isinstance(unknown.value, PostNotFound)


# --- Telegram ---------------------------------------------------------------------------------


def test_live_telegram_post_then_deleted(store: Store, web: PublicWeb) -> None:
    clock = Clock()
    web.set(POST_WIDGET, WIDGET)
    live = check(store, web, POST, "telegram", clock)
    assert web.fetched == [POST_WIDGET]
    assert (live.status_code, live.reason, live.change) == (200, "ok", "first")
    assert live.url == POST and live.final_url is not None and live.final_url.endswith("?embed=1")
    assert live.text is not None and live.text.startswith("Mưa lớn kéo dài")
    found = store.evidence_content(live.id)
    assert found is not None and found[1] is not None
    assert gzip.decompress(found[1]).decode() == WIDGET
    web.set(POST_WIDGET, WIDGET.replace('<span class="tgme_widget_message_views">912', "1.2K"))
    same = check(store, web, POST, "telegram", clock.next_day())
    assert same.change == "unchanged"  # the views changed, not the post
    web.set(POST_WIDGET, WIDGET_GONE)
    gone = check(store, web, POST, "telegram", clock.next_day())
    assert (gone.status_code, gone.reason, gone.change) == (200, "post_missing", "removed")
    [where] = standing(store.list_evidence("cluster:1"))
    assert (where.url, where.state, where.label) == (POST, "removed", "Đã bị gỡ")


def test_telegram_widget_errors_are_not_takedowns(store: Store, web: PublicWeb) -> None:
    clock = Clock()
    web.set(POST_WIDGET, WIDGET)
    check(store, web, POST, "telegram", clock)
    answers = [
        (WIDGET_GONE.replace("Post not found", "Channel is unavailable"), 200),
        ("<html><body>Cloudflare</body></html>", 200),
        (WIDGET, 500),
        (WIDGET, 429),
        (WIDGET, 403),
    ]
    for body, status in answers:
        web.set(POST_WIDGET, body, status)
        record = check(store, web, POST, "telegram", clock.next_day())
        assert (record.reason, record.change) == ("error", "error"), (status, body[:40])
    [where] = standing(store.list_evidence("cluster:1"))
    assert where.state == "unknown" and where.label == STANDING_LABELS["unknown"]


# --- YouTube and TikTok oEmbed ----------------------------------------------------------------


def test_youtube_oembed_public_then_removed(store: Store, web: PublicWeb) -> None:
    clock = Clock()
    web.set(VIDEO_OEMBED, YOUTUBE_JSON, content_type=JSON)
    public = check(store, web, VIDEO, "youtube", clock)
    assert web.fetched == [VIDEO_OEMBED]
    assert web.hits == ["/www.youtube.com" + VIDEO_OEMBED.removeprefix("https://www.youtube.com")]
    assert (public.reason, public.change) == ("ok", "first")
    assert (
        public.text == "Xã Đăk Pxi: sạt lở đường vào thôn Kon Gung sau mưa lớn\nTin Quảng Ngãi 24h"
    )
    found = store.evidence_content(public.id)
    assert found is not None and found[1] is not None
    assert json.loads(gzip.decompress(found[1]))["provider_name"] == "YouTube"
    assert standing(store.list_evidence("cluster:1"))[0].label == "Còn trên mạng"
    web.set(VIDEO_OEMBED, b"Not Found", 404, "text/html")
    removed = check(store, web, VIDEO, "youtube", clock.next_day())
    assert (removed.status_code, removed.reason, removed.change) == (404, "gone", "removed")


@pytest.mark.parametrize(
    ("status", "body"), [(401, b"Unauthorized"), (403, b"Forbidden"), (200, b"Forbidden")]
)
def test_youtube_private_or_not_embeddable_is_no_longer_public(
    store: Store, web: PublicWeb, status: int, body: bytes
) -> None:
    clock = Clock()
    web.set(VIDEO_OEMBED, YOUTUBE_JSON, content_type=JSON)
    check(store, web, VIDEO, "youtube", clock)
    web.set(VIDEO_OEMBED, body, status, "text/html")
    hidden = check(store, web, VIDEO, "youtube", clock.next_day())
    assert (hidden.reason, hidden.change, hidden.text) == ("private", "removed", None)
    assert standing(store.list_evidence("cluster:1"))[0].state == "removed"


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, YOUTUBE_JSON),
        (503, b""),
        (429, b"Too Many Requests"),
        (400, b"Bad Request"),
        (200, b"<html>not json</html>"),
        (200, b"[1, 2]"),
        (200, b"{}"),
        (200, b'{"title": 42, "author_name": ["x"]}'),
        (200, b'{"title": "' + b"\xff\xfe" + b'"}'),
        (200, YOUTUBE_JSON[: len(YOUTUBE_JSON) // 2]),
    ],
)
def test_youtube_errors_and_wrong_json_are_never_a_takedown(
    store: Store, web: PublicWeb, status: int, body: bytes
) -> None:
    clock = Clock()
    web.set(VIDEO_OEMBED, YOUTUBE_JSON, content_type=JSON)
    check(store, web, VIDEO, "youtube", clock)
    web.set(VIDEO_OEMBED, body, status, JSON)
    failed = check(store, web, VIDEO, "youtube", clock.next_day())
    assert (failed.reason, failed.change, failed.text) == ("error", "error", None)
    assert standing(store.list_evidence("cluster:1"))[0].state == "unknown"


def test_tiktok_oembed_public_removed_and_undocumented_answers(
    store: Store, web: PublicWeb
) -> None:
    clock = Clock()
    web.set(TIKTOK_OEMBED, TIKTOK_JSON, content_type=JSON)
    public = check(store, web, TIKTOK, "tiktok", clock)
    assert web.fetched == [TIKTOK_OEMBED]
    assert public.reason == "ok" and public.text is not None
    assert public.text.endswith("\nĐăk Pxi quê tôi")
    # What TikTok answers a private or removed video besides 404 is undocumented: an error.
    for status in (400, 401, 403):
        web.set(TIKTOK_OEMBED, b'{"code":400,"message":"Something went wrong"}', status, JSON)
        assert check(store, web, TIKTOK, "tiktok", clock.next_day()).change == "error"
    web.set(TIKTOK_OEMBED, b"", 404, JSON)
    assert check(store, web, TIKTOK, "tiktok", clock.next_day()).change == "removed"


# --- forums and the press ---------------------------------------------------------------------


def test_forum_thread_without_article_reads_its_shared_title_and_description(
    store: Store, web: PublicWeb
) -> None:
    clock = Clock()
    web.set(THREAD_URL, THREAD)
    first = check(store, web, THREAD_URL, "forum", clock)
    assert (first.reason, first.change) == ("summary", "first")
    assert first.text == (
        "Đường vào thôn Kon Gung sạt lở, xã làm gì chưa?\n"
        "Mưa mấy hôm nay đường từ Kon Gung ra trung tâm xã Đăk Pxi sạt mất một đoạn."
    )
    again = check(store, web, THREAD_URL, "forum", clock.next_day())
    assert again.change == "unchanged"
    web.set(THREAD_URL, THREAD.replace('sạt mất một đoạn." />', 'sạt mất một đoạn ngắn." />'))
    assert check(store, web, THREAD_URL, "forum", clock.next_day()).change == "changed"
    web.set(THREAD_URL, b"<html><body>Not found</body></html>", 404)
    assert check(store, web, THREAD_URL, "forum", clock.next_day()).change == "removed"


def test_a_news_page_without_article_is_still_a_takedown(store: Store, web: PublicWeb) -> None:
    url = "https://baoquangngai.vn/xa-hoi/bai-da-go-71248.htm"
    web.set(url, THREAD)  # a page declaring og:title, with no article
    record = check(store, web, url, "news", Clock())
    assert (record.reason, record.text) == ("no_article", None)


# --- Facebook and Zalo: nothing fetched -------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "platform"),
    [
        ("https://www.facebook.com/ubnd.dakpxi/posts/pfbid02abc", "facebook"),
        ("https://zalo.me/g/dakpxi", "zalo"),
    ],
)
def test_facebook_and_zalo_are_never_fetched(
    store: Store, web: PublicWeb, url: str, platform: str
) -> None:
    store.sync_sources([("reported", "Tin báo")])
    art = store.save_article(item(url, platform)).article_id
    story = f"cluster:{art}"
    assert capture(store, story, url, web.fetch(), Clock(), platform=platform) is None
    case = store.open_case(story, "Lan", T0)
    assert case.article_id == art
    assert refetch_open_cases(store, Clock(), web.fetch()) == []
    assert web.fetched == [] and web.hits == []
    assert store.list_evidence(story) == []


# --- hostile answers --------------------------------------------------------------------------


def test_huge_answers_are_cut_and_never_a_takedown(store: Store, web: PublicWeb) -> None:
    clock = Clock()
    web.set(VIDEO_OEMBED, YOUTUBE_JSON, content_type=JSON)
    check(store, web, VIDEO, "youtube", clock)
    huge = b'{"title": "' + b"a" * 200_000 + b'", "author_name": "x"}'
    web.set(VIDEO_OEMBED, huge, content_type=JSON)
    cut = check(store, web, VIDEO, "youtube", clock.next_day(), max_bytes=50_000)
    assert (cut.reason, cut.change, cut.size) == ("error", "error", 50_000)
    long = check(store, web, VIDEO, "youtube", clock.next_day())
    assert long.reason == "ok" and long.text is not None and len(long.text) < 6000
    web.set(POST_WIDGET, WIDGET.replace("Ảnh: người dân cung cấp", "x" * 300_000))
    widget = check(store, web, POST, "telegram", clock.next_day(), max_bytes=100_000)
    assert widget.change == "error"


@pytest.mark.parametrize(
    "location", ["http://127.0.0.1:1/oembed", "http://10.0.0.7/oembed", "http://[::1]:9/x"]
)
def test_a_redirect_to_an_internal_address_is_refused_and_never_a_takedown(
    store: Store, web: PublicWeb, location: str
) -> None:
    clock = Clock()
    web.set(VIDEO_OEMBED, YOUTUBE_JSON, content_type=JSON)
    check(store, web, VIDEO, "youtube", clock)
    web.set(VIDEO_OEMBED, b"", 302, location=location)
    refused = check(store, web, VIDEO, "youtube", clock.next_day())
    assert (refused.status_code, refused.reason, refused.change) == (None, "error", "error")
    assert refused.error is not None and "nội bộ" in refused.error
    assert len(web.hits) == 2  # the redirect was never followed


def test_the_evidence_guard_lets_public_oembed_hosts_through_and_no_internal_one() -> None:
    public = Guard({}, resolver=lambda host, port: [ip_address("142.250.66.46")])
    scope = public.scope(None)
    for url in (VIDEO_OEMBED, TIKTOK_OEMBED, POST_WIDGET):
        assert public.addresses(url, scope)
    internal = Guard({}, resolver=lambda host, port: [ip_address("10.1.2.3")])
    with pytest.raises(Refused):
        internal.addresses(VIDEO_OEMBED, internal.scope(None))


def test_a_fetch_without_answer_keeps_the_post_standing_unknown(store: Store) -> None:
    clock = Clock()
    ok = capture(
        store,
        "cluster:1",
        POST,
        lambda u: Fetched(u, 200, u, WIDGET.encode(), "utf-8"),
        clock,
        platform="telegram",
    )
    assert ok is not None and ok.reason == "ok"
    down = capture(
        store,
        "cluster:1",
        POST,
        lambda u: Fetched(u, None, None, b"", error="timeout"),
        clock.next_day(),
        platform="telegram",
    )
    assert down is not None and (down.reason, down.change, down.error) == (
        "error",
        "error",
        "timeout",
    )
    [where] = standing(store.list_evidence("cluster:1"))
    assert where.state == "unknown" and where.checked.id == down.id


def test_a_reported_post_with_a_screenshot_is_still_checked_at_once(
    store: Store, web: PublicWeb
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    clock = Clock()
    done = submit(
        store,
        console_config(),
        Report(url=POST, screenshot=Screenshot("a.png", "image/png", png)),
        Reporter("Nguyễn Văn A", "console"),
        clock,
    )
    store.open_case(done.story, "Lan", T0)
    web.set(POST_WIDGET, WIDGET)
    [checked] = refetch_open_cases(store, clock, web.fetch())
    assert (checked.url, checked.reason) == (POST, "ok")
    assert [r.reason for r in store.list_evidence(done.story)] == ["reported", "ok"]
    [where] = standing(store.list_evidence(done.story))
    assert where.checked.id == checked.id and where.state == "online"


def test_shared_summary_of_hostile_pages() -> None:
    huge = f'<html><head><meta property="og:title" content="{"á" * 100_000}"></head></html>'
    summary = shared_summary(huge)
    assert summary is not None and len(summary[0]) == 5000 and summary[1] == ""
    tagged = '<meta name="twitter:description" content="&lt;b&gt;Sạt&lt;/b&gt; lở &amp;amp; ngập">'
    assert shared_summary(tagged) == ("", "Sạt lở & ngập")
    # An error page's <title> is not what it shares: no summary, the page reads as removed.
    assert shared_summary("<html><head><title>404 Not Found</title></head></html>") is None
    for broken in ("", "\x00", "<<<>>>", "<meta property='og:title' content=''>"):
        assert shared_summary(broken) is None
