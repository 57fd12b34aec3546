"""Review from Telegram through the real python-telegram-bot client and the fake Bot API."""

from __future__ import annotations

import asyncio
import hmac
import logging
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from duluan.config import Config
from review.bot import SECRET_HEADER, ReviewBot, build_application, remind_overdue, webhook_app
from review.buttons import (
    BACK,
    INVALID,
    NOT_REVIEWER,
    NOT_UNIT,
    STALE,
    Decorator,
    Press,
    Signer,
    signing_key,
    units_keyboard,
)
from review.service import Actor, ReviewService
from storage import OutboxEntry, OutboxItem, Store
from tests.kit.articles import record
from tests.kit.review import (
    FROZEN,
    OTHER,
    REVIEW,
    REVIEWER,
    UNIT,
    answers,
    buttons,
    deliver,
    make_config,
    press,
    seed_alert,
    settle,
)
from tests.telegram.fake_api import FakeTelegram

pytestmark = pytest.mark.sqlite_only  # no SQL of its own: see tests/kit/db.py

STRANGER = 4004
UNIT_MEMBER = 5005


@asynccontextmanager
async def running(
    fake: FakeTelegram, store: Store, config: Config, now: Callable[[], datetime] = lambda: FROZEN
) -> AsyncIterator[ReviewBot]:
    application = build_application(fake.token, fake.base_url, store, config, now)
    bot = ReviewBot(application, config)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


def test_reviewer_marks_relevant_and_the_alert_shows_it(store: Store) -> None:
    config = make_config()
    story = seed_alert(store)
    with FakeTelegram(known_chats={REVIEW, UNIT, OTHER}) as fake:

        async def scenario() -> None:
            await deliver(fake, store, config)
            [alert] = fake.sent(REVIEW)
            assert "Rà soát: Chưa rà soát" in alert["text"]
            assert set(buttons(alert)) == {
                "Liên quan",
                "Không liên quan",
                "Giao đơn vị xác minh",
                "Thông tin sai sự thật – cần phản hồi",
            }
            async with running(fake, store, config):
                edits = len(fake.calls_to("editMessageText"))
                await press(
                    fake, REVIEWER, REVIEW, alert["message_id"], buttons(alert)["Liên quan"]
                )
                await settle(fake, lambda: len(fake.calls_to("editMessageText")) > edits)
            [edited] = fake.sent(REVIEW)
            assert "Rà soát: Liên quan" in edited["text"]
            assert "Người dùng 1001 lúc 10:00 29/04/2026" in edited["text"]
            assert buttons(edited).keys() == buttons(alert).keys()
            assert buttons(edited)["Liên quan"] != buttons(alert)["Liên quan"]  # new version

        asyncio.run(scenario())
        assert answers(fake) == ["Đã ghi: Liên quan"]
    [action] = store.review_detail(story).history
    assert (action.user_id, action.action, action.from_status, action.to_status) == (
        REVIEWER,
        "relevant",
        "new",
        "relevant",
    )
    assert action.at == FROZEN


def test_strangers_forged_and_stale_buttons_change_nothing(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    config = make_config()
    story = seed_alert(store)
    with FakeTelegram(known_chats={REVIEW, UNIT, OTHER}) as fake:

        async def scenario() -> None:
            await deliver(fake, store, config)
            [alert] = fake.sent(REVIEW)
            data = buttons(alert)
            mid = alert["message_id"]
            async with running(fake, store, config):
                await press(fake, STRANGER, REVIEW, mid, data["Liên quan"])
                forged = data["Liên quan"][:-1] + ("A" if data["Liên quan"][-1] != "A" else "B")
                await press(fake, REVIEWER, REVIEW, mid, forged)
                other = Signer(signing_key("999:AnotherBotTokenThatIsNotOurs_00000000000"))
                cluster = int(story.split(":")[1])
                await press(fake, REVIEWER, REVIEW, mid, other.pack(Press("r", cluster, 0, "irr")))
                assert store.review_detail(story).history == ()
                assert fake.calls_to("editMessageText") == []
                await press(fake, REVIEWER, REVIEW, mid, data["Liên quan"])
                await press(fake, REVIEWER, REVIEW, mid, data["Không liên quan"])  # v0: stale

        with caplog.at_level(logging.INFO, logger="review"):
            asyncio.run(scenario())
        assert answers(fake) == [NOT_REVIEWER, INVALID, INVALID, "Đã ghi: Liên quan", STALE]
        assert "Rà soát: Liên quan" in fake.sent(REVIEW)[0]["text"]
    assert [a.to_status for a in store.review_detail(story).history] == ["relevant"]
    assert "nút không hợp lệ" in caplog.text and "không phải người rà soát" in caplog.text
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("review")]
    assert ours and not any(fake.token in line for line in ours)  # httpx's: tests/test_logs.py


def test_assign_then_unit_reports_with_a_reply(store: Store) -> None:
    config = make_config()
    story = seed_alert(store)
    with FakeTelegram(known_chats={REVIEW, UNIT, OTHER}) as fake:

        async def scenario() -> None:
            await deliver(fake, store, config)
            [alert] = fake.sent(REVIEW)
            mid = alert["message_id"]
            async with running(fake, store, config):
                await press(fake, REVIEWER, REVIEW, mid, buttons(alert)["Giao đơn vị xác minh"])
                choice = buttons(fake.sent(REVIEW)[0])
                assert list(choice) == ["Phòng Văn hóa", "UBND xã Đăk Pxi", "« Quay lại"]
                await press(fake, REVIEWER, REVIEW, mid, choice["« Quay lại"])
                assert buttons(fake.sent(REVIEW)[0]) == buttons(alert)
                await press(fake, REVIEWER, REVIEW, mid, buttons(alert)["Giao đơn vị xác minh"])
                edits = len(fake.calls_to("editMessageText"))
                await press(fake, REVIEWER, REVIEW, mid, choice["UBND xã Đăk Pxi"])
                await settle(fake, lambda: len(fake.calls_to("editMessageText")) > edits)
                shown = fake.sent(REVIEW)[0]
                assert "Rà soát: Đã giao đơn vị xác minh" in shown["text"]
                assert "UBND xã Đăk Pxi — hạn thứ Ba 05/05/2026: ⏳ chưa trả lời" in shown["text"]

                [queued] = [i for i in store.due_outbox(FROZEN) if i.kind == "assign"]
                assert queued.chat == str(UNIT) and queued.story.startswith("assign:")
                await deliver(fake, store, config)
                [assigned] = fake.sent(UNIT)
                assert "Hạn xác minh: thứ Ba 05/05/2026" in assigned["text"]
                assert "Báo Quảng Ngãi: Sạt lở ở xã Đăk Pxi" in assigned["text"]
                unit_buttons = buttons(assigned)
                assert list(unit_buttons) == ["Đúng sự thật", "Sai sự thật", "Đã báo cáo"]

                await press(
                    fake, STRANGER, OTHER, assigned["message_id"], unit_buttons["Đã báo cáo"]
                )
                sends = len(fake.calls_to("sendMessage"))
                await press(
                    fake, UNIT_MEMBER, UNIT, assigned["message_id"], unit_buttons["Đã báo cáo"]
                )
                await settle(fake, lambda: len(fake.calls_to("sendMessage")) > sends)
                prompt = fake.sent(UNIT)[-1]
                asked = fake.calls_to("sendMessage")[-1].params
                assert asked["reply_markup"]["force_reply"] is True
                assert "giao việc số" in prompt["text"]

                edits = len(fake.calls_to("editMessageText"))
                fake.push_message(
                    from_id=UNIT_MEMBER,
                    chat_id=UNIT,
                    text="Đã làm việc với thôn, thông tin đúng một phần.",
                    reply_to=prompt["message_id"],
                )
                await settle(fake, lambda: len(fake.calls_to("editMessageText")) >= edits + 2)
                await settle(fake, lambda: "Đã lưu báo cáo" in fake.sent(UNIT)[-1]["text"])

        asyncio.run(scenario())
        assert answers(fake)[-2:] == [
            NOT_UNIT,
            "Hãy trả lời tin nhắn của bot bằng nội dung báo cáo",
        ]
        review_text = fake.sent(REVIEW)[0]["text"]
        assert "Rà soát: Đã báo cáo" in review_text
        assert "Báo cáo: Đã làm việc với thôn, thông tin đúng một phần." in review_text
        unit_message = fake.sent(UNIT)[0]
        assert "Đơn vị đã trả lời: Đã báo cáo" in unit_message["text"]
        assert list(buttons(unit_message)) == ["Đúng sự thật", "Sai sự thật", "Đã báo cáo"]
    detail = store.review_detail(story)
    [job] = detail.assignments
    assert (job.unit, job.deadline, job.status) == ("UBND xã Đăk Pxi", date(2026, 5, 5), "reported")
    assert job.report == "Đã làm việc với thôn, thông tin đúng một phần."
    assert job.answered_by == UNIT_MEMBER
    assert [a.action for a in detail.history] == ["assign", "answer", "report"]


def test_overdue_reminder_once_per_working_day(store: Store) -> None:
    config = make_config()
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    saved = store.save_article(record(2, title="Đường hư hỏng"))
    story = f"cluster:{saved.cluster_id}"
    store.review_action(
        story,
        expected_version=0,
        action="relevant",
        user_id=REVIEWER,
        user_name="Chị Lan",
        at=FROZEN,
        article_id=saved.article_id,
    )
    _, job = store.assign(
        story,
        expected_version=1,
        unit="UBND xã Đăk Pxi",
        chat=str(UNIT),
        topic=None,
        deadline=date(2026, 12, 1),
        user_id=REVIEWER,
        user_name="Chị Lan",
        at=FROZEN,
        message="giao",
    )
    at = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)

    def remind(day: date) -> int:
        return asyncio.run(remind_overdue(store, config, day, lambda: at))

    assert remind(date(2026, 12, 1)) == 0  # the deadline day itself is not late
    assert remind(date(2026, 12, 2)) == 1
    assert remind(date(2026, 12, 2)) == 0
    assert remind(date(2026, 12, 5)) == 0  # Saturday
    assert remind(date(2026, 12, 7)) == 1
    queued = {i.story: i for i in store.due_outbox(at, 50)}
    assert set(queued) >= {
        f"remind:{job.id}:2026-12-02",
        f"remind:{job.id}:2026-12-07",
        "overdue:2026-12-02",
        "overdue:2026-12-07",
    }
    assert not any(s.endswith("2026-12-05") for s in queued)
    reminder = queued[f"remind:{job.id}:2026-12-02"]
    assert (reminder.chat, reminder.kind) == (str(UNIT), "remind")
    assert "Hạn xác minh: <b>thứ Ba 01/12/2026</b>" in reminder.text
    assert "Đường hư hỏng" in reminder.text
    summary = queued["overdue:2026-12-02"]
    assert summary.chat == str(REVIEW)
    assert "1 tin giao xác minh quá hạn" in summary.text and "UBND xã Đăk Pxi" in summary.text
    store.answer_assignment(job.id, "true", UNIT_MEMBER, "Cán bộ xã", at)
    assert remind(date(2026, 12, 8)) == 0


def test_decorator_and_button_data(store: Store) -> None:
    config = make_config()
    decorate = Decorator(store, config, signing_key("1:tok"))
    alert = OutboxEntry("cluster:7", str(REVIEW), None, "alert", "tin")

    def item(entry: OutboxEntry) -> OutboxItem:
        return OutboxItem(1, entry.story, entry.chat, entry.topic, entry.kind, entry.text, None, 0)

    status, markup = decorate(item(alert))
    assert "Rà soát: Chưa rà soát" in status and markup is not None
    assert decorate(item(OutboxEntry("cluster:7", str(UNIT), None, "alert", "tin"))) == ("", None)
    assert decorate(item(OutboxEntry("remind:3:2026-12-02", str(UNIT), None, "remind", "x"))) == (
        "",
        None,
    )
    status, markup = decorate(item(OutboxEntry("assign:3", str(UNIT), None, "assign", "x")))
    assert status == "" and markup is not None
    signer = Signer(signing_key("1:tok"))
    big = Press("r", 10**17, 999_999_999, "u", 9999)
    data = signer.pack(big)
    assert len(data.encode()) <= 64 and signer.unpack(data) == big
    assert signer.unpack(data.replace(".u.", ".rel.")) is None
    assert Signer(signing_key("2:tok")).unpack(data) is None
    assert signer.unpack("garbage") is None and signer.unpack(None) is None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SECRET = "w7Kq-2ZxN_r4TbLm9VhY3pC8sJdF1gAe"  # 32 random characters


def forged_reply(fake: FakeTelegram, assignment: int) -> dict[str, Any]:
    """A message update claiming to be a unit member's reply to the bot's report prompt."""
    prompt = {
        "message_id": 77,
        "from": fake.bot_user,
        "chat": {"id": UNIT, "type": "supergroup", "title": "Xã"},
        "date": 0,
        "text": f"Nhập báo cáo cho giao việc số {assignment}",
    }
    return {
        "update_id": 9999,
        "message": {
            "message_id": 78,
            "from": {"id": UNIT_MEMBER, "is_bot": False, "first_name": "Giả"},
            "chat": {"id": UNIT, "type": "supergroup", "title": "Xã"},
            "date": 0,
            "text": "Báo cáo giả",
            "reply_to_message": prompt,
        },
    }


def test_webhook_mode_obeys_only_the_secret_token(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    config = make_config(
        mode="webhook",
        webhook_url="https://duluan.example.vn/telegram/hook",
        listen="127.0.0.1",
        port=port,
        secret_token=SECRET,
    )
    story = seed_alert(store)
    state = store.review_detail(story).state
    _, job = store.assign(
        story,
        expected_version=state.version,
        unit="UBND xã Đăk Pxi",
        chat=str(UNIT),
        topic=None,
        deadline=date(2026, 5, 5),
        user_id=REVIEWER,
        user_name="Chị Lan",
        at=FROZEN,
        message="Giao xác minh",
    )
    forged = {
        "none": {},
        "empty": {"X-Telegram-Bot-Api-Secret-Token": ""},
        "wrong": {"X-Telegram-Bot-Api-Secret-Token": SECRET[:-1] + "x"},
        "prefix": {"X-Telegram-Bot-Api-Secret-Token": SECRET[:16]},
        "other header": {"X-Secret-Token": SECRET},
    }
    with FakeTelegram(known_chats={REVIEW, UNIT, OTHER}) as fake:

        async def scenario() -> tuple[list[int], int]:
            await deliver(fake, store, config)
            alert = fake.sent(REVIEW)[0]
            codes = []
            async with running(fake, store, config):
                [hook] = fake.calls_to("setWebhook")
                assert hook.params["url"] == "https://duluan.example.vn/telegram/hook"
                assert hook.params["secret_token"] == SECRET
                assert not fake.calls_to("getUpdates")
                data = buttons(alert)["Không liên quan"]
                fake.push_callback(
                    from_id=REVIEWER, chat_id=REVIEW, message_id=alert["message_id"], data=data
                )
                [press_update] = fake.pending_updates()
                url = f"http://127.0.0.1:{port}/telegram/hook"
                async with httpx.AsyncClient() as client:
                    for headers in forged.values():
                        for update in (press_update, forged_reply(fake, job.id)):
                            response = await client.post(url, json=update, headers=headers)
                            codes.append(response.status_code)
                    await asyncio.sleep(0.3)  # a forged update, had it been queued, is handled
                    forged_answers = len(fake.answered_queries)
                    good = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                    response = await client.post(url, json=press_update, headers=good)
                    codes.append(response.status_code)
                await settle(fake, lambda: len(fake.answered_queries) == 1)
            return codes, forged_answers

        codes, forged_answers = asyncio.run(scenario())
        assert codes == [403] * 2 * len(forged) + [200]
        assert forged_answers == 0
        assert answers(fake) == ["Đã ghi: Không liên quan"]
        assert not any("Báo cáo giả" in (m.get("text") or "") for m in fake.sent(UNIT))
    detail = store.review_detail(story)
    assert (detail.state.status, [a.action for a in detail.history]) == (
        "irrelevant",
        ["assign", "irrelevant"],
    )
    [assignment] = detail.assignments
    assert (assignment.status, assignment.report) == ("open", None)
    ours = [r.getMessage() for r in caplog.records if r.name.startswith(("review", "duluan"))]
    assert any("không có đúng mã bí mật" in line for line in ours)
    assert not any(SECRET[:16] in line for line in ours)


def test_the_webhook_compares_the_secret_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(given: bytes, expected: bytes) -> bool:
        compared.append((given, expected))
        return real(given, expected)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    queue: asyncio.Queue[Any] = asyncio.Queue()
    application = SimpleNamespace(bot=None, update_queue=queue)
    client = TestClient(webhook_app(application, "hook", SECRET))  # type: ignore[arg-type]
    wrong = {SECRET_HEADER: "sai"}
    good = {SECRET_HEADER: SECRET}
    assert client.post("/hook", json={"update_id": 1}, headers=wrong).status_code == 403
    assert compared == [(b"sai", SECRET.encode())]
    assert client.post("/hook", content=b"{", headers=good).status_code == 400
    assert client.post("/hook", content=b" " * 1_000_001, headers=good).status_code == 413
    assert client.get("/hook", headers=good).status_code == 405
    assert queue.empty()
    assert client.post("/hook", json={"update_id": 1}, headers=good).status_code == 200
    assert queue.qsize() == 1


def test_false_reporting_from_telegram_opens_the_case_file(store: Store) -> None:
    config = make_config()
    story = seed_alert(store)
    with FakeTelegram(known_chats={REVIEW, UNIT, OTHER}) as fake:

        async def scenario() -> None:
            await deliver(fake, store, config)
            [alert] = fake.sent(REVIEW)
            false_button = buttons(alert)["Thông tin sai sự thật – cần phản hồi"]
            async with running(fake, store, config):
                await press(fake, REVIEWER, REVIEW, alert["message_id"], false_button)

        asyncio.run(scenario())
        assert any("hồ sơ vụ việc số" in (a or "") for a in answers(fake))
    case = store.case_for_story(story)
    assert case is not None
    assert store.open_case(story, "ai đó", FROZEN).id == case.id  # the console finds the same
    assert store.review_detail(story).state.status == "false_info"


def zalo_config(unit_chat: str | None) -> Config:
    """`make_config` with Zalo chats: the review group's, and the Đăk Pxi unit's (beside its
    Telegram chat `unit_chat`, or alone)."""
    data = make_config().model_dump(mode="json", exclude_unset=True)
    data["review"]["zalo"] = "z-review"
    pxi = next(u for u in data["units"] if u["name"] == "UBND xã Đăk Pxi")
    pxi["zalo"] = "z-pxi"
    if unit_chat is None:
        del pxi["chat"]
    return Config.model_validate(data)


@pytest.mark.parametrize("unit_chat", [str(UNIT), None])
def test_overdue_reminders_also_reach_the_zalo_chats(store: Store, unit_chat: str | None) -> None:
    config = zalo_config(unit_chat)
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    saved = store.save_article(record(2, title="Đường hư hỏng"))
    story = f"cluster:{saved.cluster_id}"
    service = ReviewService(store, config, lambda: FROZEN)
    actor = Actor(REVIEWER, "Chị Lan", "Telegram, Chị Lan")
    done = service.assign(
        story=story,
        version=0,
        unit=service.unit("UBND xã Đăk Pxi"),
        actor=actor,
        deadline=date(2026, 5, 4),
        article_id=saved.article_id,
    )
    at = datetime(2026, 5, 5, 1, 0, tzinfo=UTC)
    assert asyncio.run(remind_overdue(store, config, date(2026, 5, 5), lambda: at)) == 1
    rows = sorted(
        (i.messenger, i.chat, i.kind, i.story)
        for i in store.due_outbox(at, 50)
        if i.kind in ("remind", "overdue")
    )
    telegram = [("telegram", str(UNIT), "remind", f"remind:{done.job.id}:2026-05-05")]
    assert rows == sorted(
        [
            *(telegram if unit_chat else []),
            ("telegram", str(REVIEW), "overdue", "overdue:2026-05-05"),
            ("zalo", "z-pxi", "remind", f"remind:{done.job.id}:2026-05-05"),
            ("zalo", "z-review", "overdue", "overdue:2026-05-05"),
        ]
    )
    texts = {(i.messenger, i.kind): i.text for i in store.due_outbox(at, 50)}
    assert "Hạn xác minh: <b>" in texts["zalo", "remind"]
    assert "Đường hư hỏng" in texts["zalo", "remind"]
    assert texts["zalo", "overdue"] == texts["telegram", "overdue"]
    assert asyncio.run(remind_overdue(store, config, date(2026, 5, 5), lambda: at)) == 0


def test_a_unit_reached_on_zalo_alone_can_be_picked_from_telegram() -> None:
    config = zalo_config(None)
    markup = units_keyboard(Signer(signing_key("1:tok")), 7, 1, list(config.units))
    labels = [row[0].text for row in markup.inline_keyboard]
    assert labels == ["Phòng Văn hóa", "UBND xã Đăk Pxi", BACK]  # not the unit without a chat
