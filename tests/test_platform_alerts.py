"""The platform downstream, in alerts: a post that is not the press names its platform in the
alert line and the burst summary ("Nguồn: Telegram · <kênh>"); the press reads as before; the
store hands the platform to the tagger and to burst summaries (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from alerts.message import AlertItem, article_message, burst_message
from crawler.platform import PLATFORM_LABELS, PLATFORMS, platform_label
from duluan.config import parse_config
from duluan.pipeline import locator_for
from duluan.tagging import tag_article
from storage import ArticleText, Store
from tests.kit.areas import DAK_PXI, areas_yaml
from tests.kit.articles import record


def item(**changes: object) -> AlertItem:
    base: dict[str, object] = {
        "outlet": "Kênh Tin Đăk Hà <x>",
        "title": "Dân phản ánh đường hỏng",
        "url": "https://t.me/tindakha/12",
        "published_at": datetime(2026, 11, 25, 8, 42, tzinfo=UTC),
        "places": ("Xã Đăk Pxi",),
        "tone": "negative",
    }
    base.update(changes)
    return AlertItem(**base)  # type: ignore[arg-type]


def test_every_platform_has_one_vietnamese_label() -> None:
    assert set(PLATFORM_LABELS) == set(PLATFORMS)
    assert platform_label("forum") == "Diễn đàn" and platform_label("news") == "Báo chí"
    assert platform_label("other") == "Khác"
    assert platform_label("mastodon") == "mastodon"  # a later version's value, shown as is


def test_a_telegram_post_says_its_platform_and_channel() -> None:
    message = article_message(item(platform="telegram"))
    first = message.split("\n", 1)[0]
    assert first == "📰 Nguồn: <b>Telegram</b> · Kênh Tin Đăk Hà &lt;x&gt; · 15:42 25/11/2026"


def test_a_forum_thread_uses_the_vietnamese_label() -> None:
    assert "Nguồn: <b>Diễn đàn</b> · " in article_message(item(platform="forum"))


def test_a_news_item_has_no_platform_line() -> None:
    message = article_message(item(outlet="Báo Quảng Ngãi"))
    assert message.startswith("📰 <b>Báo Quảng Ngãi</b> · 15:42 25/11/2026\n")
    assert "Nguồn:" not in message


def test_burst_lines_name_the_platform_of_social_items() -> None:
    text = burst_message(
        [item(platform="tiktok"), item(outlet="Báo Quảng Ngãi", url="https://b.vn")]
    )
    assert "• TikTok · Kênh Tin Đăk Hà &lt;x&gt;: <a" in text
    assert "• Báo Quảng Ngãi: <a" in text


def test_the_store_hands_the_platform_to_the_tagger_and_bursts(store: Store) -> None:
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    news = store.save_article(record(1)).article_id
    post = store.save_article(
        record(
            2,
            url="https://t.me/tindakha/12",
            canonical_url="https://t.me/tindakha/12",
            platform="telegram",
        )
    ).article_id
    assert {a.id: a.platform for a in store.articles_to_tag()} == {news: "news", post: "telegram"}
    briefs = store.alert_briefs([news, post])
    assert (briefs[news].platform, briefs[post].platform) == ("news", "telegram")


def test_the_tagger_names_the_platform_in_the_alerts_it_queues() -> None:
    area = {
        "name": "dak-pxi",
        "title": "UBND xã Đăk Pxi",
        "places": [DAK_PXI],
        "review": {"chat": "-101"},
        "units": [{"name": "Công an xã Đăk Pxi", "chat": "-111", "communes": ["Xã Đăk Pxi"]}],
    }
    config = parse_config(areas_yaml([area]), "t.yaml", {}).config
    now = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    post = ArticleText(
        1,
        "tindakha",
        "Sạt lở ở xã Đăk Pxi",
        "Mưa lớn gây sạt lở ở xã Đăk Pxi, tỉnh Quảng Ngãi.",
        "",
        now - timedelta(hours=1),
        "https://t.me/tindakha/12",
        "Kênh Tin Đăk Hà",
        now - timedelta(hours=1),
        platform="telegram",
    )
    locator = locator_for(config)
    tagged = tag_article(locator, post, now, "1", config)
    assert {a.chat for a in tagged.alerts} == {"-101", "-111"}
    assert all("📰 Nguồn: <b>Telegram</b> · Kênh Tin Đăk Hà · " in a.text for a in tagged.alerts)
    press = tag_article(locator, replace(post, platform="news"), now, "1", config)
    assert all(a.text.startswith("📰 <b>Kênh Tin Đăk Hà</b> · ") for a in press.alerts)
