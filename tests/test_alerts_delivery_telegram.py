"""Delivery through the real python-telegram-bot client to the fake Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import telegram

from alerts.delivery import Deliverer, TelegramSender, Throttle
from storage import OutboxEntry, Store
from tests.kit.articles import T0
from tests.kit.clock import NOW, FakeClock
from tests.telegram.fake_api import FakeTelegram

pytestmark = pytest.mark.sqlite_only  # no SQL of its own: see tests/kit/db.py

GROUP = -1001234567890
UNIT = -1009876543210


def test_alerts_reach_telegram_once_with_html_and_topics(store: Store) -> None:
    store.enqueue(
        [
            OutboxEntry("cluster:1", str(GROUP), None, "alert", "<b>Báo Quảng Ngãi</b>: tin 1"),
            OutboxEntry("cluster:1", str(UNIT), 7, "alert", "<b>Báo Quảng Ngãi</b>: tin 1"),
            OutboxEntry("cluster:2", "-100404", None, "alert", "tin 2"),
        ],
        T0,
    )
    with FakeTelegram(known_chats={GROUP, UNIT}) as fake:
        fake.fail_next("sendMessage", status=429, retry_after=3)

        async def deliver(now: timedelta) -> object:
            clock = FakeClock()
            async with telegram.Bot(fake.token, base_url=fake.base_url) as bot:
                deliverer = Deliverer(
                    store, TelegramSender(bot), lambda: NOW + now, Throttle(clock, clock.sleep)
                )
                return await deliverer.deliver_due()

        first = asyncio.run(deliver(timedelta(0)))
        assert (first.sent, first.retried, first.failed) == (1, 1, 1)  # type: ignore[attr-defined]
        second = asyncio.run(deliver(timedelta(seconds=5)))
        assert second.sent == 1  # type: ignore[attr-defined]
        third = asyncio.run(deliver(timedelta(minutes=5)))
        assert third.sent == 0  # type: ignore[attr-defined]
        group, unit = fake.sent(GROUP), fake.sent(UNIT)
        assert [m["text"] for m in group] == ["Báo Quảng Ngãi: tin 1"]
        assert [m.get("message_thread_id") for m in unit] == [7]
        sends = fake.calls_to("sendMessage")
        assert all(c.params["parse_mode"] == "HTML" for c in sends)
    counts = {(c.chat, c.status): c.last_error for c in store.outbox_counts()}
    assert "chat not found" in (counts[("-100404", "failed")] or "").lower()
    assert ("-1001234567890", "sent") in counts and ("-1009876543210", "sent") in counts
