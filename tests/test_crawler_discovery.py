"""Feeds, sitemaps and listings of the real-shaped mini-sites, parsed without a crawl."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawler.feeds import FeedError, parse_feed
from crawler.listings import parse_listing
from crawler.sitemaps import SitemapError, parse_sitemap, shard_end
from duluan.config import load_config

DATA = Path(__file__).resolve().parent / "site" / "data"
OUTLETS = Path(__file__).resolve().parent / "outlets"
ICT = timezone(timedelta(hours=7))


def served(path: str) -> bytes:
    return (DATA / path).read_bytes().replace(b"{{BASE}}", b"http://local")


def test_tuoitre_feed_us_style_local_dates() -> None:
    feed = parse_feed(served("tuoitre/rss/tin-moi-nhat.rss"), "http://local/tuoitre/rss")
    dates = {link.url.rsplit("/", 1)[-1]: link.published_at for link in feed.links}
    landfill = "bai-rac-qua-tai-dan-xa-dak-mar-khon-kho-vi-mui-hoi-100261125140736512.htm"
    assert dates[landfill] == datetime(2026, 11, 25, 15, 42, tzinfo=ICT)


def test_vnexpress_feed_sapo_after_image_and_video_item() -> None:
    feed = parse_feed(served("vnexpress/rss/tin-moi-nhat.rss"), "http://local/vnexpress/rss")
    assert any(link.url.startswith("https://video.vnexpress.net/") for link in feed.links)
    water = next(link for link in feed.links if "5150214" in link.url)
    assert water.lead is not None and water.lead.startswith("Công trình cấp nước tự chảy")
    assert water.published_at == datetime(2026, 11, 25, 15, 50, tzinfo=ICT)


def test_google_news_title_suffix_publisher_and_link_lists() -> None:
    feed = parse_feed((OUTLETS / "googlenews" / "feed.xml").read_bytes(), "x", via="search")
    first = feed.links[0]
    assert first.title == "Xã Đăk Pxi đưa nước sạch về 4 thôn vùng sâu"
    assert first.publisher == "Báo Quảng Ngãi"
    assert first.publisher_url == "https://baoquangngai.vn"
    assert first.lead is None  # the description is a cluster of links, not a summary
    assert first.via == "search"


def test_youtube_feed_entries_are_watch_urls_with_descriptions() -> None:
    feed = parse_feed((OUTLETS / "youtube_baoquangngai" / "feed.xml").read_bytes(), "x")
    assert len(feed.links) == 4
    assert all(link.url.startswith("https://www.youtube.com/") for link in feed.links)
    assert all(link.lead for link in feed.links)


def test_not_a_feed() -> None:
    with pytest.raises(FeedError, match="không phải RSS/Atom"):
        parse_feed(b"<html><body><h1>502 Bad Gateway</h1></body></html>", "x")


def test_sitemap_index_and_shards() -> None:
    index = parse_sitemap(served("tuoitre/sitemaps/index.rss"))
    children = {c.url.rsplit("/", 1)[-1]: c.lastmod for c in index.children}
    assert set(children) == {
        "sitemaps-2026-11-26-30.xml",
        "sitemaps-2026-11-21-25.xml",
        "sitemaps-2026-10-1-5.xml",
    }
    old = children["sitemaps-2026-10-1-5.xml"]
    assert old is not None and old.date() == date(2026, 10, 5)


def test_google_news_sitemap_fields() -> None:
    sitemap = parse_sitemap(served("vnexpress/google-news-sitemap.xml"))
    link = next(link for link in sitemap.links if "5150214" in link.url)
    assert link.title == "Hơn 300 hộ dân ở xã Đăk Pxi thiếu nước sinh hoạt"
    assert link.published_at == datetime(2026, 11, 25, 15, 50, tzinfo=ICT)


@pytest.mark.parametrize(
    ("url", "end"),
    [
        ("https://tuoitre.vn/StaticSitemaps/sitemaps-2026-11-21-25.xml", date(2026, 11, 25)),
        ("https://vietnamnet.vn/sitemap-article-09-2026-01.xml", date(2026, 9, 30)),
        ("https://plo.vn/sitemaps/news-2026-2.xml", date(2026, 2, 28)),
        ("https://thanhnien.vn/sitemaps/sitemaps-2026-11-26.xml", date(2026, 11, 26)),
        ("https://vnexpress.net/sitemap.xml", None),
    ],
)
def test_shard_end_from_name(url: str, end: date | None) -> None:
    assert shard_end(url) == end


def test_not_a_sitemap() -> None:
    with pytest.raises(SitemapError):
        parse_sitemap(b"<html><body>Not found</body></html>")


def test_listing_links_and_numbered_next_page() -> None:
    html = served("baoquangngai/xa-hoi").decode()
    pattern = r"(-\d{4,}\.htm|/\d{6}/[a-z0-9-]+-[0-9a-f]{7}/)$"
    links, next_url = parse_listing(html, "http://local/baoquangngai/xa-hoi", pattern)
    assert len(links) == 3 and all(link.url.endswith(".htm") for link in links)
    assert next_url == "http://local/baoquangngai/xa-hoi?page=2"
    page_two = served("baoquangngai/xa-hoi@page=2").decode()
    links, next_url = parse_listing(page_two, next_url, pattern)
    assert [link.url.rsplit("/", 2)[-2] for link in links] == [
        "son-ha-san-sang-van-hanh-chinh-quyen-dia-phuong-2-cap-a7d20c4"
    ]
    assert next_url is None


def test_listing_rel_next_and_words() -> None:
    html = (
        "<html><head><link rel='next' href='/tin?trang=b'></head><body>"
        "<a href='/a-1.html'>A</a><a href='/a-1.html#c'>A again</a><a href='/x'>x</a></body></html>"
    )
    links, next_url = parse_listing(html, "http://s/tin", r"-\d+\.html$")
    assert [link.url for link in links] == ["http://s/a-1.html"]
    assert next_url == "http://s/tin?trang=b"


def test_provincial_portal_listing_keeps_its_articles() -> None:
    """The shipped `quangngai_gov` pattern on a category page of the portal: the articles
    (relative, absolute, `www.`), not the menu's categories, files, look-alike or other hosts."""
    config = load_config(Path(__file__).resolve().parent.parent / "config.yaml", {}).config
    (source,) = [s for s in config.sources if s.name == "quangngai_gov"]
    assert source.article_pattern is not None
    html = (OUTLETS / "quangngai_gov" / "listing.html").read_text(encoding="utf-8")
    page = "https://quangngai.gov.vn/tin-tuc/tin-tu-cac-so-nganh-dia-phuong"
    links, _ = parse_listing(html, page, source.article_pattern, source.exclude_pattern)
    assert [link.url.rsplit("/", 1)[-1] for link in links] == [
        "xa-dak-pxi-to-chuc-doi-thoai-voi-nhan-dan-ve-giai-phong-mat-bang-cao-toc.html",
        "dak-ha-ra-mat-mo-hinh-dan-van-kheo-trong-giai-phong-mat-bang.html",
        "hoi-nghi-trien-khai-cong-tac-boi-thuong-cao-toc-quang-ngai-kon-tum.html",
    ]
