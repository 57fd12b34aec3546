"""A `telegram` source: a public channel read through its web preview (`t.me/s/<channel>`).

The stored preview pages (tests/outlets/telegram_dakpxi, written in the structure Telegram
serves) give one item per post with its own URL, aware date, views, text with its line
breaks and platform `telegram`; older pages are read with `?before=` back to the last post
already stored; the channel name is validated; a broken or hostile page neither crashes the
pass nor stores anything it should not."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.posts import MAX_TEXT
from crawler.spider import TELEGRAM_PAGES
from crawler.telegram import (
    TelegramError,
    parse_channel_page,
    parse_views,
    preview_url,
)
from duluan.config import ConfigError, parse_config
from tests.kit.crawl import by_source, crawl, stored, write_config
from tests.site.server import LocalSite

pytestmark = pytest.mark.sqlite_only  # no SQL of its own: see tests/kit/db.py

PAGES = Path(__file__).resolve().parent / "outlets" / "telegram_dakpxi"
NEWEST = (PAGES / "s.html").read_text(encoding="utf-8")
OLDER = (PAGES / "s@before=141.html").read_text(encoding="utf-8")
CHANNEL = "dakpxi_tin"
SOURCE = f"""  - name: tin-dak-pxi
    title: Tin Đăk Pxi (Telegram)
    telegram: {CHANNEL}
    telegram_preview: '{{{{BASE}}}}/tg/s/{CHANNEL}'
"""


def test_each_post_of_the_preview_is_an_item() -> None:
    page = parse_channel_page(NEWEST, CHANNEL)
    assert page.title == "Tin Đăk Pxi"
    posts = {p.id: p for p in page.posts}
    assert list(posts) == [141, 142, 143, 144, 145]
    first = posts[141]
    assert first.url == "https://t.me/dakpxi_tin/141"
    assert first.published_at == datetime(2026, 11, 24, 23, 15, tzinfo=UTC)
    assert first.published_at is not None and first.published_at.utcoffset() is not None
    assert first.views == 845
    assert first.text == (
        "Mưa lớn kéo dài, đoạn đường từ thôn Kon Gung đi trung tâm xã Đăk Pxi bị sạt lở "
        "khoảng 30 m.\nNgười dân lưu ý không đi qua khu vực này vào ban đêm.\n\n"
        "Ảnh: người dân cung cấp"
    )
    assert (posts[142].text, posts[142].photo, posts[142].views) == ("", True, 1200)
    forwarded = posts[143]
    assert forwarded.forwarded_from == "Báo Quảng Ngãi"
    assert "baoquangngai.vn/xa-hoi/khac-phuc-sat-lo-dak-pxi.htm" in forwarded.text
    assert (posts[144].edited, posts[144].views) == (True, 12_000)
    assert not any(p.edited for i, p in posts.items() if i != 144)
    # A reply quotes the post it answers: the quote is not the reply's text.
    assert posts[145].text == "Cảm ơn bà con đã báo tin kịp thời."
    assert posts[145].views == 2_000_000


@pytest.mark.parametrize(
    ("shown", "views"),
    [("845", 845), ("1.2K", 1200), ("1,5K", 1500), ("12K", 12000), ("2M", 2_000_000),
     ("3.45M", 3_450_000), ("", None), ("nhiều", None), ("1.2.3K", None), ("-5", None)],
)  # fmt: skip
def test_views_as_shown(shown: str, views: int | None) -> None:
    assert parse_views(shown) == views


@given(st.text(max_size=30))
def test_views_never_raise(shown: str) -> None:
    views = parse_views(shown)
    assert views is None or views >= 0


def test_older_pages_are_asked_with_before() -> None:
    assert preview_url(CHANNEL) == "https://t.me/s/dakpxi_tin"
    assert preview_url(CHANNEL, 141) == "https://t.me/s/dakpxi_tin?before=141"
    assert (
        preview_url(CHANNEL, 7, "http://127.0.0.1:1/tg?x=1") == "http://127.0.0.1:1/tg?x=1&before=7"
    )


@pytest.mark.parametrize("name", ["@dakpxi_tin", "t.me/dakpxi_tin", "abcd", "a" * 33, "kênh_xã"])
def test_a_wrong_channel_name_is_named_in_vietnamese(name: str) -> None:
    text = (
        "locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}\n"
        f"sources:\n  - name: tg\n    title: Kênh\n    telegram: '{name}'\n"
    )
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "config.yaml", {})
    assert "sources[0].telegram: tên kênh Telegram" in str(caught.value)


def test_a_channel_is_a_source_of_its_own() -> None:
    text = (
        "locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}\n"
        "sources:\n  - name: tg\n    title: Kênh\n    telegram: Dak_Pxi_2026\n"
    )
    [source] = parse_config(text, "config.yaml", {}).config.sources
    assert source.telegram_url == "https://t.me/s/Dak_Pxi_2026"
    assert source.configured_urls() == ["https://t.me/s/Dak_Pxi_2026"]  # the guard's origin
    with pytest.raises(ConfigError, match="telegram_preview"):
        parse_config(
            text.replace(
                "telegram: Dak_Pxi_2026",
                "feeds: [https://x.vn/rss]\n    telegram_preview: https://x.vn/s/a",
            ),
            "config.yaml",
            {},
        )


def serve(site: LocalSite, newest: str, older: str | None = None) -> None:
    kind = "text/html; charset=utf-8"
    site.override(f"/tg/s/{CHANNEL}", newest.encode(), kind)
    if older is not None:
        site.override(f"/tg/s/{CHANNEL}?before=141", older.encode(), kind)


def test_a_pass_reads_back_to_the_last_post_already_stored(tmp_path: Path, db_url: str) -> None:
    with LocalSite() as site:
        serve(site, NEWEST, OLDER)
        config = write_config(tmp_path, site.base, SOURCE)
        summary = by_source(crawl(config, db_url))["tin-dak-pxi"]
        assert summary.ok and summary.new == 7, summary.errors
        first_pass = [h.path for h in site.requests]
        items = {a.url: a for a in stored(db_url)}
        assert sorted(items) == [
            f"https://t.me/dakpxi_tin/{i}" for i in (121, 122, 141, 142, 143, 144, 145)
        ]
        assert {a.platform for a in items.values()} == {"telegram"}
        slide = items["https://t.me/dakpxi_tin/141"]
        assert slide.title.startswith("Mưa lớn kéo dài, đoạn đường")
        assert "\n" in slide.text and slide.views == 845 and slide.via == "telegram"
        assert slide.published_at == datetime(2026, 11, 24, 23, 15, tzinfo=UTC)
        assert items["https://t.me/dakpxi_tin/142"].title == "Ảnh đăng trên kênh Tin Đăk Pxi"
        assert items["https://t.me/dakpxi_tin/143"].author == (
            "Tin Đăk Pxi (chuyển tiếp từ Báo Quảng Ngãi)"
        )
        assert items["https://t.me/dakpxi_tin/122"].views == 1500
        assert first_pass.count(f"/tg/s/{CHANNEL}?before=141") == 1
        assert not any("before=121" in p for p in first_pass), "read past the time limit"

        # Next pass: a new post on the newest page; the rest is known, no older page is read.
        newer = NEWEST.replace('data-post="dakpxi_tin/141"', 'data-post="dakpxi_tin/146"')
        newer = newer.replace(">1.2K<", ">1.3K<")  # post 142 seen by more people
        serve(site, newer)
        before = len(site.requests)
        again = by_source(crawl(config, db_url))["tin-dak-pxi"]
        assert again.ok and again.new == 1, again.errors
        assert not any("before=" in h.path for h in site.requests[before:])
        after = {a.url: a for a in stored(db_url)}
        assert len(after) == 8 and after["https://t.me/dakpxi_tin/142"].views == 1300
        assert after["https://t.me/dakpxi_tin/146"].views == 845


HOSTILE = (
    NEWEST.replace(
        "Cảm ơn bà con đã báo tin kịp thời.",
        "<script>alert('x')</script>Xin chào<img src=x onerror=alert(1)>" + "Đăk Pxi " * 5000,
    )
    .replace('datetime="2026-11-24T23:15:00+00:00"', 'datetime="hôm qua"')
    .replace('datetime="2026-11-25T01:40:12+00:00"', 'datetime="2026-11-25T01:40:12"')
    .replace('data-post="dakpxi_tin/143"', 'data-post="kenh_khac/143"')
    .replace('data-post="dakpxi_tin/144"', 'data-post="dakpxi_tin/abc"')
)


def test_a_hostile_page_stores_only_what_it_should() -> None:
    posts = {p.id: p for p in parse_channel_page(HOSTILE, CHANNEL).posts}
    assert sorted(posts) == [141, 142, 145]  # another channel's post, a bad id: skipped
    assert posts[141].published_at is None  # "hôm qua"
    assert posts[142].published_at is None  # no offset: not guessed
    text = posts[145].text
    assert text.startswith("Xin chàoĐăk Pxi") and "alert" not in text and "<" not in text
    assert len(text) <= MAX_TEXT


@pytest.mark.parametrize(
    "page",
    [
        "",
        "<html><body><h1>Not Found</h1></body></html>",
        "\x00\xff" * 1000,
        '<div class="tgme_page_description">If you have Telegram, you can contact</div>',
    ],
)
def test_a_page_that_is_no_channel_preview_is_an_error(page: str) -> None:
    with pytest.raises(TelegramError, match="không phải trang xem trước của kênh Telegram"):
        parse_channel_page(page, CHANNEL)


def test_an_empty_channel_has_no_posts() -> None:
    empty = '<section class="tgme_channel_history js-message_history"></section>'
    assert parse_channel_page(empty, CHANNEL).posts == ()


def test_a_broken_channel_fails_the_source_not_the_pass(tmp_path: Path, db_url: str) -> None:
    with LocalSite() as site:
        serve(site, "<html><body>Kênh không tồn tại</body></html>")
        config = write_config(tmp_path, site.base, SOURCE)
        summary = by_source(crawl(config, db_url))["tin-dak-pxi"]
        assert not summary.ok
        assert any("không phải trang xem trước" in e.message for e in summary.errors)
        assert stored(db_url) == []
        serve(site, HOSTILE)
        again = by_source(crawl(config, db_url))["tin-dak-pxi"]
        assert again.ok and again.new == 3, again.errors
        texts = [a.text for a in stored(db_url)]
        assert not any("alert" in t for t in texts)


MESSAGE = st.builds(
    lambda post, text, when, views: (
        f'<div class="tgme_widget_message" data-post="{post}">'
        f'<div class="tgme_widget_message_text">{text}</div>'
        f'<span class="tgme_widget_message_views">{views}</span>'
        f'<a class="tgme_widget_message_date"><time datetime="{when}"></time></a></div>'
    ),
    st.one_of(st.just("dakpxi_tin/7"), st.text(max_size=20)),
    st.text(max_size=200),
    st.one_of(st.text(max_size=30), st.datetimes().map(str)),
    st.text(max_size=8),
)


@given(st.lists(MESSAGE, max_size=4), st.text(max_size=100))
def test_any_preview_markup_gives_posts_or_a_telegram_error(messages: list[str], junk: str) -> None:
    html = f'<section class="tgme_channel_history">{junk}{"".join(messages)}</section>'
    try:
        page = parse_channel_page(html, CHANNEL)
    except TelegramError:
        return
    for post in page.posts:
        assert post.url == f"https://t.me/{CHANNEL}/{post.id}"
        assert post.published_at is None or post.published_at.utcoffset() is not None
        assert len(post.text) <= MAX_TEXT


def test_the_preview_goes_through_the_fetch_guard(tmp_path: Path, db_url: str) -> None:
    """A preview that redirects elsewhere (an internal address) is refused like any URL."""
    with LocalSite(redirects={f"/tg/s/{CHANNEL}": "http://169.254.169.254/s/x"}) as site:
        config = write_config(tmp_path, site.base, SOURCE)
        summary = by_source(crawl(config, db_url))["tin-dak-pxi"]
        assert not summary.ok and summary.new == 0
        assert [e.kind for e in summary.errors] == ["refused"], summary.errors
        assert stored(db_url) == []


def channel_page(newest: int, count: int = 5) -> str:
    """A preview page of `count` posts up to `newest` (oldest first, as Telegram lists them),
    all within the pass's time limit."""
    posts = "".join(
        f'<div class="tgme_widget_message" data-post="{CHANNEL}/{n}">'
        f'<div class="tgme_widget_message_text">Bài số {n} của kênh xã Đăk Pxi</div>'
        f'<span class="tgme_widget_message_views">{n}</span>'
        f'<a class="tgme_widget_message_date"><time datetime="2026-11-25T10:{n % 60:02d}:00+00:00">'
        "</time></a></div>"
        for n in range(newest - count + 1, newest + 1)
    )
    return f'<section class="tgme_channel_history">{posts}</section>'


def test_a_pass_reads_at_most_ten_pages_of_a_channel(tmp_path: Path, db_url: str) -> None:
    """A channel that posted more than ten pages since the last pass (or an endless preview)
    stops at `TELEGRAM_PAGES`: the next pass starts again from the newest page."""
    kind = "text/html; charset=utf-8"
    with LocalSite() as site:
        site.override(f"/tg/s/{CHANNEL}", channel_page(1000).encode(), kind)
        for before in range(996, 900, -5):
            site.override(f"/tg/s/{CHANNEL}?before={before}", channel_page(before - 1), kind)
        config = write_config(tmp_path, site.base, SOURCE)
        summary = by_source(crawl(config, db_url))["tin-dak-pxi"]
        assert summary.ok, summary.errors
        asked = [h.path for h in site.requests if h.path.startswith("/tg/")]
        assert len(asked) == TELEGRAM_PAGES
        assert asked[-1] == f"/tg/s/{CHANNEL}?before={1001 - 5 * (TELEGRAM_PAGES - 1)}"
        assert summary.new == 5 * TELEGRAM_PAGES


def test_an_unchanged_preview_is_answered_not_modified(tmp_path: Path, db_url: str) -> None:
    """The newest page is asked again with its validators: a 304 stores nothing and reads no
    older page."""
    with LocalSite() as site:
        serve(site, NEWEST, OLDER)
        config = write_config(tmp_path, site.base, SOURCE)
        assert by_source(crawl(config, db_url))["tin-dak-pxi"].ok
        before = len(site.requests)
        again = by_source(crawl(config, db_url))["tin-dak-pxi"]
        assert again.ok and again.new == 0 and again.updated == 0, again.errors
        hits = [h for h in site.requests[before:] if h.path.startswith("/tg/")]
        assert [(h.path, h.status) for h in hits] == [(f"/tg/s/{CHANNEL}", 304)]
