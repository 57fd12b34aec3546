"""A console action inside the daemon edits the review group's Telegram message, through the
real python-telegram-bot client and the fake Bot API: one status in both places."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import telegram

from alerts.delivery import Deliverer, TelegramSender, Throttle
from duluan.console.app import build_app
from duluan.console.state import state_of
from duluan.daemon import _refresher
from review.bot import build_application
from review.buttons import Decorator, signing_key
from storage import OutboxEntry, Store
from tests.kit.clock import FakeClock
from tests.kit.console import (
    AREA_A,
    AREA_B,
    PASSWORD,
    PXI_UNIT,
    Console,
    console,
    save_tagged,
    two_areas_console,
)
from tests.telegram.fake_api import FakeTelegram

__all__ = ["console"]

REVIEW, UNIT = -1009, -1001
CHAT_A, CHAT_B = -1100, -1200  # the review groups of `two_areas_console`
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


async def _token(client: httpx.AsyncClient, path: str) -> str:
    found = _TOKEN.search((await client.get(path, follow_redirects=True)).text)
    assert found
    return found.group(1)


def _act_in_daemon(
    console: Console, fake: FakeTelegram, user: str, path: str, data: dict[str, str]
) -> None:
    """Deliver the queued alerts, then post `data` to `path` as `user` on a console whose
    actions refresh Telegram as inside the daemon, and wait until the message edit is done."""

    async def scenario() -> None:
        store, config = console.store, console.config
        clock = FakeClock()
        decorate = Decorator(store, config, signing_key(fake.token), console.clock)
        async with telegram.Bot(fake.token, base_url=fake.base_url) as bot:
            await Deliverer(
                store, TelegramSender(bot), console.clock, Throttle(clock, clock.sleep), decorate
            ).deliver_due()
        application = build_application(fake.token, fake.base_url, store, config, console.clock)
        await application.initialize()
        app = build_app(config, store, console.clock, "s" * 40, data_dir=console.tmp)
        state_of(app).on_review_change = _refresher(application)
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(
                transport=transport, base_url="https://testserver"
            ) as client:
                login = await client.post(
                    "/login",
                    data={
                        "username": user,
                        "password": PASSWORD,
                        "csrf_token": await _token(client, "/login"),
                    },
                )
                assert login.status_code == 303
                csrf = await _token(client, "/queue")
                response = await client.post(path, data={**data, "csrf_token": csrf})
                assert response.status_code == 303, response.text
                ok = await asyncio.to_thread(
                    fake.wait_for, lambda: bool(fake.calls_to("editMessageText")), 10.0
                )
                assert ok
                await asyncio.gather(*state_of(app).background)
        finally:
            await application.shutdown()

    asyncio.run(scenario())


def test_console_action_edits_the_review_group_message(console: Console) -> None:
    store, cluster = console.store, console.seeded.forest
    story = f"cluster:{cluster}"
    store.enqueue(
        [OutboxEntry(story, str(REVIEW), None, "alert", "<b>Báo Quảng Ngãi</b> · tin", 1)],
        console.clock(),
    )
    with FakeTelegram(known_chats={REVIEW, UNIT, -1002}) as fake:
        form = {"unit": PXI_UNIT, "deadline": "", "version": "0"}
        _act_in_daemon(console, fake, "canbo", f"/items/{cluster}/assign", form)
        [edited] = fake.sent(REVIEW)
    assert "Rà soát: Đã giao đơn vị xác minh" in edited["text"]
    assert "UBND xã Đăk Pxi" in edited["text"]
    assert "canbo (trang web)" in edited["text"]


def test_an_action_in_one_area_edits_that_area_s_review_group(store: Store, tmp_path: Path) -> None:
    console = two_areas_console(store, tmp_path)
    (cluster,) = save_tagged(store, [("both", ())], {"both": (AREA_A, AREA_B)})
    story = f"cluster:{cluster}"
    store.enqueue(
        [OutboxEntry(story, str(c), None, "alert", "<b>X</b> · tin", 1) for c in (CHAT_A, CHAT_B)],
        console.clock(),
    )
    with FakeTelegram(known_chats={CHAT_A, CHAT_B}) as fake:
        form = {"version": "0", "area": AREA_B}
        _act_in_daemon(console, fake, "tinh", f"/items/{cluster}/relevant", form)
        [in_a], [in_b] = fake.sent(CHAT_A), fake.sent(CHAT_B)
        edits = [call.params["chat_id"] for call in fake.calls_to("editMessageText")]
    assert "Rà soát: Liên quan" in in_b["text"] and "tinh (trang web)" in in_b["text"]
    assert "Rà soát: Chưa rà soát" in in_a["text"]
    assert [int(c) for c in edits] == [CHAT_B]
