"""The outbox worker: delivers due messages through python-telegram-bot, within Telegram's limits.

Each message is marked sent with Telegram's message id right after Telegram accepts it, so a
restart never sends it twice, except if the process dies between Telegram's answer and that
commit (a window of one database write, a few milliseconds). `RetryAfter` waits as told; network
errors and 5xx retry with backoff; permanent errors (chat not found, bot removed, forbidden) stop
retrying and stay visible in `outbox_counts`. Without a bot token, messages go to the console and
to a JSONL file instead, so everything runs on a fresh machine.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from storage import OutboxItem, Store

log = logging.getLogger(__name__)

PER_CHAT_SECONDS = 1.0
GROUP_PER_MINUTE = 20
GLOBAL_PER_SECOND = 25
BACKOFF_SECONDS = 5.0
MAX_BACKOFF = timedelta(minutes=30)
PERMANENT = ("chat not found", "bot was kicked", "bot was blocked", "not enough rights",
             "have no rights", "user is deactivated", "group chat was upgraded")  # fmt: skip


@dataclass
class Report:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


class Throttle:
    """Telegram's limits: one message a second per chat, 20 a minute per group, 25 a second."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self.last: dict[str, float] = {}
        self.group: dict[str, deque[float]] = {}
        self.all: deque[float] = deque()

    def wait_for(self, chat: str) -> float:
        """Seconds to wait before the next message to `chat` may go."""
        now = self.clock()
        waits = [self.last.get(chat, -1e9) + PER_CHAT_SECONDS - now]
        sent = self.group.setdefault(chat, deque())
        while sent and sent[0] <= now - 60:
            sent.popleft()
        if chat.startswith("-") and len(sent) >= GROUP_PER_MINUTE:
            waits.append(sent[0] + 60 - now)
        while self.all and self.all[0] <= now - 1:
            self.all.popleft()
        if len(self.all) >= GLOBAL_PER_SECOND:
            waits.append(self.all[0] + 1 - now)
        return max(0.0, *waits)

    async def acquire(self, chat: str) -> None:
        delay = self.wait_for(chat)
        if delay > 0:
            await self.sleep(delay)
        now = self.clock()
        self.last[chat] = now
        self.group.setdefault(chat, deque()).append(now)
        self.all.append(now)


class ConsoleSender:
    """No bot token: print the alert and append it to a JSONL file."""

    def __init__(self, path: Path, stream: TextIO | None = None) -> None:
        self.path = path
        self.stream = stream or sys.stdout
        self.count = 0

    async def send(self, item: OutboxItem) -> int:
        self.count += 1
        self.stream.write(f"── {item.chat}{f' #{item.topic}' if item.topic else ''} ──\n")
        self.stream.write(item.text + "\n")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            record = {"chat": item.chat, "topic": item.topic, "kind": item.kind, "text": item.text}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return 0


class TelegramSender:
    """Sends through python-telegram-bot's `Bot` (HTML parse mode, forum topics)."""

    def __init__(self, bot: Any) -> None:
        self.bot = bot

    async def send(self, item: OutboxItem) -> int:
        from telegram import LinkPreviewOptions
        from telegram.constants import ParseMode

        message = await self.bot.send_message(
            chat_id=item.chat,
            text=item.text,
            parse_mode=ParseMode.HTML,
            message_thread_id=item.topic,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
        return int(message.message_id)


class Deliverer:
    """Delivers what the outbox holds; one call delivers everything due now."""

    def __init__(
        self,
        store: Store,
        sender: ConsoleSender | TelegramSender,
        now: Callable[[], datetime],
        throttle: Throttle | None = None,
    ) -> None:
        self.store = store
        self.sender = sender
        self.now = now
        self.throttle = throttle or Throttle()

    async def deliver_due(self, limit: int = 200) -> Report:
        report = Report()
        for item in self.store.due_outbox(self.now(), limit):
            await self.throttle.acquire(item.chat)
            await self._deliver(item, report)
        return report

    async def _deliver(self, item: OutboxItem, report: Report) -> None:
        from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

        try:
            message_id = await self.sender.send(item)
        except RetryAfter as exc:
            with warnings.catch_warnings():  # PTB 22 announces a timedelta here; accept both
                warnings.simplefilter("ignore")
                wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            self._retry(item, report, f"429: chờ {seconds:.0f} giây", timedelta(seconds=seconds))
            return
        except (BadRequest, Forbidden) as exc:
            text = str(exc)
            if isinstance(exc, Forbidden) or any(p in text.lower() for p in PERMANENT):
                log.error("[%s] tin %d không gửi được, dừng thử: %s", item.chat, item.id, text)
                self.store.mark_failed(item.id, text)
                report.failed += 1
                report.errors.append(f"{item.chat}: {text}")
                return
            raise
        except TelegramError as exc:  # network errors, timeouts, 5xx
            backoff = min(MAX_BACKOFF, timedelta(seconds=BACKOFF_SECONDS * 2**item.attempts))
            self._retry(item, report, f"{type(exc).__name__}: {exc}", backoff)
            return
        self.store.mark_sent(item.id, message_id, self.now())
        report.sent += 1
        log.info("[%s] đã gửi tin %d (%s)", item.chat, item.id, item.story)

    def _retry(self, item: OutboxItem, report: Report, error: str, wait: timedelta) -> None:
        log.warning("[%s] tin %d sẽ gửi lại sau %s: %s", item.chat, item.id, wait, error)
        self.store.mark_retry(item.id, error, self.now() + wait)
        report.retried += 1
