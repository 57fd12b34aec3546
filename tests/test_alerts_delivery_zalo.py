"""Delivery to Zalo through our client and the local stand-in of the Zalo Bot API (issue 17):
plain text within 2,000 characters, Zalo's own rows only, its errors mapped like Telegram's,
resends that say so, and a slow Zalo that never holds Telegram back."""

from __future__ import annotations

import asyncio
import io
import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from alerts.delivery import (
    BURST_MIN,
    ZALO_RESEND_NOTE,
    ConsoleSender,
    Deliverer,
    Throttle,
    ZaloSender,
)
from alerts.message import utf16_len
from alerts.zalo import LIMIT, MAX_PARTS, ZaloBot, split_plain
from storage import ZALO, OutboxEntry, Store
from tests.kit.articles import T0
from tests.kit.clock import NOW, FakeClock
from tests.zalo.fake_api import FakeZalo

pytestmark = pytest.mark.sqlite_only  # no SQL of its own: see tests/kit/db.py

CHAT = "e4ea2cd5189df1c3a88c"
HTML = '<b>Báo Quảng Ngãi</b>: <a href="https://baoquangngai.vn/bai-1.htm">Cháy rừng &amp; lũ</a>'


def zalo(story: str, chat: str = CHAT, text: str = HTML, kind: str = "alert") -> OutboxEntry:
    return OutboxEntry(story, chat, None, kind, text, messenger=ZALO)


async def deliver(store: Store, fake: FakeZalo, later: timedelta = timedelta(0)) -> object:
    clock = FakeClock()
    async with ZaloBot(fake.token, fake.base_url, timeout=2) as bot:
        deliverer = Deliverer(
            store, ZaloSender(bot), lambda: NOW + later, Throttle.zalo(clock, clock.sleep)
        )
        return await deliverer.deliver_due()


def test_zalo_gets_plain_text_with_the_link_on_its_own_line(store: Store) -> None:
    store.enqueue([zalo("cluster:1"), OutboxEntry("cluster:1", "-1001", None, "alert", HTML)], T0)
    with FakeZalo(known_chats={CHAT}) as fake:
        report = asyncio.run(deliver(store, fake))
        (sent,) = fake.sent
    assert report.sent == 1  # type: ignore[attr-defined]
    assert sent["chat_id"] == CHAT and "<" not in sent["text"]
    assert "Cháy rừng & lũ" in sent["text"]
    assert "\nhttps://baoquangngai.vn/bai-1.htm" in sent["text"]
    # Telegram's row is Telegram's deliverer's business: still waiting.
    (left,) = store.due_outbox(NOW)
    assert left.messenger == "telegram"


def test_a_long_message_goes_in_parts_within_zalos_limit(store: Store) -> None:
    lines = "\n".join(f"{n}. Tin quá hạn số {n} của xã Đăk Pxi" for n in range(1, 101))
    store.enqueue([zalo("overdue:1", text=lines), zalo("big", text="rất dài " * 5000)], T0)
    with FakeZalo(known_chats={CHAT}) as fake:
        asyncio.run(deliver(store, fake))
        texts = [m["text"] for m in fake.sent]
    overdue = [t for t in texts if "Tin quá hạn" in t]
    assert len(overdue) == 2 and all(len(t) <= LIMIT for t in texts)
    assert "\n".join(overdue) == lines  # split at line breaks, nothing lost
    big = [t for t in texts if "rất dài" in t]
    # Cut at Telegram's 4,096 like every alert (compose), then sent in parts.
    assert 1 < len(big) <= MAX_PARTS and big[-1].endswith("…")


@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=9000), st.integers(1, 5))
@example("a\n" * 3000, 4)
@example("🙂" * 3000, 2)
def test_split_plain_keeps_every_part_within_the_limit(text: str, parts: int) -> None:
    out = split_plain(text, 200, parts)
    assert len(out) <= parts and all(utf16_len(p) <= 200 for p in out)
    if utf16_len(text) <= 200:
        assert out == ([text] if text else [])


def test_zalo_errors_are_retried_or_stop_like_telegrams(store: Store) -> None:
    store.enqueue([zalo("cluster:1"), zalo("cluster:2"), zalo("cluster:3", chat="unknown")], T0)
    with FakeZalo(known_chats={CHAT}) as fake:
        fake.fail("sendMessage", 429, "Too Many Requests", retry_after=7)
        first = asyncio.run(deliver(store, fake))
        assert (first.sent, first.retried, first.failed) == (1, 1, 1)  # type: ignore[attr-defined]
        assert asyncio.run(deliver(store, fake, timedelta(seconds=3))).sent == 0  # type: ignore[attr-defined]
        assert asyncio.run(deliver(store, fake, timedelta(seconds=8))).sent == 1  # type: ignore[attr-defined]
        fake.fail("sendMessage", 503, "Service Unavailable")
    counts = {(c.messenger, c.chat, c.status): c for c in store.outbox_counts()}
    assert counts[("zalo", CHAT, "sent")].count == 2
    assert "not found" in (counts[("zalo", "unknown", "failed")].last_error or "")


def test_a_send_without_an_answer_goes_again_saying_so(store: Store) -> None:
    store.enqueue([zalo("cluster:1")], T0)
    with FakeZalo(known_chats={CHAT}) as fake:
        fake.delay("sendMessage", 4)
        first = asyncio.run(deliver(store, fake))
        assert first.uncertain == 1  # type: ignore[attr-defined]
        again = asyncio.run(deliver(store, fake, timedelta(minutes=5)))
        assert again.sent == 1  # type: ignore[attr-defined]
        texts = [m["text"] for m in fake.sent]
    assert texts[-1].startswith("🔁 Gửi lại") and "Zalo" in texts[-1]
    assert "Zalo" in ZALO_RESEND_NOTE and "Telegram" not in ZALO_RESEND_NOTE


def test_a_burst_to_one_zalo_chat_goes_as_one_summary(store: Store) -> None:
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    from tests.kit.articles import record

    ids = [store.save_article(record(n)).article_id for n in range(1, BURST_MIN + 2)]
    store.enqueue(
        [OutboxEntry(f"cluster:{i}", CHAT, None, "alert", f"Tin {i}", i, ZALO) for i in ids], T0
    )
    with FakeZalo(known_chats={CHAT}) as fake:
        report = asyncio.run(deliver(store, fake))
        (sent,) = fake.sent
    assert report.bursts == 1 and report.sent == len(ids)  # type: ignore[attr-defined]
    assert "Tiêu đề 1" in sent["text"] and "<" not in sent["text"]


def test_without_a_zalo_token_zalo_messages_go_to_the_console(store: Store, tmp_path: Path) -> None:
    store.enqueue([zalo("cluster:1")], T0)
    out = io.StringIO()
    sender = ConsoleSender(tmp_path / "alerts-zalo.jsonl", out, messenger=ZALO)
    clock = FakeClock()
    report = asyncio.run(
        Deliverer(store, sender, lambda: NOW, Throttle.zalo(clock, clock.sleep)).deliver_due()
    )
    assert report.sent == 1
    assert out.getvalue().startswith(f"── Zalo {CHAT} ──") and "<b>" not in out.getvalue()
    (line,) = (tmp_path / "alerts-zalo.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["chat"] == CHAT


def test_zalos_pace_is_one_message_a_second_per_chat_and_twenty_a_minute() -> None:
    clock = FakeClock()
    throttle = Throttle.zalo(clock, clock.sleep)

    async def send(n: int) -> None:
        for _ in range(n):
            await throttle.acquire("private-chat")

    asyncio.run(send(21))
    assert clock.slept[:3] == [1.0, 1.0, 1.0]
    assert clock.t - 1000.0 >= 60.0  # the 21st waited for the minute's window


def test_a_slow_zalo_does_not_delay_telegram(store: Store) -> None:
    """Both deliverers on one event loop, as in the daemon: Zalo's stand-in answers after 3 s,
    Telegram's deliverer (a stand-in sender) finishes long before."""
    store.enqueue([zalo("cluster:1"), OutboxEntry("cluster:1", "-1001", None, "alert", "tin")], T0)

    class Quick:
        messenger = "telegram"

        def __init__(self) -> None:
            self.at: float | None = None

        async def send(self, chat: str, topic: object, text: str, markup: object) -> int:
            self.at = time.monotonic()
            return 1

    async def both(fake: FakeZalo) -> tuple[float, float | None, float]:
        quick = Quick()
        start = time.monotonic()
        async with ZaloBot(fake.token, fake.base_url, timeout=10) as bot:
            zalo_pass = asyncio.create_task(
                Deliverer(store, ZaloSender(bot), lambda: NOW).deliver_due()
            )
            await Deliverer(store, quick, lambda: NOW).deliver_due()  # type: ignore[arg-type]
            telegram_done = time.monotonic()
            await zalo_pass
        return start, quick.at, telegram_done - start

    with FakeZalo(known_chats={CHAT}) as fake:
        fake.delay("sendMessage", 3)
        start, sent_at, telegram_took = asyncio.run(both(fake))
        assert len(fake.sent) == 1
    assert sent_at is not None and sent_at - start < 2.5
    assert telegram_took < 2.5
    assert {c.status for c in store.outbox_counts()} == {"sent"}


def test_a_zalo_review_alert_carries_its_short_code_and_is_never_merged(store: Store) -> None:
    """Six alerts due at once for the review chat's Zalo: each goes alone (a summary would
    lose the codes), each with "A<cluster>" and how to answer."""
    from duluan.config import parse_config
    from review.zalo import ZaloDecorator
    from tests.kit.console import Clock, seed

    config = parse_config(
        "locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}\n"
        "sources: [{name: dantri, title: Dân trí, feeds: ['https://dantri.com.vn/rss']}]\n"
        f"review: {{zalo: {CHAT}, zalo_reviewers: [lan01]}}\n",
        "t.yaml",
        {},
    ).config
    seeded = seed(store)
    entries = [
        OutboxEntry(f"cluster:{seeded.forest}", CHAT, None, "alert", HTML, None, ZALO),
        *(zalo(f"cluster:{seeded.market + 100 + n}") for n in range(BURST_MIN)),
    ]
    store.enqueue(entries, T0)

    async def run(fake: FakeZalo) -> object:
        clock = FakeClock()
        async with ZaloBot(fake.token, fake.base_url, timeout=2) as bot:
            decorate = ZaloDecorator(store, config, Clock())
            return await Deliverer(
                store, ZaloSender(bot), lambda: NOW, Throttle.zalo(clock, clock.sleep), decorate
            ).deliver_due()

    with FakeZalo(known_chats={CHAT}) as fake:
        report = asyncio.run(run(fake))
        texts = [m["text"] for m in fake.sent]
    assert report.bursts == 0 and len(texts) == 1 + BURST_MIN  # type: ignore[attr-defined]
    assert f"A{seeded.forest} liên quan" in texts[0] and "<b>" not in texts[0]
