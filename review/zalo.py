"""Review and assignment answers from Zalo, by short codes (issue 17 §2).

Zalo has no buttons: each review message carries a code, "A" and the story's cluster id (the
id Telegram's buttons carry), each assignment message "G" and the assignment id, and people
answer with the code and an action: "A17 liên quan", "A17 giao Đăk Pxi 12/12", "G12 đã báo
cáo <nội dung>". `parse` reads such a text (any case, accents optional, a leading "/" or "#",
stray punctuation), `ZaloReview.answer` checks who may act, refuses forged and stale answers,
and acts through `review.service.ReviewService`, the one copy of the review operations that
Telegram and the console call; `ZaloDecorator` writes the code and how to answer under each
message the deliverer sends to Zalo.

Who acts: the area's `review.zalo_reviewers` on a story's code (in any chat with the bot),
the unit's `zalo_members` on its assignments (reviewers too, as on Telegram). The review history
keeps a Zalo user as user id 0 (Telegram ids are positive, the console's negative, so 0 never
names anyone else) with the Zalo id in the name: "Chị Lan (Zalo e4ea2cd5…)".

A text answer carries no version (a button does): instead a verdict equal to the current
status, an assignment already open with that unit, an answer to an assignment already answered
or replaced (a later verdict or assignment) are stale and change nothing.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from typing import NamedTuple
from zoneinfo import ZoneInfo

from alerts.message import cut_html
from alerts.zalo import LIMIT, Update, ZaloMessage, cut_plain
from duluan.config import Area, Config, Unit
from review.buttons import NOT_REVIEWER, NOT_UNIT, assignment_of, status_block
from review.service import Actor, ReviewError, ReviewService, StaleReview
from review.workdays import long_date
from storage import TELEGRAM, ZALO, AssignmentRecord, OutboxItem, ReviewDetail, Store
from storage.reviews import OPEN, VERDICTS
from storage.vocabulary import (
    ASSIGNMENT_LABELS,
    MAX_CLUSTER,
    STATUS_LABELS,
    story_cluster,
    story_key,
)

__all__ = [
    "ASSIGN_PREFIX",
    "REVIEW_PREFIX",
    "ZALO_USER_ID",
    "Command",
    "ZaloDecorator",
    "ZaloReview",
    "assign_hint",
    "fold",
    "match_unit",
    "parse",
    "review_hint",
    "typed_deadline",
    "zalo_actor",
]

log = logging.getLogger(__name__)

REVIEW_PREFIX, ASSIGN_PREFIX = "A", "G"
ZALO_USER_ID = 0  # the review history's user id of every Zalo user (the Zalo id is in the name)
MAX_TARGET = MAX_CLUSTER  # cluster and assignment ids are 32-bit integers on PostgreSQL
MAX_HELP_WORDS = 4  # a code followed by more unknown words is a report, not a typo
STATUS_ROOM = 700  # characters of the status block under a Zalo alert
NAME_ROOM = 80

UNCHANGED = "Chưa có gì thay đổi."
NOT_ZALO_USER = (
    "Mã Zalo của bạn ({user}) chưa có trong cấu hình nên bạn chưa rà soát hay trả lời giao việc "
    "được. " + UNCHANGED + " Nếu cần, hãy gửi mã này cho Trung tâm."
)

# The actions, as sequences of folded words (see `fold`): what follows a code.
VERDICT_WORDS: dict[tuple[str, ...], str] = {
    **dict.fromkeys([("lien", "quan"), ("lienquan",), ("co", "lien", "quan"), ("lq",)], "relevant"),
    **dict.fromkeys(
        [
            (no, *words)
            for no in ("khong", "ko", "k", "kh", "khg")
            for words in (("lien", "quan"), ("lienquan",), ("lq",))
        ]
        + [("khonglienquan",), ("klq",)],
        "irrelevant",
    ),
    **dict.fromkeys(
        [
            ("sai",),
            ("sai", "su", "that"),
            ("tin", "sai"),
            ("thong", "tin", "sai"),
            ("thong", "tin", "sai", "su", "that"),
        ],
        "false_info",
    ),
}
ASSIGN_WORDS = (("giao", "cho"), ("giao",))
DEADLINE_WORDS = frozenset({"han", "den", "truoc", "ngay"})
ANSWER_WORDS: dict[tuple[str, ...], str] = {
    **dict.fromkeys([("dung",), ("dung", "su", "that"), ("true",)], "true"),
    **dict.fromkeys([("sai",), ("sai", "su", "that"), ("false",)], "false"),
}
REPORT_WORDS = (("da", "bao", "cao"), ("bao", "cao"), ("reported",))

_CODE = re.compile(r"([ag])-?([0-9]{1,12})")
_NUMBER = re.compile(r"[0-9]{1,12}")
_DAY_MONTH = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})(?:[/.-]([0-9]{2}|[0-9]{4}))?")
_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_PUNCTUATION = ":-–—.,;"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def fold(text: str) -> str:
    """`text` as actions and unit names are compared: no accents (đ → d), lower case."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _word(token: str) -> str:
    """A token folded and stripped of punctuation at both ends ("Cáo:" → "cao")."""
    folded = fold(token)
    start, end = 0, len(folded)
    while start < end and not folded[start].isalnum():
        start += 1
    while end > start and not folded[end - 1].isalnum():
        end -= 1
    return folded[start:end]


@dataclass(frozen=True)
class Command:
    """A short-code answer: scope "A" (a story's review, `target` its cluster id) or "G" (an
    assignment), the action understood (None: the code alone or a typo), and what it carries:
    the unit and deadline typed after "giao", a unit's written report as typed."""

    scope: str
    target: int
    action: str | None
    unit: str = ""
    deadline: str = ""
    report: str = ""

    @property
    def code(self) -> str:
        return f"{self.scope}{self.target}"


class _Word(NamedTuple):
    """A word of the message: where it lies in the text, and folded (see `_word`)."""

    start: int
    end: int
    folded: str


def parse(text: str) -> Command | None:
    """The short-code answer `text` is, or None when it is not one (no code first, or a code
    followed by more than a few words that are no action: a report that happens to start with
    "G7"). A code with no action or an unknown short one is a `Command` whose action is None."""
    text = unicodedata.normalize("NFC", text)
    words = [
        _Word(m.start(), m.end(), folded)
        for m in re.finditer(r"\S+", text)
        if (folded := _word(m.group()))
    ]
    if not words:
        return None
    found = _CODE.fullmatch(words[0].folded)
    spaced = False
    if found is not None:
        letter, digits = found.groups()
        rest = words[1:]
    elif words[0].folded in ("a", "g") and len(words) > 1 and _NUMBER.fullmatch(words[1].folded):
        letter, digits, spaced = words[0].folded, words[1].folded, True
        rest = words[2:]
    else:
        return None
    scope, target = letter.upper(), int(digits)
    if scope == REVIEW_PREFIX:
        command = _review_action(target, rest, text)
    else:
        command = _assign_answer(target, rest, text)
    if command is not None:
        return command
    if spaced or len(rest) > MAX_HELP_WORDS or "://" in text:
        return None
    return Command(scope, target, None)


def _typed(text: str, start: int, end: int | None = None, *, trail: bool = False) -> str:
    """The text typed from `start` (to `end`), without the spaces and punctuation before it
    (and after it, unless `trail`: a report keeps its last full stop)."""
    typed = text[start:end].strip().lstrip(_PUNCTUATION).strip()
    return typed if trail else typed.rstrip(_PUNCTUATION).strip()


def _review_action(target: int, rest: list[_Word], text: str) -> Command | None:
    said = tuple(word.folded for word in rest)
    verdict = VERDICT_WORDS.get(said)
    if verdict is not None:
        return Command(REVIEW_PREFIX, target, verdict)
    for lead in ASSIGN_WORDS:
        if said[: len(lead)] == lead:
            unit = rest[len(lead) :]
            deadline = ""
            if unit and (_DAY_MONTH.fullmatch(unit[-1].folded) or _ISO.fullmatch(unit[-1].folded)):
                deadline = unit[-1].folded
                unit = unit[:-1]
                while unit and unit[-1].folded in DEADLINE_WORDS:
                    unit = unit[:-1]
            typed = _typed(text, unit[0].start, unit[-1].end) if unit else ""
            return Command(REVIEW_PREFIX, target, "assign", unit=typed, deadline=deadline)
    return None


def _assign_answer(target: int, rest: list[_Word], text: str) -> Command | None:
    said = tuple(word.folded for word in rest)
    answer = ANSWER_WORDS.get(said)
    if answer is not None:
        return Command(ASSIGN_PREFIX, target, answer)
    for lead in REPORT_WORDS:
        if said[: len(lead)] == lead:
            report = _typed(text, rest[len(lead) - 1].end, trail=True)
            return Command(ASSIGN_PREFIX, target, "reported", report=report)
    return None


def typed_deadline(typed: str, today: date) -> date:
    """A deadline typed as day/month (the next such day from `today`), day/month/year (two or
    four digits) or year-month-day; `ReviewError` for anything else. Whether it is past or too
    far is the review service's check."""
    value: date | None = None
    iso = _ISO.fullmatch(typed)
    found = _DAY_MONTH.fullmatch(typed)
    try:
        if iso is not None:
            value = date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        elif found is not None:
            day, month, year = found.groups()
            if year is None:
                value = date(today.year, int(month), int(day))
                if value < today:
                    value = date(today.year + 1, int(month), int(day))
            else:
                full = int(year) + (2000 if len(year) == 2 else 0)
                value = date(full, int(month), int(day))
    except ValueError:
        value = None
    if value is None:
        raise ReviewError(
            "Hạn không hợp lệ",
            f"«{typed}» không phải ngày (ngày/tháng hoặc ngày/tháng/năm). {UNCHANGED}",
        )
    return value


def _unit_words(unit: Unit) -> list[list[str]]:
    """The folded words of a unit's name and of each commune it follows."""
    names = [unit.name, *unit.communes]
    return [[w for w in (_word(t) for t in fold(name).split()) if w] for name in names]


def _contains(words: list[str], typed: list[str]) -> bool:
    size = len(typed)
    return any(words[i : i + size] == typed for i in range(len(words) - size + 1))


def match_unit(typed: str, units: Sequence[Unit]) -> list[Unit]:
    """The units `typed` may name, leniently (accents and case aside): its exact name, else the
    units whose name starts with it, else those whose name or a commune contains it word for
    word ("Đăk Pxi" for "UBND xã Đăk Pxi"). One unit: found; several: ambiguous; none: unknown."""
    wanted = [w for w in (_word(t) for t in fold(typed).split()) if w]
    if not wanted:
        return []
    named = [(unit, _unit_words(unit)) for unit in units]
    tiers: list[Callable[[list[list[str]]], bool]] = [
        lambda names: names[0] == wanted,
        lambda names: names[0][: len(wanted)] == wanted,
        lambda names: any(_contains(words, wanted) for words in names),
    ]
    for tier in tiers:
        found = [unit for unit, names in named if tier(names)]
        if found:
            return found
    return []


def zalo_actor(message: ZaloMessage) -> Actor:
    """Who acts from a Zalo message: user id `ZALO_USER_ID` (the review history's id column is
    an integer and Zalo ids are strings), the display name with the Zalo id kept beside it."""
    name = " ".join(_CONTROL.sub("", message.user_name).split())[:NAME_ROOM] or "Người dùng Zalo"
    who = f"{name} (Zalo {message.user_id})"
    return Actor(ZALO_USER_ID, who, f"Zalo, {who}")


def review_hint(cluster: int) -> str:
    """How to answer a story's review from Zalo (plain text)."""
    code = f"{REVIEW_PREFIX}{cluster}"
    return (
        f"Mã tin: {code} — trả lời: {code} liên quan | {code} không liên quan | {code} sai | "
        f"{code} giao <đơn vị> [hạn ngày/tháng]"
    )


def assign_hint(assignment: int) -> str:
    """How a unit answers an assignment from Zalo (plain text)."""
    code = f"{ASSIGN_PREFIX}{assignment}"
    return f"Mã giao: {code} — trả lời: {code} đúng | {code} sai | {code} đã báo cáo <nội dung>"


class ZaloReview:
    """Answers short-code messages from Zalo: who may act, what is forged or stale, and the
    review operation itself through `service` (a `ReviewService` on the same store by default)."""

    def __init__(
        self,
        store: Store,
        config: Config,
        now: Callable[[], datetime],
        service: ReviewService | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.now = now
        self.service = service or ReviewService(store, config, now)
        self.zone = config.schedule.zone

    def answer(self, update: Update) -> str | None:
        """The reply (plain Vietnamese, within Zalo's limit) to send back to the message's
        chat, or None when the message is no short-code answer (an item report, a sticker)."""
        message = update.message
        if message is None or not message.text:
            return None
        command = parse(message.text)
        if command is None:
            return None
        user = message.user_id
        if not user or not self._known(user):
            log.warning(
                "[Zalo] %s (%s) không có trong cấu hình, bỏ qua %s",
                message.user_name,
                user,
                command.code,
            )
            return cut_plain(NOT_ZALO_USER.format(user=user or "?"), LIMIT)
        if command.scope == REVIEW_PREFIX:
            reply = self._review(command, message)
        else:
            reply = self._assignment(command, message)
        return cut_plain(reply, LIMIT)

    def _known(self, user: str) -> bool:
        """Whether `user` is any area's Zalo reviewer or any unit's Zalo member."""
        return any(
            user in area.review.zalo_reviewers
            or any(user in unit.zalo_members for unit in area.units)
            for area in self.config.watch_areas()
        )

    # --- a story's review ("A17 …") ---------------------------------------------------------

    def _story_areas(self, cluster: int) -> list[Area]:
        """The configured areas whose review the story is: the one area when the config has no
        `areas:` (any stored story), else the areas it was tagged for or reviewed in."""
        areas = self.config.watch_areas()
        if self.config.areas is None:
            return list(areas) if self.store.story_article(cluster) is not None else []
        names = set(self.store.story_areas(cluster))
        return [area for area in areas if area.name in names]

    def _review(self, command: Command, message: ZaloMessage) -> str:
        code, user = command.code, message.user_id
        story = story_key(command.target)
        cluster = story_cluster(story)
        areas = self._story_areas(cluster) if cluster is not None else []
        if cluster is None or not areas:
            log.warning("[Zalo] %s (%s) gửi mã tin không có: %s", message.user_name, user, code)
            return f"Không có tin {code}: hãy kiểm tra mã trong tin nhắn của bot. {UNCHANGED}"
        mine = [area for area in areas if user in area.review.zalo_reviewers]
        if not mine:
            log.warning(
                "[%s] %s (Zalo %s) không phải người rà soát", story, message.user_name, user
            )
            return f"{NOT_REVIEWER} ({code}). {UNCHANGED}"
        here = [area for area in mine if area.review.zalo and area.review.zalo == message.chat_id]
        if len(here) != 1 and len(mine) > 1:
            names = ", ".join(area.title or area.name for area in mine)
            return (
                f"Tin {code} thuộc nhiều địa bàn bạn rà soát ({names}): hãy trả lời trong nhóm "
                f"Zalo rà soát của địa bàn cần ghi. {UNCHANGED}"
            )
        area = here[0] if len(here) == 1 else mine[0]
        if command.action is None:
            return f"Chưa rõ thao tác cho tin {code}. {review_hint(cluster)}. {UNCHANGED}"
        detail = self.store.review_detail(story, area.name)
        actor = zalo_actor(message)
        article_id = self._article(story, cluster, area)
        if command.action == "assign":
            return self._assign(command, detail, area, actor, article_id)
        return self._verdict(command, detail, area, actor, article_id)

    def _article(self, story: str, cluster: int, area: Area) -> int | None:
        """The article the area's review names: the one its review message (Zalo, else
        Telegram) was about, else the story's shown article."""
        for chat, messenger in ((area.review.zalo, ZALO), (area.review.chat, TELEGRAM)):
            found = self.store.story_message(story, chat, None, messenger) if chat else None
            if found is not None and found.article_id is not None:
                return found.article_id
        return self.store.story_article(cluster, area.name)

    def _verdict(
        self,
        command: Command,
        detail: ReviewDetail,
        area: Area,
        actor: Actor,
        article_id: int | None,
    ) -> str:
        status = command.action or ""
        state = detail.state
        if status not in VERDICTS:  # `parse` gives none other
            return f"Chưa rõ thao tác cho tin {command.code}. {UNCHANGED}"
        if state.status == status:
            log.info("[%s] %s: đã là %s, bỏ qua (Zalo)", state.story, actor.name, status)
            return (
                f"Tin {command.code} đã ở trạng thái «{STATUS_LABELS[status]}»{_by(detail)}. "
                f"{UNCHANGED}"
            )
        try:
            done = self.service.verdict(
                story=state.story,
                version=state.version,
                status=status,
                actor=actor,
                article_id=article_id,
                area=area.name,
            )
        except StaleReview:
            return _raced(command.code)
        log.info("[%s] %s đặt %s qua Zalo", state.story, actor.name, status)
        reply = f"Đã ghi tin {command.code}: {STATUS_LABELS[done.status]}."
        if done.case is not None:
            reply += f" Đã mở hồ sơ vụ việc số {done.case.id}."
        return reply

    def _assign(
        self,
        command: Command,
        detail: ReviewDetail,
        area: Area,
        actor: Actor,
        article_id: int | None,
    ) -> str:
        code, state = command.code, detail.state
        units = list(area.units)
        found = match_unit(command.unit, units)
        if len(found) != 1:
            listed = found or units
            names = "; ".join(unit.name for unit in listed) or "(chưa cấu hình đơn vị nào)"
            why = (
                f"«{command.unit}» khớp nhiều đơn vị"
                if found
                else f"Không rõ đơn vị «{command.unit}»"
                if command.unit
                else "Chưa ghi đơn vị"
            )
            return (
                f"{why}. Các đơn vị: {names}. Gửi lại: {code} giao <tên đơn vị> [hạn ngày/tháng]. "
                f"{UNCHANGED}"
            )
        unit = found[0]
        try:
            deadline = (
                typed_deadline(command.deadline, self.service.today()) if command.deadline else None
            )
            latest = detail.assignments[-1] if detail.assignments else None
            if (
                state.status == "assigned"
                and latest is not None
                and latest.status == OPEN
                and latest.unit == unit.name
                and (deadline is None or deadline == latest.deadline)
            ):
                return (
                    f"Tin {code} đã giao {unit.name} (mã giao {ASSIGN_PREFIX}{latest.id}, hạn "
                    f"{long_date(latest.deadline)}), đơn vị chưa trả lời. {UNCHANGED}"
                )
            done = self.service.assign(
                story=state.story,
                version=state.version,
                unit=unit,
                actor=actor,
                deadline=deadline,
                article_id=article_id,
                area=area.name,
            )
        except ReviewError as exc:
            return str(exc)
        except StaleReview:
            return _raced(code)
        job = done.job
        log.info(
            "[%s] %s giao %s qua Zalo (giao việc %d)", state.story, actor.name, unit.name, job.id
        )
        reply = (
            f"Đã giao tin {code} cho {unit.name}, hạn {long_date(job.deadline)}. "
            f"Mã giao: {ASSIGN_PREFIX}{job.id}."
        )
        if not unit.chat and not unit.zalo:
            reply += " Đơn vị chưa có nhóm Telegram hay Zalo: hãy báo đơn vị."
        return reply

    # --- a unit's answer ("G12 …") ---------------------------------------------------------

    def _assignment(self, command: Command, message: ZaloMessage) -> str:
        code, user = command.code, message.user_id
        job = self.store.get_assignment(command.target) if command.target <= MAX_TARGET else None
        if job is None:
            log.warning("[Zalo] %s (%s) gửi mã giao không có: %s", message.user_name, user, code)
            return f"Không có giao việc {code}: hãy kiểm tra mã trong tin nhắn của bot. {UNCHANGED}"
        area = self.config.stored_area(job.area)
        unit = next((u for u in area.units if u.name == job.unit), None)
        if (unit is None or user not in unit.zalo_members) and (
            user not in area.review.zalo_reviewers
        ):
            log.warning(
                "[%s] %s (Zalo %s) không thuộc %s, bỏ qua %s",
                job.story,
                message.user_name,
                user,
                job.unit,
                code,
            )
            return f"{NOT_UNIT} ({code}). {UNCHANGED}"
        if command.action is None:
            return f"Chưa rõ câu trả lời cho {code}. {assign_hint(job.id)}. {UNCHANGED}"
        detail = self.store.review_detail(job.story, job.area)
        if _replaced(detail, job):
            return (
                f"Giao việc {code} đã được thay bằng một thao tác mới hơn của Trung tâm "
                f"(tin đang ở trạng thái «{_label(detail.state.status)}»). {UNCHANGED}"
            )
        report = command.report
        completes = job.status == "reported" and not job.report and bool(report)
        if job.status != OPEN and not (command.action == "reported" and completes):
            when = f" lúc {_local(job.answered_at, self.zone)}" if job.answered_at else ""
            return (
                f"Giao việc {code} đã được trả lời «{_answer_label(job.status)}»{when}. "
                f"{UNCHANGED} Cần sửa, hãy liên hệ Trung tâm."
            )
        if command.action == "reported" and not report:
            return f"Hãy gửi kèm nội dung: {code} đã báo cáo <nội dung báo cáo>. {UNCHANGED}"
        try:
            done = self.service.answer(
                job=job, status=command.action, actor=zalo_actor(message), report=report or None
            )
        except ReviewError as exc:
            return str(exc)
        log.info("[%s] %s trả lời %s qua Zalo: %s", job.story, job.unit, code, command.action)
        if report:
            return f"Đã lưu báo cáo của {done.job.unit} (giao việc {code})."
        label = STATUS_LABELS[done.job.status]
        return f"Đã ghi trả lời của {done.job.unit} (giao việc {code}): {label}."


def _replaced(detail: ReviewDetail, job: AssignmentRecord) -> bool:
    """Whether a verdict or another assignment came after `job` was made."""
    seen = False
    for action in detail.history:
        if action.action == "assign" and action.assignment_id == job.id:
            seen = True
        elif seen and (action.action in VERDICTS or action.action == "assign"):
            return True
    return False


def _local(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%H:%M %d/%m/%Y")


def _answer_label(status: str) -> str:
    return ASSIGNMENT_LABELS.get(status, status)


def _label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def _by(detail: ReviewDetail) -> str:
    if not detail.history:
        return ""
    last = detail.history[-1]
    return f" (bởi {last.user_name})"


def _raced(code: str) -> str:
    return (
        f"Tin {code} vừa được người khác cập nhật: hãy xem trạng thái mới rồi gửi lại. {UNCHANGED}"
    )


class ZaloDecorator:
    """The Zalo deliverer's `decorate` hook, shaped like `review.buttons.Decorator` (without
    buttons): under an alert to an area's `review.zalo` chat, the review status and its code;
    under an assignment sent to Zalo, its code. The block is Telegram HTML (escaped), which
    `alerts.zalo.zalo_text` turns into plain text with the rest of the message."""

    def __init__(
        self, store: Store, config: Config, now: Callable[[], datetime] | None = None
    ) -> None:
        self.store = store
        self.config = config
        self.now = now

    def __call__(self, item: OutboxItem) -> tuple[str, None]:
        if item.messenger != ZALO:
            return "", None
        if item.kind == "alert":
            cluster = story_cluster(item.story)
            areas = [a for a in self.config.watch_areas() if a.review.zalo == item.chat]
            if cluster is None or not areas:
                return "", None
            if len(areas) > 1:
                concerned = set(self.store.story_areas(cluster))
                areas = [a for a in areas if a.name in concerned] or areas
            detail = self.store.review_detail(item.story, areas[0].name)
            zone = self.config.schedule.zone
            today = self.now().astimezone(zone).date() if self.now else None
            block = cut_html(status_block(detail, zone, today), STATUS_ROOM)
            return f"{block}\n{escape(review_hint(cluster))}", None
        if item.kind == "assign":
            assignment = assignment_of(item.story)
            if assignment is not None:
                return escape(assign_hint(assignment)), None
        return "", None
