"""A `facebook_page` source: a page the centre may read, through the Graph API.

The stored answers (tests/outlets/facebook_page_api, in the structure Graph API documents:
`data[]` of posts, `paging.cursors` and `paging.next`, and its `error` objects) are served by
a local stand-in. Each post is an item (its permalink, platform facebook, its message as
text); older pages follow `paging.next` without the token it repeats; the token travels in a
header and never reaches a URL, a log line or the database; API errors become a Vietnamese
failure of the source's run saying what to do."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.facebook import (
    MAX_TEXT,
    FacebookError,
    api_error,
    parse_posts,
    posts_url,
    without_secrets,
)
from duluan.config import ConfigError, parse_config
from tests.apis.server import JsonApi
from tests.kit.crawl import by_source, crawl, stored, write_config

pytestmark = pytest.mark.sqlite_only  # no SQL of its own: see tests/kit/db.py

SAMPLES = Path(__file__).resolve().parent / "outlets" / "facebook_page_api"
FIRST = (SAMPLES / "posts.json").read_text(encoding="utf-8")
SECOND = (SAMPLES / "posts_page2.json").read_text(encoding="utf-8")
EXPIRED = (SAMPLES / "token_expired.json").read_text(encoding="utf-8")
PAGE = "104857392011223"
API = "https://graph.facebook.com/v26.0"
TOKEN = "EAAGm0PX4ZCpsBAPAGEtOKENxTESTtoken0123456789"
ENV = {"FB_TOKEN": TOKEN}
SOURCE = f"""  - name: fb-trung-tam
    title: Trung tâm VHTT&TT Đăk Hà
    facebook_page:
      page: '{PAGE}'
      token: env:FB_TOKEN
      api_url: '{{{{BASE}}}}/v26.0'
"""


def test_each_post_is_an_item() -> None:
    page = parse_posts(FIRST.replace("{{API}}", API), API)
    first, second = page.posts
    assert first.url == f"https://www.facebook.com/{PAGE}/posts/912345678901234"
    assert first.message.startswith("THÔNG BÁO\nUBND xã Đăk Pxi thông báo tạm dừng")
    assert first.published_at == datetime(2026, 11, 25, 8, 15, 30, tzinfo=UTC)
    assert (second.message, second.story) == ("", "Trung tâm VHTT&TT Đăk Hà đã cập nhật ảnh bìa.")
    assert page.skipped == 0
    # The next page without the token Graph API repeats in it.
    assert page.next_url is not None and "access_token" not in page.next_url
    assert page.next_url.startswith(f"{API}/{PAGE}/posts?")
    assert "after=QVFIUkJmT2Q0b0VLZAmtfR2w5c1B6LUZAzYTJ3" in page.next_url
    assert parse_posts(SECOND, API).next_url is None


def test_the_first_request_carries_no_token() -> None:
    url = posts_url(API + "/", PAGE, 25)
    assert url == (
        f"{API}/{PAGE}/posts?fields=id%2Cmessage%2Ccreated_time%2Cpermalink_url%2Cstory&limit=25"
    )
    assert without_secrets(url) == url
    assert without_secrets(f"{url}&access_token=abc&appsecret_proof=x&after=1") == (
        f"{url}&after=1"
    )


def test_a_next_page_elsewhere_is_not_followed() -> None:
    """The token goes to the API's own origin only: a `paging.next` on another host or port
    is dropped (the page ends there)."""
    for elsewhere in ("http://169.254.169.254/latest", "https://graph.facebook.com.evil.vn/v"):
        body = FIRST.replace("{{API}}", elsewhere)
        assert parse_posts(body, API).next_url is None
    assert (
        parse_posts(FIRST.replace("{{API}}", API), "https://graph.facebook.com:8443").next_url
        is None
    )


@pytest.mark.parametrize(
    ("code", "says"),
    [
        (190, "page access token) đã hết hạn"),
        (4, "giới hạn số lần gọi"),
        (17, "giới hạn số lần gọi"),
        (32, "giới hạn số lần gọi"),
        (10, "không có quyền đọc trang"),
        (200, "không có quyền đọc trang"),
        (283, "không có quyền đọc trang"),
        (100, "kiểm tra facebook_page.page"),
        (1, "Graph API báo lỗi 1"),
        (None, "Graph API báo lỗi None"),
    ],
)
def test_api_errors_say_what_to_do(code: int | None, says: str) -> None:
    body = json.dumps({"error": {"message": "x", "type": "OAuthException", "code": code}})
    with pytest.raises(FacebookError) as caught:
        parse_posts(body, API)
    assert says in str(caught.value) and caught.value.code == code


@pytest.mark.parametrize(
    "link",
    [
        "http://127.0.0.1:8080/admin",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/x",
        "javascript:alert(1)",
        "https://evil.example/www.facebook.com/posts/1",
        "http://www.facebook.com/1/posts/2",  # not https
        "https://www.facebook.com:8443/1/posts/2",
        "",
        None,
        ["https://www.facebook.com/1/posts/2"],
    ],
)
def test_a_permalink_off_facebook_is_no_item(link: Any) -> None:
    data = json.loads(SECOND)
    data["data"][0]["permalink_url"] = link
    page = parse_posts(json.dumps(data), API)
    assert page.posts == () and page.skipped == 1


def test_entries_of_the_wrong_shape_are_skipped_or_emptied() -> None:
    data = json.loads(SECOND)
    good = data["data"][0]
    data["data"] = [
        None,
        "text",
        {"message": "no id", "permalink_url": good["permalink_url"]},
        {**good, "message": 12, "created_time": "hôm qua"},
        {**good, "message": "Đăk Pxi " * 20_000, "created_time": "2026-11-25T08:00:00"},
        {**good, "message": "<script>alert(1)</script>\u0000 x"},
    ]
    page = parse_posts(json.dumps(data), API)
    assert page.skipped == 3
    wrong, huge, script = page.posts
    assert (wrong.message, wrong.published_at) == ("", None)
    assert len(huge.message) <= MAX_TEXT and huge.published_at is None  # no offset: no guess
    assert script.message.startswith("<script>")  # plain text, stored as text, never rendered


@pytest.mark.parametrize(
    "body",
    ["", "{", "[]", "null", '{"data": {"a": 1}}', '{"paging": {}}', "<html>502</html>", b"\xff"],
)
def test_what_is_no_list_of_posts_is_an_error(body: str | bytes) -> None:
    with pytest.raises(FacebookError):
        parse_posts(body, API)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=15), inner),
    max_leaves=15,
)


@given(JSON, JSON, JSON)
def test_any_json_gives_posts_or_a_facebook_error(data: Any, paging: Any, error: Any) -> None:
    for body in ({"data": data, "paging": paging}, {"error": error}):
        try:
            page = parse_posts(json.dumps(body), API)
        except FacebookError:
            continue
        for post in page.posts:
            assert post.url.startswith("https://") and "facebook.com" in post.url
        assert page.next_url is None or page.next_url.startswith(API)


def test_api_error_never_raises() -> None:
    for error in (None, [], "x", {"code": True}, {"code": "190"}, {"message": ["x"]}):
        assert isinstance(api_error(error), FacebookError)


def test_the_token_lives_in_the_environment_only() -> None:
    head = "locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}\nsources:\n"
    entry = SOURCE.replace("{{BASE}}", "https://x.vn")
    with pytest.raises(ConfigError) as caught:
        parse_config(head + entry.replace("env:FB_TOKEN", TOKEN), "config.yaml", {})
    assert "sources[0].facebook_page.token: mã bí mật không được ghi thẳng" in str(caught.value)
    assert TOKEN not in str(caught.value)
    with pytest.raises(ConfigError, match=r"facebook_page\.page"):
        parse_config(head + entry.replace(PAGE, "../me"), "config.yaml", ENV)
    [only] = parse_config(head + entry, "config.yaml", ENV).config.sources
    unquoted = parse_config(head + entry.replace(f"'{PAGE}'", PAGE), "config.yaml", ENV)
    assert unquoted.config.sources[0].facebook_page == only.facebook_page  # YAML's number
    assert only.configured_urls() == ["https://x.vn/v26.0"]  # the guard's origin
    assert TOKEN not in repr(only) and TOKEN not in only.model_dump_json()


def serve(api: JsonApi, first: str = FIRST) -> None:
    def answer(query: dict[str, str]) -> tuple[int, str]:
        if "after" in query:
            return 200, SECOND
        return 200, first.replace("{{API}}", api.base + "/v26.0")

    api.answer(f"/v26.0/{PAGE}/posts", answer)


def test_a_pass_reads_back_to_the_last_post_already_stored(tmp_path: Path, db_url: str) -> None:
    with JsonApi() as api:
        serve(api)
        config = write_config(tmp_path, api.base, SOURCE, ENV)
        summary = by_source(crawl(config, db_url))["fb-trung-tam"]
        assert summary.ok and summary.new == 3, summary.errors
        items = {a.url: a for a in stored(db_url)}
        assert len(items) == 3 and {a.platform for a in items.values()} == {"facebook"}
        notice = items[f"https://www.facebook.com/{PAGE}/posts/912345678901234"]
        assert notice.title == "THÔNG BÁO" and notice.via == "facebook"
        assert "cầu tràn thôn Kon Gung" in notice.text
        assert notice.author == "Trung tâm VHTT&TT Đăk Hà"
        cover = items[f"https://www.facebook.com/{PAGE}/posts/912345678900001"]
        assert cover.title == "Trung tâm VHTT&TT Đăk Hà đã cập nhật ảnh bìa." and cover.text == ""
        assert [c.query.get("after") for c in api.calls] == [
            None,
            "QVFIUkJmT2Q0b0VLZAmtfR2w5c1B6LUZAzYTJ3",
        ]
        for call in api.calls:
            assert call.headers.get("Authorization") == f"Bearer {TOKEN}"
            assert "access_token" not in call.target and TOKEN not in call.target
        assert not any(TOKEN in str(v) for a in stored(db_url) for v in vars(a).values())

        # Next pass: the newest page holds a post already stored: no older page is asked.
        before = len(api.calls)
        again = by_source(crawl(config, db_url))["fb-trung-tam"]
        assert again.ok and again.new == 0, again.errors
        assert len(api.calls) == before + 1


def test_an_expired_token_fails_the_run_saying_what_to_do(tmp_path: Path, db_url: str) -> None:
    with JsonApi() as api:
        echoed = json.loads(EXPIRED)
        echoed["error"]["message"] += f" access_token={TOKEN}"
        api.answer(f"/v26.0/{PAGE}/posts", (400, json.dumps(echoed)))
        config = write_config(tmp_path, api.base, SOURCE, ENV)
        summary = by_source(crawl(config, db_url))["fb-trung-tam"]
        assert not summary.ok and stored(db_url) == []
        [error] = summary.errors
        assert "đã hết hạn hoặc bị thu hồi" in error.message and "tạo mã mới" in error.message
        assert TOKEN not in error.message and TOKEN not in error.url


@pytest.mark.parametrize(
    "answer",
    [
        (200, "{"),
        (200, '{"data": "x"}'),
        (500, "<html>Internal Server Error</html>"),
        (403, json.dumps({"error": {"code": 200, "message": "Permissions error"}})),
        (500, json.dumps({"error": {"code": 1, "message": f"Unknown error {TOKEN}"}})),
    ],
)
def test_a_broken_answer_stores_nothing(
    tmp_path: Path, db_url: str, answer: tuple[int, str]
) -> None:
    with JsonApi() as api:
        api.answer(f"/v26.0/{PAGE}/posts", answer)
        config = write_config(tmp_path, api.base, SOURCE, ENV)
        summary = by_source(crawl(config, db_url))["fb-trung-tam"]
        assert not summary.ok and stored(db_url) == [], summary.errors
        assert summary.errors and not any(TOKEN in e.message for e in summary.errors)


def test_a_permalink_to_an_internal_address_is_not_stored(tmp_path: Path, db_url: str) -> None:
    with JsonApi() as api:
        data = json.loads(SECOND)
        data["data"].append({**data["data"][0], "permalink_url": "http://127.0.0.1:5432/x"})
        api.answer(f"/v26.0/{PAGE}/posts", (200, json.dumps(data)))
        config = write_config(tmp_path, api.base, SOURCE, ENV)
        summary = by_source(crawl(config, db_url))["fb-trung-tam"]
        assert summary.ok and summary.new == 1, summary.errors
        assert [a.url for a in stored(db_url)] == [data["data"][0]["permalink_url"]]
