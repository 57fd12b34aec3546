"""A console action inside the daemon edits the review group's Telegram message, through the
real python-telegram-bot client and the fake Bot API: one status in both places."""

from __future__ import annotations

import asyncio
import re

import httpx
import telegram

from alerts.delivery import Deliverer, TelegramSender, Throttle
from duluan.console.app import build_app
from duluan.console.state import state_of
from duluan.daemon import _refresher
from review.bot import build_application
from review.buttons import Decorator, signing_key
from storage import OutboxEntry
from tests.kit.clock import FakeClock
from tests.kit.console import PASSWORD, PXI_UNIT, Console, console
from tests.telegram.fake_api import FakeTelegram

__all__ = ["console"]

REVIEW, UNIT = -1009, -1001
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


async def _token(client: httpx.AsyncClient, path: str) -> str:
    found = _TOKEN.search((await client.get(path, follow_redirects=True)).text)
    assert found
    return found.group(1)


def test_console_action_edits_the_review_group_message(console: Console) -> None:
    store, config, cluster = console.store, console.config, console.seeded.forest
    story = f"cluster:{cluster}"
    store.enqueue(
        [OutboxEntry(story, str(REVIEW), None, "alert", "<b>Báo Quảng Ngãi</b> · tin", 1)],
        console.clock(),
    )
    with FakeTelegram(known_chats={REVIEW, UNIT, -1002}) as fake:

        async def scenario() -> None:
            clock = FakeClock()
            decorate = Decorator(store, config, signing_key(fake.token), console.clock)
            async with telegram.Bot(fake.token, base_url=fake.base_url) as bot:
                await Deliverer(
                    store,
                    TelegramSender(bot),
                    console.clock,
                    Throttle(clock, clock.sleep),
                    decorate,
                ).deliver_due()
            [alert] = fake.sent(REVIEW)
            assert "Rà soát: Chưa rà soát" in alert["text"]

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
                            "username": "canbo",
                            "password": PASSWORD,
                            "csrf_token": await _token(client, "/login"),
                        },
                    )
                    assert login.status_code == 303
                    csrf = await _token(client, "/queue")
                    response = await client.post(
                        f"/items/{cluster}/assign",
                        data={"unit": PXI_UNIT, "deadline": "", "version": "0", "csrf_token": csrf},
                    )
                    assert response.status_code == 303
                    ok = await asyncio.to_thread(
                        fake.wait_for, lambda: bool(fake.calls_to("editMessageText")), 10.0
                    )
                    assert ok
                    await asyncio.gather(*state_of(app).background)
            finally:
                await application.shutdown()
            [edited] = fake.sent(REVIEW)
            assert "Rà soát: Đã giao đơn vị xác minh" in edited["text"]
            assert "UBND xã Đăk Pxi" in edited["text"]
            assert "canbo (trang web)" in edited["text"]

        asyncio.run(scenario())
