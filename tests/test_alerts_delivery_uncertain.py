"""Sends whose outcome is unknown: claimed before the call, "uncertain" when Telegram's answer
never came, sent again after UNCERTAIN_WAIT with a note; a stop lets the call in flight finish;
`alerts status` shows only errors still open."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

import httpx
import telegram
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from alerts.delivery import (
    RESEND_NOTE,
    UNCERTAIN_WAIT,
    Deliverer,
    TelegramSender,
    Throttle,
    maybe_delivered,
)
from storage import OutboxEntry, Store
from storage.outbox import STALE_CLAIM
from tests.telegram.fake_api import FakeTelegram

T0 = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
GROUP = -1001234567890


class NoWait:
    """A throttle clock that never waits."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += seconds


def deliverer(store: Store, sender: object, at: datetime, **kwargs: object) -> Deliverer:
    clock = NoWait()
    return Deliverer(
        store,
        sender,  # type: ignore[arg-type]
        lambda: at,
        Throttle(clock, clock.sleep),
        **kwargs,  # type: ignore[arg-type]
    )


def statuses(store: Store) -> dict[str, str]:
    return {c.chat: c.status for c in store.outbox_counts()}


def test_a_claimed_row_is_held_then_comes_back_as_a_resend(store: Store) -> None:
    store.enqueue([OutboxEntry("s1", "-1", None, "alert", "Tin 1")], T0)
    (item,) = store.due_outbox(T0)
    assert not item.resend
    hold = T0 + UNCERTAIN_WAIT
    assert store.claim_outbox([item.id], T0, hold) == [item.id]
    assert store.claim_outbox([item.id], T0, hold) == []  # another worker gets nothing
    assert store.due_outbox(hold - timedelta(seconds=1)) == []
    (again,) = store.due_outbox(hold)  # the process died during the call
    assert again.resend and statuses(store) == {"-1": "sending"}
    assert store.claim_outbox([item.id], hold, hold + UNCERTAIN_WAIT) == [item.id]
    (count,) = store.outbox_counts()
    assert (count.status, count.last_error) == ("sending", STALE_CLAIM)  # why it goes again
    later = hold + UNCERTAIN_WAIT
    store.mark_uncertain(item.id, "TimedOut: Timed out", later + UNCERTAIN_WAIT)
    assert store.due_outbox(later) == []
    (uncertain,) = store.due_outbox(later + UNCERTAIN_WAIT)
    assert uncertain.resend and uncertain.attempts == 1
    assert store.claim_outbox([item.id], later + UNCERTAIN_WAIT, T0 + timedelta(hours=1))
    store.mark_retry(item.id, "NetworkError: Bad Gateway", T0 + timedelta(hours=2))
    (retry,) = store.due_outbox(T0 + timedelta(hours=2))
    assert statuses(store) == {"-1": "pending"}
    assert retry.resend is False  # an error with an answer delivered nothing


def test_status_shows_no_error_for_rows_sent_after_a_retry(store: Store) -> None:
    store.enqueue(
        [OutboxEntry(f"s{n}", "-1", None, "alert", f"Tin {n}") for n in range(2)]
        + [OutboxEntry("s9", "-9", None, "alert", "Tin 9")],
        T0,
    )
    first, second, other = store.due_outbox(T0)
    store.mark_retry(first.id, "429: chờ 3 giây", T0 + timedelta(seconds=3))
    store.mark_retry(other.id, "NetworkError: Bad Gateway", T0 + timedelta(seconds=5))
    store.mark_sent(first.id, 11, T0 + timedelta(seconds=4))
    store.mark_sent(second.id, 12, T0 + timedelta(seconds=4))
    counts = {(c.chat, c.status): c for c in store.outbox_counts()}
    assert counts[("-1", "sent")].count == 2
    assert counts[("-1", "sent")].last_error is None  # sent since: nothing to fix
    assert counts[("-9", "pending")].last_error == "NetworkError: Bad Gateway"


def test_which_failures_may_have_delivered() -> None:
    def wrapped(error: Exception, cause: Exception | None) -> Exception:
        error.__cause__ = cause
        return error

    request = httpx.Request("POST", "http://127.0.0.1/bot/sendMessage")
    read = httpx.ReadTimeout("read", request=request)
    dropped = httpx.RemoteProtocolError("Server disconnected", request=request)
    assert maybe_delivered(wrapped(TimedOut(), read))
    assert maybe_delivered(wrapped(NetworkError("httpx.RemoteProtocolError"), dropped))
    assert not maybe_delivered(wrapped(TimedOut(), httpx.ConnectTimeout("c", request=request)))
    assert not maybe_delivered(wrapped(TimedOut(), httpx.PoolTimeout("p", request=request)))
    refused = httpx.ConnectError("refused", request=request)
    assert not maybe_delivered(wrapped(NetworkError("httpx.ConnectError"), refused))
    assert not maybe_delivered(NetworkError("Internal Server Error (500)"))  # Telegram answered
    assert not maybe_delivered(RetryAfter(3))
    assert not maybe_delivered(wrapped(BadRequest("Chat not found"), read))


class Hanging:
    """A sender whose calls reach Telegram but whose answers come only when released; it can
    set a stop flag when a call starts."""

    def __init__(self, on_call: object = None) -> None:
        self.calls: list[str] = []
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.on_call = on_call

    async def send(self, chat: str, topic: int | None, text: str, markup: object) -> int:
        self.calls.append(text)
        self.started.set()
        if callable(self.on_call):
            self.on_call()
        await self.release.wait()
        return len(self.calls)


def test_stopping_lets_the_call_in_flight_finish_and_starts_no_other(store: Store) -> None:
    store.enqueue([OutboxEntry(f"s{n}", f"-{n}", None, "alert", f"Tin {n}") for n in range(3)], T0)
    stop = {"now": False}
    sender = Hanging(on_call=lambda: stop.update(now=True))  # the stop arrives during call 1

    async def scenario() -> object:
        work = asyncio.create_task(
            deliverer(store, sender, T0, stopping=lambda: stop["now"]).deliver_due()
        )
        await sender.started.wait()
        sender.release.set()
        return await work

    report = asyncio.run(scenario())
    assert sender.calls == ["Tin 0"]
    assert report.sent == 1  # type: ignore[attr-defined]
    assert statuses(store) == {"-0": "sent", "-1": "pending", "-2": "pending"}
    assert [i.chat for i in store.due_outbox(T0)] == ["-1", "-2"]  # untouched, at once


def test_a_call_cut_short_is_recorded_uncertain_and_resent_with_a_note(store: Store) -> None:
    store.enqueue([OutboxEntry("s1", "-1", None, "alert", "<b>Tin 1</b>")], T0)
    sender = Hanging()

    async def cut() -> None:
        work = asyncio.create_task(deliverer(store, sender, T0).deliver_due())
        await sender.started.wait()
        work.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await work

    asyncio.run(cut())
    assert statuses(store) == {"-1": "uncertain"}
    assert store.due_outbox(T0 + UNCERTAIN_WAIT - timedelta(seconds=1)) == []
    again = Hanging()
    again.release.set()
    report = asyncio.run(deliverer(store, again, T0 + UNCERTAIN_WAIT).deliver_due())
    assert report.sent == 1  # type: ignore[attr-defined]
    assert again.calls == [RESEND_NOTE + "<b>Tin 1</b>"]
    assert statuses(store) == {"-1": "sent"}


def test_timeout_after_telegram_delivered_is_uncertain_then_resent_once_with_a_note(
    store: Store,
) -> None:
    """The policy on a client timeout, against the real client: the fake Bot API delivers the
    message but answers after the client gave up. Not retried blindly: "uncertain", shown by
    `alerts status`, sent again after UNCERTAIN_WAIT headed by the note, then never again."""
    store.enqueue(
        [
            OutboxEntry("s1", str(GROUP), None, "alert", "<b>Báo Kon Tum</b>: tin 1"),
            OutboxEntry("s2", str(GROUP), None, "alert", "<b>Báo Kon Tum</b>: tin 2"),
        ],
        T0,
    )
    with FakeTelegram(known_chats={GROUP}) as fake:
        fake.answer_late_next("sendMessage", 3.0)

        async def deliver(at: datetime) -> object:
            async with telegram.Bot(fake.token, base_url=fake.base_url) as bot:
                return await deliverer(store, TelegramSender(bot, timeout=0.5), at).deliver_due()

        first = asyncio.run(deliver(T0))
        assert (first.sent, first.uncertain, first.retried) == (1, 1, 0)  # type: ignore[attr-defined]
        assert len(fake.sent(GROUP)) == 2  # both arrived, one answer lost
        counts = {c.status: c for c in store.outbox_counts()}
        assert counts["uncertain"].count == 1
        assert "TimedOut" in (counts["uncertain"].last_error or "")
        assert asyncio.run(deliver(T0 + timedelta(minutes=1))).sent == 0  # type: ignore[attr-defined]
        again = asyncio.run(deliver(T0 + UNCERTAIN_WAIT))
        assert again.sent == 1  # type: ignore[attr-defined]
        assert asyncio.run(deliver(T0 + timedelta(hours=1))).sent == 0  # type: ignore[attr-defined]
        texts = [m["text"] for m in fake.sent(GROUP)]
    assert texts[0] == "Báo Kon Tum: tin 1"
    assert texts[2].startswith("🔁 Gửi lại: lần gửi trước không nhận được xác nhận của Telegram")
    assert texts[2].endswith("Báo Kon Tum: tin 1")
    assert len(texts) == 3
    assert [(c.status, c.count, c.last_error) for c in store.outbox_counts()] == [("sent", 2, None)]


def test_a_refused_connection_is_retried_not_uncertain(store: Store) -> None:
    store.enqueue([OutboxEntry("s1", str(GROUP), None, "alert", "tin 1")], T0)
    with FakeTelegram(known_chats={GROUP}) as fake:
        token, base_url = fake.token, fake.base_url
    # the fake is closed: nothing listens on its port any more

    async def deliver() -> object:
        bot = telegram.Bot(token, base_url=base_url)  # not initialized: getMe would fail too
        try:
            return await deliverer(store, TelegramSender(bot, timeout=0.5), T0).deliver_due()
        finally:
            await bot.shutdown()

    report = asyncio.run(deliver())
    assert (report.retried, report.uncertain) == (1, 0)  # type: ignore[attr-defined]
    assert statuses(store) == {str(GROUP): "pending"}


class Answers:
    """A sender that raises or answers from a list, and keeps the texts it was given."""

    def __init__(self, *answers: object) -> None:
        self.answers = list(answers)
        self.texts: list[str] = []

    async def send(self, chat: str, topic: int | None, text: str, markup: object) -> int:
        self.texts.append(text)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return int(answer)  # type: ignore[call-overload]


def test_a_resend_that_meets_a_5xx_still_carries_the_note(store: Store) -> None:
    """The first copy may be in the group: a 500 or 429 on the resend does not make the next
    try a plain send (the soak found this: a second copy without the note)."""
    store.enqueue([OutboxEntry("s1", "-1", None, "alert", "Tin 1")], T0)
    (item,) = store.due_outbox(T0)
    store.claim_outbox([item.id], T0, T0 + UNCERTAIN_WAIT)  # then the process died
    later = T0 + UNCERTAIN_WAIT
    sender = Answers(NetworkError("Internal Server Error (500)"), RetryAfter(3), 42)
    assert asyncio.run(deliverer(store, sender, later).deliver_due()).retried == 1  # type: ignore[attr-defined]
    assert statuses(store) == {"-1": "uncertain"}
    asyncio.run(deliverer(store, sender, later + timedelta(minutes=5)).deliver_due())
    asyncio.run(deliverer(store, sender, later + timedelta(minutes=10)).deliver_due())
    assert all(text.startswith(RESEND_NOTE) for text in sender.texts)
    assert len(sender.texts) == 3 and statuses(store) == {"-1": "sent"}
