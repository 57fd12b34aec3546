"""Reported items (`duluan.submit.submit`, issue 15 §1): a link, a text or a screenshot becomes
an item tagged and alerted like an article; the same link twice is one item with two
reporters; a link already crawled gets the report; screenshots are kept as evidence; only
known people report; hostile links and files are refused with nothing stored."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cases.evidence import Fetched, http_fetcher
from crawler.guard import Guard
from crawler.posts import post_title
from duluan.cli import main
from duluan.config import Config, parse_config
from duluan.pipeline import locator_for
from duluan.submit import (
    MAX_TEXT,
    REPORTED_SOURCE,
    Report,
    Reporter,
    SubmitError,
    check_image,
    normalize_link,
    submit,
    telegram_reporter,
)
from duluan.tagging import REPORTED
from nlp.locate import Locator
from storage import Store
from tests.kit.areas import DAK_MAR, DAK_PXI, areas_yaml
from tests.kit.articles import record
from tests.kit.pages import Pages

pytestmark = pytest.mark.sqlite_only  # no SQL of its own: see tests/kit/db.py

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
CONFIG = """
locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}
sources:
  - {name: baoquangngai, title: Báo Quảng Ngãi, feeds: ['https://baoquangngai.vn/rss']}
units:
  - {name: UBND xã Đăk Pxi, chat: "-1001", communes: [Xã Đăk Pxi], members: [501, 502]}
review: {chat: "-1009", reviewers: [1]}
"""
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
POST = "https://www.facebook.com/ubnd.dakpxi/posts/pfbid02abc"
PAGE = """<html><head>
<meta property="og:title" content="Tin tức Đăk Pxi &amp; vùng lân cận">
<meta property="og:description" content="Đường thôn 3 xã Đăk Pxi sạt lở &amp; ngập.
Bà con đi lại rất khó khăn.">
<meta property="og:url" content="https://www.facebook.com/ubnd.dakpxi/posts/pfbid02abc">
</head><body>Đăng nhập Facebook</body></html>"""


def clock() -> datetime:
    return NOW


@pytest.fixture(scope="module")
def config() -> Config:
    return parse_config(CONFIG, "test.yaml", {}).config


@pytest.fixture(scope="module")
def locator(config: Config) -> Locator:
    return locator_for(config)


def reporter(name: str = "Nguyễn Văn A", via: str = "telegram") -> Reporter:
    return Reporter(name, via, telegram_id=501 if via == "telegram" else None)


@pytest.fixture
def fb() -> Iterator[Pages]:
    yield Pages({POST: (200, PAGE)})


def test_link_becomes_a_tagged_alerted_item(
    store: Store, config: Config, locator: Locator, fb: Pages
) -> None:
    done = submit(
        store,
        config,
        Report(url=POST + "?mibextid=abc&fbclid=IwAR0", text="Anh em xem giúp"),
        reporter(),
        clock,
        fetch=fb,
        locator=locator,
    )
    assert fb.asked == [POST]  # tracking parameters dropped before anything is fetched
    assert done.new and done.added and done.reporters == ("Nguyễn Văn A",)
    assert done.platform == "facebook"
    assert done.title == "Đường thôn 3 xã Đăk Pxi sạt lở & ngập."  # the post's first line
    assert done.url == POST
    assert done.relevant is True and "Xã Đăk Pxi" in done.places
    article = store.get_article(done.article_id)
    assert article is not None and article.source == REPORTED_SOURCE
    assert "Anh em xem giúp" in article.text and "khó khăn" in article.lead
    assert article.author == "Tin tức Đăk Pxi & vùng lân cận"
    chats = {item.chat for item in store.due_outbox(NOW)}
    assert {"-1009", "-1001"} <= chats  # the review group and the commune's unit


def test_same_link_twice_is_one_item_with_two_reporters(
    store: Store, config: Config, locator: Locator, fb: Pages
) -> None:
    first = submit(store, config, Report(url=POST), reporter(), clock, fetch=fb, locator=locator)
    again = submit(
        store,
        config,
        Report(url="www.facebook.com/ubnd.dakpxi/posts/pfbid02abc#x"),
        reporter("Trần Thị B"),
        clock,
        fetch=fb,
        locator=locator,
    )
    same = submit(store, config, Report(url=POST), reporter(), clock, fetch=fb)
    assert again.article_id == first.article_id == same.article_id
    assert not again.new and again.added
    assert again.reporters == ("Nguyễn Văn A", "Trần Thị B")
    assert not same.added and same.reporters == again.reporters
    assert fb.asked == [POST]  # a known link is not fetched again
    assert len(store.submissions_of([first.article_id])[first.article_id]) == 2


def test_link_already_crawled_gets_the_report(store: Store, config: Config) -> None:
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    crawled = store.save_article(record(7))
    pages = Pages()
    done = submit(
        store,
        config,
        Report(url="https://baoquangngai.vn/bai-7.htm?utm_source=zalo"),
        reporter(),
        clock,
        fetch=pages,
    )
    assert done.article_id == crawled.article_id and not done.new
    assert pages.asked == []
    assert store.get_article(crawled.article_id).source == "baoquangngai"  # type: ignore[union-attr]
    assert done.relevant is None  # no locator: the next tag pass tags it


def test_canonical_of_the_fetched_page_finds_the_crawled_item(store: Store, config: Config) -> None:
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    crawled = store.save_article(record(8))
    short = "https://bqn.vn/x8"
    canonical = '<meta property="og:url" content="https://baoquangngai.vn/bai-8.htm">'
    pages = Pages({short: (200, f"<html><head>{canonical}</head></html>")})
    pages.pages[short] = (200, f"<html><head>{canonical}</head></html>")

    def moved(url: str) -> Fetched:
        found = pages(url)
        return Fetched(url, found.status, "https://baoquangngai.vn/bai-8.htm", found.body)

    done = submit(store, config, Report(url=short), reporter(), clock, fetch=moved)
    assert done.article_id == crawled.article_id and not done.new


def test_screenshot_without_place_is_relevant_for_the_reporters_area(
    store: Store, config: Config, locator: Locator
) -> None:
    shot = check_image("Ảnh chụp 1.png", PNG)
    done = submit(
        store,
        config,
        Report(text="Bài đăng nói cán bộ xã nhận tiền", screenshot=shot),
        reporter(),
        clock,
        locator=locator,
    )
    assert done.relevant is True and done.places == ()
    assert done.title == "Bài đăng nói cán bộ xã nhận tiền"
    assert REPORTED in store.get_tags(done.article_id).reasons  # type: ignore[union-attr]
    (kept,) = store.list_evidence(done.story)
    assert kept.reason == "reported" and kept.media_type == "image/png"
    assert kept.sha256 == hashlib.sha256(PNG).hexdigest() and kept.size == len(PNG)
    assert kept.submitted_by == "Nguyễn Văn A" and kept.fetched_at == NOW
    _, content = store.evidence_content(kept.id)  # type: ignore[misc]
    assert gzip.decompress(content) == PNG
    again = submit(store, config, Report(screenshot=shot), reporter("Trần Thị B"), clock)
    assert again.article_id == done.article_id and again.reporters[-1] == "Trần Thị B"
    assert not again.new and again.platform == done.platform
    kept_text = store.get_article(done.article_id)
    assert kept_text is not None and kept_text.text == "Bài đăng nói cán bộ xã nhận tiền"
    assert store.latest_evidence(done.story) is not None


def test_unreadable_page_leaves_the_caption(store: Store, config: Config) -> None:
    link = "https://www.tiktok.com/@dakha/video/7311"
    pages = Pages({link: (403, "<html>Login</html>")})
    done = submit(
        store,
        config,
        Report(url=link, text="Clip về trường ở Đăk Pxi\nchi tiết"),
        reporter(),
        clock,
        fetch=pages,
    )
    assert done.platform == "tiktok" and done.title == "Clip về trường ở Đăk Pxi"


def test_internal_address_is_never_fetched(store: Store, config: Config) -> None:
    calls: list[tuple[str, int]] = []

    def resolver(host: str, port: int) -> list[object]:
        calls.append((host, port))
        import ipaddress

        return [ipaddress.ip_address("10.0.0.5")]

    fetch = http_fetcher("duluan-test", Guard.for_sources(config.sources, resolver), 2.0)  # type: ignore[arg-type]
    done = submit(
        store,
        config,
        Report(url="http://intranet.local/secret", text="Tin nội bộ"),
        reporter(),
        clock,
        fetch=fetch,
    )
    assert calls == [("intranet.local", 80)]  # resolved, refused, never connected
    assert done.title == "Tin nội bộ" and done.platform == "other"


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "data:text/html,x", "ftp://x.vn/a", "   ", "http://"],
)
def test_hostile_links_are_refused_with_nothing_stored(
    store: Store, config: Config, url: str
) -> None:
    with pytest.raises(SubmitError):
        submit(store, config, Report(url=url, text="x"), reporter(), clock)
    assert store.list_articles() == []


def test_empty_report_is_refused(store: Store, config: Config) -> None:
    with pytest.raises(SubmitError, match="liên kết"):
        submit(store, config, Report(text=" \u200b\x00 "), reporter(), clock)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "rỗng"),
        (b"<svg onload=alert(1)>", "không phải ảnh"),
        (b"%PDF-1.7", "không phải ảnh"),
        (b"\xff\xd8\xff" + b"\x00" * (10 * 1000**2), "quá lớn"),
    ],
)
def test_uploads_are_checked_by_content(content: bytes, words: str) -> None:
    with pytest.raises(SubmitError, match=words):
        check_image("a.png", content)


def test_image_types_and_names() -> None:
    assert check_image("x.jpg", b"\xff\xd8\xff\xe0rest").media_type == "image/jpeg"
    assert check_image("x", b"RIFF\x00\x00\x00\x00WEBPVP8 ").media_type == "image/webp"
    assert check_image("../../etc/passwd.png", PNG).name == ".._.._etc_passwd.png".replace("/", "_")


def test_long_and_control_text_is_cleaned(store: Store, config: Config) -> None:
    done = submit(
        store, config, Report(text="Tiêu\x00 đề\u202e\n" + "x" * 50_000), reporter(), clock
    )
    article = store.get_article(done.article_id)
    assert article is not None and len(article.text) <= MAX_TEXT
    assert "\x00" not in article.title and "\u202e" not in article.title


def test_normalize_link() -> None:
    assert normalize_link("fb.watch/abc/?fbclid=1&v=2") == "https://fb.watch/abc/?v=2"
    assert normalize_link("HTTPS://VOZ.VN/t/x.1/#post-2") == "https://voz.vn/t/x.1/"


def test_only_known_people_report(config: Config) -> None:
    assert telegram_reporter(config, 1, "Rà soát") == Reporter("Rà soát", "telegram", 1)
    member = telegram_reporter(config, 502, "Cán bộ xã")
    assert member is not None and member.telegram_id == 502
    assert telegram_reporter(config, 999, "Người lạ") is None


def test_command_prints_the_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "config.yaml").write_text(CONFIG, encoding="utf-8")
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    monkeypatch.setenv("DULUAN_CONFIG", str(tmp_path / "config.yaml"))
    monkeypatch.setenv("DULUAN_DATABASE_URL", url)
    monkeypatch.setenv("DULUAN_NOW", NOW.isoformat())
    image = tmp_path / "anh.png"
    image.write_bytes(PNG)
    args = ["submit", POST, "--text", "Đường ở xã Đăk Pxi sạt lở", "--file", str(image)]
    assert main([*args, "--by", "Văn thư", "--no-fetch"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "1"
    assert "Facebook" in err and "Xã Đăk Pxi" in err and "Văn thư" in err
    assert main(["submit", "javascript:x", "--no-fetch"]) == 2
    assert "không phải địa chỉ trang web" in capsys.readouterr().err
    (tmp_path / "bad.png").write_bytes(b"GIF89a")
    assert main(["submit", "--file", str(tmp_path / "bad.png"), "--no-fetch"]) == 2
    with Store.open(url) as store:
        assert [a.id for a in store.list_articles()] == [1]


TWO_AREAS = areas_yaml(
    [
        {
            "name": "dak-pxi",
            "title": "UBND xã Đăk Pxi",
            "places": [DAK_PXI],
            "review": {"chat": "-2001", "reviewers": [11]},
        },
        {
            "name": "dak-mar",
            "title": "UBND xã Đăk Mar",
            "places": [DAK_MAR],
            "review": {"chat": "-2002", "reviewers": [12]},
            "units": [{"name": "UBND xã Đăk Mar", "chat": "-2102", "members": [21]}],
        },
    ]
)


def test_a_report_concerns_the_reporters_area_and_the_places_it_names(store: Store) -> None:
    config = parse_config(TWO_AREAS, "areas.yaml", {}).config
    locator = locator_for(config)
    mar = telegram_reporter(config, 21, "Cán bộ Đăk Mar")
    assert mar is not None and mar.area == "dak-mar"
    assert telegram_reporter(config, 11, "Rà soát Đăk Pxi", area="dak-mar") == Reporter(
        "Rà soát Đăk Pxi", "telegram", 11, "dak-pxi"
    )  # a group of another area does not make anyone a reporter there
    plain = submit(store, config, Report(text="Cán bộ thu tiền sai"), mar, clock, locator=locator)
    assert plain.areas == ("dak-mar",) and plain.relevant
    named = submit(
        store,
        config,
        Report(text="Đường xã Đăk Pxi, tỉnh Quảng Ngãi sạt lở"),
        mar,
        clock,
        locator=locator,
    )
    assert set(named.areas) == {"dak-pxi", "dak-mar"}
    chats = {item.chat for item in store.due_outbox(NOW)}
    assert {"-2001", "-2002"} <= chats


def test_articles_show_names_platform_and_reporters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "config.yaml").write_text(CONFIG, encoding="utf-8")
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    monkeypatch.setenv("DULUAN_CONFIG", str(tmp_path / "config.yaml"))
    monkeypatch.setenv("DULUAN_DATABASE_URL", url)
    config = parse_config(CONFIG, "test.yaml", {}).config
    with Store.open(url) as store:
        done = submit(store, config, Report(url=POST, text="Dân phản ánh"), reporter(), clock)
        submit(store, config, Report(url=POST), reporter("Trần Thị B", "console"), clock)
    assert main(["articles", "show", str(done.article_id)]) == 0
    out = capsys.readouterr().out
    assert "Facebook" in out
    assert "Nguyễn Văn A (Telegram, " in out and ": Dân phản ánh" in out
    assert "Trần Thị B (Trang web, " in out


@pytest.mark.parametrize(
    ("url", "title", "author"),
    [
        ("https://t.me/dakpxi_tin/145", "Cảm ơn bà con đã báo tin", "Tin Đăk Pxi"),
        ("https://www.youtube.com/watch?v=abc123", "Tin Đăk Pxi", None),
        ("https://voz.vn/t/dak-pxi.123/", "Tin Đăk Pxi", None),
    ],
)
def test_title_of_a_post_is_its_text_of_a_video_its_title(
    store: Store, config: Config, url: str, title: str, author: str | None
) -> None:
    head = (
        '<meta property="og:title" content="Tin Đăk Pxi">'
        '<meta property="og:description" content="Cảm ơn bà con đã báo tin\nvề sạt lở">'
    )
    pages = Pages({url: (200, f"<html><head>{head}</head><body></body></html>")})
    done = submit(store, config, Report(url=url), reporter(), clock, fetch=pages)
    article = store.get_article(done.article_id)
    assert article is not None and (article.title, article.author) == (title, author)


def test_a_news_link_of_a_configured_outlet_is_filed_under_it(store: Store, config: Config) -> None:
    """Not crawled yet: the item is the outlet's, so the digest counts it under its name."""
    link = "https://baoquangngai.vn/xa-hoi/sat-lo-dak-pxi-5531.htm"
    article = (
        "<html><head><title>Sạt lở ở Đăk Pxi</title></head><body><article><h1>Sạt lở ở Đăk "
        "Pxi</h1><p>" + "Mưa lớn làm sạt lở đường liên thôn ở xã Đăk Pxi. " * 30 + "</p>"
        "</article></body></html>"
    )
    pages = Pages({link: (200, article)})
    done = submit(store, config, Report(url=link), reporter(), clock, fetch=pages)
    stored = store.get_article(done.article_id)
    assert stored is not None and stored.source == "baoquangngai"
    assert (stored.platform, stored.title) == ("news", "Sạt lở ở Đăk Pxi")
    assert "liên thôn" in stored.text
    other = submit(
        store, config, Report(url="https://baomoi.com/a.epi", text="Tin"), reporter(), clock
    )
    assert store.get_article(other.article_id).source == REPORTED_SOURCE  # type: ignore[union-attr]


def test_a_long_run_together_post_is_titled_by_its_first_sentence() -> None:
    first = "Đường liên thôn ở xã Đăk Pxi sạt lở nặng sau ba ngày mưa lớn."
    assert post_title(f"{first} Bà con cần {'đi lại ' * 40}") == first
    assert post_title("Ngắn. " + "x" * 300).endswith("…")  # a first sentence too short
    assert post_title("a" * 161) == "a" * 159 + "…"


def test_a_login_wall_title_is_not_the_items_title(store: Store, config: Config) -> None:
    link = "https://www.facebook.com/groups/dakpxi/posts/99"
    wall = "<html><head><title>Facebook</title></head><body>Đăng nhập</body></html>"
    pages = Pages({link: (200, wall)})
    done = submit(
        store, config, Report(url=link, text="Nhóm bàn về đất ở"), reporter(), clock, fetch=pages
    )
    assert done.title == "Nhóm bàn về đất ở"


def test_facebook_stories_marked_false_do_not_hold_back_the_others(
    store: Store, config: Config
) -> None:
    """A Facebook post is never fetched, so it never gets a kept page: the evidence pass must
    not pick it again and again ahead of stories it can keep."""
    from cases.evidence import refetch_open_cases

    fb_item = submit(store, config, Report(url=POST, text="Tin sai"), reporter(), clock)
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    news = store.save_article(record(9))
    for article_id, story in ((fb_item.article_id, fb_item.story), (news.article_id, "cluster:")):
        key = story if story != "cluster:" else f"cluster:{news.cluster_id}"
        store.review_action(
            key, expected_version=0, action="false_info", user_id=1, user_name="Lan",
            at=NOW, article_id=article_id,
        )  # fmt: skip
    assert store.flagged_without_evidence(limit=1, skip_platforms={"facebook"}) == [
        (f"cluster:{news.cluster_id}", news.article_id)
    ]
    asked: list[str] = []

    def fetch(url: str) -> Fetched:
        asked.append(url)
        return Fetched(url, 200, url, b"<html><body><p>Bai</p></body></html>")

    refetch_open_cases(store, clock, fetch)
    assert asked == ["https://baoquangngai.vn/bai-9.htm"]  # the Facebook post never fetched


def test_an_item_without_a_link_is_never_fetched_for_evidence(store: Store, config: Config) -> None:
    from cases.public_copy import check_for

    done = submit(
        store, config, Report(text="Ảnh", screenshot=check_image("a.png", PNG)), reporter(), clock
    )
    assert done.url.startswith("duluan:bao-tin:")
    assert check_for(done.url, done.platform) is None
    assert check_for("https://voz.vn/t/x.1/", "forum") is not None
