"""The Zalo bot's incoming side (issue 17 §2, §3): the polling loop, item reports, replies.

`ZaloListener` long-polls `getUpdates` (one update a call, no offset) and hands each update to a
handler, whose answer goes back to the same chat as plain text (`alerts.zalo.zalo_text`). The
handler `dispatcher` builds tries, in order, a short-code review answer (`review.zalo`, another
module, through the `Answers` protocol), then an item report (`ZaloIntake`: the Zalo twin of the
Telegram intake, through the same `duluan.submit.submit`), then a short help in a private chat.

Zalo failing or slow never delays Telegram: every call is awaited on the event loop, the
synchronous store work runs in worker threads, network errors back off (1 s → 60 s) and never
end the loop; a refused token ends it with one clear log line. A photo (`photo_url`) is
downloaded through the project's fetch guard (`cases.evidence.http_fetcher`), never directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import urlsplit

from alerts.zalo import (
    POLL_TIMEOUT,
    WEBHOOK_SECRET_HEADER,
    Update,
    ZaloBot,
    ZaloError,
    ZaloInvalidToken,
    ZaloMessage,
    ZaloNetworkError,
    ZaloRetryAfter,
    zalo_text,
)
from duluan.config import Area, Config, ZaloBotSettings
from duluan.logs import TOKEN, redact
from duluan.submit import (
    MAX_FILE_BYTES,
    MAX_TEXT,
    Report,
    SubmitError,
    check_image,
    check_size,
    zalo_reporter,
)
from review.reported import SORRY, answer, refusal_text, submit_in_turn
from storage import Store

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from cases.evidence import Fetch
    from nlp.locate import Locator
    from storage.submissions import Screenshot

log = logging.getLogger(__name__)

T = TypeVar("T")
Handle = Callable[[Update], Awaitable[str | None]]

PRIVATE = "PRIVATE"
PHOTO_NAME = "anh-zalo.jpg"
MIN_BACKOFF = 1.0
MAX_BACKOFF = 60.0
# In a group the bot takes a report only when asked (it does not spam the group nor store every
# link shared there): the text holds one of these markers or names the bot (`@name`).
GROUP_MARKERS = ("#baotin", "/baotin", "#báotin")
# A link in a text: an http(s) address, or a bare address of a network officials report from.
_LINK = re.compile(
    r"https?://[^\s<>\"']+"
    r"|\b(?:www\.|m\.facebook\.com/|facebook\.com/|fb\.watch/|fb\.com/|vt\.tiktok\.com/"
    r"|tiktok\.com/|youtu\.be/|youtube\.com/|zalo\.me/|t\.me/)[^\s<>\"']*",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?)]}»”’\"'"

HELP = (  # Telegram HTML like every reply (`zalo_text` renders it)
    "📥 Để báo tin cho Trung tâm, hãy gửi cho bot:\n"
    "• một liên kết (Facebook, TikTok, YouTube, Zalo, báo điện tử…), có thể kèm vài dòng mô tả;\n"
    "• hoặc ảnh chụp màn hình kèm chú thích nói tin ở đâu, về việc gì.\n"
    "Trong nhóm, thêm #baotin vào tin nhắn để bot ghi nhận.\n"
    "✅ Để duyệt tin hay trả lời việc được giao, trả lời bằng mã ghi dưới tin cảnh báo, "
    "ví dụ: «A17 liên quan», «A17 không liên quan», «A17 sai», «A17 giao Đăk Pxi»; "
    "đơn vị: «G12 đúng», «G12 sai», «G12 đã báo cáo &lt;nội dung&gt;»."
)


def refusal(user_id: str) -> str:
    """Telegram's answer to someone who is not a reviewer nor a unit member, with their Zalo
    id and where an admin adds it."""
    return refusal_text("Zalo", user_id[:64], "units[].zalo_members / review.zalo_reviewers")


def zalo_chat_area(config: Config, chat: str) -> Area | None:
    """The area whose review group or unit group is this Zalo chat (None: a private chat or
    another group)."""
    for area in config.watch_areas():
        if area.review.zalo == chat or any(u.zalo == chat for u in area.units):
            return area
    return None


def first_link(text: str) -> str | None:
    """The first web address in a Zalo text (Zalo marks none: no entities), trailing
    punctuation dropped."""
    found = _LINK.search(text)
    if found is None:
        return None
    return found.group(0).rstrip(_TRAILING) or None


def from_bot(update: Update) -> bool:
    """The message's sender says it is a bot (`from.is_bot`, absent on people's messages)."""
    message = update.raw.get("message") if isinstance(update.raw, dict) else None
    sender = message.get("from") if isinstance(message, dict) else None
    flag = sender.get("is_bot") if isinstance(sender, dict) else None
    return flag is True or (isinstance(flag, str) and flag.strip().lower() == "true")


def image_fetcher(config: Config) -> Fetch:
    """The download of a reported photo: the daemon's fetch (`cases.evidence.fetcher_for`: the
    crawl's User-Agent and timeout, the configured sources' guard, so never an internal
    address) capped just over the screenshot limit, whatever `crawl.max_page_size` is."""
    from cases.evidence import http_fetcher
    from crawler.guard import Guard

    crawl = config.crawl
    return http_fetcher(
        crawl.agent,
        Guard.for_sources(config.sources),
        crawl.timeout.total_seconds(),
        MAX_FILE_BYTES + 1,
    )


class ZaloIntake:
    """Item reports sent to the Zalo bot: what a message holds → a `Report` → `submit` → the
    answer Telegram's intake gives (`review.reported.answer`), as Telegram HTML."""

    def __init__(
        self,
        store: Store,
        config: Config,
        now: Callable[[], datetime],
        fetch: Fetch | None = None,
        locator: Callable[[], Locator | None] | None = None,
        tag_lock: asyncio.Lock | None = None,
        after: Callable[[], Awaitable[None]] | None = None,
        image_fetch: Fetch | None = None,
        bot_name: str = "",
    ) -> None:
        """`fetch` reads a reported link's page through the guard (None: the text alone);
        `image_fetch` downloads a photo through the guard (default `fetch`; a cut body counts
        as too large); `tag_lock` is the daemon's (one tagger at a time); `after` sends the
        alerts the item caused; `bot_name` (getMe's `account_name`) lets `@name` address the
        bot in a group as well as `GROUP_MARKERS`."""
        self.store = store
        self.config = config
        self.now = now
        self.fetch = fetch
        self.image_fetch = image_fetch or fetch
        self.locator = locator or (lambda: None)
        self.tag_lock = tag_lock or asyncio.Lock()
        self.after = after
        self.bot_name = bot_name

    async def handle(self, update: Update) -> str | None:
        """The answer to a report (or a refusal), None when the message reports nothing (the
        caller may answer with help) or is not for the bot (a group message not addressed)."""
        message = update.message
        if message is None or not message.user_id or not message.chat_id:
            return None
        private = message.chat_type == PRIVATE
        text = (message.text or message.caption)[: MAX_TEXT * 2]
        if not private:
            if not self._addressed(text):
                return None
            text = self._unaddress(text)
        area = None if private else zalo_chat_area(self.config, message.chat_id)
        reporter = zalo_reporter(
            self.config, message.user_id, message.user_name, area.name if area else None
        )
        if reporter is None:
            log.warning(
                "Người lạ %s trong chat Zalo %s gửi tin cho bot: từ chối, không lưu gì",
                message.user_id[:64],
                message.chat_id[:64],
            )
            return refusal(message.user_id)
        url = first_link(text)
        if url is None and not message.photo_url:
            return None
        try:
            screenshot = await self._image(message)
            report = Report(url=url, text=text, screenshot=screenshot)
            done = await submit_in_turn(
                self.store,
                self.config,
                report,
                reporter,
                self.now,
                fetch=self.fetch,
                locator=self.locator(),
                tag_lock=self.tag_lock,
            )
        except SubmitError as exc:
            return escape(str(exc))
        except Exception as exc:  # a bug, a store failing: told to the sender, logged
            log.error(
                "Lỗi khi nhận tin báo Zalo từ %s trong chat %s: %s: %s",
                message.user_id[:64],
                message.chat_id[:64],
                type(exc).__name__,
                TOKEN.sub("<token>", str(exc)),
            )
            log.debug("Chi tiết lỗi nhận tin báo Zalo", exc_info=True)
            return SORRY
        if self.after is not None:
            try:
                await self.after()  # the alerts the item caused go out now, not at the next pass
            except Exception as exc:
                log.error("Gửi cảnh báo sau tin báo Zalo lỗi: %s", type(exc).__name__)
        return answer(done, self.config)

    def _addressed(self, text: str) -> bool:
        folded = text.casefold()
        names = [f"@{self.bot_name}".casefold()] if self.bot_name else []
        return any(marker in folded for marker in (*GROUP_MARKERS, *names))

    def _unaddress(self, text: str) -> str:
        for word in (*GROUP_MARKERS, *([f"@{self.bot_name}"] if self.bot_name else [])):
            text = re.sub(re.escape(word), " ", text, flags=re.IGNORECASE)
        return text.strip()

    async def _image(self, message: ZaloMessage) -> Screenshot | None:
        """The photo at `photo_url`, downloaded through the guard and checked for size and
        type; None when the message has no photo."""
        if not message.photo_url:
            return None
        if self.image_fetch is None:
            raise SubmitError("Bot chưa tải được ảnh (chưa cấu hình việc tải trang); gửi liên kết.")
        fetched = await asyncio.to_thread(self.image_fetch, message.photo_url)
        if fetched.status is None or fetched.status >= 400 or not fetched.body:
            log.warning(
                "Không tải được ảnh Zalo %s: %s",
                message.photo_url[:200],
                fetched.error or fetched.status,
            )
            raise SubmitError(
                "Bot không tải được ảnh này từ Zalo; tin chưa được lưu. Vui lòng gửi lại ảnh "
                "hoặc gửi liên kết của bài đăng."
            )
        if fetched.truncated:
            check_size(PHOTO_NAME, max(len(fetched.body), MAX_FILE_BYTES + 1))
        return check_image(PHOTO_NAME, fetched.body, MAX_FILE_BYTES)


class Answers(Protocol):
    """What the short-code review (`review.zalo.ZaloReview`) offers: a reply, or None when the
    message is not a short-code answer."""

    def answer(self, update: Update) -> str | None: ...


def dispatcher(review: Answers | None, intake: ZaloIntake) -> Handle:
    """The listener's handler: a short-code answer first, else a report, else help in a private
    chat, with the sender's Zalo id (nothing in a group). Replies are Telegram HTML
    (`zalo_text` renders them)."""

    async def handle(update: Update) -> str | None:
        message = update.message
        if message is None or not message.chat_id or not message.user_id:
            return None
        if review is not None:
            reply = await asyncio.to_thread(review.answer, update)  # store work off the loop
            if reply is not None:
                return escape(reply)  # plain text; the listener renders replies as HTML
        reply = await intake.handle(update)
        if reply is not None:
            return reply
        if message.chat_type != PRIVATE:
            return None
        # The id lets the centre add the person to the config (README: "Lấy mã").
        return f"{HELP}\n\n🆔 Mã Zalo của bạn: {escape(message.user_id)}"

    return handle


class _Stopped(Exception):
    """`ZaloListener.stop` was called while waiting."""


class ZaloListener:
    """Long-polls the Zalo bot and answers each update in its chat, until stopped."""

    def __init__(
        self,
        bot: ZaloBot,
        handle: Handle,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        *,
        poll_timeout: int = POLL_TIMEOUT,
        min_backoff: float = MIN_BACKOFF,
        max_backoff: float = MAX_BACKOFF,
        bot_id: str | None = None,
    ) -> None:
        """`bot_id`: the bot's own user id (its messages are ignored); None: asked with getMe
        when the loop starts (best effort)."""
        self.bot = bot
        self.handle = handle
        self.sleep = sleep
        self.poll_timeout = poll_timeout
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.bot_id = bot_id
        self.stopped = False  # the loop ended (stop, or a refused token)
        self._stop: asyncio.Event | None = None
        self._backoff = 0.0
        self._asked_id = False

    async def run(self, stopping: Callable[[], bool] = lambda: False) -> None:
        """Poll until `stopping()` is true, `stop()` is called or the token is refused."""
        self._stop = self._stop or asyncio.Event()
        self.stopped = False
        log.info("Bot Zalo: bắt đầu nhận tin nhắn")
        try:
            while not stopping() and not self._stop.is_set():
                try:
                    if self.bot_id is None and not self._asked_id:
                        await self._learn_id()
                    updates = await self._until_stop(self.bot.get_updates(self.poll_timeout))
                except _Stopped:
                    raise
                except ZaloInvalidToken:
                    log.error(
                        "Bot Zalo: Zalo từ chối mã bot (ZALO_BOT_TOKEN sai hoặc đã bị thu hồi); "
                        "ngừng nhận tin nhắn Zalo. Telegram vẫn chạy bình thường."
                    )
                    return
                except ZaloRetryAfter as exc:
                    log.warning("Bot Zalo: Zalo báo gửi quá nhanh, chờ %.0f giây", exc.retry_after)
                    await self._until_stop(self.sleep(min(exc.retry_after, self.max_backoff)))
                    continue
                except (ZaloError, OSError) as exc:
                    await self._back_off(exc)
                    continue
                except Exception as exc:  # a bug: logged, the loop goes on
                    log.error("Bot Zalo: lỗi bất ngờ khi nhận tin: %s", type(exc).__name__)
                    log.debug("Chi tiết lỗi bot Zalo", exc_info=True)
                    await self._back_off(exc)
                    continue
                self._backoff = 0.0
                for update in updates:
                    await self.process(update)
        except _Stopped:
            pass
        finally:
            self.stopped = True
            log.info("Bot Zalo: đã ngừng nhận tin nhắn")

    async def stop(self) -> None:
        """End the loop now, also in the middle of a long poll or a slow send; final (a
        listener stopped, even before it ran, stays stopped)."""
        self._stop = self._stop or asyncio.Event()
        self._stop.set()

    async def process(self, update: Update) -> None:
        """Hand one update to the handler and send its reply back (the webhook calls this
        too); a handler that raises is logged and the update skipped."""
        message = update.message
        if message is None or not message.chat_id:
            return
        if from_bot(update) or (self.bot_id is not None and message.user_id == self.bot_id):
            return
        try:
            reply = await self._until_stop(self.handle(update))
        except _Stopped:
            raise
        except Exception as exc:
            log.error(
                "Bot Zalo: lỗi khi xử lý tin nhắn từ %s: %s: %s",
                message.user_id[:64],
                type(exc).__name__,
                TOKEN.sub("<token>", str(exc))[:300],
            )
            log.debug("Chi tiết lỗi xử lý tin nhắn Zalo", exc_info=True)
            return
        if reply:
            await self._send(message.chat_id, zalo_text(reply))

    async def _send(self, chat_id: str, text: str) -> None:
        if not text:
            return
        for attempt in range(2):
            try:
                await self._until_stop(self.bot.send_message(chat_id, text))
                return
            except ZaloRetryAfter as exc:
                if attempt:
                    break
                await self._until_stop(self.sleep(min(exc.retry_after, self.max_backoff)))
            except ZaloInvalidToken:
                log.error("Bot Zalo: Zalo từ chối mã bot khi trả lời; dừng bot Zalo.")
                await self.stop()
                return
            except (ZaloError, OSError) as exc:
                log.error("Bot Zalo: không trả lời được chat %s: %s", chat_id[:64], _describe(exc))
                return
        log.error("Bot Zalo: không trả lời được chat %s: Zalo báo gửi quá nhanh", chat_id[:64])

    async def _learn_id(self) -> None:
        """The bot's own id (its own messages are ignored), asked once; a failure is not fatal
        (but a refused token is: the loop reports it)."""
        self._asked_id = True
        try:
            info = await self._until_stop(self.bot.get_me())
        except ZaloInvalidToken:
            raise
        except (ZaloError, OSError) as exc:
            log.warning("Bot Zalo: chưa hỏi được thông tin bot (%s)", _describe(exc))
            return
        self.bot_id = info.id or None

    async def _back_off(self, exc: BaseException) -> None:
        self._backoff = min(self.max_backoff, max(self.min_backoff, self._backoff * 2))
        log.warning(
            "Bot Zalo: không nhận được tin (%s); thử lại sau %.0f giây",
            _describe(exc),
            self._backoff,
        )
        await self._until_stop(self.sleep(self._backoff))

    async def _until_stop(self, work: Awaitable[T]) -> T:
        """`work`'s result, or `_Stopped` (work cancelled) as soon as `stop()` is called."""
        self._stop = self._stop or asyncio.Event()
        task = asyncio.ensure_future(work)
        if self._stop.is_set():
            task.cancel()
            raise _Stopped
        waiter = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            task.cancel()
            raise
        finally:
            waiter.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            raise _Stopped
        return task.result()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ZaloNetworkError) and exc.error_code:
        return f"lỗi mạng/máy chủ Zalo {exc.error_code}"
    if isinstance(exc, ZaloError):
        return TOKEN.sub("<token>", exc.description)[:300]
    return f"{type(exc).__name__}: {TOKEN.sub('<token>', str(exc))[:300]}"


def webhook_app(listener: ZaloListener, path: str, secret: str) -> Starlette:
    """The Zalo webhook endpoint: a POST to `/path` carrying the secret in
    `X-Bot-Api-Secret-Token` (compared in constant time) is answered at once and its update
    processed in the background; a wrong secret gets 401, a bad body 400, nothing crashes."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from alerts.zalo import parse_update
    from duluan.embedded import guarded_body

    expected = secret.encode()
    running: set[asyncio.Task[None]] = set()

    async def receive(request: Request) -> Response:
        body = await guarded_body(request, WEBHOOK_SECRET_HEADER, expected, refused=401, who="Zalo")
        if isinstance(body, Response):
            return body
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict):
            log.warning("Webhook Zalo: cập nhật không đọc được, bỏ qua")
            return Response(status_code=400)
        task = asyncio.create_task(_quietly(listener.process(parse_update(data))))
        running.add(task)
        task.add_done_callback(running.discard)
        return Response(status_code=200)

    return Starlette(routes=[Route("/" + path.lstrip("/"), receive, methods=["POST"])])


class ZaloReceiver:
    """Receives the bot's updates the configured way (`zalo_bot.mode`), for the daemon.

    Polling: a webhook left set (getUpdates fails while one is) is deleted first, then
    `ZaloListener.run`. Webhook: `webhook_app` served on `listen:port`, then `setWebhook` (tried
    again with back-off while Zalo is unreachable); at the stop the server is shut down and the
    webhook left in place, as Telegram's is. Every failure is logged in Vietnamese and ends only
    the Zalo side: a port taken never stops Telegram."""

    def __init__(self, listener: ZaloListener, settings: ZaloBotSettings) -> None:
        self.listener = listener
        self.settings = settings
        self.server: Any = None  # duluan.embedded.EmbeddedServer while serving

    async def run(self, stopping: Callable[[], bool] = lambda: False) -> None:
        """Receive until `stop()` (or `stopping()` for polling)."""
        try:
            if self.settings.mode == "webhook":
                await self._serve()
            else:
                await self._drop_webhook()
                await self.listener.run(stopping)
        except _Stopped:
            pass
        finally:
            await self._stop_server()

    async def stop(self) -> None:
        await self.listener.stop()

    async def _drop_webhook(self) -> None:
        listener = self.listener
        try:
            info = await listener._until_stop(listener.bot.get_webhook_info())
            if not info.url:
                return
            await listener._until_stop(listener.bot.delete_webhook())
        except (ZaloError, OSError) as exc:
            log.warning(
                "Bot Zalo: không kiểm tra/xóa được webhook cũ (%s); nhận tin qua long polling "
                "có thể lỗi cho đến khi webhook được xóa",
                _describe(exc),
            )
            return
        log.info(
            "Bot Zalo: đã xóa webhook cũ (%s) để nhận tin qua long polling (getUpdates)",
            TOKEN.sub("<token>", info.url)[:200],
        )

    async def _serve(self) -> None:
        from duluan.embedded import EmbeddedServer, ServerError

        settings, listener = self.settings, self.listener
        if not settings.webhook_url or not settings.secret_token:  # the config refuses this
            log.error("Bot Zalo: chế độ webhook cần zalo_bot.webhook_url và zalo_bot.secret_token")
            return
        secret = settings.secret_token.get_secret_value()
        redact(secret)
        path = urlsplit(settings.webhook_url).path.strip("/")
        try:
            self.server = await EmbeddedServer.start(
                webhook_app(listener, path, secret),
                settings.listen,
                settings.port,
                name="duluan-zalo-webhook",
                what="webhook Zalo",
                fix="đổi zalo_bot.port",
            )
        except (ServerError, OSError) as exc:
            log.error("Bot Zalo không nhận được tin nhắn: %s. Telegram vẫn chạy bình thường.", exc)
            return
        backoff = 0.0
        while True:
            try:
                await listener._until_stop(listener.bot.set_webhook(settings.webhook_url, secret))
                break
            except ZaloInvalidToken:
                log.error(
                    "Bot Zalo: Zalo từ chối mã bot khi đặt webhook (ZALO_BOT_TOKEN sai hoặc đã bị "
                    "thu hồi); không nhận tin nhắn Zalo. Telegram vẫn chạy bình thường."
                )
                return
            except (ZaloError, OSError) as exc:
                backoff = min(listener.max_backoff, max(listener.min_backoff, backoff * 2))
                log.warning(
                    "Bot Zalo: chưa đặt được webhook (%s); thử lại sau %.0f giây",
                    _describe(exc),
                    backoff,
                )
                await listener._until_stop(listener.sleep(backoff))
        log.info(
            "Bot Zalo nhận tin nhắn qua webhook tại %s:%d/%s", settings.listen, settings.port, path
        )
        await listener._until_stop(asyncio.Event().wait())  # serve until stopped

    async def _stop_server(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            await server.stop()


async def _quietly(work: Awaitable[None]) -> None:
    with contextlib.suppress(_Stopped):
        await work
