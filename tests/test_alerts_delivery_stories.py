"""Bursts become one summary; a syndicated copy edits the first message ("cũng đăng trên")."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from alerts.delivery import BURST_MIN, ConsoleSender, Deliverer, Report, Sender, Throttle
from storage import OutboxEntry, OutboxItem, Store
from tests.kit.articles import T0, edited, record, signature, tag
from tests.kit.clock import FakeClock
from tests.telegram.fake_api import FakeTelegram

pytestmark = pytest.mark.sqlite_only  # no SQL of its own: see tests/kit/db.py

GROUP = -1001234567890
UNIT = -1009876543210
NOW = T0 + timedelta(hours=3)  # after the tagging time of `tag()`


def deliver(store: Store, sender: Sender, later: timedelta = timedelta(0), **kw: Any) -> Report:
    clock = FakeClock()
    deliverer = Deliverer(store, sender, lambda: NOW + later, Throttle(clock, clock.sleep), **kw)
    return asyncio.run(deliverer.deliver_due())


def sources(store: Store) -> None:
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi"), ("tuoitre", "Tuổi Trẻ")])
    store.sync_sources([("dantri", "Dân trí")])


def alert(article_id: int, cluster: int, chat: int | str) -> OutboxEntry:
    text = f"<b>Tin {article_id}</b>"
    return OutboxEntry(f"cluster:{cluster}", str(chat), None, "alert", text, article_id)


def test_a_burst_for_one_chat_is_one_summary_but_review_items_stay_single(store: Store) -> None:
    sources(store)
    ids = [store.save_article(record(n)).article_id for n in range(1, BURST_MIN + 2)]
    entries = [alert(i, i, UNIT) for i in ids] + [alert(i, i, GROUP) for i in ids]
    store.save_tags([tag(i) for i in ids], entries)
    buttons = InlineKeyboardMarkup([[InlineKeyboardButton("Liên quan", callback_data="x")]])

    def review_buttons(item: OutboxItem) -> tuple[str, Any]:
        return ("Trạng thái: chưa rà soát", buttons) if item.chat == str(GROUP) else ("", None)

    with FakeTelegram(known_chats={GROUP, UNIT}) as fake:

        async def run() -> Report:
            clock = FakeClock()
            async with telegram.Bot(fake.token, base_url=fake.base_url) as bot:
                from alerts.delivery import TelegramSender

                deliverer = Deliverer(
                    store,
                    TelegramSender(bot),
                    lambda: NOW,
                    Throttle(clock, clock.sleep),
                    decorate=review_buttons,
                )
                return await deliverer.deliver_due()

        report = asyncio.run(run())
        unit, group = fake.sent(UNIT), fake.sent(GROUP)
    assert report.bursts == 1 and report.sent == 2 * len(ids)
    assert len(unit) == 1  # one summary instead of six messages
    assert unit[0]["text"].startswith(f"📰 {len(ids)} tin mới")
    assert all(f"Tiêu đề {n}" in unit[0]["text"] for n in range(1, len(ids) + 1))
    assert len(group) == len(ids)  # each keeps its own buttons in the review group
    assert all(m["reply_markup"]["inline_keyboard"][0][0]["text"] == "Liên quan" for m in group)
    assert all(m["text"].endswith("Trạng thái: chưa rà soát") for m in group)
    assert store.due_outbox(NOW + timedelta(hours=1)) == []


def test_fewer_than_a_burst_go_one_by_one(store: Store, tmp_path: Path) -> None:
    sources(store)
    ids = [store.save_article(record(n)).article_id for n in range(1, BURST_MIN)]
    store.save_tags([tag(i) for i in ids], [alert(i, i, UNIT) for i in ids])
    report = deliver(store, ConsoleSender(tmp_path / "a.jsonl", io.StringIO()))
    assert (report.sent, report.bursts) == (len(ids), 0)
    lines = (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["text"] for line in lines] == [f"<b>Tin {i}</b>" for i in ids]


def copies(store: Store) -> tuple[int, int, int]:
    sources(store)
    first = store.save_article(record(1, fingerprint=signature(1))).article_id
    copy = store.save_article(
        record(2, source="tuoitre", fingerprint=edited(signature(1), range(5)))
    )
    third = store.save_article(
        record(3, source="dantri", fingerprint=edited(signature(1), range(5, 10)))
    )
    assert copy.cluster_id == third.cluster_id == first
    return first, copy.article_id, third.article_id


def test_a_copy_edits_the_first_message_instead_of_alerting_again(store: Store) -> None:
    first, copy, third = copies(store)
    store.save_tags([tag(first)], [alert(first, first, GROUP), alert(first, first, UNIT)])
    with FakeTelegram(known_chats={GROUP, UNIT}) as fake:

        async def run(later: timedelta) -> Report:
            from alerts.delivery import TelegramSender

            clock = FakeClock()
            async with telegram.Bot(fake.token, base_url=fake.base_url) as bot:
                deliverer = Deliverer(
                    store, TelegramSender(bot), lambda: NOW + later, Throttle(clock, clock.sleep)
                )
                return await deliverer.deliver_due()

        assert asyncio.run(run(timedelta(0))).sent == 2
        queued = store.save_tags(
            [tag(copy), tag(third)],
            [alert(copy, first, GROUP), alert(third, first, GROUP), alert(copy, first, UNIT)],
        )
        assert queued == 3  # three edits, no new alert
        report = asyncio.run(run(timedelta(minutes=1)))
        sends, edits = fake.calls_to("sendMessage"), fake.calls_to("editMessageText")
        assert len(sends) == 2  # nothing sent twice
        assert report.edited == 2  # one edit per chat for both copies
        group_edit = next(c for c in edits if str(c.params["chat_id"]) == str(GROUP))
        assert group_edit.params["message_id"] == fake.sent(GROUP)[0]["message_id"]
        assert "Cũng đăng trên: Tuổi Trẻ, Dân trí" in group_edit.params["text"]
        assert fake.sent(GROUP)[0]["text"].endswith("Cũng đăng trên: Tuổi Trẻ, Dân trí")
        assert store.due_outbox(NOW + timedelta(hours=2)) == []
        store.save_tags([tag(copy)], [alert(copy, first, GROUP)])  # retagging: not again
        assert store.due_outbox(NOW + timedelta(hours=2)) == []


def test_a_copy_before_the_first_message_went_out_is_listed_in_it(
    store: Store, tmp_path: Path
) -> None:
    first, copy, _ = copies(store)
    store.save_tags([tag(first)], [alert(first, first, UNIT)])
    store.save_tags([tag(copy)], [alert(copy, first, UNIT)])
    screen = io.StringIO()
    report = deliver(store, ConsoleSender(tmp_path / "a.jsonl", screen))
    assert (report.sent, report.edited) == (1, 0)  # the edit has nothing left to do
    assert store.due_outbox(NOW + timedelta(hours=1)) == []
    lines = [json.loads(x) for x in (tmp_path / "a.jsonl").read_text("utf-8").splitlines()]
    assert len(lines) == 1
    assert lines[0]["text"].endswith("📎 Cũng đăng trên: Tuổi Trẻ, Dân trí")
