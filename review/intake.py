"""Reported items from Telegram: the bot's door to `duluan.submit.submit` (issue 15 §1).

A reviewer or a unit member sends the bot, in a private chat or (mentioning it or replying to
it) in a review or unit group, a link, a forwarded post or a screenshot with its caption. The
handler reads what the message holds, checks that the sender is a known reporter before
touching anything (a stranger is told whom to ask, and nothing is downloaded or stored), calls
the one `submit` operation in a worker thread and answers with what was understood, with
buttons to fix the tone and the place (`duluan.correct`): the reporter or a reviewer may press.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING

from telegram import (
    Bot,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    MessageOriginChannel,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from alerts.message import cut_html
from duluan.config import Area, Config
from duluan.correct import OUTSIDE, CorrectionError, Corrector, area_communes, correct
from duluan.logs import TOKEN
from duluan.submit import (
    MAX_FILE_BYTES,
    Report,
    Reporter,
    SubmitError,
    Submitted,
    check_image,
    check_size,
    telegram_reporter,
)
from review.buttons import (
    CORRECT_SCOPE,
    INVALID,
    NOT_CORRECTOR,
    OUTSIDE_AREA,
    OUTSIDE_LABEL,
    PLACE,
    TONE_CODES,
    Signer,
    correction_keyboard,
)
from review.reported import SORRY, answer, refusal_text, submit_in_turn
from storage import Store
from storage.vocabulary import TONE_LABELS

if TYPE_CHECKING:
    from cases.evidence import Fetch
    from nlp.locate import Locator
    from storage.submissions import Screenshot

log = logging.getLogger(__name__)

MAX_ANSWER = 3800  # under Telegram's 4096, in UTF-16 code units
PHOTO_NAME = "anh-telegram.jpg"
REPORT_PROMPT = "giao việc số"  # the bot's prompt for a unit's report: `ReviewHandlers.on_reply`

HELP = (
    "📥 Để báo tin cho Trung tâm, hãy gửi cho bot một trong các cách sau:\n"
    "• một <b>liên kết</b> (Facebook, TikTok, YouTube, Zalo, báo điện tử…);\n"
    "• <b>chuyển tiếp</b> (forward) bài đăng từ kênh hay nhóm Telegram;\n"
    "• <b>ảnh chụp màn hình</b> kèm chú thích nói tin ở đâu, về việc gì.\n"
    "Trong nhóm, hãy nhắc tên bot (@{bot}) hoặc trả lời tin nhắn của bot."
)


def refusal(user_id: int) -> str:
    """The polite answer to someone who is not a reviewer nor a unit member (Telegram HTML)."""
    return refusal_text("Telegram", str(user_id), "units[].members")


def chat_area(config: Config, chat: str) -> Area | None:
    """The area whose review group or unit group `chat` is (None: a private chat, another
    group)."""
    for area in config.watch_areas():
        if area.review.chat == chat or any(u.chat == chat for u in area.units):
            return area
    return None


class Intake:
    """The intake handler: what a message holds → a `Report` → `submit` → the answer."""

    def __init__(
        self,
        store: Store,
        config: Config,
        now: Callable[[], datetime],
        fetch: Fetch | None = None,
        locator: Callable[[], Locator | None] | None = None,
        tag_lock: asyncio.Lock | None = None,
        after: Callable[[], Awaitable[None]] | None = None,
        secret: bytes = b"",
    ) -> None:
        self.store = store
        self.config = config
        self.now = now
        self.fetch = fetch
        self.locator = locator or (lambda: None)
        self.tag_lock = tag_lock or asyncio.Lock()
        self.after = after
        self.signer = Signer(secret)

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None or message.from_user is None or message.from_user.is_bot:
            return
        bot = context.bot
        private = message.chat.type == ChatType.PRIVATE
        if not private and not self._addressed(message, bot):
            return
        if not private and not _mentions(message, bot) and not _holds_report(message):
            return  # a comment replying to an alert in a group: not a report, no answer
        user = message.from_user
        area = None if private else chat_area(self.config, str(message.chat.id))
        reporter = telegram_reporter(
            self.config, user.id, user.full_name, area.name if area else None
        )
        if reporter is None:
            log.warning(
                "Người lạ %d trong chat %s gửi tin cho bot: từ chối, không lưu gì",
                user.id,
                message.chat.id,
            )
            await self._reply(message, refusal(user.id))
            return
        try:
            report = await self._report(message, bot)
            if report is None:
                await self._reply(message, HELP.format(bot=escape(bot.username or "bot")))
                return
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
            await self._reply(message, escape(str(exc)))
            return
        except Exception as exc:  # a bug or Telegram failing: told to the sender, logged
            log.error(
                "Lỗi khi nhận tin báo từ %d trong chat %s: %s: %s",
                user.id,
                message.chat.id,
                type(exc).__name__,
                TOKEN.sub("<token>", str(exc)),
            )
            log.debug("Chi tiết lỗi nhận tin báo", exc_info=True)
            await self._reply(message, SORRY)
            return
        await self._reply(message, answer(done, self.config), self.keyboard(done, reporter))
        if self.after is not None:
            await self.after()  # the alerts the item caused go out now, not at the next pass

    def keyboard(self, done: Submitted, reporter: Reporter) -> InlineKeyboardMarkup:
        """The correction buttons under the answer: the tone, and the commune when the area is
        known (the reporter's, the only one the item concerns, or the only one configured)."""
        areas = self.config.watch_areas()
        names = [a.name for a in areas]
        name = reporter.area or (done.areas[0] if len(done.areas) == 1 else None)
        if name is None and len(areas) == 1:
            name = areas[0].name
        index = names.index(name) if name in names else None
        communes = area_communes(areas[index]) if index is not None else []
        return correction_keyboard(self.signer, done.article_id, index, communes)

    async def on_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A press on a correction button: the reporter or a reviewer fixes the tone or place."""
        query = update.callback_query
        if query is None:
            return
        user = query.from_user
        press = self.signer.unpack(query.data)
        if press is None or press.scope != CORRECT_SCOPE:
            log.warning("Nút sửa tin không hợp lệ từ %d: %r", user.id, (query.data or "")[:64])
            await query.answer(INVALID, show_alert=True)
            return
        areas = self.config.watch_areas()
        area = areas[press.version - 1] if 0 < press.version <= len(areas) else None
        tone = TONE_CODES.get(press.action)
        place: str | None = None
        if press.action == OUTSIDE_AREA and area is not None:
            place = OUTSIDE
        elif press.action == PLACE and area is not None and press.arg is not None:
            communes = area_communes(area)
            place = communes[press.arg] if press.arg < len(communes) else None
        if (tone is None and place is None) or (press.version and area is None):
            log.warning("Nút sửa tin %d cũ hoặc sai từ %d", press.target, user.id)
            await query.answer(INVALID, show_alert=True)
            return
        if not self._may_correct(press.target, user.id, area):
            log.warning("%d không báo tin %d, không rà soát: không cho sửa", user.id, press.target)
            await query.answer(NOT_CORRECTOR, show_alert=True)
            return
        try:
            async with self.tag_lock:
                await asyncio.to_thread(
                    correct,
                    self.store,
                    self.config,
                    press.target,
                    Corrector(user.full_name, user.id),
                    self.now,
                    tone=tone,
                    place=place,
                    area=area.name if area is not None and place is not None else None,
                    locator=self.locator(),
                )
        except CorrectionError as exc:
            await query.answer(str(exc), show_alert=True)
            return
        if tone is not None:
            what = f"sắc thái: {TONE_LABELS[tone]}"
        else:
            what = f"địa bàn: {place or OUTSIDE_LABEL}"
        await query.answer(f"Đã sửa {what}")
        if isinstance(query.message, Message):
            note = f"✏️ {escape(user.full_name)} đã sửa {escape(what)} (tin số {press.target})."
            await self._reply(query.message, note)
        if self.after is not None:
            await self.after()

    def _may_correct(self, article_id: int, user_id: int, area: Area | None) -> bool:
        """The item's reporters and the reviewers (of the area pressed for, else of any)."""
        reviewers = (area.review.reviewers if area else []) or [
            r for a in self.config.watch_areas() for r in a.review.reviewers
        ]
        if user_id in reviewers:
            return True
        reports = self.store.submissions_of([article_id]).get(article_id, [])
        return any(r.telegram_id == user_id for r in reports)

    def _addressed(self, message: Message, bot: Bot) -> bool:
        """In a group: the message mentions the bot or replies to one of its messages (not to
        its prompt for a unit's report, which `ReviewHandlers.on_reply` takes)."""
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
            return REPORT_PROMPT not in (replied.text or "")
        return _mentions(message, bot)

    async def _report(self, message: Message, bot: Bot) -> Report | None:
        """What the message reports; None when it holds no link, forward or image."""
        text = message.text or message.caption or ""
        if bot.username:
            text = text.replace(f"@{bot.username}", " ")
        origin = message.forward_origin
        url = None
        published = None
        if origin is not None:
            published = origin.date
            if isinstance(origin, MessageOriginChannel) and origin.chat.username:
                url = f"https://t.me/{origin.chat.username}/{origin.message_id}"
        if url is None:
            url = _first_link(message)
        screenshot = await self._image(message, bot)
        if url is None and origin is None and screenshot is None:
            return None
        return Report(
            url=url,
            text=text,
            screenshot=screenshot,
            platform="telegram" if origin is not None else None,
            published_at=published,
        )

    async def _image(self, message: Message, bot: Bot) -> Screenshot | None:
        """The photo (its largest size) or the document sent, checked for size before it is
        downloaded and for type after; None when the message holds neither."""
        if message.photo:
            largest = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
            file_id, name, size = largest.file_id, PHOTO_NAME, largest.file_size
        elif message.document is not None:
            document = message.document
            file_id, size = document.file_id, document.file_size
            name = document.file_name or "tep-telegram"
        else:
            return None
        if size is not None:
            check_size(name, size)
        found = await bot.get_file(file_id)
        if found.file_size is not None:
            check_size(name, found.file_size)
        content = bytes(await found.download_as_bytearray())
        return check_image(name, content, MAX_FILE_BYTES)

    async def _reply(
        self, message: Message, text: str, markup: InlineKeyboardMarkup | None = None
    ) -> None:
        try:
            await message.get_bot().send_message(
                chat_id=message.chat.id,
                text=cut_html(text, MAX_ANSWER),
                parse_mode=ParseMode.HTML,
                reply_parameters=ReplyParameters(
                    message.message_id, allow_sending_without_reply=True
                ),
                message_thread_id=message.message_thread_id if message.is_topic_message else None,
                reply_markup=markup,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except TelegramError as exc:
            log.error(
                "Không trả lời được tin báo trong chat %s: %s",
                message.chat.id,
                TOKEN.sub("<token>", str(exc)),
            )


def _mentions(message: Message, bot: Bot) -> bool:
    """The message names the bot (@username)."""
    name = f"@{bot.username}".casefold() if bot.username else None
    return name is not None and any(
        text.casefold() == name for text in _entities(message, [MessageEntity.MENTION])
    )


def _holds_report(message: Message) -> bool:
    """The message holds something to report (a forward, an image or file, a link entity),
    told without downloading anything."""
    kinds = [MessageEntity.URL, MessageEntity.TEXT_LINK]
    return bool(
        message.forward_origin or message.photo or message.document or _entities(message, kinds)
    )


def _entities(message: Message, kinds: Sequence[str]) -> list[str]:
    """The texts of the message's (or caption's) entities of these kinds; entities pointing
    outside the text give empty strings, dropped."""
    found = message.parse_entities(list(kinds)) if message.text else {}
    if message.caption:
        found = {**found, **message.parse_caption_entities(list(kinds))}
    return [text for text in found.values() if text]


def _first_link(message: Message) -> str | None:
    """The first link of the text or caption: a `url` entity's text or a `text_link`'s target."""
    entities = (message.entities if message.text else message.caption_entities) or ()
    parse = message.parse_entity if message.text else message.parse_caption_entity
    for entity in sorted(entities, key=lambda e: e.offset):
        if entity.type == MessageEntity.TEXT_LINK and entity.url:
            return entity.url
        if entity.type == MessageEntity.URL:
            link = parse(entity).strip()
            if link:
                return link
    return None
