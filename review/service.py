"""The review operations, one copy for both front doors: Telegram's buttons and the console.

A verdict (relevant, not relevant, false information: the last opens the story's case file and
starts keeping its pages), an assignment to a unit (its deadline, by default N working days,
and the message queued to the unit), and the unit's answer (true, false, reported). The bot
(`review.bot`) and the console (`duluan.console.review`) parse the press or the form, call one
of these, and answer in their own way; nothing here talks to Telegram or HTTP. A user's mistake
raises `ReviewError` with the Vietnamese text to show; a press or page drawn before someone else
acted raises the store's `StaleReview`, which each front door answers in its own words.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from cases.evidence import Fetch, capture_soon
from duluan.config import Area, Config, Unit
from nlp.area import DEFAULT_AREA
from review.buttons import assignment_message
from review.workdays import WorkCalendar
from storage import Store
from storage.cases import CaseRecord
from storage.reviews import ANSWERS, AssignmentRecord, ReviewState, StaleReview

__all__ = [
    "MAX_REPORT",
    "Actor",
    "Answered",
    "Assigned",
    "ReviewError",
    "ReviewService",
    "StaleReview",
    "Verdict",
    "calendar",
]

MAX_REPORT = 5000  # characters of a unit's written report
MAX_AHEAD = timedelta(days=366)  # a deadline further away is a typing mistake


class ReviewError(ValueError):
    """A user's mistake, refused before anything changed: `title` heads the console's error
    page, the message (`str(error)`) says what was wrong and how to do it right."""

    def __init__(self, title: str, message: str) -> None:
        super().__init__(message)
        self.title = title


@dataclass(frozen=True)
class Actor:
    """Who acts: the id and name the review history keeps, and `via`, naming the front door
    and the person in the logs of the evidence kept for them ("Telegram, Chị Lan")."""

    user_id: int
    name: str
    via: str


@dataclass(frozen=True)
class Verdict:
    """What a verdict did: the review's new state and, for false information, the case file
    opened (or found) and the thread keeping its pages now (None without a fetch: the daemon's
    evidence job keeps them on its next run)."""

    status: str
    state: ReviewState
    case: CaseRecord | None = None
    capture: threading.Thread | None = None


@dataclass(frozen=True)
class Assigned:
    """The review after an assignment, and the assignment (unit, chat, deadline) made."""

    state: ReviewState
    job: AssignmentRecord


@dataclass(frozen=True)
class Answered:
    """The review after a unit's answer, and the assignment with that answer."""

    state: ReviewState
    job: AssignmentRecord


def calendar(config: Config | Area) -> WorkCalendar:
    """The working days of the config's (or an area's) offices: its extra days off and working
    weekends."""
    return WorkCalendar(config.review.holidays, config.review.workdays)


class ReviewService:
    """The review operations on `store`, with the config's units and working days, the clock
    `now`, and, when given, `fetch` to keep a false story's pages at once."""

    def __init__(
        self,
        store: Store,
        config: Config,
        now: Callable[[], datetime],
        fetch: Fetch | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.now = now
        self.fetch = fetch
        self.calendar = calendar(config)
        self.zone = config.schedule.zone

    def today(self) -> date:
        """Today in the deployment's time zone."""
        return self.now().astimezone(self.zone).date()

    def area(self, name: str = DEFAULT_AREA) -> Area:
        """The configured watch area called `name`, whose review this is; `ReviewError` when
        the config has no such area (a press or a form from before areas changed)."""
        try:
            return self.config.area(name)
        except KeyError:
            raise ReviewError(
                "Địa bàn không hợp lệ",
                f"Không có địa bàn {name!r} trong cấu hình. Chưa có gì thay đổi.",
            ) from None

    def default_deadline(self, area: str = DEFAULT_AREA) -> date:
        """The deadline given when none is chosen: the area's `review.deadline_days` working
        days on, by its calendar."""
        settings = self.area(area) if self.config.areas is not None else None
        if settings is None:
            return self.calendar.add_working_days(self.today(), self.config.review.deadline_days)
        return calendar(settings).add_working_days(self.today(), settings.review.deadline_days)

    def verdict(
        self,
        *,
        story: str,
        version: int,
        status: str,
        actor: Actor,
        article_id: int | None,
        area: str = DEFAULT_AREA,
    ) -> Verdict:
        """Record the verdict `status` (relevant, irrelevant, false_info) on `area`'s review
        drawn at `version`; false information also opens the area's case file and starts keeping
        the story's pages. Raises `StaleReview` when someone acted since `version`."""
        at = self.now()
        state = self.store.review_action(
            story,
            expected_version=version,
            action=status,
            user_id=actor.user_id,
            user_name=actor.name,
            at=at,
            article_id=article_id,
            area=area,
        )
        if status != "false_info":
            return Verdict(status, state)
        case = self.store.open_case(story, actor.name, at, article_id=article_id, area=area)
        return Verdict(status, state, case, self.capture(case=case, actor=actor))

    def capture(self, *, case: CaseRecord, actor: Actor) -> threading.Thread | None:
        """Start keeping `case`'s pages now, in the background; None without a fetch."""
        if self.fetch is None:
            return None
        return capture_soon(self.store, case, self.fetch, self.now, actor.via)

    def unit(self, name: str, area: str = DEFAULT_AREA) -> Unit:
        """The unit called `name` of the area (the top level's units without `areas:`);
        `ReviewError` when there is none."""
        units = self.config.units if self.config.areas is None else self.area(area).units
        found = next((u for u in units if u.name == name), None)
        if found is None:
            raise ReviewError(
                "Đơn vị không hợp lệ",
                f"Không có đơn vị {name!r} trong cấu hình. Chưa có gì thay đổi.",
            )
        return found

    def deadline(self, typed: str = "", area: str = DEFAULT_AREA) -> date:
        """The deadline typed as year-month-day, or the area's default one for an empty text; a
        text that is not a date, a day already past or one more than a year ahead is refused."""
        if not typed:
            return self.check_deadline(self.default_deadline(area))
        try:
            value = date.fromisoformat(typed)
        except ValueError:
            value = None
        if value is None or not 1900 <= value.year <= 9000:
            raise ReviewError(
                "Hạn không hợp lệ",
                f"{typed!r} không phải ngày (năm-tháng-ngày). Chưa có gì thay đổi.",
            )
        return self.check_deadline(value)

    def check_deadline(self, deadline: date) -> date:
        """`deadline` itself if it is from today to a year ahead; else `ReviewError`."""
        today = self.today()
        if deadline < today:
            raise ReviewError(
                "Hạn đã qua",
                f"Hạn xác minh {deadline:%d/%m/%Y} đã qua (hôm nay {today:%d/%m/%Y}). Hãy chọn "
                "hạn từ hôm nay trở đi; chưa có gì thay đổi.",
            )
        if deadline > today + MAX_AHEAD:
            raise ReviewError(
                "Hạn không hợp lệ",
                "Hạn xác minh quá xa (hơn một năm). Chưa có gì thay đổi.",
            )
        return deadline

    def assign(
        self,
        *,
        story: str,
        version: int,
        unit: Unit,
        actor: Actor,
        deadline: date | None = None,
        article_id: int | None = None,
        area: str = DEFAULT_AREA,
    ) -> Assigned:
        """Hand `area`'s review of the story drawn at `version` to `unit` by `deadline`
        (default: the area's working days on) and queue the unit's message (to its Telegram
        and Zalo chats). Raises `ReviewError` for a deadline past or more than a year ahead,
        `StaleReview` when someone acted since `version`."""
        when = self.check_deadline(self.default_deadline(area) if deadline is None else deadline)
        briefs = self.store.alert_briefs([article_id]) if article_id is not None else {}
        brief = briefs.get(article_id) if article_id is not None else None
        text = assignment_message(brief, story, unit.name, when, actor.name)
        zalo_text = assignment_message(brief, story, unit.name, when, actor.name, zalo=True)
        state, job = self.store.assign(
            story,
            expected_version=version,
            unit=unit.name,
            chat=unit.chat,
            topic=unit.topic,
            zalo=unit.zalo,
            deadline=when,
            user_id=actor.user_id,
            user_name=actor.name,
            at=self.now(),
            message=text,
            zalo_message=zalo_text,
            article_id=article_id,
            area=area,
        )
        return Assigned(state, job)

    def answer(
        self, *, job: AssignmentRecord, status: str, actor: Actor, report: str | None = None
    ) -> Answered:
        """Record the unit's answer to `job` (true, false, reported) with its written report, if
        any; an unknown answer or a report longer than `MAX_REPORT` is a `ReviewError`."""
        if status not in ANSWERS:
            raise ReviewError("Trả lời không hợp lệ", "Chưa có gì thay đổi.")
        if report is not None and len(report) > MAX_REPORT:
            raise ReviewError(
                "Báo cáo quá dài",
                f"Báo cáo dài quá {MAX_REPORT} ký tự. Chưa có gì thay đổi.",
            )
        state, done = self.store.answer_assignment(
            job.id,
            status=status,
            user_id=actor.user_id,
            user_name=actor.name,
            at=self.now(),
            report=report or None,
        )
        return Answered(state, done)
