"""The fake Telegram Bot API, driven by the real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import socket
import threading
import urllib.request
import warnings
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from tests.telegram.fake_api import FakeTelegram

CHAT = -1001234567890
OTHER_CHAT = -1009999999999
REVIEWER = 4242


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(known_chats={CHAT, REVIEWER}) as server:
        yield server


def _bot(fake: FakeTelegram, token: str | None = None, read_timeout: float = 5.0) -> telegram.Bot:
    request = HTTPXRequest(read_timeout=read_timeout, connect_timeout=2.0)
    return telegram.Bot(token or fake.token, base_url=fake.base_url, request=request)


def _run(fake: FakeTelegram, scenario: Any, **kwargs: Any) -> Any:
    async def main() -> Any:
        async with _bot(fake, **kwargs) as bot:
            return await scenario(bot)

    return asyncio.run(main())


def _keyboard(article_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Đúng", callback_data=f"ok:{article_id}"),
                InlineKeyboardButton("Sai", callback_data=f"no:{article_id}"),
            ]
        ]
    )


def _retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def test_base_url_is_local_and_get_me(fake: FakeTelegram) -> None:
    assert urlsplit(fake.base_url).hostname == "127.0.0.1"
    assert fake.base_url.endswith("/bot")

    me = _run(fake, lambda bot: bot.get_me())

    assert me.is_bot
    assert me.username == "duluan_test_bot"
    assert me.id == 123456789
    assert [c.method for c in fake.calls] == ["getMe", "getMe"]
    assert all(c.token == fake.token for c in fake.calls)


def test_send_html_with_keyboard_and_topic_is_recorded(fake: FakeTelegram) -> None:
    async def scenario(bot: telegram.Bot) -> list[telegram.Message]:
        first = await bot.send_message(
            CHAT,
            '<b>Đăk Hà</b>: <a href="https://baokontum.com.vn/x">bài mới</a> &amp; tin',
            parse_mode="HTML",
            reply_markup=_keyboard(7),
            message_thread_id=12,
            disable_web_page_preview=True,
        )
        second = await bot.send_message(CHAT, "tin thứ hai")
        return [first, second]

    first, second = _run(fake, scenario)

    assert first.text == "Đăk Hà: bài mới & tin"
    assert [(e.type, e.offset, e.length) for e in first.entities] == [
        ("bold", 0, 6),
        ("text_link", 8, 7),
    ]
    assert first.entities[1].url == "https://baokontum.com.vn/x"
    assert first.reply_markup == _keyboard(7)
    assert first.message_thread_id == 12
    assert first.chat.id == CHAT
    assert first.chat.type == "supergroup"
    assert (first.message_id, second.message_id) == (1, 2)

    call = fake.calls_to("sendMessage")[0]
    assert call.params["chat_id"] == CHAT
    assert call.params["parse_mode"] == "HTML"
    assert call.params["text"].startswith("<b>Đăk Hà</b>")
    buttons = call.params["reply_markup"]["inline_keyboard"][0]
    assert [b["callback_data"] for b in buttons] == ["ok:7", "no:7"]

    sent = fake.sent(CHAT)
    assert [m["text"] for m in sent] == ["Đăk Hà: bài mới & tin", "tin thứ hai"]
    assert sent[0]["message_thread_id"] == 12
    assert sent[0]["link_preview_options"] == {"is_disabled": True}
    assert fake.sent(OTHER_CHAT) == []


def test_message_ids_increase_per_chat(fake: FakeTelegram) -> None:
    async def scenario(bot: telegram.Bot) -> list[int]:
        ids = []
        for chat in (CHAT, REVIEWER, CHAT):
            ids.append((await bot.send_message(chat, "x")).message_id)
        return ids

    assert _run(fake, scenario) == [1, 1, 2]
    assert [m["chat"]["type"] for m in fake.sent()] == ["supergroup", "private", "supergroup"]


def test_bad_html_is_rejected_like_telegram(fake: FakeTelegram) -> None:
    async def scenario(bot: telegram.Bot) -> None:
        await bot.send_message(CHAT, "dòng 1<br>dòng 2", parse_mode="HTML")

    with pytest.raises(BadRequest, match=r'(?i)unsupported start tag "br" at byte offset 7'):
        _run(fake, scenario)
    assert fake.sent() == []


def test_callback_data_over_64_bytes_is_rejected(fake: FakeTelegram) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="đ" * 40)]])

    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        _run(fake, lambda bot: bot.send_message(CHAT, "x", reply_markup=markup))


def test_edit_text_and_markup(fake: FakeTelegram) -> None:
    async def scenario(bot: telegram.Bot) -> tuple[Any, ...]:
        msg = await bot.send_message(CHAT, "chờ duyệt", reply_markup=_keyboard(3))
        edited = await bot.edit_message_text(
            "<i>đã duyệt</i>",
            chat_id=CHAT,
            message_id=msg.message_id,
            parse_mode="HTML",
            reply_markup=_keyboard(3),
        )
        cleared = await bot.edit_message_reply_markup(chat_id=CHAT, message_id=msg.message_id)
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_reply_markup(chat_id=CHAT, message_id=msg.message_id)
        with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
            await bot.edit_message_text("x", chat_id=CHAT, message_id=999)
        return edited, cleared

    edited, cleared = _run(fake, scenario)

    assert edited.text == "đã duyệt"
    assert edited.entities[0].type == "italic"
    assert edited.edit_date is not None
    assert cleared.reply_markup is None
    [stored] = fake.sent(CHAT)
    assert stored["text"] == "đã duyệt"
    assert "reply_markup" not in stored


def test_edit_text_without_markup_drops_keyboard(fake: FakeTelegram) -> None:
    async def scenario(bot: telegram.Bot) -> None:
        msg = await bot.send_message(CHAT, "a", reply_markup=_keyboard(1))
        await bot.edit_message_text("b", chat_id=CHAT, message_id=msg.message_id)

    _run(fake, scenario)
    assert "reply_markup" not in fake.sent(CHAT)[0]


def test_send_document_records_bytes_and_filename(fake: FakeTelegram) -> None:
    content = "tiêu đề,nguồn\nĐăk Hà,baokontum\n".encode()

    async def scenario(bot: telegram.Bot) -> telegram.Message:
        return await bot.send_document(
            CHAT,
            document=content,
            filename="bao-cao.csv",
            caption="<b>Báo cáo</b>",
            parse_mode="HTML",
        )

    msg = _run(fake, scenario)

    assert msg.document is not None
    assert msg.document.file_name == "bao-cao.csv"
    assert msg.document.file_size == len(content)
    assert msg.caption == "Báo cáo"
    call = fake.calls_to("sendDocument")[0]
    assert call.files == {"document": content}
    assert call.filenames == {"document": "bao-cao.csv"}
    assert call.params["chat_id"] == CHAT
    assert fake.sent(CHAT)[0]["document"]["file_name"] == "bao-cao.csv"


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_429_surfaces_as_retry_after(fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", status=429, retry_after=7)

    async def scenario(bot: telegram.Bot) -> telegram.Message:
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(CHAT, "một")
        assert _retry_seconds(info.value) == 7
        return await bot.send_message(CHAT, "hai")

    msg = _run(fake, scenario)

    assert msg.text == "hai"
    assert [m["text"] for m in fake.sent()] == ["hai"]
    assert [c.params["text"] for c in fake.calls_to("sendMessage")] == ["một", "hai"]


def test_failures_repeat_times_then_stop(fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", status=500, times=2)

    async def scenario(bot: telegram.Bot) -> list[str]:
        outcomes = []
        for _ in range(3):
            try:
                await bot.send_message(CHAT, "x")
                outcomes.append("ok")
            except NetworkError as exc:
                assert not isinstance(exc, (BadRequest, Forbidden, RetryAfter))
                outcomes.append("network")
        return outcomes

    assert _run(fake, scenario) == ["network", "network", "ok"]


@pytest.mark.parametrize(
    ("status", "description", "error"),
    [
        (400, None, BadRequest),
        (403, None, Forbidden),
        (502, None, NetworkError),
        (403, "Forbidden: bot was blocked by the user", Forbidden),
    ],
)
def test_scripted_errors_map_to_ptb_exceptions(
    fake: FakeTelegram, status: int, description: str | None, error: type[Exception]
) -> None:
    fake.fail_next("sendMessage", status=status, description=description)

    with pytest.raises(error) as info:
        _run(fake, lambda bot: bot.send_message(CHAT, "x"))

    expected = (
        description
        or {
            400: "chat not found",
            403: "bot was kicked from the group chat",
            502: "Bad Gateway",
        }[status]
    )
    assert expected.lower() in str(info.value).lower()
    assert fake.sent() == []


def test_unknown_chat_is_bad_request(fake: FakeTelegram) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        _run(fake, lambda bot: bot.send_message(OTHER_CHAT, "x"))


def test_any_chat_is_accepted_without_known_chats() -> None:
    with FakeTelegram() as open_fake:
        msg = _run(open_fake, lambda bot: bot.send_message(OTHER_CHAT, "x"))
    assert msg.chat.id == OTHER_CHAT


def test_wrong_token_is_invalid_token(fake: FakeTelegram) -> None:
    with pytest.raises(InvalidToken):
        _run(fake, lambda bot: bot.get_me(), token="999:wrong")
    assert fake.calls[0].token == "999:wrong"
    assert fake.sent() == []


def test_slow_answer_times_out_but_is_delivered(fake: FakeTelegram) -> None:
    fake.delay_next("sendMessage", 0.6)

    with pytest.raises(TimedOut):
        _run(fake, lambda bot: bot.send_message(CHAT, "chậm"), read_timeout=0.1)

    assert fake.wait_for(lambda: len(fake.sent()) == 1, timeout=10)
    assert fake.sent()[0]["text"] == "chậm"


def test_get_updates_returns_pushed_callback(fake: FakeTelegram) -> None:
    async def scenario(bot: telegram.Bot) -> tuple[Any, ...]:
        msg = await bot.send_message(CHAT, "bài 5", reply_markup=_keyboard(5))
        update_id = fake.push_callback(
            from_id=REVIEWER, chat_id=CHAT, message_id=msg.message_id, data="ok:5"
        )
        updates = await bot.get_updates(timeout=5)
        query = updates[0].callback_query
        assert query is not None
        await bot.answer_callback_query(query.id, text="Đã ghi nhận")
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await bot.answer_callback_query(query.id)
        return update_id, updates

    update_id, updates = _run(fake, scenario)

    assert [u.update_id for u in updates] == [update_id]
    query = updates[0].callback_query
    assert query.data == "ok:5"
    assert query.from_user.id == REVIEWER
    assert query.message.message_id == 1
    assert query.message.chat.id == CHAT
    assert query.message.reply_markup == _keyboard(5)
    assert fake.answered_queries[0]["params"]["text"] == "Đã ghi nhận"


def test_offset_confirms_updates(fake: FakeTelegram) -> None:
    first = fake.push_message(from_id=REVIEWER, chat_id=REVIEWER, text="/start")
    second = fake.push_message(from_id=REVIEWER, chat_id=REVIEWER, text="xin chào")

    async def scenario(bot: telegram.Bot) -> list[list[int]]:
        seen = [[u.update_id for u in await bot.get_updates()]]
        seen.append([u.update_id for u in await bot.get_updates()])
        seen.append([u.update_id for u in await bot.get_updates(offset=first + 1)])
        seen.append([u.update_id for u in await bot.get_updates(offset=second + 1)])
        return seen

    assert _run(fake, scenario) == [[first, second], [first, second], [second], []]
    assert fake.pending_updates() == []


def test_long_poll_returns_when_an_update_is_pushed(fake: FakeTelegram) -> None:
    def push_later() -> None:
        fake.wait_for(lambda: bool(fake.calls_to("getUpdates")), timeout=10)
        fake.push_message(from_id=REVIEWER, chat_id=CHAT, text="trả lời", reply_to=None)

    pusher = threading.Thread(target=push_later)
    pusher.start()
    updates = _run(fake, lambda bot: bot.get_updates(timeout=20), read_timeout=30)
    pusher.join()

    assert len(updates) == 1
    assert updates[0].message.text == "trả lời"
    assert updates[0].message.from_user.id == REVIEWER


def test_second_poller_terminates_the_first(fake: FakeTelegram) -> None:
    async def scenario() -> tuple[Any, ...]:
        async with _bot(fake, read_timeout=30) as old, _bot(fake) as new:
            first = asyncio.create_task(old.get_updates(timeout=20))
            assert await asyncio.to_thread(fake.wait_for, lambda: fake.waiting_polls == 1)
            second = await new.get_updates(timeout=0)
            [outcome] = await asyncio.gather(first, return_exceptions=True)
            return outcome, second

    outcome, second = asyncio.run(scenario())

    assert isinstance(outcome, telegram.error.Conflict)
    assert "terminated by other getUpdates request" in str(outcome)
    assert second == ()
    assert fake.waiting_polls == 0


def test_reply_to_message_is_linked(fake: FakeTelegram) -> None:
    async def scenario(bot: telegram.Bot) -> telegram.Update:
        msg = await bot.send_message(CHAT, "bài 9")
        fake.push_message(from_id=REVIEWER, chat_id=CHAT, text="sai rồi", reply_to=msg.message_id)
        return (await bot.get_updates())[0]

    update = _run(fake, scenario)

    assert update.message.reply_to_message.text == "bài 9"
    assert update.message.message_id == 2


def test_webhook_blocks_get_updates_until_deleted(fake: FakeTelegram) -> None:
    async def scenario(bot: telegram.Bot) -> tuple[str, str]:
        await bot.set_webhook("https://example.invalid/hook")
        url = (await bot.get_webhook_info()).url
        with pytest.raises(telegram.error.Conflict):
            await bot.get_updates()
        await bot.delete_webhook()
        assert await bot.get_updates() == ()
        return url, (await bot.get_webhook_info()).url

    assert _run(fake, scenario) == ("https://example.invalid/hook", "")


def test_json_bodies_and_unknown_methods(fake: FakeTelegram) -> None:
    def post(method: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            f"{fake.base_url}{fake.token}/{method}",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as err:
            return err.code, json.load(err)

    status, body = post("sendMessage", {"chat_id": CHAT, "text": "json"})
    assert (status, body["ok"], body["result"]["text"]) == (200, True, "json")
    fake.fail_next("sendMessage", status=429, retry_after=3)
    status, body = post("sendMessage", {"chat_id": CHAT, "text": "json"})
    assert (status, body) == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 3",
            "parameters": {"retry_after": 3},
        },
    )
    status, body = post("sendSticker", {"chat_id": CHAT})
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})


def test_client_connects_only_to_loopback(
    fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    addresses: list[Any] = []
    original = socket.socket.connect

    def spy(sock: socket.socket, address: Any) -> Any:
        addresses.append(address)
        return original(sock, address)

    monkeypatch.setattr(socket.socket, "connect", spy)

    async def scenario(bot: telegram.Bot) -> None:
        await bot.send_message(CHAT, "x")
        await bot.send_document(CHAT, document=b"abc", filename="a.txt")
        fake.push_message(from_id=REVIEWER, chat_id=CHAT, text="y")
        await bot.get_updates(timeout=1)

    _run(fake, scenario)

    assert addresses
    assert {a[0] for a in addresses} == {"127.0.0.1"}
    assert [c.method for c in fake.calls] == ["getMe", "sendMessage", "sendDocument", "getUpdates"]
