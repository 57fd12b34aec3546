"""The platform of an item's URL (`crawler.platform`): every network's link shapes (mobile
hosts, short links, IDN, userinfo), forums by host and path, configured outlets as news, and
hostile input never raising; the crawler's choice per source; the `articles.platform` column,
and a database written before it (SQLite and PostgreSQL) whose articles become news."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.platform import PLATFORMS, platform_of
from crawler.spider import item_platform
from duluan.config import Source
from storage import Store
from storage.db import make_engine
from storage.migrate import alembic_config
from storage.models import UTCDateTime
from tests.kit.articles import T0, record

NEWS = ["baoquangngai.vn", "vnexpress.net"]


@pytest.mark.parametrize(
    ("url", "platform"),
    [
        ("https://www.facebook.com/ubndxadakpxi/posts/123", "facebook"),
        ("https://m.facebook.com/story.php?story_fbid=1&id=2", "facebook"),
        ("https://mbasic.facebook.com/groups/dakha", "facebook"),
        ("https://web.facebook.com/watch/?v=1", "facebook"),
        ("https://fb.watch/abcDEF/", "facebook"),
        ("fb.watch/abcDEF", "facebook"),  # pasted without its scheme
        ("//www.facebook.com/x", "facebook"),
        ("HTTPS://WWW.FACEBOOK.COM/X", "facebook"),
        ("https://user:secret@facebook.com:443/x", "facebook"),
        ("https://ｆａｃｅｂｏｏｋ.com/x", "facebook"),  # full-width: what a browser opens
        ("https://www.tiktok.com/@baoquangngai/video/742", "tiktok"),
        ("https://vm.tiktok.com/ZSabc/", "tiktok"),
        ("https://vt.tiktok.com/ZSabc/", "tiktok"),
        ("https://www.youtube.com/watch?v=abc", "youtube"),
        ("https://m.youtube.com/watch?v=abc", "youtube"),
        ("https://youtu.be/abc", "youtube"),
        ("https://www.youtube.com/shorts/abc", "youtube"),
        ("https://zalo.me/g/abcdef", "zalo"),
        ("https://zalo.me/0912345678", "zalo"),
        ("https://t.me/s/quangngai_tin", "telegram"),
        ("https://t.me/quangngai_tin/42", "telegram"),
        ("https://telegram.me/quangngai_tin", "telegram"),
        ("https://voz.vn/t/sat-lo-o-quang-ngai.123/", "forum"),
        ("https://tinhte.vn/thread/abc.456/", "forum"),
        ("https://diendan.example.vn/chu-de/1", "forum"),
        ("https://example.com/threads/dak-pxi.99/", "forum"),
        ("https://example.com/forum/viewtopic.php?t=1", "forum"),
        ("https://example.com/showthread.php?t=1", "forum"),
        ("https://baoquangngai.vn/xa-hoi/bai-1.htm", "news"),
        ("https://www.baoquangngai.vn/xa-hoi/bai-1.htm", "news"),
        ("https://m.vnexpress.net/bai-2.html", "news"),
        ("https://video.vnexpress.net/bai-3.html", "news"),
        ("https://vnexpress.net/forum/bai-4.html", "news"),  # an outlet's page, whatever its path
        ("https://example.com/bai.html", "other"),
        ("https://notfacebook.com/x", "other"),
        ("https://facebook.com.evil.example/x", "other"),
        ("https://evil.example/?u=https://facebook.com/x", "other"),
        ("https://evil.example/#facebook.com", "other"),
        ("https://facebook.com@evil.example/x", "other"),  # userinfo, not the host
        ("mailto:someone@facebook.com", "other"),
        ("javascript:alert('facebook.com')", "other"),
        ("ftp://facebook.com/x", "other"),
        ("data:text/html,<a href=https://t.me/x>", "other"),
        ("https://[::1/", "other"),
        ("http://", "other"),
        ("", "other"),
        ("   ", "other"),
        ("không phải địa chỉ", "other"),
        ("https://xn--mt-9ja.example/", "other"),
        ("https://" + "a" * 100_000 + ".com/", "other"),
        ("https://facebook.com/" + "x" * 100_000, "facebook"),
    ],
)
def test_platform_of_a_url(url: str, platform: str) -> None:
    assert platform_of(url, NEWS) == platform


def test_without_configured_outlets_a_news_site_is_other() -> None:
    assert platform_of("https://baoquangngai.vn/bai-1.htm") == "other"
    assert platform_of("https://baoquangngai.vn/bai-1.htm", ["BaoQuangNgai.vn."]) == "news"
    # An IDN outlet, configured in either spelling.
    assert platform_of("https://xn--bo-mia.vn/a", ["báo.vn"]) == "news"
    assert platform_of("https://báo.vn/a", ["xn--bo-mia.vn"]) == "news"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.lists(st.text(max_size=40), max_size=3))
def test_any_text_is_one_of_the_platforms(url: str, news: list[str]) -> None:
    assert platform_of(url, news) in PLATFORMS


HOSTS = st.sampled_from(
    ["facebook.com", "m.facebook.com", "youtu.be", "t.me", "voz.vn", "baoquangngai.vn", "x.vn"]
)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["http", "https", "HTTP", "ftp", "", "javascript"]),
    st.one_of(st.none(), st.text(max_size=20)),
    HOSTS,
    st.one_of(st.none(), st.integers(min_value=-5, max_value=99999), st.text(max_size=6)),
    st.text(max_size=60),
)
def test_url_shaped_input_never_raises(
    scheme: str, userinfo: str | None, host: str, port: int | str | None, rest: str
) -> None:
    url = f"{scheme}://" if scheme else ""
    url += f"{userinfo}@" if userinfo is not None else ""
    url += host + (f":{port}" if port is not None else "") + "/" + rest
    assert platform_of(url, NEWS) in PLATFORMS


@settings(max_examples=200, deadline=None)
@given(HOSTS, st.text(alphabet=st.characters(exclude_characters="#?/\\"), max_size=40))
def test_the_path_never_changes_a_networks_platform(host: str, path: str) -> None:
    """What follows the host (a query naming another site, a path) never moves a network's
    link elsewhere: the host decides first."""
    expected = platform_of(f"https://{host}/", NEWS)
    if expected in ("facebook", "youtube", "telegram", "forum", "news"):
        assert platform_of(f"https://{host}/{path}?u=https://zalo.me/x", NEWS) == expected


def test_the_crawler_names_the_platform_from_the_source_and_the_url() -> None:
    outlet = Source.model_validate(
        {"name": "bqn", "title": "Báo Quảng Ngãi", "feeds": ["https://baoquangngai.vn/rss"]}
    )
    channel = Source.model_validate(
        {
            "name": "yt",
            "title": "PTQ (YouTube)",
            "feeds": ["https://www.youtube.com/feeds/videos.xml?channel_id=UC1"],
            "fetch_pages": False,
        }
    )
    news = Source.model_validate(
        {
            "name": "gn",
            "title": "Google News",
            "feeds": ["https://news.google.com/rss/search?q=x"],
            "offsite": True,
        }
    )
    forum = Source.model_validate(
        {"name": "voz", "title": "VOZ", "feeds": ["https://voz.vn/f/diem-bao.33/index.rss"]}
    )
    assert item_platform(outlet, "https://baoquangngai.vn/dien-dan/bai-1.htm") == "news"
    assert item_platform(channel, "https://www.youtube.com/watch?v=abc") == "youtube"
    assert item_platform(news, "https://dantri.com.vn/bai.htm") == "news"  # an outlet it links
    assert item_platform(news, "https://www.facebook.com/x") == "facebook"
    assert item_platform(forum, "https://voz.vn/t/sat-lo.1/") == "forum"


def test_an_article_keeps_its_platform(store: Store) -> None:
    news = store.save_article(record(1))
    video = store.save_article(
        record(2, url="https://youtu.be/a", canonical_url="https://youtu.be/a", platform="youtube")
    )
    got = {n: store.get_article(o.article_id) for n, o in (("news", news), ("yt", video))}
    assert got["news"] is not None and got["news"].platform == "news"
    assert got["yt"] is not None and got["yt"].platform == "youtube"
    # A later fetch of the same URL does not change it.
    store.save_article(record(2, url="https://youtu.be/a", canonical_url="https://youtu.be/a"))
    again = store.get_article(video.article_id)
    assert again is not None and again.platform == "youtube"


def test_articles_stored_before_the_column_are_news(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0015")
            conn.execute(
                sa.text(
                    "INSERT INTO sources (name, title, created_at, consecutive_failures, "
                    "items_last_run, new_last_run) VALUES ('bqn', 'Báo Quảng Ngãi', :t, 0, 0, 0)"
                ),
                {"t": T0},
            )
            source_id = conn.execute(sa.text("SELECT id FROM sources")).scalar_one()
            articles = sa.table(
                "articles",
                *(
                    sa.column(c)
                    for c in [
                        "id",
                        "source_id",
                        "url",
                        "canonical_url",
                        "title",
                        "lead",
                        "text",
                        "fingerprint",
                        "cluster_id",
                        "backfill",
                        "via",
                        "extraction",
                        "content_hash",
                    ]
                ),
                *(
                    sa.column(c, UTCDateTime())
                    for c in ("first_seen_at", "last_fetched_at", "updated_at")
                ),
            )
            conn.execute(
                sa.insert(articles),
                [
                    {
                        "source_id": source_id,
                        "url": "https://baoquangngai.vn/a.htm",
                        "canonical_url": "https://baoquangngai.vn/a.htm",
                        "title": "Sạt lở ở Đăk Pxi",
                        "lead": "",
                        "text": "",
                        "fingerprint": b"",
                        "cluster_id": 0,
                        "backfill": False,
                        "via": "feed",
                        "extraction": "page",
                        "content_hash": "h",
                        "first_seen_at": T0,
                        "last_fetched_at": T0,
                        "updated_at": T0 + timedelta(hours=1),
                    }
                ],
            )
            old_id = conn.execute(sa.text("SELECT id FROM articles")).scalar_one()
    finally:
        engine.dispose()
    with Store.open(db_url) as store:  # upgrades to head
        old = store.get_article(old_id)
        assert old is not None and (old.title, old.platform) == ("Sạt lở ở Đăk Pxi", "news")
        assert old.views is None  # never counted before
        new = store.save_article(
            record(8, url="https://t.me/kenh_qn/5", canonical_url="https://t.me/kenh_qn/5")
        )
        assert new.status == "new"
