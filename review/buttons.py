"""Review from Telegram: statuses, signed button data, keyboards and the status block.

Button data is at most 64 bytes (Telegram's limit) and signed with a key derived from the bot
token, so a client cannot forge a press. Review-group buttons carry the story's cluster id, the
action and the review version they were drawn for: a press on an older rendering is stale.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from alerts.message import cut_html, html_link
from duluan.config import Config, Unit
from review.workdays import long_date
from storage import (
    AlertBrief,
    AssignmentRecord,
    OutboxItem,
    ReviewActionRecord,
    ReviewDetail,
    Store,
)
from storage.vocabulary import ASSIGNMENT_LABELS, STATUS_LABELS, TONE_LABELS, story_cluster

log = logging.getLogger(__name__)

INVALID = "Nút không hợp lệ"
STALE = "Tin này đã được cập nhật, hãy dùng nút trên tin mới nhất"
NOT_REVIEW_CHAT = (
    "Nhóm này không còn là nhóm rà soát của địa bàn nào; hãy rà soát tin trong nhóm rà soát "
    "của địa bàn"
)
NOT_REVIEWER = "Bạn không có quyền rà soát tin này"
NOT_UNIT = "Bạn không có quyền trả lời tin giao này"
CHOOSE_UNIT = "Giao đơn vị xác minh"
BACK = "« Quay lại"

# Short action codes in button data; review verdicts map to the status they set.
VERDICT_CODES = {"rel": "relevant", "irr": "irrelevant", "fal": "false_info"}
ANSWER_CODES = {"t": "true", "f": "false", "r": "reported"}
CHOOSE, PICK, GO_BACK = "asg", "u", "bk"
REVIEW_SCOPE, UNIT_SCOPE, CORRECT_SCOPE = "r", "a", "c"
# A reported item's corrections: the tone set, the commune (by index) or "not of the area".
TONE_CODES = {"neg": "negative", "neu": "neutral", "pos": "positive"}
PLACE, OUTSIDE_AREA = "pl", "out"
NOT_CORRECTOR = "Chỉ người báo tin này hoặc người rà soát mới sửa được"
OUTSIDE_LABEL = "Không thuộc địa bàn"

MAX_DATA = 64
HISTORY_SHOWN = 5
REPORT_SHOWN = 300
SIGNATURE_BYTES = 9  # 72 bits, 12 base64 characters
_DATA = re.compile(r"([rac])(\d{1,18})\.(\d{1,9})\.([a-z]{1,4})\.(\d{0,4})\.([A-Za-z0-9_-]{12})")
_ASSIGN = re.compile(r"assign:(\d{1,18})")


def signing_key(token: str) -> bytes:
    """The HMAC key of the buttons, derived from (never equal to) the bot token."""
    return hmac.new(b"duluan review buttons", token.encode("utf-8"), hashlib.sha256).digest()


@dataclass(frozen=True)
class Press:
    """What a button says: scope `r` (review of cluster `target`, drawn at `version`) or `a`
    (answer to assignment `target`), the action code and its argument (a unit's index)."""

    scope: str
    target: int
    version: int
    action: str
    arg: int | None = None


class Signer:
    """Packs a `Press` into signed button data and checks it back."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _sign(self, payload: str) -> str:
        digest = hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:SIGNATURE_BYTES]).decode("ascii")

    def pack(self, press: Press) -> str:
        arg = "" if press.arg is None else str(press.arg)
        payload = f"{press.scope}{press.target}.{press.version}.{press.action}.{arg}"
        data = f"{payload}.{self._sign(payload)}"
        if len(data.encode("ascii")) > MAX_DATA:
            raise ValueError(f"dữ liệu nút dài quá {MAX_DATA} byte: {data!r}")
        return data

    def unpack(self, data: str | None) -> Press | None:
        """The press, or None if the data is malformed or its signature is wrong."""
        match = _DATA.fullmatch(data or "")
        if match is None:
            return None
        scope, target, version, action, arg, signature = match.groups()
        payload = f"{scope}{target}.{version}.{action}.{arg}"
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        return Press(scope, int(target), int(version), action, int(arg) if arg else None)


def assignment_of(story: str) -> int | None:
    match = _ASSIGN.fullmatch(story)
    return int(match.group(1)) if match else None


def _button(signer: Signer, label: str, press: Press) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=signer.pack(press))


def review_keyboard(signer: Signer, cluster: int, version: int) -> InlineKeyboardMarkup:
    """The review group's buttons under an alert."""

    def press(action: str) -> Press:
        return Press(REVIEW_SCOPE, cluster, version, action)

    return InlineKeyboardMarkup(
        [
            [
                _button(signer, STATUS_LABELS["relevant"], press("rel")),
                _button(signer, STATUS_LABELS["irrelevant"], press("irr")),
            ],
            [_button(signer, CHOOSE_UNIT, press(CHOOSE))],
            [_button(signer, STATUS_LABELS["false_info"], press("fal"))],
        ]
    )


def units_keyboard(
    signer: Signer, cluster: int, version: int, units: Sequence[Unit]
) -> InlineKeyboardMarkup:
    """The choice of a unit to verify the story (units without a chat, Telegram or Zalo,
    cannot be reached)."""
    rows = [
        [_button(signer, unit.name, Press(REVIEW_SCOPE, cluster, version, PICK, index))]
        for index, unit in enumerate(units)
        if unit.chat or unit.zalo
    ]
    rows.append([_button(signer, BACK, Press(REVIEW_SCOPE, cluster, version, GO_BACK))])
    return InlineKeyboardMarkup(rows)


def unit_keyboard(signer: Signer, assignment_id: int) -> InlineKeyboardMarkup:
    """A unit's answers to an assignment."""

    def press(code: str) -> Press:
        return Press(UNIT_SCOPE, assignment_id, 0, code)

    return InlineKeyboardMarkup(
        [
            [
                _button(signer, ASSIGNMENT_LABELS["true"], press("t")),
                _button(signer, ASSIGNMENT_LABELS["false"], press("f")),
            ],
            [_button(signer, ASSIGNMENT_LABELS["reported"], press("r"))],
        ]
    )


def correction_keyboard(
    signer: Signer, article_id: int, area_index: int | None, communes: Sequence[str]
) -> InlineKeyboardMarkup:
    """The buttons under the answer to a report: its tone, and with an area (its index among
    the watch areas) the commune it is about or "not of the area". The press carries the area
    index + 1 in its version field (0: no area)."""
    version = 0 if area_index is None else area_index + 1

    def press(action: str, arg: int | None = None) -> Press:
        return Press(CORRECT_SCOPE, article_id, version, action, arg)

    rows = [[_button(signer, TONE_LABELS[tone], press(code)) for code, tone in TONE_CODES.items()]]
    if area_index is not None:
        names = [_button(signer, c, press(PLACE, i)) for i, c in enumerate(communes)]
        rows.extend(names[i : i + 2] for i in range(0, len(names), 2))
        rows.append([_button(signer, OUTSIDE_LABEL, press(OUTSIDE_AREA))])
    return InlineKeyboardMarkup(rows)


def _local(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%H:%M %d/%m/%Y")


def _history_line(action: ReviewActionRecord, zone: ZoneInfo) -> str:
    what = STATUS_LABELS.get(action.to_status, action.to_status)
    if action.action == "assign" and action.unit:
        what = f"giao {action.unit}"
    elif action.action in ("answer", "report") and action.unit:
        what = f"{action.unit}: {what}"
    return f"• {_local(action.at, zone)} {escape(action.user_name)}: {escape(what)}"


def assignment_line(job: AssignmentRecord, zone: ZoneInfo, today: date | None = None) -> str:
    """One assignment: unit, deadline, answer (and report) or whether it is overdue."""
    line = f"📌 <b>{escape(job.unit)}</b> — hạn {long_date(job.deadline)}: "
    if job.status == "open":
        late = today is not None and job.deadline < today
        line += "⚠️ <b>quá hạn</b>, chưa trả lời" if late else "⏳ chưa trả lời"
    else:
        line += f"<b>{escape(ASSIGNMENT_LABELS.get(job.status, job.status))}</b>"
        if job.answered_at is not None:
            line += f" ({_local(job.answered_at, zone)})"
    if job.report:
        report = job.report if len(job.report) <= REPORT_SHOWN else job.report[:REPORT_SHOWN] + "…"
        line += f"\n    Báo cáo: <i>{escape(report)}</i>"
    return line


def status_block(detail: ReviewDetail, zone: ZoneInfo, today: date | None = None) -> str:
    """The review status shown under an alert in the review group (Telegram HTML)."""
    state = detail.state
    lines = [f"🗂 <b>Rà soát: {escape(STATUS_LABELS.get(state.status, state.status))}</b>"]
    if detail.history:
        last = detail.history[-1]
        lines.append(f"bởi {escape(last.user_name)} lúc {_local(last.at, zone)}")
    lines.extend(assignment_line(job, zone, today) for job in detail.assignments)
    if len(detail.history) > 1:
        lines.append("Lịch sử:")
        shown = detail.history[-HISTORY_SHOWN:]
        if len(detail.history) > len(shown):
            lines.append(f"… {len(detail.history) - len(shown)} thao tác trước đó")
        lines.extend(_history_line(action, zone) for action in shown)
    return cut_html("\n".join(lines), 1500)


def article_line(brief: AlertBrief | None, fallback: str) -> str:
    if brief is None:
        return escape(fallback)
    return f"{escape(brief.outlet)}: {html_link(brief.url, brief.title)}"


ZALO_ASSIGN_ASK = (
    "Đề nghị đơn vị xác minh nội dung tin và trả lời bằng mã giao ở cuối tin này: đúng sự "
    "thật, sai sự thật, hoặc đã báo cáo kèm nội dung báo cáo."
)


def assignment_message(
    brief: AlertBrief | None,
    story: str,
    unit: str,
    deadline: date,
    assigned_by: str,
    *,
    zalo: bool = False,
) -> str:
    """The message a unit receives when a story is assigned to it; `zalo`: the copy for its
    Zalo chat, which has no buttons (the code to answer with is added under it at sending)."""
    lines = [
        "📋 <b>Giao xác minh tin báo chí</b>",
        f"Đơn vị: <b>{escape(unit)}</b>",
        f"Tin: {article_line(brief, f'tin {story} (xem nhóm rà soát)')}",
        f"Hạn xác minh: <b>{long_date(deadline)}</b>",
        f"Người giao: {escape(assigned_by)} (Trung tâm)",
        "",
    ]
    if zalo:
        return "\n".join([*lines, ZALO_ASSIGN_ASK])
    return "\n".join(
        [
            *lines,
            "Đề nghị đơn vị xác minh nội dung tin và trả lời bằng một nút bên dưới: "
            "«Đúng sự thật», «Sai sự thật», hoặc «Đã báo cáo» (rồi gửi nội dung báo cáo "
            "bằng cách trả lời tin nhắn của bot).",
        ]
    )


def answer_note(job: AssignmentRecord, user_name: str, zone: ZoneInfo) -> str:
    """The line added under a unit's assignment message once it answered."""
    label = ASSIGNMENT_LABELS.get(job.status, job.status)
    when = _local(job.answered_at, zone) if job.answered_at else ""
    line = f"✅ Đơn vị đã trả lời: <b>{escape(label)}</b> — {escape(user_name)} lúc {when}"
    if job.report:
        report = job.report if len(job.report) <= REPORT_SHOWN else job.report[:REPORT_SHOWN] + "…"
        line += f"\nBáo cáo: <i>{escape(report)}</i>"
    return line


class Decorator:
    """The outbox worker's `decorate` hook: the status block and buttons of each message."""

    def __init__(
        self,
        store: Store,
        config: Config,
        secret: bytes,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.signer = Signer(secret)
        self.now = now

    def __call__(self, item: OutboxItem) -> tuple[str, InlineKeyboardMarkup | None]:
        area = self.config.review_area(item.chat) if item.kind == "alert" else None
        if area is not None and area.review.chat and item.chat == area.review.chat:
            cluster = story_cluster(item.story)
            if cluster is None:
                return "", None
            detail = self.store.review_detail(item.story, area.name)
            zone = self.config.schedule.zone
            today = self.now().astimezone(zone).date() if self.now else None
            return (
                status_block(detail, zone, today),
                review_keyboard(self.signer, cluster, detail.state.version),
            )
        if item.kind == "assign":
            assignment = assignment_of(item.story)
            if assignment is not None:
                return "", unit_keyboard(self.signer, assignment)
        return "", None
