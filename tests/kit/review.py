"""Helpers of the review-bot tests: the chats and reviewer of a test config, a queued alert,
its delivery through the real python-telegram-bot client to the fake Bot API, and pressing
its buttons there. `FROZEN` is a Wednesday before the 30/4 and 1/5 holidays."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import telegram

from alerts.delivery import Deliverer, TelegramSender, Throttle
from duluan.config import Config
from review.buttons import Decorator, signing_key
from storage import OutboxEntry, Store
from tests.kit.articles import record
from tests.kit.clock import FakeClock
from tests.telegram.fake_api import FakeTelegram

REVIEW = -1001111111111
UNIT = -1002222222222
OTHER = -1003333333333
REVIEWER = 1001
# Wednesday 29/4/2026, 10:00 in Vietnam: 30/4 and 1/5 are holidays, then a weekend.
FROZEN = datetime(2026, 4, 29, 3, 0, tzinfo=UTC)


def make_config(**telegram_settings: Any) -> Config:
    """A config with the review group, two unit chats and one unit without; `telegram_settings`
    fill its `telegram:` section."""
    return Config.model_validate(
        {
            "locality": {"province": "Tỉnh Kon Tum", "district": "Huyện Đăk Hà"},
            "sources": [
                {"name": "baoquangngai", "title": "Báo Quảng Ngãi", "feeds": ["https://x.vn/rss"]}
            ],
            "units": [
                {"name": "Phòng Văn hóa", "chat": str(OTHER)},
                {"name": "Không có chat"},
                {"name": "UBND xã Đăk Pxi", "chat": str(UNIT), "communes": ["Xã Đăk Pxi"]},
            ],
            "review": {"chat": str(REVIEW), "reviewers": [REVIEWER]},
            "telegram": telegram_settings,
        }
    )


def seed_alert(store: Store) -> str:
    """A stored article and its alert queued for the review group; returns the story."""
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    saved = store.save_article(record(1, title="Sạt lở ở xã Đăk Pxi"))
    story = f"cluster:{saved.cluster_id}"
    text = "<b>Báo Quảng Ngãi</b> · tin"
    store.enqueue([OutboxEntry(story, str(REVIEW), None, "alert", text, saved.article_id)], FROZEN)
    return story


async def deliver(fake: FakeTelegram, store: Store, config: Config) -> None:
    """Deliver what is due through the real client to the fake Bot API, buttons signed with its
    token."""
    clock = FakeClock()
    decorate = Decorator(store, config, signing_key(fake.token), lambda: FROZEN)
    async with telegram.Bot(fake.token, base_url=fake.base_url) as bot:
        deliverer = Deliverer(
            store, TelegramSender(bot), lambda: FROZEN, Throttle(clock, clock.sleep), decorate
        )
        await deliverer.deliver_due()


async def settle(fake: FakeTelegram, predicate: Callable[[], bool]) -> None:
    """Wait (up to 10 s) until `predicate` holds on the fake server."""
    assert await asyncio.to_thread(fake.wait_for, predicate, 10.0)


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """A message's inline buttons: text → callback data."""
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return {button["text"]: button["callback_data"] for row in rows for button in row}


def answers(fake: FakeTelegram) -> list[str | None]:
    """The texts of every callback-query answer so far."""
    return [a["params"].get("text") for a in fake.answered_queries]


async def press(fake: FakeTelegram, user: int, chat: int, message_id: int, data: str) -> None:
    """Press a button as `user` in `chat` and wait for the bot to answer it."""
    count = len(fake.answered_queries)
    fake.push_callback(from_id=user, chat_id=chat, message_id=message_id, data=data)
    await settle(fake, lambda: len(fake.answered_queries) > count)
