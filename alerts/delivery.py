"""The outbox worker: delivers due messages through python-telegram-bot, within Telegram's limits.

At-least-once, and every duplicate says so. Just before its Telegram call a message is claimed
("sending", held for `UNCERTAIN_WAIT`); Telegram's answer marks it sent with its message id. A
call that may have reached Telegram without its answer coming back (no answer within
`SEND_TIMEOUT`, the connection dropped after the request went out, the process stopped or died
during the call) leaves the message "uncertain" (or "sending"): it is sent again once
`UNCERTAIN_WAIT` has passed, headed by `RESEND_NOTE` so that a group that already has it knows
the second copy is one. `RetryAfter` waits as told; errors that delivered nothing (connection
refused, 5xx) retry with backoff; permanent errors (chat not found, bot removed, forbidden) stop
retrying and stay visible in `outbox_counts`. Edits are not claimed: doing one twice is harmless.
`stopping` ends a pass before its next call, never during one. Without a bot token, messages go
to the console and to a JSONL file instead, so everything runs on a fresh machine.

Each alert is rendered when it goes out: its stored text, the outlets that ran copies since
("cũng đăng trên"), and the review status with its buttons (the `decorate` hook). Many alerts
due at once for one chat (a burst) go out as one summary message; a copy arriving after its
story was alerted edits the first message instead of sending another.

Zalo (issue 17) goes through the same worker: one `Deliverer` per messenger, each reading only
its own outbox rows, so a slow or failing Zalo never holds Telegram back and the other way
round. `ZaloSender` turns the stored Telegram HTML into Zalo's plain text (`alerts.zalo.
zalo_text`: links on their own line, cut at 2,000 characters); Zalo cannot edit a message or
send a file, so no edit is queued for it and a report reaches it as text with a link.
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

from alerts.message import CAPTION_LIMIT, LIMIT, AlertItem, burst_message, compose, cut_html
from alerts.zalo import (
    ZaloBadRequest,
    ZaloChatNotFound,
    ZaloError,
    ZaloForbidden,
    ZaloInvalidToken,
    ZaloNetworkError,
    ZaloRetryAfter,
    split_plain,
    zalo_text,
)
from storage import TELEGRAM, ZALO, OutboxItem, Store, StoryMessage
from storage.records import OUTBOX_WAITING

log = logging.getLogger(__name__)

PER_CHAT_SECONDS = 1.0
GROUP_PER_MINUTE = 20
GLOBAL_PER_SECOND = 25
BACKOFF_SECONDS = 5.0
MAX_BACKOFF = timedelta(minutes=30)
BURST_MIN = 5  # alerts due at once for one chat that go out as one summary
SEND_TIMEOUT = 20.0  # seconds to wait for Telegram's answer to a send (the library's default: 5)
UNCERTAIN_WAIT = timedelta(minutes=2)  # a send without an answer goes again after this
RESEND_NOTE = (
    "🔁 <i>Gửi lại: lần gửi trước không nhận được xác nhận của Telegram. Nếu nhóm đã có tin "
    "này, xin bỏ qua bản này.</i>\n\n"
)
ZALO_RESEND_NOTE = RESEND_NOTE.replace("Telegram", "Zalo")
# Zalo publishes no rate limits (docs/zalo.md): Telegram's pace per chat, every chat counted
# like a group (a Zalo id does not say whether it is one), fewer per second overall; a 429 is
# obeyed whatever these say.
ZALO_PER_CHAT_SECONDS = 1.0
ZALO_PER_CHAT_MINUTE = 20
ZALO_GLOBAL_PER_SECOND = 10
PERMANENT = ("chat not found", "bot was kicked", "bot was blocked", "not enough rights",
             "have no rights", "user is deactivated", "group chat was upgraded",
             "message to edit not found", "message can't be edited")  # fmt: skip


@dataclass
class Report:
    sent: int = 0
    retried: int = 0
    uncertain: int = 0  # may have arrived; sent again with `RESEND_NOTE` after UNCERTAIN_WAIT
    failed: int = 0
    edited: int = 0
    bursts: int = 0
    errors: list[str] = field(default_factory=list)


Decoration = tuple[str, Any | None]  # the status block under an alert, and its reply markup
Decorate = Callable[[OutboxItem], Decoration]


def plain(item: OutboxItem) -> Decoration:
    """No review: no status block, no buttons."""
    return "", None


class Throttle:
    """A messenger's sending pace. Telegram's (the default): one message a second per chat, 20
    a minute per group (a chat id starting with "-"), 25 a second; `Throttle.zalo` for Zalo."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        *,
        per_chat_seconds: float = PER_CHAT_SECONDS,
        per_group_minute: int = GROUP_PER_MINUTE,
        per_second: int = GLOBAL_PER_SECOND,
        is_group: Callable[[str], bool] = lambda chat: chat.startswith("-"),
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self.per_chat_seconds = per_chat_seconds
        self.per_group_minute = per_group_minute
        self.per_second = per_second
        self.is_group = is_group
        self.last: dict[str, float] = {}
        self.group: dict[str, deque[float]] = {}
        self.all: deque[float] = deque()

    @classmethod
    def zalo(
        cls,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> Throttle:
        """Zalo's pace (its limits are not published: see `ZALO_PER_CHAT_SECONDS`)."""
        return cls(
            clock,
            sleep,
            per_chat_seconds=ZALO_PER_CHAT_SECONDS,
            per_group_minute=ZALO_PER_CHAT_MINUTE,
            per_second=ZALO_GLOBAL_PER_SECOND,
            is_group=lambda chat: True,
        )

    def wait_for(self, chat: str) -> float:
        """Seconds to wait before the next message to `chat` may go."""
        now = self.clock()
        waits = [self.last.get(chat, -1e9) + self.per_chat_seconds - now]
        sent = self.group.setdefault(chat, deque())
        while sent and sent[0] <= now - 60:
            sent.popleft()
        if self.is_group(chat) and len(sent) >= self.per_group_minute:
            waits.append(sent[0] + 60 - now)
        while self.all and self.all[0] <= now - 1:
            self.all.popleft()
        if len(self.all) >= self.per_second:
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


@dataclass(frozen=True)
class Document:
    """A file to send (kind "document"; the outbox text is its JSON: document, filename,
    caption)."""

    path: Path
    filename: str
    caption: str

    @classmethod
    def from_json(cls, text: str) -> Document:
        data = json.loads(text)
        path = Path(data["document"])
        return cls(path, str(data.get("filename") or path.name), str(data.get("caption") or ""))


class ConsoleSender:
    """No bot token: print the alert and append it to a JSONL file (Zalo's messages, when
    there is no Zalo token, to a file of their own, labelled "Zalo")."""

    def __init__(self, path: Path, stream: TextIO | None = None, messenger: str = TELEGRAM) -> None:
        self.path = path
        self.stream = stream or sys.stdout
        self.messenger = messenger
        self.count = 0
        if path.exists():  # message numbers go on from the earlier runs
            with path.open("rb") as lines:
                self.count = sum(1 for _ in lines)

    async def send(self, chat: str, topic: int | None, text: str, markup: Any | None) -> int:
        self.count += 1
        self._write(chat, topic, "", text, {"message_id": self.count})
        return self.count

    async def edit(
        self, chat: str, topic: int | None, message_id: int, text: str, markup: Any | None
    ) -> None:
        self._write(chat, topic, f" (sửa tin {message_id})", text, {"edit_of": message_id})

    async def send_document(self, chat: str, topic: int | None, document: Document) -> int:
        self.count += 1
        extra = {"message_id": self.count, "document": str(document.path)}
        self._write(chat, topic, f" (tệp {document.filename})", document.caption, extra)
        return self.count

    def _write(
        self, chat: str, topic: int | None, label: str, text: str, extra: dict[str, Any]
    ) -> None:
        where = f"Zalo {chat}" if self.messenger == ZALO else chat
        if self.messenger == ZALO:
            text = zalo_text(text)
        self.stream.write(f"── {where}{f' #{topic}' if topic else ''}{label} ──\n{text}\n")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            record = {"chat": chat, "topic": topic, "text": text, **extra}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


class TelegramSender:
    """Sends through python-telegram-bot's `Bot` (HTML parse mode, forum topics), waiting up
    to `timeout` seconds for each answer."""

    messenger = TELEGRAM

    def __init__(self, bot: Any, timeout: float = SEND_TIMEOUT) -> None:
        self.bot = bot
        self.timeout = timeout

    async def send(self, chat: str, topic: int | None, text: str, markup: Any | None) -> int:
        from telegram import LinkPreviewOptions
        from telegram.constants import ParseMode

        message = await self.bot.send_message(
            chat_id=chat,
            text=text,
            parse_mode=ParseMode.HTML,
            message_thread_id=topic,
            reply_markup=markup,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            read_timeout=self.timeout,
        )
        return int(message.message_id)

    async def edit(
        self, chat: str, topic: int | None, message_id: int, text: str, markup: Any | None
    ) -> None:
        from telegram import LinkPreviewOptions
        from telegram.constants import ParseMode
        from telegram.error import BadRequest

        try:
            await self.bot.edit_message_text(
                chat_id=chat,
                message_id=message_id,
                text=text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except BadRequest as exc:
            if "message is not modified" not in str(exc).lower():
                raise

    async def send_document(self, chat: str, topic: int | None, document: Document) -> int:
        from telegram.constants import ParseMode

        with document.path.open("rb") as content:
            message = await self.bot.send_document(
                chat_id=chat,
                document=content,
                filename=document.filename,
                caption=cut_html(document.caption, CAPTION_LIMIT),
                parse_mode=ParseMode.HTML,
                message_thread_id=topic,
                read_timeout=self.timeout,
            )
        return int(message.message_id)


class ZaloSender:
    """Sends through our Zalo client (`alerts.zalo.ZaloBot`): the stored Telegram HTML becomes
    plain text (links on their own line) cut at Zalo's 2,000 characters. Zalo has no forum
    topics, no buttons (`markup` is ignored: review is by short replies), no edits and no
    files."""

    messenger = ZALO

    def __init__(self, bot: Any) -> None:
        self.bot = bot

    async def send(self, chat: str, topic: int | None, text: str, markup: Any | None) -> int:
        """One message, or up to `MAX_PARTS` for a text over Zalo's limit (split at lines)."""
        for part in split_plain(zalo_text(text, None)):
            await self.bot.send_message(chat, part)
        return 0  # Zalo's message id is a string we have no use for: its messages never change

    async def edit(
        self, chat: str, topic: int | None, message_id: int, text: str, markup: Any | None
    ) -> None:
        raise ZaloBadRequest("Zalo không cho bot sửa tin đã gửi")  # no edit is ever queued

    async def send_document(self, chat: str, topic: int | None, document: Document) -> int:
        """Zalo bots cannot send files (no sendDocument): the caption and the file's name, so
        that nothing is lost; reports are queued for Zalo as text with a link instead."""
        note = f"{document.caption}\n(Tệp {document.filename}: xem trên trang rà soát)"
        return await self.send(chat, topic, note, None)


Sender = ConsoleSender | TelegramSender | ZaloSender


class Deliverer:
    """Delivers what the outbox holds; one call delivers everything due now, or stops before
    its next Telegram call once `stopping()` is true (a call in flight is let finish)."""

    def __init__(
        self,
        store: Store,
        sender: Sender,
        now: Callable[[], datetime],
        throttle: Throttle | None = None,
        decorate: Decorate | None = None,
        stopping: Callable[[], bool] | None = None,
        messenger: str | None = None,
    ) -> None:
        self.store = store
        self.sender = sender
        self.now = now
        self.messenger = messenger or getattr(sender, "messenger", TELEGRAM)
        zalo = self.messenger == ZALO
        self.throttle = throttle or (Throttle.zalo() if zalo else Throttle())
        self.decorate = decorate or plain
        self.stopping = stopping or (lambda: False)
        self.resend_note = ZALO_RESEND_NOTE if zalo else RESEND_NOTE

    async def deliver_due(self, limit: int = 200) -> Report:
        """Send this messenger's messages that are due now (at most `limit`)."""
        report = Report()
        due = self.store.due_outbox(self.now(), limit, messenger=self.messenger)
        edits: dict[tuple[str, str, int | None], list[OutboxItem]] = {}
        singles: list[tuple[OutboxItem, Decoration]] = []
        bursts: dict[tuple[str, int | None], list[OutboxItem]] = {}
        for item in due:
            if item.kind == "edit":
                edits.setdefault((_edited_story(item.story), item.chat, item.topic), []).append(
                    item
                )
                continue
            decoration = self.decorate(item)
            if item.kind == "alert" and decoration == ("", None):
                bursts.setdefault((item.chat, item.topic), []).append(item)
            else:
                singles.append((item, decoration))
        for (chat, topic), items in bursts.items():
            if self.stopping():
                return report
            if len(items) >= BURST_MIN:
                await self._burst(chat, topic, items, report)
            else:
                singles.extend((item, ("", None)) for item in items)
        originals = {key: self.store.story_message(*key) for key in edits}
        for item, decoration in sorted(singles, key=lambda pair: pair[0].id):
            if self.stopping():
                return report
            await self._single(item, decoration, report)
        for key, items in edits.items():
            if self.stopping():
                return report
            await self._edit(originals[key], items, report)
        return report

    async def _single(self, item: OutboxItem, decoration: Decoration, report: Report) -> None:
        if item.kind == "document":
            await self._document(item, report)
            return
        status, markup = decoration
        also_in: tuple[str, ...] = ()
        if item.kind == "alert":
            found = self.store.story_message(item.story, item.chat, item.topic, item.messenger)
            also_in = found.also_in if found else ()
        text = compose(self.resend_note + item.text if item.resend else item.text, also_in, status)
        if not await self._claim(item.chat, [item]):
            return
        message_id = await self._attempt(
            [item], report, lambda: self.sender.send(item.chat, item.topic, text, markup)
        )
        if message_id is not None:
            self.store.mark_sent(item.id, message_id or None, self.now())
            report.sent += 1
            log.info("[%s] đã gửi tin %d (%s)", item.chat, item.id, item.story)

    async def _document(self, item: OutboxItem, report: Report) -> None:
        document = Document.from_json(item.text)
        if not document.path.is_file():
            error = f"không còn tệp {document.path} để gửi; hãy tạo lại báo cáo"
            log.error("[%s] tin %d: %s", item.chat, item.id, error)
            self.store.mark_failed(item.id, error)
            report.failed += 1
            report.errors.append(f"{item.chat}: {error}")
            return
        if item.resend:
            caption = cut_html(self.resend_note + document.caption, CAPTION_LIMIT)
            document = Document(document.path, document.filename, caption)
        if not await self._claim(item.chat, [item]):
            return
        message_id = await self._attempt(
            [item], report, lambda: self.sender.send_document(item.chat, item.topic, document)
        )
        if message_id is not None:
            self.store.mark_sent(item.id, message_id or None, self.now())
            report.sent += 1
            log.info("[%s] đã gửi tệp %s (%s)", item.chat, document.filename, item.story)

    async def _burst(
        self, chat: str, topic: int | None, items: list[OutboxItem], report: Report
    ) -> None:
        items = await self._claim(chat, items)
        if not items:
            return
        briefs = self.store.alert_briefs(i.article_id for i in items if i.article_id is not None)
        listed = [
            AlertItem(
                b.outlet,
                b.title,
                b.url,
                None,
                (),
                "",
                needs_verification=b.needs_verification,
                platform=b.platform,
            )
            for b in (briefs.get(i.article_id or -1) for i in items)
            if b is not None
        ]
        text = burst_message(listed)
        if any(item.resend for item in items):
            text = cut_html(self.resend_note + text, LIMIT)
        message_id = await self._attempt(
            items, report, lambda: self.sender.send(chat, topic, text, None)
        )
        if message_id is not None:
            self.store.mark_sent_together([i.id for i in items], message_id or None, self.now())
            report.sent += len(items)
            report.bursts += 1
            log.info("[%s] đã gửi %d tin gộp thành một tin tóm tắt", chat, len(items))

    async def _edit(
        self, original: StoryMessage | None, items: list[OutboxItem], report: Report
    ) -> None:
        """Add the copies' outlets to the story's first message, once for all copies due.
        `original` is as it was before this pass sent anything: if it was still waiting, it
        has just gone out (or will go out again) with the copies listed."""
        now = self.now()
        if original is None or original.status == "failed":
            for item in items:
                self.store.mark_failed(item.id, "tin gốc không gửi được nên không sửa được")
            return
        if original.status in OUTBOX_WAITING:  # it goes out with the copies listed
            for item in items:
                self.store.mark_sent(item.id, 0, now)
            return
        if original.kind == "burst" or original.message_id is None:
            for item in items:
                self.store.mark_sent(item.id, original.message_id or 0, now)
            return
        story, chat, topic = original.story, original.chat, original.topic
        base = OutboxItem(
            original.outbox_id, story, chat, topic, "alert", original.text, original.article_id, 0
        )
        status, markup = self.decorate(base)
        text = compose(original.text, original.also_in, status)
        await self.throttle.acquire(chat)
        if self.stopping():
            return
        message_id = original.message_id
        done = await self._attempt(
            items,
            report,
            lambda: self._edited(chat, topic, message_id, text, markup),
            claimed=False,
        )
        if done is not None:
            for item in items:
                self.store.mark_sent(item.id, message_id, self.now())
            report.edited += 1
            log.info("[%s] đã sửa tin %d (%s): cũng đăng trên %s", chat, message_id, story,
                     ", ".join(original.also_in))  # fmt: skip

    async def _edited(
        self, chat: str, topic: int | None, message_id: int, text: str, markup: Any | None
    ) -> int:
        await self.sender.edit(chat, topic, message_id, text, markup)
        return message_id

    async def _claim(self, chat: str, items: list[OutboxItem]) -> list[OutboxItem]:
        """Wait for `chat`'s turn, then claim `items` for one Telegram call: those still due
        (another worker may have taken some), none once stopping."""
        await self.throttle.acquire(chat)
        if self.stopping():
            return []
        now = self.now()
        claimed = set(self.store.claim_outbox([i.id for i in items], now, now + UNCERTAIN_WAIT))
        return [item for item in items if item.id in claimed]

    async def _attempt(
        self,
        items: list[OutboxItem],
        report: Report,
        call: Callable[[], Awaitable[int]],
        claimed: bool = True,
    ) -> int | None:
        """Make one Telegram call for `items`; on failure record a retry, a permanent error,
        or (for a claimed send that may have reached Telegram) an uncertain outcome."""
        from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

        try:
            return await call()
        except asyncio.CancelledError:
            if claimed:
                self._uncertain(items, report, "chương trình dừng giữa lúc gửi, chưa có trả lời")
            raise
        except RetryAfter as exc:
            with warnings.catch_warnings():  # PTB 22 announces a timedelta here; accept both
                warnings.simplefilter("ignore")
                wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            self._retry(items, report, f"429: chờ {seconds:.0f} giây", timedelta(seconds=seconds))
        except (BadRequest, Forbidden) as exc:
            text = str(exc)
            if not (isinstance(exc, Forbidden) or any(p in text.lower() for p in PERMANENT)):
                raise
            self._failed(items, report, text)
        except TelegramError as exc:  # network errors, timeouts, 5xx
            error = f"{type(exc).__name__}: {exc}"
            if claimed and maybe_delivered(exc):
                self._uncertain(items, report, error)
            else:
                self._retry(items, report, error, _backoff(items))
        except ZaloRetryAfter as exc:
            seconds = exc.retry_after
            self._retry(items, report, f"429: chờ {seconds:.0f} giây", timedelta(seconds=seconds))
        except (ZaloChatNotFound, ZaloForbidden) as exc:
            self._failed(items, report, f"Zalo: {exc}")
        except ZaloInvalidToken as exc:  # the messages wait until the token is fixed
            log.error("Zalo từ chối mã bot (ZALO_BOT_TOKEN): %s; hãy kiểm tra lại mã", exc)
            self._retry(items, report, f"Zalo: mã bot sai ({exc})", _backoff(items))
        except ZaloNetworkError as exc:  # timeouts, 5xx, dropped connections
            error = f"{type(exc).__name__}: {exc}"
            if claimed and exc.maybe_delivered:
                self._uncertain(items, report, error)
            else:
                self._retry(items, report, error, _backoff(items))
        except ZaloError:  # any other 4xx: a bug of ours, shown, not retried forever
            raise
        return None

    def _failed(self, items: list[OutboxItem], report: Report, text: str) -> None:
        log.error("[%s] tin %s không gửi được, dừng thử: %s", items[0].chat, _ids(items), text)
        for item in items:
            self.store.mark_failed(item.id, text)
        report.failed += len(items)
        report.errors.append(f"{items[0].chat}: {text}")

    def _retry(self, items: list[OutboxItem], report: Report, error: str, wait: timedelta) -> None:
        log.warning("[%s] tin %s sẽ gửi lại sau %s: %s", items[0].chat, _ids(items), wait, error)
        for item in items:
            self.store.mark_retry(item.id, error, self.now() + wait, uncertain=item.resend)
        report.retried += len(items)

    def _uncertain(self, items: list[OutboxItem], report: Report, error: str) -> None:
        wait = max(UNCERTAIN_WAIT, _backoff(items))
        log.warning(
            "[%s] tin %s có thể đã đến nhưng không nhận được trả lời của %s (%s); sẽ gửi "
            "lại kèm ghi chú 'gửi lại' sau %s",
            items[0].chat,
            "Zalo" if self.messenger == ZALO else "Telegram",
            _ids(items),
            error,
            wait,
        )
        for item in items:
            self.store.mark_uncertain(item.id, error, self.now() + wait)
        report.uncertain += len(items)


def maybe_delivered(exc: BaseException) -> bool:
    """Whether a failed Telegram call may still have delivered its message: the request went
    out but no answer came back (read timeout, connection dropped while waiting). A refused or
    timed-out connection, a request not fully written, or any answer from Telegram (429, 5xx)
    means nothing was delivered."""
    import httpx
    from telegram.error import BadRequest, NetworkError

    not_sent = (
        httpx.ConnectError,
        httpx.ConnectTimeout,
        httpx.PoolTimeout,
        httpx.WriteTimeout,
        httpx.WriteError,
        httpx.UnsupportedProtocol,
    )
    cause = exc.__cause__
    return (
        isinstance(exc, NetworkError)
        and not isinstance(exc, BadRequest)
        and isinstance(cause, httpx.HTTPError)
        and not isinstance(cause, not_sent)
    )


def _backoff(items: list[OutboxItem]) -> timedelta:
    attempts = max(item.attempts for item in items)
    return min(MAX_BACKOFF, timedelta(seconds=BACKOFF_SECONDS * 2**attempts))


def _edited_story(story: str) -> str:
    """`edit:cluster:42:57` → `cluster:42`: the story whose first message an edit rewrites."""
    return story.removeprefix("edit:").rsplit(":", 1)[0]


def _ids(items: list[OutboxItem]) -> str:
    return ", ".join(str(item.id) for item in items)
