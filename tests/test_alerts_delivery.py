"""The outbox worker: limits, retries, permanent failures, console mode, nothing sent twice."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from alerts.delivery import ConsoleSender, Deliverer, Throttle
from storage import OutboxEntry, Store
from tests.kit.articles import T0
from tests.kit.clock import NOW, FakeClock


def test_throttle_per_chat_group_and_global() -> None:
    clock = FakeClock()
    throttle = Throttle(clock, clock.sleep)

    async def burst() -> None:
        for _ in range(3):
            await throttle.acquire("-100")
        for i in range(30):
            await throttle.acquire(str(i))

    asyncio.run(burst())
    assert clock.slept[:2] == [1.0, 1.0]  # one a second to the same chat
    assert any(s > 0 for s in clock.slept[2:])  # 25 a second in all
    clock2 = FakeClock()
    group = Throttle(clock2, clock2.sleep)

    async def group_burst() -> None:
        for _ in range(21):
            await group.acquire("-100123")

    asyncio.run(group_burst())
    assert clock2.t - 1000.0 >= 60.0  # the 21st message to a group waits out the minute


class Scripted:
    """A sender that answers from a script: a message id, or an exception to raise."""

    def __init__(self, answers: dict[str, list[object]]) -> None:
        self.answers = answers
        self.sent: list[str] = []

    async def send(self, chat: str, topic: int | None, text: str, markup: object) -> int:
        answer = self.answers[chat].pop(0)
        if isinstance(answer, Exception):
            raise answer
        self.sent.append(chat)
        return int(answer)  # type: ignore[call-overload]


@pytest.fixture
def queued(store: Store) -> Store:
    entries = [OutboxEntry(f"s{c}", c, None, "alert", f"<b>Tin</b> {c}") for c in "12345"]
    store.enqueue(entries, T0)
    return store


def run(store: Store, sender: object, now: object = lambda: NOW) -> object:
    clock = FakeClock()
    deliverer = Deliverer(store, sender, now, Throttle(clock, clock.sleep))  # type: ignore[arg-type]
    return asyncio.run(deliverer.deliver_due())


def test_outcomes_are_recorded(queued: Store) -> None:
    sender = Scripted(
        {
            "1": [101],
            "2": [RetryAfter(30)],
            "3": [BadRequest("Chat not found")],
            "4": [Forbidden("Forbidden: bot was kicked from the group chat")],
            "5": [NetworkError("connection reset")],
        }
    )
    report = run(queued, sender)
    assert (report.sent, report.retried, report.failed) == (1, 2, 2)  # type: ignore[attr-defined]
    assert queued.due_outbox(NOW + timedelta(seconds=3)) == []  # backoff 5 s, Retry-After 30 s
    due = {d.chat for d in queued.due_outbox(NOW + timedelta(seconds=31))}
    assert due == {"2", "5"}
    counts = {(c.chat, c.status) for c in queued.outbox_counts()}
    assert {("1", "sent"), ("3", "failed"), ("4", "failed")} <= counts
    again = Scripted({"2": [202], "5": [505]})
    run(queued, again, lambda: NOW + timedelta(minutes=5))
    assert sorted(again.sent) == ["2", "5"]
    assert run(queued, Scripted({}), lambda: NOW + timedelta(hours=1)).sent == 0  # type: ignore[attr-defined]


def test_console_mode_prints_and_appends_jsonl(queued: Store, tmp_path: Path) -> None:
    screen = io.StringIO()
    path = tmp_path / "data" / "alerts.jsonl"
    report = run(queued, ConsoleSender(path, screen))
    assert report.sent == 5  # type: ignore[attr-defined]
    assert "<b>Tin</b> 3" in screen.getvalue()
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [line["chat"] for line in lines] == list("12345")
    assert run(queued, ConsoleSender(path, screen)).sent == 0  # type: ignore[attr-defined]
