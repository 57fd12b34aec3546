"""Reporting items to the bot (issue 15 §1, Telegram door), end to end through the real
python-telegram-bot client and the fake Bot API: a link, a forwarded post, a photo or an image
sent as a document becomes an item through `duluan.submit.submit`; strangers are refused with
nothing stored or downloaded; groups need a mention or a reply and pick the reporter's area;
hostile messages get a clear answer, never a crash. The buttons under the answer fix the tone
and the place (the reporter or a reviewer only); the tagger keeps the fix on every pass.

Message shapes follow the Bot API reference (core.telegram.org/bots/api: Message, MessageEntity
offsets in UTF-16 units, PhotoSize sizes ascending, Document, MessageOrigin* `forward_origin`,
getFile then /file/bot<token>/<file_path>)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import pytest

from duluan.config import Config, parse_config
from duluan.pipeline import locator_for, tag_pending
from duluan.submit import MAX_FILE_BYTES
from nlp.locate import Locator
from review.bot import ReviewBot, build_application, file_url
from review.buttons import CORRECT_SCOPE, INVALID, NOT_CORRECTOR, PLACE, Press, Signer, signing_key
from storage import Store
from tests.kit.pages import Pages
from tests.kit.review import settle
from tests.telegram.fake_api import FakeTelegram

pytestmark = pytest.mark.sqlite_only  # no SQL of its own: see tests/kit/db.py

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
REVIEWER, MEMBER, OTHER_MEMBER, STRANGER = 1, 501, 502, 9009
REVIEW, UNIT, ELSEWHERE = -1009, -1001, -1005
CONFIG = """
locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}
sources:
  - {name: baoquangngai, title: Báo Quảng Ngãi, feeds: ['https://baoquangngai.vn/rss']}
units:
  - {name: UBND xã Đăk Pxi, chat: "-1001", communes: [Xã Đăk Pxi], members: [501, 502]}
review: {chat: "-1009", reviewers: [1]}
"""
TWO_AREAS = """
locality: {aliases: {}}
sources:
  - {name: baoquangngai, title: Báo Quảng Ngãi, feeds: ['https://baoquangngai.vn/rss']}
areas:
  - name: dak-pxi
    title: Xã Đăk Pxi
    places: [Xã Đăk Pxi, Tỉnh Quảng Ngãi]
    review: {chat: "-1009", reviewers: [1]}
    units: [{name: Công an Đăk Pxi, chat: "-1001", communes: [Xã Đăk Pxi], members: [501]}]
  - name: dak-mar
    title: Xã Đăk Mar
    places: [Xã Đăk Mar, Tỉnh Quảng Ngãi]
    review: {chat: "-1019", reviewers: [2]}
    units: [{name: Công an Đăk Mar, chat: "-1011", communes: [Xã Đăk Mar], members: [501]}]
"""
POST = "https://www.facebook.com/ubnd.dakpxi/posts/pfbid02abc"
PAGE = """<html><head>
<meta property="og:title" content="Tin tức xã Đăk Pxi">
<meta property="og:description" content="Người dân xã Đăk Pxi phản ánh đường sạt lở.
Đường thôn 3 sạt lở.">
</head><body>Đăng nhập Facebook</body></html>"""
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def clock() -> datetime:
    return NOW


@pytest.fixture(scope="module")
def config() -> Config:
    return parse_config(CONFIG, "test.yaml", {}).config


@pytest.fixture(scope="module")
def locator(config: Config) -> Locator:
    return locator_for(config)


@asynccontextmanager
async def running(
    fake: FakeTelegram,
    store: Store,
    config: Config,
    locator: Locator | None = None,
    fetch: Pages | None = None,
) -> AsyncIterator[None]:
    application = build_application(
        fake.token, fake.base_url, store, config, clock, fetch, locator=lambda: locator
    )
    bot = ReviewBot(application, config)
    await bot.start()
    try:
        yield
    finally:
        await bot.stop()


async def ask(fake: FakeTelegram, user: int, chat: int, **fields: Any) -> dict[str, Any]:
    """Send the bot a message as `user` in `chat` and wait for its answer (a reply to it)."""
    before = len(fake.sent(chat))
    fake.push_message(from_id=user, chat_id=chat, **fields)
    await settle(fake, lambda: len(fake.sent(chat)) > before)
    answer = fake.sent(chat)[-1]
    assert answer["reply_to_message"]["from"]["id"] == user
    return answer


def link(text: str, url: str) -> dict[str, Any]:
    """`text` holding `url`, with the url entity Telegram marks (offset in UTF-16 units)."""
    offset = len(text[: text.index(url)].encode("utf-16-le")) // 2
    return {
        "text": text,
        "entities": [{"type": "url", "offset": offset, "length": len(url)}],
    }


def mention(url: str, bot: str = "@duluan_test_bot") -> dict[str, Any]:
    """`url` addressed to the bot in a group, with the entities Telegram marks."""
    entities = [{"type": "mention", "offset": 0, "length": len(bot)}]
    if url:
        entities.append({"type": "url", "offset": len(bot) + 1, "length": len(url)})
    return {"text": f"{bot} {url}".strip(), "entities": entities}


def run(scenario: Callable[[], Any]) -> None:
    asyncio.run(scenario())


def test_file_url_sits_beside_the_methods() -> None:
    assert file_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_url("http://127.0.0.1:8081/bot/") == "http://127.0.0.1:8081/file/bot"


def test_link_in_private_becomes_an_item_and_the_answer_says_what(
    store: Store, config: Config, locator: Locator
) -> None:
    pages = Pages({POST: PAGE})
    with FakeTelegram() as fake:

        async def scenario() -> None:
            async with running(fake, store, config, locator, pages):
                got = await ask(fake, MEMBER, MEMBER, **link(f"Anh em xem {POST}?fbclid=x", POST))
                text = got["text"]
                assert "Đã nhận tin mới" in text
                assert "Nền tảng: Facebook" in text
                assert "Người dân xã Đăk Pxi phản ánh đường sạt lở" in text
                assert "Địa danh: Huyện Đăk Hà, Xã Đăk Pxi" in text
                assert "Sắc thái: Tiêu cực" in text
                assert "Đã chuyển nhóm rà soát" in text
                [entity] = [e for e in got["entities"] if e["type"] == "text_link"]
                assert entity["url"] == POST

        run(scenario)
    assert pages.asked == [POST]
    [item] = store.list_articles()
    [sub] = store.submissions_of([item.id])[item.id]
    assert (sub.telegram_id, sub.via, sub.note) == (
        MEMBER,
        "telegram",
        f"Anh em xem {POST}?fbclid=x",
    )
    assert {e.chat for e in store.due_outbox(NOW)} >= {str(REVIEW), str(UNIT)}


def test_the_same_link_from_two_people_is_one_item_with_two_reporters(
    store: Store, config: Config
) -> None:
    with FakeTelegram() as fake:

        async def scenario() -> None:
            async with running(fake, store, config):
                first = await ask(fake, MEMBER, MEMBER, **link(POST, POST))
                assert "Đã nhận tin mới" in first["text"]
                assert "sẽ được phân tích" in first["text"]  # no locator: tagged later
                second = await ask(fake, OTHER_MEMBER, OTHER_MEMBER, **link("xem " + POST, POST))
                assert "Tin này đã có" in second["text"] and "2 người báo" in second["text"]
                again = await ask(fake, MEMBER, MEMBER, **link(POST, POST))
                assert "bạn đã báo tin này trước đó" in again["text"]

        run(scenario)
    [item] = store.list_articles()
    assert [s.telegram_id for s in store.submissions_of([item.id])[item.id]] == [MEMBER, 502]


def test_forward_from_a_public_channel_is_its_post(store: Store, config: Config) -> None:
    origin = {
        "type": "channel",
        "chat": {
            "id": -1001234567890,
            "type": "channel",
            "title": "Tin Đăk Hà",
            "username": "tindh",
        },
        "message_id": 42,
        "date": int(datetime(2026, 12, 2, 8, 30, tzinfo=UTC).timestamp()),
    }
    with FakeTelegram() as fake:

        async def scenario() -> None:
            async with running(fake, store, config):
                got = await ask(
                    fake, REVIEWER, REVIEWER, text="Đường thôn 3 bị sạt lở", forward_origin=origin
                )
                assert "Nền tảng: Telegram" in got["text"]

        run(scenario)
    [item] = store.list_articles()
    detail = store.get_article(item.id)
    assert detail is not None
    assert (detail.url, detail.platform) == ("https://t.me/tindh/42", "telegram")
    assert detail.published_at == datetime(2026, 12, 2, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "origin",
    [
        {"type": "user", "sender_user": {"id": 777, "is_bot": False, "first_name": "Hà"}},
        {"type": "hidden_user", "sender_user_name": "Nguyễn Văn A"},
        {"type": "chat", "sender_chat": {"id": -100555, "type": "supergroup", "title": "Nhóm"}},
        {
            "type": "channel",
            "chat": {"id": -100777, "type": "channel", "title": "Kín"},
            "message_id": 9,
        },
    ],
)
def test_forward_without_a_public_link_keeps_its_text(
    store: Store, config: Config, origin: dict[str, Any]
) -> None:
    with FakeTelegram() as fake:

        async def scenario() -> None:
            async with running(fake, store, config):
                got = await ask(
                    fake,
                    MEMBER,
                    MEMBER,
                    text="Dân thôn 3 phản ánh đường sạt lở",
                    forward_origin={**origin, "date": 1764662400},
                )
                assert "Nền tảng: Telegram" in got["text"]

        run(scenario)
    [item] = store.list_articles()
    detail = store.get_article(item.id)
    assert detail is not None and detail.platform == "telegram"
    assert detail.url.startswith("duluan:bao-tin:")
    assert detail.title == "Dân thôn 3 phản ánh đường sạt lở"


def test_photo_with_caption_keeps_the_largest_size_as_evidence(
    store: Store, config: Config
) -> None:
    big = PNG + b"big"
    with FakeTelegram() as fake:
        small = fake.add_file(PNG)
        large = fake.add_file(big)

        async def scenario() -> None:
            async with running(fake, store, config):
                got = await ask(
                    fake,
                    MEMBER,
                    MEMBER,
                    caption="Ảnh sạt lở thôn 3",
                    photo=[
                        {**small, "width": 90, "height": 67},
                        {**large, "width": 1280, "height": 960},
                    ],
                )
                assert "Đã nhận tin mới" in got["text"]
                assert "Ảnh sạt lở thôn 3" in got["text"]

        run(scenario)
        assert len(fake.downloads) == 1 and fake.downloads[0].endswith("_2.jpg")
    [item] = store.list_articles()
    [evidence] = store.list_evidence()
    assert evidence.article_id == item.id and evidence.media_type == "image/png"
    assert evidence.size == len(big)


def test_image_sent_as_a_document(store: Store, config: Config) -> None:
    with FakeTelegram() as fake:
        sent = fake.add_file(PNG)

        async def scenario() -> None:
            async with running(fake, store, config):
                got = await ask(
                    fake,
                    MEMBER,
                    MEMBER,
                    caption="Chụp màn hình bài đăng",
                    document={**sent, "file_name": "chup.png", "mime_type": "image/png"},
                )
                assert "Đã nhận tin mới" in got["text"]

        run(scenario)
    [evidence] = store.list_evidence()
    assert evidence.media_type == "image/png"


def test_oversized_photo_is_refused_before_any_download(store: Store, config: Config) -> None:
    with FakeTelegram() as fake:
        huge = fake.add_file(PNG, size=MAX_FILE_BYTES + 1)

        async def scenario() -> None:
            async with running(fake, store, config):
                got = await ask(
                    fake,
                    MEMBER,
                    MEMBER,
                    caption="x",
                    photo=[{**huge, "width": 4000, "height": 3000}],
                )
                assert "quá lớn" in got["text"]

        run(scenario)
        assert fake.calls_to("getFile") == [] and fake.downloads == []
    assert store.list_articles() == []


def test_non_image_document_is_refused(store: Store, config: Config) -> None:
    with FakeTelegram() as fake:
        pdf = fake.add_file(PDF)

        async def scenario() -> None:
            async with running(fake, store, config):
                got = await ask(
                    fake,
                    MEMBER,
                    MEMBER,
                    caption="Công văn",
                    document={**pdf, "file_name": "cv.pdf", "mime_type": "application/pdf"},
                )
                assert "không phải ảnh" in got["text"]

        run(scenario)
    assert store.list_articles() == [] and store.list_evidence() == []


def test_stranger_is_refused_politely_and_nothing_is_stored(store: Store, config: Config) -> None:
    with FakeTelegram() as fake:
        photo = fake.add_file(PNG)

        async def scenario() -> None:
            async with running(fake, store, config):
                got = await ask(
                    fake,
                    STRANGER,
                    STRANGER,
                    caption=POST,
                    caption_entities=[{"type": "url", "offset": 0, "length": len(POST)}],
                    photo=[{**photo, "width": 800, "height": 600}],
                )
                assert "chưa được ghi nhận" in got["text"]
                assert f"Mã Telegram của bạn là {STRANGER}" in got["text"]
                assert "units[].members" in got["text"]
                in_group = await ask(fake, STRANGER, UNIT, **mention(POST))
                assert "chưa được ghi nhận" in in_group["text"]

        run(scenario)
        assert fake.calls_to("getFile") == [] and fake.downloads == []
    assert store.list_articles() == [] and store.list_evidence() == []
    assert store.submissions_of([1, 2]) == {}


def test_group_messages_need_a_mention_or_a_reply(store: Store, config: Config) -> None:
    with FakeTelegram() as fake:

        async def scenario() -> None:
            async with running(fake, store, config):
                unseen = POST + "/khong-nhac-bot"
                fake.push_message(from_id=MEMBER, chat_id=UNIT, **link(unseen, unseen))
                fake.push_message(
                    from_id=MEMBER,
                    chat_id=UNIT,
                    text="@someone_else " + POST + "/2",
                    entities=[{"type": "mention", "offset": 0, "length": 13}],
                )
                got = await ask(fake, MEMBER, UNIT, **mention("https://tiktok.com/@a/video/1"))
                assert "Nền tảng: TikTok" in got["text"]
                assert len(fake.sent(UNIT)) == 1  # the two before were not for the bot
                replied = await ask(
                    fake, MEMBER, UNIT, reply_to=got["message_id"], **link(POST, POST)
                )
                assert "Nền tảng: Facebook" in replied["text"]
                # A comment replying to the bot in a group is not a report: no answer.
                fake.push_message(
                    from_id=MEMBER, chat_id=UNIT, text="Đã nhận", reply_to=got["message_id"]
                )
                helped = await ask(fake, MEMBER, UNIT, **mention(""))
                assert "Để báo tin" in helped["text"]
                assert len(fake.sent(UNIT)) == 3

        run(scenario)
    assert len(store.list_articles()) == 2


def test_a_group_mention_picks_the_groups_area(store: Store) -> None:
    config = parse_config(TWO_AREAS, "test.yaml", {}).config
    with FakeTelegram() as fake:

        async def scenario() -> None:
            async with running(fake, store, config):
                mar = await ask(fake, MEMBER, -1011, **mention(POST))
                pxi = await ask(fake, MEMBER, -1001, **mention(POST + "/2"))
                assert "Xã Đăk Mar" in buttons(mar) and "Xã Đăk Pxi" not in buttons(mar)
                assert "Xã Đăk Pxi" in buttons(pxi) and "Xã Đăk Mar" not in buttons(pxi)

        run(scenario)
    areas = sorted(
        (s.url, s.area)
        for subs in store.submissions_of([a.id for a in store.list_articles()]).values()
        for s in subs
    )
    assert areas == [(POST, "dak-mar"), (POST + "/2", "dak-pxi")]


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        (  # a text link to a script
            {
                "text": "bấm vào đây",
                "entities": [
                    {"type": "text_link", "offset": 0, "length": 3, "url": "javascript:alert(1)"}
                ],
            },
            "không phải địa chỉ trang web",
        ),
        (  # entities pointing past the text: no link in it
            {"text": "xem tin", "entities": [{"type": "url", "offset": 500, "length": 30}]},
            "Để báo tin",
        ),
        ({"text": "/start"}, "Để báo tin"),
        ({"text": "<b>chào</b> & <script>"}, "Để báo tin"),
    ],
)
def test_hostile_or_empty_messages_get_an_answer_and_store_nothing(
    store: Store, config: Config, fields: dict[str, Any], words: str
) -> None:
    with FakeTelegram() as fake:

        async def scenario() -> None:
            async with running(fake, store, config):
                got = await ask(fake, MEMBER, MEMBER, **fields)
                assert words in got["text"]

        run(scenario)
    assert store.list_articles() == []


def test_a_4096_character_message_is_answered_within_telegrams_limit(
    store: Store, config: Config
) -> None:
    text = POST + " " + "<Sạt lở & ngập> " * 300
    text = text[:4096]
    with FakeTelegram() as fake:

        async def scenario() -> None:
            async with running(fake, store, config):
                got = await ask(fake, MEMBER, MEMBER, **link(text, POST))
                assert "Đã nhận tin mới" in got["text"]
                assert len(got["text"].encode("utf-16-le")) // 2 <= 4096

        run(scenario)
    [item] = store.list_articles()
    [sub] = store.submissions_of([item.id])[item.id]
    assert sub.note.startswith(POST) and "<Sạt lở & ngập>" in sub.note


def buttons(message: dict[str, Any]) -> dict[str, str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


async def press(fake: FakeTelegram, user: int, chat: int, message_id: int, data: str) -> str:
    """Press a button as `user`; the bot's answer to the press."""
    count = len(fake.answered_queries)
    fake.push_callback(from_id=user, chat_id=chat, message_id=message_id, data=data)
    await settle(fake, lambda: len(fake.answered_queries) > count)
    return str(fake.answered_queries[-1]["params"].get("text"))


def test_reporter_fixes_tone_and_place_and_the_tagger_keeps_them(
    store: Store, config: Config, locator: Locator
) -> None:
    text = "Hội nghị tổng kết năm thành công tốt đẹp, khen thưởng nhiều tập thể."
    with FakeTelegram() as fake:
        shot = fake.add_file(PNG)

        async def scenario() -> None:
            async with running(fake, store, config, locator):
                got = await ask(
                    fake, MEMBER, MEMBER, caption=text, photo=[{**shot, "width": 9, "height": 9}]
                )
                data = buttons(got)
                assert list(data) == [
                    "Tiêu cực",
                    "Trung tính",
                    "Tích cực",
                    "Xã Đăk Pxi",
                    "Không thuộc địa bàn",
                ]
                assert all(len(d.encode()) <= 64 for d in data.values())
                mid = got["message_id"]
                assert await press(fake, MEMBER, MEMBER, mid, data["Tiêu cực"]) == (
                    "Đã sửa sắc thái: Tiêu cực"
                )
                assert await press(fake, REVIEWER, MEMBER, mid, data["Xã Đăk Pxi"]) == (
                    "Đã sửa địa bàn: Xã Đăk Pxi"
                )
                await settle(fake, lambda: "đã sửa địa bàn" in fake.sent(MEMBER)[-1]["text"])

        run(scenario)
    [item] = store.list_articles()
    tags = store.get_tags(item.id)
    assert tags is not None and tags.tone == "negative" and tags.relevant
    unit_alerts = [e for e in store.due_outbox(NOW) if e.chat == str(UNIT)]
    assert unit_alerts and "Xã Đăk Pxi" in unit_alerts[0].text  # re-routed to the commune
    tag_pending(store, config, clock, locator=locator, retag=True)
    again = store.get_tags(item.id)
    assert again is not None and again.tone == "negative"  # `duluan tag --retag` keeps it


def test_not_of_the_area_makes_a_reported_item_irrelevant(
    store: Store, config: Config, locator: Locator
) -> None:
    with FakeTelegram() as fake:

        async def scenario() -> None:
            async with running(fake, store, config, locator):
                got = await ask(fake, MEMBER, MEMBER, **link(POST, POST))
                await press(
                    fake, MEMBER, MEMBER, got["message_id"], buttons(got)["Không thuộc địa bàn"]
                )

        run(scenario)
    [item] = store.list_articles()
    tags = store.get_tags(item.id)
    assert tags is not None and tags.relevant is False and tags.areas == ()


def test_presses_from_others_and_forged_or_old_data_change_nothing(
    store: Store, config: Config
) -> None:
    with FakeTelegram() as fake:

        async def scenario() -> None:
            async with running(fake, store, config):
                got = await ask(fake, MEMBER, MEMBER, **link(POST, POST))
                data = buttons(got)
                mid = got["message_id"]
                tone = data["Tích cực"]
                article = int(tone[1:].split(".")[0])
                assert await press(fake, STRANGER, MEMBER, mid, tone) == NOT_CORRECTOR
                assert await press(fake, OTHER_MEMBER, MEMBER, mid, tone) == NOT_CORRECTOR
                forged = tone[:-1] + ("A" if tone[-1] != "A" else "B")
                assert await press(fake, MEMBER, MEMBER, mid, forged) == INVALID
                other = Signer(signing_key("999:AnotherBotTokenThatIsNotOurs_00000000000"))
                foreign = other.pack(Press(CORRECT_SCOPE, article, 1, "pos"))
                assert await press(fake, MEMBER, MEMBER, mid, foreign) == INVALID
                ours = Signer(signing_key(fake.token))
                gone = ours.pack(Press(CORRECT_SCOPE, article, 1, PLACE, 7))  # no 8th commune
                assert await press(fake, MEMBER, MEMBER, mid, gone) == INVALID
                no_area = ours.pack(Press(CORRECT_SCOPE, article, 5, "pos"))  # area removed
                assert await press(fake, MEMBER, MEMBER, mid, no_area) == INVALID
                missing = ours.pack(Press(CORRECT_SCOPE, 999, 1, "pos"))
                assert "Không còn tin số 999" in await press(fake, REVIEWER, MEMBER, mid, missing)

        run(scenario)
    [item] = store.list_articles()
    assert store.corrections_of([item.id]) == {}


def test_a_telegram_failure_gets_an_apology_and_stores_nothing(
    store: Store, config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    with FakeTelegram() as fake:
        shot = fake.add_file(PNG)
        fake.fail_next("getFile", status=500)

        async def scenario() -> None:
            async with running(fake, store, config):
                got = await ask(
                    fake, MEMBER, MEMBER, caption="x", photo=[{**shot, "width": 9, "height": 9}]
                )
                assert "Xin lỗi, bot gặp lỗi" in got["text"]

        with caplog.at_level(logging.ERROR, logger="review"):
            run(scenario)
    assert store.list_articles() == [] and store.list_evidence() == []
    assert "Lỗi khi nhận tin báo" in caplog.text and fake.token not in caplog.text
