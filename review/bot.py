"""The review bot: python-telegram-bot's `Application` receiving button presses and reports.

Presses arrive by long polling (`getUpdates`, the default: works behind NAT) or by a webhook.
Review-group buttons are for the configured reviewers only; a unit's buttons for presses from
that unit's chat (or a reviewer). Every action is stored, then the alert in the review group is
edited to show the new status with fresh buttons. Assignment messages and overdue reminders go
through the outbox (the daemon's delivery worker sends them).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import traceback
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import (
    Bot,
    CallbackQuery,
    ForceReply,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
    User,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from alerts.message import compose
from cases.evidence import Fetch
from duluan.config import Area, Config
from duluan.embedded import EmbeddedServer, ServerError, guarded_body
from duluan.logs import TOKEN, redact
from review.buttons import (
    ANSWER_CODES,
    CHOOSE,
    CORRECT_SCOPE,
    GO_BACK,
    INVALID,
    NOT_REVIEW_CHAT,
    NOT_REVIEWER,
    NOT_UNIT,
    PICK,
    REVIEW_SCOPE,
    STALE,
    STATUS_LABELS,
    UNIT_SCOPE,
    VERDICT_CODES,
    Press,
    Signer,
    answer_note,
    article_line,
    assignment_line,
    review_keyboard,
    signing_key,
    status_block,
    unit_keyboard,
    units_keyboard,
)
from review.intake import Intake
from review.service import Actor, ReviewError, ReviewService, calendar
from review.workdays import long_date
from review.zalo import assign_hint
from storage import TELEGRAM, ZALO, AssignmentRecord, OutboxEntry, StaleReview, Store
from storage.vocabulary import story_cluster, story_key

if TYPE_CHECKING:
    from nlp.locate import Locator

log = logging.getLogger(__name__)

UPDATES = ["callback_query", "message"]
REPORT_PROMPT = re.compile(r"giao việc số (\d+)")
MAX_REPORT = 3500


def _who(user: User) -> str:
    return f"{user.full_name} (@{user.username})" if user.username else user.full_name


def _actor(user: User) -> Actor:
    who = _who(user)
    return Actor(user.id, who, f"Telegram, {who}")


class ReviewHandlers:
    """What the handlers do: read the press or the reply, check who may act from which chat,
    call the review service, answer and edit the messages; kept apart from PTB's plumbing so
    each step is plain to follow."""

    def __init__(
        self,
        store: Store,
        config: Config,
        secret: bytes,
        now: Callable[[], datetime],
        fetch: Fetch | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.review = ReviewService(store, config, now, fetch)
        self.signer = Signer(secret)
        self.zone = config.schedule.zone

    def today(self) -> date:
        return self.review.today()

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        user = query.from_user
        press = self.signer.unpack(query.data)
        message = query.message if isinstance(query.message, Message) else None
        chat = str(message.chat.id) if message else "?"
        if press is None:
            log.warning(
                "[%s] nút không hợp lệ từ %s (%d): %r",
                chat,
                _who(user),
                user.id,
                (query.data or "")[:64],
            )
            await query.answer(INVALID, show_alert=True)
            return
        if press.scope == REVIEW_SCOPE:
            await self._review_press(context.bot, query, press, message)
        elif press.scope == UNIT_SCOPE:
            await self._unit_press(context.bot, query, press, message)

    async def _review_press(
        self, bot: Bot, query: CallbackQuery, press: Press, message: Message | None
    ) -> None:
        user = query.from_user
        story = story_key(press.target)
        # The review chat says whose review this is: each area reviews a story separately.
        chat = str(message.chat.id) if message else None
        area = self.config.review_area(chat)
        if area is None:
            log.warning("[%s] nút trong chat %s, không phải nhóm rà soát nào", story, chat)
            await query.answer(NOT_REVIEW_CHAT, show_alert=True)
            return
        if user.id not in area.review.reviewers:
            log.warning(
                "[%s] %s (%d) không phải người rà soát, bỏ qua nút %s",
                story,
                _who(user),
                user.id,
                press.action,
            )
            await query.answer(NOT_REVIEWER, show_alert=True)
            return
        current = self.store.review_detail(story, area.name).state.version
        if press.version != current:
            await self._stale(bot, query, story, press.version, current, area)
            return
        if press.action in (CHOOSE, GO_BACK):
            markup = (
                units_keyboard(self.signer, press.target, current, list(area.units))
                if press.action == CHOOSE
                else review_keyboard(self.signer, press.target, current)
            )
            if message is not None:
                await self._edit_markup(bot, message, markup, story)
            await query.answer("Chọn đơn vị xác minh" if press.action == CHOOSE else None)
            return
        try:
            if press.action in VERDICT_CODES:
                done = self.review.verdict(
                    story=story,
                    version=press.version,
                    status=VERDICT_CODES[press.action],
                    actor=_actor(user),
                    article_id=self._article(story, area),
                    area=area.name,
                )
                answer = f"Đã ghi: {STATUS_LABELS[done.status]}"
                if done.case is not None:
                    answer += f"; đã mở hồ sơ vụ việc số {done.case.id}"
            elif press.action == PICK:
                answer = self._assign(story, press, user, area)
            else:
                await query.answer(INVALID, show_alert=True)
                return
        except StaleReview as exc:
            await self._stale(bot, query, story, press.version, exc.actual, area)
            return
        except ReviewError as exc:
            await query.answer(str(exc), show_alert=True)
            return
        await query.answer(answer)
        await self.refresh_review(bot, story, area)

    def _article(self, story: str, area: Area) -> int | None:
        chat = area.review.chat
        found = self.store.story_message(story, chat, None) if chat else None
        return found.article_id if found else None

    def _assign(self, story: str, press: Press, user: User, area: Area) -> str:
        units = area.units
        if press.arg is None or not 0 <= press.arg < len(units):
            log.warning("[%s] đơn vị số %s không còn trong cấu hình", story, press.arg)
            return "Đơn vị này không còn trong cấu hình"
        unit = units[press.arg]
        done = self.review.assign(
            story=story,
            version=press.version,
            unit=unit,
            actor=_actor(user),
            article_id=self._article(story, area),
            area=area.name,
        )
        return f"Đã giao {unit.name}, hạn {long_date(done.job.deadline)}"

    def _reviewers(self, area: str) -> list[int]:
        """The reviewers of an area (of the top level when the area is no longer configured)."""
        return self.config.stored_area(area).review.reviewers

    async def _stale(
        self,
        bot: Bot,
        query: CallbackQuery,
        story: str,
        pressed: int,
        current: int,
        area: Area,
    ) -> None:
        log.info(
            "[%s] nút cũ (phiên bản %d, hiện tại %d) từ %d",
            story,
            pressed,
            current,
            query.from_user.id,
        )
        await query.answer(STALE, show_alert=True)
        await self.refresh_review(bot, story, area)

    async def _unit_press(
        self, bot: Bot, query: CallbackQuery, press: Press, message: Message | None
    ) -> None:
        user = query.from_user
        job = self.store.get_assignment(press.target)
        status = ANSWER_CODES.get(press.action)
        if job is None or status is None:
            log.warning("[giao việc %d] nút không hợp lệ từ %d", press.target, user.id)
            await query.answer(INVALID, show_alert=True)
            return
        chat = str(message.chat.id) if message else None
        if user.id not in self._reviewers(job.area) and chat != job.chat:
            log.warning(
                "[%s] %s (%d) trong chat %s không thuộc %s, bỏ qua",
                job.story,
                _who(user),
                user.id,
                chat,
                job.unit,
            )
            await query.answer(NOT_UNIT, show_alert=True)
            return
        job = self.review.answer(job=job, status=status, actor=_actor(user)).job
        if status == "reported":
            await query.answer("Hãy trả lời tin nhắn của bot bằng nội dung báo cáo")
            await self._ask_report(bot, job, chat or job.chat)
        else:
            await query.answer(f"Đã ghi: {STATUS_LABELS[status]}")
        await self.refresh_unit(bot, job, _who(user))
        await self.refresh_review(bot, job.story, self._area_of(job))

    async def _ask_report(self, bot: Bot, job: AssignmentRecord, chat: str | None) -> None:
        if chat is None:
            return
        text = (
            f"✍️ Báo cáo cho giao việc số {job.id} ({escape(job.unit)}): hãy trả lời tin nhắn "
            "này bằng nội dung báo cáo của đơn vị."
        )
        try:
            await bot.send_message(
                chat_id=chat,
                text=text,
                parse_mode=ParseMode.HTML,
                message_thread_id=job.topic,
                reply_markup=ForceReply(input_field_placeholder="Nội dung báo cáo"),
            )
        except TelegramError as exc:
            log.error(
                "[%s] không gửi được lời nhắc báo cáo tới %s: %s",
                job.story,
                chat,
                TOKEN.sub("<token>", str(exc)),
            )

    async def on_reply(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A reply to the bot's report prompt: the text is the unit's report."""
        message = update.message
        if message is None or message.reply_to_message is None or message.from_user is None:
            return
        prompt = message.reply_to_message
        if prompt.from_user is None or prompt.from_user.id != context.bot.id:
            return
        found = REPORT_PROMPT.search(prompt.text or "")
        if found is None:
            return
        user = message.from_user
        job = self.store.get_assignment(int(found.group(1)))
        chat = str(message.chat.id)
        if job is None:
            return
        if user.id not in self._reviewers(job.area) and chat != job.chat:
            log.warning(
                "[%s] báo cáo từ %d trong chat %s không thuộc %s, bỏ qua",
                job.story,
                user.id,
                chat,
                job.unit,
            )
            await message.reply_text(NOT_UNIT)
            return
        report = (message.text or "").strip()[:MAX_REPORT]
        if not report:
            return
        job = self.review.answer(job=job, status="reported", actor=_actor(user), report=report).job
        await message.reply_text(f"Đã lưu báo cáo của {job.unit} (giao việc số {job.id}).")
        await self.refresh_unit(bot=context.bot, job=job, user_name=_who(user))
        await self.refresh_review(context.bot, job.story, self._area_of(job))

    def _area_of(self, job: AssignmentRecord) -> Area | None:
        try:
            return self.config.area(job.area)
        except KeyError:
            return None

    async def refresh_review(self, bot: Bot, story: str, area: Area | None = None) -> None:
        """Edit the story's alert in the area's review group (the one area's by default) to
        show the area's review status and current buttons."""
        if area is None:
            areas = self.config.watch_areas()
            if len(areas) != 1:
                return
            area = areas[0]
        chat = area.review.chat
        cluster = story_cluster(story)
        if not chat or cluster is None:
            return
        sent = self.store.story_message(story, chat, None)
        if sent is None or sent.kind != "alert" or sent.status != "sent" or not sent.message_id:
            return
        detail = self.store.review_detail(story, area.name)
        text = compose(sent.text, sent.also_in, status_block(detail, self.zone, self.today()))
        markup = review_keyboard(self.signer, cluster, detail.state.version)
        await self._edit_text(bot, chat, sent.message_id, text, markup, story)

    async def refresh_unit(self, bot: Bot, job: AssignmentRecord, user_name: str) -> None:
        """Show the unit's answer under its assignment message, keeping its buttons."""
        if not job.chat:
            return
        sent = self.store.story_message(f"assign:{job.id}", job.chat, job.topic)
        if sent is None or sent.status != "sent" or not sent.message_id:
            return
        text = compose(sent.text, (), answer_note(job, user_name, self.zone))
        markup = unit_keyboard(self.signer, job.id)
        await self._edit_text(bot, job.chat, sent.message_id, text, markup, job.story)

    async def _edit_text(
        self,
        bot: Bot,
        chat: str,
        message_id: int,
        text: str,
        markup: InlineKeyboardMarkup,
        story: str,
    ) -> None:
        try:
            await bot.edit_message_text(
                chat_id=chat,
                message_id=message_id,
                text=text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                log.error(
                    "[%s] không sửa được tin %d trong %s: %s",
                    story,
                    message_id,
                    chat,
                    TOKEN.sub("<token>", str(exc)),
                )

    async def _edit_markup(
        self, bot: Bot, message: Message, markup: InlineKeyboardMarkup, story: str
    ) -> None:
        try:
            await bot.edit_message_reply_markup(
                chat_id=message.chat.id, message_id=message.message_id, reply_markup=markup
            )
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                log.error(
                    "[%s] không đổi được nút của tin %d: %s",
                    story,
                    message.message_id,
                    TOKEN.sub("<token>", str(exc)),
                )

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        where = update.update_id if isinstance(update, Update) else "?"
        log.error(
            "Lỗi khi xử lý cập nhật Telegram %s: %s: %s",
            where,
            type(error).__name__,
            TOKEN.sub("<token>", str(error)),
        )
        if error is not None and log.isEnabledFor(logging.DEBUG):
            trace = "".join(traceback.format_exception(error))
            log.debug("Chi tiết lỗi cập nhật %s:\n%s", where, TOKEN.sub("<token>", trace))


def build_application(
    token: str,
    base_url: str,
    store: Store,
    config: Config,
    now: Callable[[], datetime],
    fetch: Fetch | None = None,
    locator: Callable[[], Locator | None] | None = None,
    tag_lock: asyncio.Lock | None = None,
    after: Callable[[], Awaitable[None]] | None = None,
) -> Application:
    """The bot's `Application` with the review and intake handlers (not started); with
    `fetch`, a story marked false has its pages kept at once rather than at the daemon's next
    evidence pass, and a reported link's page is read. `locator` (the daemon's, once built)
    tags a reported item at once, under `tag_lock` (the daemon's tag passes hold it); `after`
    delivers the alerts it caused."""
    service = ReviewHandlers(store, config, signing_key(token), now, fetch)
    intake = Intake(store, config, now, fetch, locator, tag_lock, after, signing_key(token))
    application = (
        Application.builder()
        .token(token)
        .base_url(base_url)
        .base_file_url(file_url(base_url))
        .build()
    )
    application.bot_data["review"] = service
    application.add_handler(CallbackQueryHandler(intake.on_press, pattern=f"^{CORRECT_SCOPE}"))
    application.add_handler(CallbackQueryHandler(service.on_callback))
    application.add_handler(
        MessageHandler(filters.REPLY & filters.TEXT & ~filters.COMMAND, service.on_reply)
    )
    # Group 1: seen also when a reply went to `on_reply` above (which keeps to report prompts).
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, intake.on_message), 1)
    application.add_error_handler(service.on_error)
    return application


def file_url(base_url: str) -> str:
    """Where the Bot API serves files, beside its methods: `https://api.telegram.org/bot` →
    `https://api.telegram.org/file/bot` (Telegram's layout, kept by local Bot API servers)."""
    root, bot, _ = base_url.rstrip("/").rpartition("/bot")
    return f"{root}/file/bot" if bot else base_url.rstrip("/") + "/file/bot"


SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_app(application: Application, path: str, secret: str) -> Starlette:
    """The webhook endpoint: a POST to `/path` carrying Telegram's secret-token header, compared
    in constant time, puts its update on the application's queue; anything else changes nothing.
    Ours rather than PTB's server, whose check is a plain `!=` and logs the wrong token."""
    expected = secret.encode()

    async def receive(request: Request) -> Response:
        body = await guarded_body(request, SECRET_HEADER, expected, refused=403, who="Telegram")
        if isinstance(body, Response):
            return body
        try:
            update = Update.de_json(json.loads(body), application.bot)
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("Webhook: cập nhật không đọc được (%s), bỏ qua", type(exc).__name__)
            return Response(status_code=400)
        await application.update_queue.put(update)
        return Response(status_code=200)

    return Starlette(routes=[Route("/" + path, receive, methods=["POST"])])


class ReviewBot:
    """Runs the application: long polling by default, a webhook when configured."""

    def __init__(self, application: Application, config: Config) -> None:
        self.application = application
        self.config = config
        self._server: EmbeddedServer | None = None

    async def start(self) -> None:
        app = self.application
        settings = self.config.telegram
        await app.initialize()
        if app.updater is None:
            raise RuntimeError("ứng dụng Telegram không có updater")
        if settings.mode == "webhook":
            await self._start_webhook()
        else:
            await app.updater.start_polling(allowed_updates=UPDATES)
            log.info("Bot nhận nút bấm qua long polling (getUpdates)")
        await app.start()

    async def _start_webhook(self) -> None:
        settings = self.config.telegram
        if not settings.webhook_url or not settings.secret_token:  # the config refuses this
            raise ServerError("chế độ webhook cần telegram.webhook_url và telegram.secret_token")
        path = urlsplit(settings.webhook_url).path.strip("/")
        secret = settings.secret_token.get_secret_value()
        redact(secret)
        app = webhook_app(self.application, path, secret)
        self._server = await EmbeddedServer.start(
            app,
            settings.listen,
            settings.port,
            name="duluan-webhook",
            what="webhook Telegram",
            fix="đổi telegram.port",
        )
        try:
            await self.application.bot.set_webhook(
                url=settings.webhook_url,
                secret_token=secret,
                allowed_updates=UPDATES,
            )
        except BaseException:
            await self._stop_webhook()
            raise
        log.info("Bot nhận nút bấm qua webhook tại %s:%d/%s", settings.listen, settings.port, path)

    async def _stop_webhook(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            await server.stop()

    async def stop(self) -> None:
        app = self.application
        await self._stop_webhook()
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        log.info("Bot rà soát đã dừng")


def reminder_message(job: AssignmentRecord, brief_line: str, *, zalo: bool = False) -> str:
    """The reminder a unit receives each working morning while its assignment is overdue;
    `zalo`: the copy for its Zalo chat, which answers by code, not by button."""
    ask = (
        f"Đề nghị đơn vị trả lời. {escape(assign_hint(job.id))}"
        if zalo
        else f"Đề nghị đơn vị trả lời bằng nút trên tin giao việc số {job.id}."
    )
    return "\n".join(
        [
            "⏰ <b>Nhắc hạn xác minh</b>",
            f"Đơn vị: <b>{escape(job.unit)}</b>",
            f"Tin: {brief_line}",
            f"Hạn xác minh: <b>{long_date(job.deadline)}</b> — đã quá hạn, chưa có trả lời.",
            ask,
        ]
    )


def overdue_summary(lines: list[str], today: date) -> str:
    """The review group's morning list of every overdue assignment."""
    head = f"⏰ <b>{len(lines)} tin giao xác minh quá hạn</b> ({long_date(today)}):"
    return compose("\n".join([head, *lines]))


async def remind_overdue(
    store: Store,
    config: Config,
    today: date,
    now: Callable[[], datetime],
    at: str | None = None,
) -> int:
    """Each working morning: remind every unit with an overdue open assignment (once a day)
    and send the review group one summary; returns how many assignments were reminded. Each
    area keeps its own working days (`review.holidays`, `review.workdays`): its assignments are
    reminded only on its working days. `at`: only the areas whose `review.reminder_at` it is
    (the daemon runs one job per time; an area no longer configured goes with the top-level
    time); None: every area."""
    areas = [a for a in config.watch_areas() if at is None or a.review.reminder_at == at]
    working = {a.name: calendar(a).is_working_day(today) for a in areas}
    known = {a.name for a in config.watch_areas()}
    # An area no longer configured keeps the top level's days and time.
    other = (at is None or at == config.review.reminder_at) and calendar(config).is_working_day(
        today
    )
    if not any(working.values()) and not other:
        log.info("Nhắc hạn: %s không phải ngày làm việc, không nhắc", today)
        return 0
    due = [
        job
        for job in store.overdue_assignments(today)
        if job.reminded_on != today
        and (working.get(job.area, False) if job.area in known else other)
    ]
    if not due:
        log.info("Nhắc hạn %s: không có tin giao nào quá hạn", today)
        return 0
    briefs = store.alert_briefs(j.article_id for j in due if j.article_id is not None)
    zone = config.schedule.zone
    messages = []
    lines: dict[str, list[str]] = {}  # area → its overdue lines
    for job in due:
        brief = briefs.get(job.article_id) if job.article_id is not None else None
        line = article_line(brief, job.story)
        story = f"remind:{job.id}:{today.isoformat()}"
        reminder = reminder_message(job, line)
        zalo_reminder = reminder_message(job, line, zalo=True)
        if job.chat:
            messages.append(
                OutboxEntry(story, job.chat, job.topic, "remind", reminder, job.article_id)
            )
        if job.zalo:
            messages.append(
                OutboxEntry(story, job.zalo, None, "remind", zalo_reminder, job.article_id, ZALO)
            )
        lines.setdefault(job.area, []).append(f"{assignment_line(job, zone, today)}\n    {line}")
    # Each area's review group gets the summary of its own overdue assignments (an area no
    # longer configured: the top-level review group), in its Telegram and its Zalo chat.
    chats: dict[tuple[str, str], list[str]] = {}
    for name, own in lines.items():
        review = config.stored_area(name).review
        for messenger, chat in ((TELEGRAM, review.chat), (ZALO, review.zalo)):
            if chat:
                chats.setdefault((messenger, chat), []).extend(own)
    for (messenger, chat), own in chats.items():
        messages.append(
            OutboxEntry(
                f"overdue:{today.isoformat()}",
                chat,
                None,
                "overdue",
                overdue_summary(own, today),
                None,
                messenger,
            )
        )
    queued = store.mark_reminded([job.id for job in due], today, messages, now())
    for job in due:
        log.info(
            "[%s] nhắc %s: quá hạn %s (giao việc %d)", job.story, job.unit, job.deadline, job.id
        )
    log.info("Nhắc hạn %s: %d tin giao quá hạn, %d tin nhắn xếp hàng", today, len(due), queued)
    return len(due)
