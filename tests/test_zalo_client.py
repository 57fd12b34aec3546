"""The Zalo Bot API client against the local stand-in, its error mapping, and alerts rendered
as Zalo shows them (plain text within 2,000 characters)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from alerts.message import AlertItem, article_message
from alerts.zalo import (
    DEFAULT_BASE_URL,
    LIMIT,
    ZaloBadRequest,
    ZaloBot,
    ZaloChatNotFound,
    ZaloError,
    ZaloForbidden,
    ZaloInvalidToken,
    ZaloNetworkError,
    ZaloRetryAfter,
    ZaloTimedOut,
    cut_plain,
    parse_update,
    zalo_text,
)
from duluan.logs import setup_logging
from tests.zalo.fake_api import FakeZalo

T = TypeVar("T")
# Not shaped like a Telegram token: only the client's own redaction can hide it.
ODD_TOKEN = "987654:zalo.Secret~Part"


def run(fake: FakeZalo, action: Callable[[ZaloBot], Awaitable[T]], timeout: float = 5.0) -> T:
    async def main() -> T:
        async with ZaloBot(fake.token, fake.base_url, timeout=timeout) as bot:
            return await action(bot)

    return asyncio.run(main())


def test_default_base_url_is_the_documented_host() -> None:
    assert DEFAULT_BASE_URL == "https://bot-api.zaloplatforms.com"


def test_get_me() -> None:
    with FakeZalo() as fake:
        info = run(fake, lambda bot: bot.get_me())
    assert info.id == fake.token.split(":")[0]
    assert info.account_name == "bot.DuluanTest" and info.can_join_groups
    assert [call.method for call in fake.calls] == ["getMe"]


def test_send_message_photo_sticker_and_action() -> None:
    async def actions(bot: ZaloBot) -> list[Any]:
        return [
            await bot.send_message("chat-1", "Tin mới: Đăk Pxi"),
            await bot.send_photo("chat-1", "https://example.vn/a.jpg", "Ảnh chụp màn hình"),
            await bot.send_sticker("chat-1", "0e078a2fb66a5f34067b"),
            await bot.send_chat_action("chat-1"),
        ]

    with FakeZalo(known_chats={"chat-1"}) as fake:
        message, photo, sticker, action = run(fake, actions)
    assert message.message_id and photo.message_id and sticker.message_id
    assert len({message.message_id, photo.message_id, sticker.message_id}) == 3
    assert message.date is not None and action is None
    assert fake.sent[0]["text"] == "Tin mới: Đăk Pxi" and fake.sent[0]["chat_id"] == "chat-1"
    assert fake.sent[1]["photo"] == "https://example.vn/a.jpg"
    assert fake.sent[1]["caption"] == "Ảnh chụp màn hình"
    assert [call.method for call in fake.calls][-1] == "sendChatAction"


def test_webhook_set_info_delete() -> None:
    secret = "a-webhook-secret-1234"

    async def actions(bot: ZaloBot) -> list[Any]:
        return [
            await bot.set_webhook("https://duluan.example.vn/zalo", secret),
            await bot.get_webhook_info(),
            await bot.delete_webhook(),
            await bot.get_webhook_info(),
        ]

    with FakeZalo() as fake:
        set_, info, deleted, after = run(fake, actions)
    assert set_.url == info.url == "https://duluan.example.vn/zalo"
    assert deleted.url == after.url == ""
    assert fake.calls[0].params == {"url": "https://duluan.example.vn/zalo", "secret_token": secret}


def test_webhook_refuses_short_secret_and_http_url() -> None:
    with FakeZalo() as fake:
        with pytest.raises(ZaloBadRequest, match="secret_token"):
            run(fake, lambda bot: bot.set_webhook("https://x.vn/zalo", "short"))
        with pytest.raises(ZaloBadRequest, match="https"):
            run(fake, lambda bot: bot.set_webhook("http://x.vn/zalo", "long-enough-secret"))


def test_long_polling_hands_each_update_out_once() -> None:
    """No offset on Zalo: each getUpdates returns the next update, then it is gone."""

    async def poll(bot: ZaloBot) -> list[list[Any]]:
        return [await bot.get_updates(timeout=1) for _ in range(3)]

    with FakeZalo(max_poll=0.2) as fake:
        fake.push_text("chat-1", "user-7", "https://baomoi.vn/bai-viet.html")
        fake.push_photo("group-9", "user-8", "https://zalo.example/p.jpg", "ảnh", group=True)
        first, second, third = run(fake, poll)
    assert third == []
    [text] = first
    assert text.event_name == "message.text.received" and text.message is not None
    assert text.message.text == "https://baomoi.vn/bai-viet.html"
    assert (text.message.chat_id, text.message.user_id) == ("chat-1", "user-7")
    assert text.message.chat_type == "PRIVATE"
    [photo] = second
    assert photo.message is not None and photo.event_name == "message.image.received"
    assert photo.message.chat_type == "GROUP" and photo.message.user_id == "user-8"
    assert photo.message.photo_url == "https://zalo.example/p.jpg"
    assert photo.message.caption == "ảnh"
    assert [call.params for call in fake.calls] == [{"timeout": "1"}] * 3


def test_long_poll_waits_for_an_update_that_arrives_later() -> None:
    with FakeZalo(max_poll=5) as fake:

        async def poll(bot: ZaloBot) -> list[Any]:
            task = asyncio.create_task(bot.get_updates(timeout=5))
            await asyncio.sleep(0.1)
            fake.push_text("chat-1", "user-7", "xin chào")
            return await task

        [update] = run(fake, poll)
    assert update.message is not None and update.message.text == "xin chào"


def test_get_updates_refused_while_a_webhook_is_set() -> None:
    async def actions(bot: ZaloBot) -> Any:
        await bot.set_webhook("https://x.vn/zalo", "long-enough-secret")
        return await bot.get_updates(timeout=1)

    with FakeZalo() as fake, pytest.raises(ZaloError) as caught:
        run(fake, actions)
    assert caught.value.error_code == 409


def test_parse_update_from_the_documented_sample() -> None:
    """The getUpdates sample of the documentation: `first_name`, date in milliseconds."""
    update = parse_update(
        {
            "message": {
                "chat": {"id": "e4ea2cd5189df1c3a88c", "chat_type": "PRIVATE"},
                "text": "Xin chào",
                "message_id": "16f6366b3f02645a3d15",
                "date": 1766619597466,
                "from": {"id": "e4ea2cd5189df1c3a88c", "first_name": "Nguyen Van A"},
            }
        }
    )
    assert update.event_name == "message.text.received" and update.message is not None
    assert update.message.user_name == "Nguyen Van A" and update.message.date == 1766619597466
    assert parse_update({"event_name": "x", "message": "junk"}).message is None


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
_KEYS = st.sampled_from(
    ["message", "chat", "from", "id", "text", "date", "event_name", "photo_url"]
)


@given(
    st.dictionaries(
        _KEYS | st.text(max_size=6),
        _JSON
        | st.dictionaries(_KEYS, _JSON | st.dictionaries(_KEYS, _JSON, max_size=4), max_size=6),
        max_size=4,
    )
)
@example({"message": {"date": True, "chat": [], "from": "x", "message_id": {"a": 1}}})
@example({"message": {"chat": {"id": None}, "from": {"id": 7}, "text": ["<b>"]}})
def test_parse_update_of_any_json_object_never_fails(data: dict[str, object]) -> None:
    """A forged or broken update (wrong types everywhere) gives strings and a date that is an
    integer or None, never an exception."""
    update = parse_update(data)
    assert isinstance(update.event_name, str)
    if update.message is not None:
        m = update.message
        assert all(isinstance(v, str) for v in (m.message_id, m.chat_id, m.user_id, m.text))
        assert m.date is None or (isinstance(m.date, int) and not isinstance(m.date, bool))


@pytest.mark.parametrize(
    ("status", "code", "description", "expected", "permanent"),
    [
        (400, None, "Bad Request: chat not found", ZaloChatNotFound, True),
        (403, None, "Forbidden: bot was blocked by the user", ZaloForbidden, True),
        (401, None, "Unauthorized", ZaloInvalidToken, True),
        (404, None, "Not Found", ZaloInvalidToken, True),
        (400, None, "Bad Request: text too long", ZaloBadRequest, False),
        (500, None, "Internal Server Error", ZaloNetworkError, False),
        (502, None, "Bad Gateway", ZaloNetworkError, False),
        (200, 403, "Forbidden", ZaloForbidden, True),  # an error inside an HTTP 200
    ],
)
def test_error_mapping(
    status: int, code: int | None, description: str, expected: type, permanent: bool
) -> None:
    with FakeZalo() as fake:
        fake.fail("sendMessage", status, description, error_code=code)
        with pytest.raises(ZaloError) as caught:
            run(fake, lambda bot: bot.send_message("chat-1", "x"))
    assert type(caught.value) is expected
    assert caught.value.permanent is permanent and caught.value.description == description


def test_unknown_chat_is_chat_not_found() -> None:
    with FakeZalo(known_chats={"chat-1"}) as fake, pytest.raises(ZaloChatNotFound):
        run(fake, lambda bot: bot.send_message("chat-2", "x"))


def test_too_long_text_is_a_bad_request() -> None:
    with FakeZalo() as fake, pytest.raises(ZaloBadRequest):
        run(fake, lambda bot: bot.send_message("chat-1", "x" * (LIMIT + 1)))


def test_retry_after_from_parameters_header_or_default() -> None:
    with FakeZalo() as fake:
        fake.fail("sendMessage", 429, "Too Many Requests", retry_after=7)
        with pytest.raises(ZaloRetryAfter) as told:
            run(fake, lambda bot: bot.send_message("chat-1", "x"))
        fake.fail("sendMessage", 429, "Too Many Requests")
        with pytest.raises(ZaloRetryAfter) as untold:
            run(fake, lambda bot: bot.send_message("chat-1", "x"))
    assert told.value.retry_after == 7.0 and not told.value.permanent
    assert untold.value.retry_after == 10.0


def test_not_json_is_a_network_error() -> None:
    with FakeZalo() as fake:
        fake.fail("getMe", 502, "", raw=b"<html>502 Bad Gateway</html>")
        with pytest.raises(ZaloNetworkError, match="JSON"):
            run(fake, lambda bot: bot.get_me())


def test_slow_answer_is_a_timeout_that_may_have_delivered() -> None:
    with FakeZalo() as fake:
        fake.delay("sendMessage", 2.0)
        with pytest.raises(ZaloTimedOut) as caught:
            run(fake, lambda bot: bot.send_message("chat-1", "x"), timeout=0.3)
    assert caught.value.maybe_delivered


def test_refused_connection_did_not_deliver() -> None:
    with FakeZalo() as fake:
        base = fake.base_url  # closed once the block ends: nothing listens there

    async def main() -> None:
        async with ZaloBot(fake.token, base, timeout=2) as bot:
            await bot.send_message("chat-1", "x")

    with pytest.raises(ZaloNetworkError) as caught:
        asyncio.run(main())
    assert not caught.value.maybe_delivered


def test_token_never_in_logs_errors_or_repr(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("DEBUG")
    with FakeZalo(token=ODD_TOKEN) as fake:
        fake.fail("sendMessage", 400, f"Bad Request: token {ODD_TOKEN} is odd")
        with pytest.raises(ZaloBadRequest) as echoed:
            run(fake, lambda bot: bot.send_message("chat-1", "x"))
        fake.delay("getMe", 2.0)
        with pytest.raises(ZaloTimedOut) as slow:
            run(fake, lambda bot: bot.get_me(), timeout=0.3)
        logging.getLogger("alerts.zalo").error("lỗi %s", echoed.value)
        bot = ZaloBot(fake.token, fake.base_url)
        shown = repr(bot)
        asyncio.run(bot.aclose())
    err = capsys.readouterr().err
    assert "HTTP Request" in err  # httpx did log the URL, redacted
    for text in (err, str(echoed.value), repr(echoed.value), str(slow.value), shown):
        assert ODD_TOKEN not in text and "zalo.Secret" not in text
    assert slow.value.__cause__ is None and slow.value.__suppress_context__


@pytest.mark.parametrize("token", ["", "12 34", "1/2:abc"])
def test_malformed_token_is_refused(token: str) -> None:
    with pytest.raises(ValueError):
        ZaloBot(token)


# --- rendering ---------------------------------------------------------------------------------


def test_alert_rendered_as_plain_text_with_the_link_on_its_own_line() -> None:
    html = (
        '<b>Báo Gia Lai</b>\n<a href="https://baogialai.vn/a?x=1&amp;y=2">Sạt lở &amp; ngập '
        "ở Đăk Pxi</a>\n<i>08:30 03/12</i> · &lt;b&gt;không phải thẻ&lt;/b&gt;"
    )
    text = zalo_text(html)
    assert text.splitlines() == [
        "Báo Gia Lai",
        "Sạt lở & ngập ở Đăk Pxi",
        "https://baogialai.vn/a?x=1&y=2",
        "08:30 03/12 · <b>không phải thẻ</b>",
    ]


def test_a_composed_alert_keeps_its_content() -> None:
    item = AlertItem(
        outlet="Báo <Gia Lai>",
        title='Tin "nóng" & mới',
        url="https://baogialai.vn/tin.html",
        published_at=None,
        places=("Đăk Pxi",),
        tone="negative",
        text="Người dân Đăk Pxi phản ánh.",
        mention=(10, 17),
    )
    text = zalo_text(article_message(item))
    assert "Báo <Gia Lai>" in text and 'Tin "nóng" & mới' in text
    assert "https://baogialai.vn/tin.html" in text.splitlines()
    assert "<b>" not in text and "&amp;" not in text


def test_hostile_markup() -> None:
    hostile = (
        '<a href="https://x.vn/\n a">unclosed <b>bold <script>alert(1)</script>'
        '&#0; \x00\x07 ‮rtl &bogus; <a href="javascript:x">js</a> &lt;a href=&quot;z&quot;&gt;'
    )
    text = zalo_text(hostile)
    assert "\x00" not in text and "\x07" not in text and "\u202e" not in text
    assert "https://x.vn/a" in text.splitlines()  # whitespace inside an address removed
    assert "javascript:x" in text.splitlines()  # shown as text, never a link: Zalo has none
    assert '<a href="z">' in text  # escaped markup stays visible text
    assert len(text) <= LIMIT


@pytest.mark.parametrize(
    "body",
    [
        "từ " * 1500,  # words
        "dòng tin ngắn\n" * 400,  # lines
        "x" * 5000,  # one long word
        "😀" * 1500,  # astral characters: 2 UTF-16 units each
        "<b>" + "đậm " * 900 + "</b>" + "&amp;" * 900,
    ],
)
def test_cut_at_the_limit(body: str) -> None:
    text = zalo_text(body)
    assert len(text.encode("utf-16-le")) // 2 <= LIMIT
    assert text.endswith("…")
    assert len(text) > LIMIT // 3  # kept a reasonable part


def test_cut_at_a_line_or_word_boundary() -> None:
    lines = "\n".join(f"dòng {i} có vài chữ" for i in range(300))
    cut = cut_plain(lines, 200)
    assert cut.endswith("…") and cut[:-1] == cut[:-1].rstrip()
    assert all(line.startswith("dòng") and line.endswith("chữ") for line in cut[:-1].split("\n"))
    words = cut_plain("một hai ba bốn năm sáu bảy tám chín mười " * 10, 50)
    assert words[:-1].split(" ")[-1] in {"một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám"}
    assert cut_plain("ngắn", 200) == "ngắn"


def _answering(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> httpx.MockTransport:
    """A transport answering every call the same way (shapes the stand-in does not make)."""
    return httpx.MockTransport(lambda request: httpx.Response(status, json=body, headers=headers))


def test_retry_after_header_and_http_408_on_poll() -> None:
    async def main() -> tuple[float, list[Any]]:
        limited = ZaloBot(ODD_TOKEN, transport=_answering(429, {"ok": False}, {"Retry-After": "3"}))
        wait = -1.0
        try:
            await limited.send_message("chat-1", "x")
        except ZaloRetryAfter as exc:
            wait = exc.retry_after
        finally:
            await limited.aclose()
        idle = ZaloBot(ODD_TOKEN, transport=_answering(408, {"ok": False, "error_code": 408}))
        async with idle:
            return wait, await idle.get_updates(timeout=1)

    wait, updates = asyncio.run(main())
    assert wait == 3.0 and updates == []


def test_get_updates_accepts_a_list() -> None:
    body = {"ok": True, "result": [{"message": {"text": "a"}}, {"message": {"text": "b"}}, 5]}

    async def main() -> list[Any]:
        async with ZaloBot(ODD_TOKEN, transport=_answering(200, body)) as bot:
            return await bot.get_updates(timeout=1)

    texts = [u.message.text for u in asyncio.run(main()) if u.message]
    assert texts == ["a", "b"]
