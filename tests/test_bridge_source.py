"""A `bridge` source: feeds made by the centre's own RSSHub or RSS-Bridge.

The stored feeds (tests/outlets/bridges, written in the structure each bridge serves: RSSHub's
RSS 2.0, RSS-Bridge's Atom and JSON Feed, for a Facebook page and a TikTok account) give one item
per post: the original post's URL and platform (never the bridge's), the text of the entry's
HTML without its images, the entry's date, the first line as the title. The post's page is
never fetched; links to internal addresses, back to the bridge, or that are no http(s) are
refused; broken and hostile feeds neither crash the pass nor store what they should not."""

from __future__ import annotations

import argparse
import io
import ipaddress
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.bridges import BridgeError, parse_bridge_feed
from crawler.guard import Guard, Refused, check_link, internal_host
from crawler.posts import MAX_TEXT, TITLE_CHARS, post_text, post_title
from crawler.spider import item_platform
from duluan.commands.extract import cmd_try
from duluan.config import ConfigError, parse_config
from tests.kit.crawl import by_source, crawl, stored, write_config
from tests.site.server import LocalSite

pytestmark = pytest.mark.sqlite_only  # no SQL of its own: see tests/kit/db.py

FEEDS = Path(__file__).resolve().parent / "outlets" / "bridges"
RSSHUB_FACEBOOK = (FEEDS / "rsshub_facebook.xml").read_text(encoding="utf-8")
RSSHUB_TIKTOK = (FEEDS / "rsshub_tiktok.xml").read_text(encoding="utf-8")
BRIDGE_FACEBOOK = (FEEDS / "rssbridge_facebook.atom").read_text(encoding="utf-8")
BRIDGE_TIKTOK = (FEEDS / "rssbridge_tiktok.atom").read_text(encoding="utf-8")
BRIDGE_TIKTOK_JSON = (FEEDS / "rssbridge_tiktok.json").read_text(encoding="utf-8")
RSSHUB = ["http://localhost:1200/facebook/page/ubnd.xadakpxi"]

FB_POST = "https://www.facebook.com/ubnd.xadakpxi/posts/pfbid02Xk7aQpLm3vT9cW1dRz8sHfUe4nBy6oJgKiE5tA2rVqPwDx"
FB_SHARE = (
    "https://www.facebook.com/permalink.php?"
    "story_fbid=pfbid0Tr5nM2kQwZ8yXbV3cLd7eHsJ1gAoP4uFi9RtN6mKzBjYx&id=100064512345678"
)
FB_PHOTO = "https://www.facebook.com/ubnd.xadakpxi/posts/pfbid0aB3cD4eF5gH6iJ7kL8mN9oP1qR2sT3uV4wX5yZ6aB7cD8e"
FB_VIDEO = "https://www.facebook.com/ubnd.xadakpxi/videos/1187654321098765/"
TT_FLOOD = "https://www.tiktok.com/@dakha.tv/video/7441234567890123456"
TT_BRIDGE = "https://www.tiktok.com/@dakha.tv/video/7440987654321098765"
NOTICE = (
    "THÔNG BÁO: Tạm cấm xe qua cầu tràn thôn Kon Gung, xã Đăk Pxi\n"
    "Do mưa lớn kéo dài, nước sông Đăk Pxi dâng cao. UBND xã đề nghị bà con không đi qua cầu "
    "tràn cho đến khi có thông báo mới."
)
FLOOD = "Nước lũ chia cắt thôn Kon Gung xã Đăk Pxi chiều nay #dakha #kontum #lulut"


def test_rsshub_facebook_page_each_entry_is_a_post() -> None:
    feed = parse_bridge_feed(RSSHUB_FACEBOOK.encode(), RSSHUB)
    assert feed.title == "UBND xã Đăk Pxi" and feed.refused == ()
    posts = {p.url: p for p in feed.posts}
    assert list(posts) == [FB_POST, FB_SHARE, FB_PHOTO]
    notice = posts[FB_POST]
    assert notice.text == NOTICE + "\nMọi thông tin xin liên hệ #dakpxi"
    assert notice.published_at == datetime(2026, 11, 24, 23, 15, tzinfo=UTC)
    assert notice.author == "UBND xã Đăk Pxi"
    # A shared link: its title is kept as a line, its image dropped.
    assert posts[FB_SHARE].text.splitlines() == [
        "Báo Quảng Ngãi đưa tin về việc khắc phục sạt lở đường liên thôn",
        "Khắc phục sạt lở ở Đăk Pxi",
    ]
    # A photo without text: RSSHub titles it with the page's name, which is no text.
    assert posts[FB_PHOTO].text == ""
    for post in feed.posts:
        assert "fbcdn" not in post.text and "<" not in post.text


def test_rsshub_tiktok_caption_is_the_title_and_the_video_is_dropped() -> None:
    feed = parse_bridge_feed(RSSHUB_TIKTOK.encode(), RSSHUB)
    assert [(p.url, p.text) for p in feed.posts] == [
        (TT_FLOOD, FLOOD),
        (TT_BRIDGE, "Học sinh Đăk Hà qua cầu treo mới đến trường"),
    ]
    assert feed.posts[0].published_at == datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
    assert feed.posts[0].author == "Đăk Hà TV"


def test_rss_bridge_facebook_atom_uses_the_alternate_link_not_the_urn_id() -> None:
    feed = parse_bridge_feed(BRIDGE_FACEBOOK.encode(), ["http://localhost:3000/?action=display"])
    posts = {p.url: p for p in feed.posts}
    assert list(posts) == [FB_POST, FB_VIDEO]
    assert posts[FB_POST].text == NOTICE
    assert posts[FB_POST].published_at == datetime(2026, 11, 24, 23, 15, tzinfo=UTC)
    assert posts[FB_VIDEO].text.endswith("Hơn 60 người dân đã tham gia.")
    # FacebookBridge's post without its own URL (the bare https://www.facebook.com/, an
    # `urn:sha1:` id, the title "Post from 2026-11-25") cannot be an item of its own.
    [missing] = feed.refused
    assert missing.kind == "missing" and "không có liên kết" in missing.message


def test_rss_bridge_tiktok_atom_and_json_feed_give_the_same_posts() -> None:
    atom = parse_bridge_feed(BRIDGE_TIKTOK.encode(), [])
    json_feed = parse_bridge_feed(BRIDGE_TIKTOK_JSON.encode(), [])
    assert atom.posts == json_feed.posts
    assert atom.title == json_feed.title == "@dakha.tv - TikTok"
    flood = atom.posts[0]
    assert (flood.url, flood.author) == (TT_FLOOD, "@dakha.tv")
    assert flood.text == f"{FLOOD}\n12.3K views"
    assert flood.published_at is None  # TikTokBridge knows no time: none is guessed


def test_json_feed_text_and_dates() -> None:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Kênh",
        "items": [
            {
                "id": "1",
                "url": "https://www.youtube.com/watch?v=abc",
                "content_text": "Dòng 1 <b>không phải thẻ</b>\nDòng 2",
                "date_published": "2026-11-25T08:00:00+07:00",
                "authors": [{"name": "Đài xã"}],
            },
            "not an item",
            {"id": "2", "external_url": "https://voz.vn/t/dak-pxi.123/", "title": "Chủ đề"},
        ],
    }
    feed = parse_bridge_feed(json.dumps(document).encode(), [])
    first, second = feed.posts
    assert first.text == "Dòng 1 <b>không phải thẻ</b>\nDòng 2"
    assert first.published_at == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    assert first.author == "Đài xã"
    assert (second.url, second.text) == ("https://voz.vn/t/dak-pxi.123/", "Chủ đề")


def entry(link: str, description: str = "<p>Bài đăng</p>") -> bytes:
    item = f"<item><title>Tiêu đề</title><description><![CDATA[{description}]]></description>"
    item += f"{link}<pubDate>Wed, 25 Nov 2026 01:40:12 GMT</pubDate></item>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Trang</title>'
        f"{item}</channel></rss>"
    ).encode()


@pytest.mark.parametrize(
    ("link", "kind"),
    [
        ("", "missing"),
        ("<link></link>", "missing"),
        ("<link>https://www.facebook.com/</link>", "missing"),
        ("<link>javascript:alert(1)</link>", "scheme"),
        ("<link>file:///etc/passwd</link>", "scheme"),
        ("<link>http://192.168.1.10/admin</link>", "private"),
        ("<link>http://127.0.0.1:8080/</link>", "private"),
        ("<link>http://2130706433/x</link>", "private"),
        ("<link>http://[::ffff:10.0.0.1]/x</link>", "private"),
        ("<link>http://rsshub:1200/facebook/page/x</link>", "private"),
        ("<link>http://router.lan/</link>", "private"),
        ("<link>http://metadata.google.internal/computeMetadata/v1/</link>", "private"),
        ("<link>http://localhost:1200/tiktok/user/@x</link>", "bridge"),
        ("<link>http://localhost:1200/</link><guid>http://localhost:1200/x</guid>", "bridge"),
    ],
)
def test_an_entry_without_a_usable_link_is_left_out(link: str, kind: str) -> None:
    feed = parse_bridge_feed(entry(link), RSSHUB)
    assert feed.posts == ()
    [refusal] = feed.refused
    assert refusal.kind == kind


def test_the_next_link_of_an_entry_names_the_post_when_the_first_cannot() -> None:
    # RSSHub: a route may put its own address in <link> and the post in a permalink <guid>.
    link = f"<link>http://localhost:1200/x</link><guid>{FB_POST}</guid>"
    [post] = parse_bridge_feed(entry(link), RSSHUB).posts
    assert post.url == FB_POST


def test_a_bridge_on_a_public_host_is_still_not_an_item() -> None:
    bridge = ["https://rsshub.dakha.gov.vn/facebook/page/x"]
    feed = parse_bridge_feed(entry("<link>https://rsshub.dakha.gov.vn/x/1</link>"), bridge)
    assert feed.posts == () and feed.refused[0].kind == "bridge"


def test_a_huge_description_is_cut_and_scripts_never_become_text() -> None:
    description = "<script>alert('x')</script><p>Đăk Pxi</p><img src=x onerror=alert(1)>"
    description += "<p>" + "Sạt lở đường. " * 200_000 + "</p>"
    [post] = parse_bridge_feed(entry(f"<link>{FB_POST}</link>", description), RSSHUB).posts
    assert post.text.startswith("Đăk Pxi\nSạt lở") and "alert" not in post.text
    assert len(post.text) <= MAX_TEXT


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<rss><channel><title>cut",
        b"<html><body><h1>Bridge error: TikTok returned 403</h1></body></html>",
        b"\x00\xff" * 500,
        b'{"version": "https://jsonfeed.org/version/1", "items": ',
        b'{"error": "Route not found"}',
        b"[1, 2, 3]",
    ],
)
def test_a_document_that_is_no_feed_is_a_bridge_error(body: bytes) -> None:
    with pytest.raises(BridgeError, match=r"không phải|không có danh sách items|no entries"):
        parse_bridge_feed(body, RSSHUB)


LINKS = st.one_of(
    st.sampled_from(
        [FB_POST, "http://127.0.0.1/", "javascript:x", "http://rsshub:1200/", "urn:sha1:ab", ""]
    ),
    st.text(max_size=40),
)


@given(st.lists(st.tuples(LINKS, st.text(max_size=200)), max_size=4), st.text(max_size=50))
def test_any_feed_gives_posts_on_public_links_or_a_bridge_error(
    items: list[tuple[str, str]], junk: str
) -> None:
    from xml.sax.saxutils import escape

    entries = "".join(
        f"<item><link>{escape(link)}</link><description>{escape(text)}</description></item>"
        for link, text in items
    )
    body = f'<rss version="2.0"><channel>{escape(junk)}{entries}</channel></rss>'.encode()
    try:
        feed = parse_bridge_feed(body, RSSHUB)
    except BridgeError:
        return
    for post in feed.posts:
        assert check_link(post.url) == post.url
        assert len(post.text) <= MAX_TEXT


def test_a_post_title_is_its_first_line_cut() -> None:
    assert post_title("  Dòng đầu\nDòng hai") == "Dòng đầu"
    assert post_title("") == ""
    long = post_title("chữ " * 100)
    assert len(long) == TITLE_CHARS and long.endswith("…")
    assert post_text("<p>a</p><p>b<br>c</p><video><source src=x></video>") == "a\nb\nc"


@pytest.mark.parametrize(
    ("host", "internal"),
    [
        ("localhost", True),
        ("rsshub", True),
        ("app.localhost", True),
        ("printer.local", True),
        ("10.1.2.3", True),
        ("0x7f.1", True),
        ("[fd00::1]", True),
        ("www.facebook.com", False),
        ("8.8.8.8", False),
        ("rsshub.dakha.gov.vn", False),
    ],
)
def test_internal_hosts_by_their_spelling(host: str, internal: bool) -> None:
    assert internal_host(host) is internal


CONFIG = """locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}
sources:
  - name: fb-dak-pxi
    title: UBND xã Đăk Pxi (Facebook)
    bridge: rsshub
    feeds: [http://localhost:1200/facebook/page/ubnd.xadakpxi]
"""


def test_the_guard_lets_the_bridge_through_and_no_other_internal_address() -> None:
    [source] = parse_config(CONFIG, "config.yaml", {}).config.sources
    assert source.bridge == "rsshub" and not source.fetches_pages

    def resolver(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        local = {"localhost": "127.0.0.1", "rsshub": "172.18.0.2"}
        return [ipaddress.ip_address(local.get(host, "157.240.7.35"))]

    guard = Guard.for_sources([source], resolver)
    scope = guard.scope(source.name)
    own = "http://localhost:1200/facebook/page/ubnd.xadakpxi?limit=5"
    assert [str(a) for a in guard.addresses(own, scope)] == ["127.0.0.1"]
    for other in [
        "http://localhost:1201/",
        "http://127.0.0.1:1200/facebook/page/x",
        "http://rsshub:1200/",
        "http://localhost/admin",
    ]:
        with pytest.raises(Refused):
            guard.addresses(other, scope)
    # Outside its scope even on a public address: the post itself is never fetched.
    with pytest.raises(Refused):
        guard.addresses(FB_POST, scope)


def test_a_bridge_post_keeps_the_platform_of_its_link() -> None:
    [source] = parse_config(CONFIG, "config.yaml", {}).config.sources
    assert item_platform(source, FB_POST) == "facebook"
    assert item_platform(source, TT_FLOOD) == "tiktok"
    assert item_platform(source, "https://voz.vn/t/x.1/") == "forum"
    # Not news just because a configured source led there (what a press feed's links are).
    assert item_platform(source, "https://blog.example.com/bai-1") == "other"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("bridge: rsshub\n    fetch_pages: true", "không tải trang của bài đăng"),
        ("bridge: rsshub\n    sitemaps: [https://x.vn/s.xml]", "cần feeds"),
        ("bridge: nitter", "sources[0].bridge"),
    ],
)
def test_a_wrong_bridge_source_is_named_in_vietnamese(change: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(CONFIG.replace("bridge: rsshub", change), "config.yaml", {})
    assert message in str(caught.value)


SOURCES = """  - name: fb-dak-pxi
    title: UBND xã Đăk Pxi (Facebook)
    bridge: rsshub
    feeds: ['{{BASE}}/rsshub/facebook/page/ubnd.xadakpxi']
  - name: tiktok-dak-ha
    title: Đăk Hà TV (TikTok)
    bridge: rss-bridge
    feeds: ['{{BASE}}/?action=display&bridge=TikTokBridge&username=%40dakha.tv&format=Atom']
"""
TIKTOK_PATH = "/?action=display&bridge=TikTokBridge&username=%40dakha.tv&format=Atom"


def serve(site: LocalSite, facebook: str, tiktok: str = BRIDGE_TIKTOK) -> None:
    site.override("/rsshub/facebook/page/ubnd.xadakpxi", facebook.encode(), "application/xml")
    site.override(TIKTOK_PATH, tiktok.encode(), "application/atom+xml")


def pages(site: LocalSite) -> list[str]:
    """What the crawl asked the local bridge for, robots.txt aside."""
    return [h.path for h in site.requests if h.path != "/robots.txt"]


def test_a_pass_stores_each_post_and_fetches_no_page(tmp_path: Path, db_url: str) -> None:
    with LocalSite() as site:
        serve(site, RSSHUB_FACEBOOK)
        config = write_config(tmp_path, site.base, SOURCES)
        summaries = by_source(crawl(config, db_url))
        facebook, tiktok = summaries["fb-dak-pxi"], summaries["tiktok-dak-ha"]
        assert facebook.ok and facebook.new == 3 and facebook.errors == [], facebook.errors
        assert tiktok.ok and tiktok.new == 2, tiktok.errors
        # The bridge on 127.0.0.1 was read (its own origin); nothing else was asked for.
        assert sorted(pages(site)) == sorted(["/rsshub/facebook/page/ubnd.xadakpxi", TIKTOK_PATH])
        items = {a.url: a for a in stored(db_url)}
        assert sorted(items) == sorted([FB_POST, FB_SHARE, FB_PHOTO, TT_FLOOD, TT_BRIDGE])
        notice = items[FB_POST]
        assert (notice.platform, notice.via, notice.source) == ("facebook", "rsshub", "fb-dak-pxi")
        assert notice.title == "THÔNG BÁO: Tạm cấm xe qua cầu tràn thôn Kon Gung, xã Đăk Pxi"
        assert notice.text.startswith(NOTICE) and notice.published_at == datetime(
            2026, 11, 24, 23, 15, tzinfo=UTC
        )
        assert notice.author == "UBND xã Đăk Pxi"
        assert items[FB_PHOTO].title == "Bài đăng trên UBND xã Đăk Pxi"
        flood = items[TT_FLOOD]
        assert (flood.platform, flood.via, flood.title) == ("tiktok", "rss-bridge", FLOOD)
        assert flood.published_at is None and flood.author == "@dakha.tv"
        assert not any(site.base.split("//")[1] in url for url in items)

        # Next pass (the feed rebuilt since): the same posts are known, nothing is new and
        # nothing but the feeds is asked for.
        serve(site, RSSHUB_FACEBOOK.replace("02:55:10 GMT", "03:00:00 GMT"))
        before = len(pages(site))
        again = by_source(crawl(config, db_url))
        assert again["fb-dak-pxi"].new == 0 and again["fb-dak-pxi"].unchanged == 3
        assert again["tiktok-dak-ha"].new == 0 and len(pages(site)) == before + 2


def test_a_hostile_bridge_feed_stores_only_public_posts(tmp_path: Path, db_url: str) -> None:
    hostile = (
        RSSHUB_FACEBOOK.replace(FB_SHARE.replace("&", "&amp;"), "javascript:alert(1)")
        .replace(
            f"<link>{FB_PHOTO}</link>",
            "<link>http://169.254.169.254/latest/meta-data/</link>",
        )
        .replace(f'"false">{FB_PHOTO}<', '"false">http://169.254.169.254/x<')
        .replace("Do mưa lớn kéo dài", "<script>alert('x')</script>Do mưa lớn kéo dài")
    )
    with LocalSite() as site:
        serve(site, hostile, tiktok=BRIDGE_TIKTOK[: BRIDGE_TIKTOK.index("<entry>")])  # cut short
        config = write_config(tmp_path, site.base, SOURCES)
        summaries = by_source(crawl(config, db_url))
        facebook = summaries["fb-dak-pxi"]
        assert facebook.ok and facebook.new == 1 and facebook.refused == 2
        assert {e.kind for e in facebook.errors} == {"refused"}
        tiktok = summaries["tiktok-dak-ha"]
        assert not tiktok.ok and any("không phải RSS/Atom" in e.message for e in tiktok.errors)
        [item] = stored(db_url)
        assert item.url == FB_POST and "alert" not in item.text
        assert len(pages(site)) == 2


def test_try_shows_the_posts_and_fetches_no_page(tmp_path: Path) -> None:
    with LocalSite() as site:
        hostile = RSSHUB_FACEBOOK.replace(f"<link>{FB_PHOTO}</link>", "<link>javascript:x</link>")
        serve(site, hostile.replace(f'"false">{FB_PHOTO}<', '"false">javascript:x<'))
        config = write_config(tmp_path, site.base, SOURCES)
        out = io.StringIO()
        code = cmd_try(argparse.Namespace(source="fb-dak-pxi", articles=3), config, out)
        shown = out.getvalue()
        assert code == 0, shown
        assert f"+ {FB_POST}  (2026-11-24T23:15:00+00:00)" in shown
        assert "bỏ qua javascript:x: không phải địa chỉ http(s)" in shown
        assert "Nguồn chỉ đọc feed (bridge: rsshub): không tải trang bài." in shown
        assert pages(site) == ["/rsshub/facebook/page/ubnd.xadakpxi"]
