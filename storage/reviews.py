"""The review of stories from Telegram: verdicts, history, assignments to units.

A review is created lazily at a story's first action. Each action bumps the review's version
in the same transaction that records it, and only if the version is still the one the button
carried: a stale button (pressed on an older rendering, or twice) raises `StaleReview` and
changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nlp.area import DEFAULT_AREA
from storage.base import StoreBase
from storage.models import Assignment, Review, ReviewAction
from storage.outbox import enqueue
from storage.records import ZALO, OutboxEntry

log = logging.getLogger(__name__)

T = TypeVar("T")

NEW = "new"
VERDICTS = frozenset({"relevant", "irrelevant", "false_info"})
ANSWERS = frozenset({"true", "false", "reported"})
OPEN = "open"


class StaleReview(Exception):
    """The button carried an older version of the review than the stored one."""

    def __init__(self, story: str, expected: int, actual: int) -> None:
        super().__init__(
            f"Tin {story} đã được cập nhật (phiên bản {actual}, nút bấm mang phiên bản {expected})"
        )
        self.story = story
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True)
class ReviewState:
    """A story's review now; `id` 0 means no action was taken yet (status `new`)."""

    id: int
    story: str
    article_id: int | None
    status: str
    version: int
    updated_at: datetime | None
    area: str = DEFAULT_AREA  # the watch area reviewing the story (each reviews it separately)


@dataclass(frozen=True)
class ReviewActionRecord:
    """One stored action: who, when, what, from which status to which."""

    id: int
    at: datetime
    user_id: int
    user_name: str
    action: str
    from_status: str
    to_status: str
    unit: str | None
    note: str | None
    assignment_id: int | None


@dataclass(frozen=True)
class AssignmentRecord:
    """A story handed to a unit, its deadline (a local date) and the unit's answer."""

    id: int
    review_id: int
    story: str
    article_id: int | None
    unit: str
    chat: str | None
    topic: int | None
    deadline: date
    status: str
    report: str | None
    assigned_by: int
    assigned_at: datetime
    answered_by: int | None
    answered_at: datetime | None
    reminded_on: date | None
    area: str = DEFAULT_AREA  # its review's area
    zalo: str | None = None  # the unit's Zalo chat when assigned (None: none)


@dataclass(frozen=True)
class ReviewDetail:
    """A review with its whole history (oldest first) and its assignments."""

    state: ReviewState
    history: tuple[ReviewActionRecord, ...]
    assignments: tuple[AssignmentRecord, ...]


def _state(row: Review) -> ReviewState:
    return ReviewState(
        row.id, row.story, row.article_id, row.status, row.version, row.updated_at, row.area
    )


def _assignment(
    row: Assignment, story: str, article_id: int | None, area: str = DEFAULT_AREA
) -> AssignmentRecord:
    return AssignmentRecord(
        area=area,
        id=row.id,
        review_id=row.review_id,
        story=story,
        article_id=article_id,
        unit=row.unit,
        chat=row.chat,
        topic=row.topic_key or None,
        deadline=row.deadline,
        status=row.status,
        report=row.report,
        assigned_by=row.assigned_by,
        assigned_at=row.assigned_at,
        answered_by=row.answered_by,
        answered_at=row.answered_at,
        reminded_on=row.reminded_on,
        zalo=row.zalo,
    )


def _action(row: ReviewAction) -> ReviewActionRecord:
    return ReviewActionRecord(
        row.id,
        row.at,
        row.user_id,
        row.user_name,
        row.action,
        row.from_status,
        row.to_status,
        row.unit,
        row.note,
        row.assignment_id,
    )


class ReviewQueries(StoreBase):
    """Mixed into `Store`."""

    def review_detail(self, story: str, area: str = DEFAULT_AREA) -> ReviewDetail:
        """A story's review in `area`, its history and assignments; a never-reviewed story
        reads as `new`."""
        with self._read() as session:
            row = session.scalar(select(Review).where(Review.area == area, Review.story == story))
            if row is None:
                return ReviewDetail(ReviewState(0, story, None, NEW, 0, None, area), (), ())
            actions = session.scalars(
                select(ReviewAction)
                .where(ReviewAction.review_id == row.id)
                .order_by(ReviewAction.at, ReviewAction.id)
            ).all()
            assignments = session.scalars(
                select(Assignment).where(Assignment.review_id == row.id).order_by(Assignment.id)
            ).all()
            return ReviewDetail(
                _state(row),
                tuple(_action(a) for a in actions),
                tuple(_assignment(a, story, row.article_id, area) for a in assignments),
            )

    def list_reviews(
        self,
        statuses: Sequence[str] = (),
        since: datetime | None = None,
        limit: int = 200,
        area: str | None = None,
    ) -> list[ReviewState]:
        """Reviews, most recently changed first, optionally of some statuses, changed since, or
        of one area (None: every area's)."""
        stmt = select(Review).order_by(Review.updated_at.desc(), Review.id.desc()).limit(limit)
        if area is not None:
            stmt = stmt.where(Review.area == area)
        if statuses:
            stmt = stmt.where(Review.status.in_(list(statuses)))
        if since is not None:
            stmt = stmt.where(Review.updated_at >= since)
        with self._read() as session:
            return [_state(row) for row in session.scalars(stmt)]

    def get_assignment(self, assignment_id: int) -> AssignmentRecord | None:
        with self._read() as session:
            found = session.execute(
                select(Assignment, Review.story, Review.article_id, Review.area)
                .join(Review, Review.id == Assignment.review_id)
                .where(Assignment.id == assignment_id)
            ).first()
            return None if found is None else _assignment(*found)

    def review_action(
        self,
        story: str,
        *,
        expected_version: int,
        action: str,
        user_id: int,
        user_name: str,
        at: datetime,
        unit: str | None = None,
        note: str | None = None,
        article_id: int | None = None,
        area: str = DEFAULT_AREA,
    ) -> ReviewState:
        """Set the verdict `action` (relevant, irrelevant, false_info) of `area`'s review and
        record who did it; raises `StaleReview` if the review moved past `expected_version`."""
        if action not in VERDICTS:
            raise ValueError(f"hành động rà soát không hợp lệ: {action!r}")

        def work(session: Session) -> ReviewState:
            row = self._bump(session, area, story, expected_version, action, at, article_id)
            session.add(
                ReviewAction(
                    review_id=row.id,
                    user_id=user_id,
                    user_name=user_name,
                    action=action,
                    from_status=row.from_status,
                    to_status=action,
                    unit=unit,
                    note=note,
                    at=at,
                )
            )
            return row.state

        state = self._writing(work)
        log.info("[%s] %s (%d) đặt trạng thái %s", story, user_name, user_id, action)
        return state

    def assign(
        self,
        story: str,
        *,
        expected_version: int,
        unit: str,
        chat: str | None,
        topic: int | None,
        deadline: date,
        user_id: int,
        user_name: str,
        at: datetime,
        message: str,
        article_id: int | None = None,
        area: str = DEFAULT_AREA,
        zalo: str | None = None,
        zalo_message: str | None = None,
    ) -> tuple[ReviewState, AssignmentRecord]:
        """Hand the story (`area`'s review of it) to `unit` by `deadline` and queue `message` to
        the unit's chats, Telegram's (`chat`, `topic`) and Zalo's (`zalo`), each that is set
        (story `assign:<id>`, kind `assign`) in the same transaction; `StaleReview` as
        `review_action`."""

        def work(session: Session) -> tuple[ReviewState, AssignmentRecord]:
            row = self._bump(session, area, story, expected_version, "assigned", at, article_id)
            job = Assignment(
                review_id=row.id,
                unit=unit,
                chat=chat,
                topic_key=topic or 0,
                zalo=zalo,
                deadline=deadline,
                status=OPEN,
                assigned_by=user_id,
                assigned_at=at,
            )
            session.add(job)
            session.flush()
            session.add(
                ReviewAction(
                    review_id=row.id,
                    assignment_id=job.id,
                    user_id=user_id,
                    user_name=user_name,
                    action="assign",
                    from_status=row.from_status,
                    to_status="assigned",
                    unit=unit,
                    note=f"hạn {deadline:%d/%m/%Y}",
                    at=at,
                )
            )
            key = f"assign:{job.id}"
            entries = []
            if chat:
                entries.append(OutboxEntry(key, chat, topic, "assign", message, article_id))
            if zalo:
                text = zalo_message or message
                entries.append(OutboxEntry(key, zalo, None, "assign", text, article_id, ZALO))
            if entries:
                enqueue(session, entries, at)
            else:
                log.warning("[%s] đơn vị %s chưa có chat: không gửi được tin giao", story, unit)
            return row.state, _assignment(job, story, row.state.article_id, area)

        state, job = self._writing(work)
        log.info("[%s] %s giao %s, hạn %s (giao việc %d)", story, user_name, unit, deadline, job.id)
        return state, job

    def answer_assignment(
        self,
        assignment_id: int,
        status: str,
        user_id: int,
        user_name: str,
        at: datetime,
        report: str | None = None,
    ) -> tuple[ReviewState, AssignmentRecord]:
        """Store a unit's answer (true, false, reported; `report` keeps the text) and make it the
        review's status. Answers may be changed; each one is kept in the history."""
        if status not in ANSWERS:
            raise ValueError(f"câu trả lời không hợp lệ: {status!r}")

        def work(session: Session) -> tuple[ReviewState, AssignmentRecord]:
            job = session.get(Assignment, assignment_id, with_for_update=True)
            if job is None:
                raise KeyError(f"không có giao việc mã {assignment_id}")
            review = session.get_one(Review, job.review_id, with_for_update=True)
            before = review.status
            job.status = status
            job.answered_by = user_id
            job.answered_at = at
            if report is not None:
                job.report = report
            review.status = status
            review.version += 1
            review.updated_at = at
            session.add(
                ReviewAction(
                    review_id=review.id,
                    assignment_id=job.id,
                    user_id=user_id,
                    user_name=user_name,
                    action="report" if report is not None else "answer",
                    from_status=before,
                    to_status=status,
                    unit=job.unit,
                    note=report,
                    at=at,
                )
            )
            session.flush()
            return _state(review), _assignment(job, review.story, review.article_id, review.area)

        state, job = self._writing(work)
        log.info("[%s] %s trả lời giao việc %d: %s", state.story, job.unit, job.id, status)
        return state, job

    def overdue_assignments(self, today: date) -> list[AssignmentRecord]:
        """Open assignments whose deadline (the last allowed day) is before `today`."""
        stmt = (
            select(Assignment, Review.story, Review.article_id, Review.area)
            .join(Review, Review.id == Assignment.review_id)
            .where(Assignment.status == OPEN, Assignment.deadline < today)
            .order_by(Assignment.deadline, Assignment.id)
        )
        with self._read() as session:
            return [_assignment(*row) for row in session.execute(stmt)]

    def mark_reminded(
        self,
        assignment_ids: Sequence[int],
        on: date,
        messages: Sequence[OutboxEntry] = (),
        at: datetime | None = None,
    ) -> int:
        """Note that these assignments were reminded on `on`, queueing the reminder `messages`
        in the same transaction (so a crash neither loses nor repeats them); returns how many
        messages were new."""
        if messages and at is None:
            raise ValueError("cần thời điểm `at` để xếp tin nhắc vào hàng đợi")

        def work(session: Session) -> int:
            if assignment_ids:
                session.execute(
                    update(Assignment)
                    .where(Assignment.id.in_(list(assignment_ids)))
                    .values(reminded_on=on)
                )
            return enqueue(session, messages, at) if at is not None else 0

        return self._writing(work)

    def _bump(
        self,
        session: Session,
        area: str,
        story: str,
        expected: int,
        status: str,
        at: datetime,
        article_id: int | None,
    ) -> _Bumped:
        """Create `area`'s review of the story if needed, then move it to `status` if still at
        `expected`."""
        mine = (Review.area == area, Review.story == story)
        row = session.scalar(select(Review).where(*mine))
        if row is None:
            try:
                with session.begin_nested():
                    row = Review(
                        area=area,
                        story=story,
                        article_id=article_id,
                        status=NEW,
                        version=0,
                        created_at=at,
                        updated_at=at,
                    )
                    session.add(row)
                    session.flush()
            except IntegrityError:
                row = session.scalars(select(Review).where(*mine)).one()
        if row.version != expected:
            raise StaleReview(story, expected, row.version)
        before = row.status
        done = session.connection().execute(
            update(Review)
            .where(Review.id == row.id, Review.version == expected)
            .values(status=status, version=Review.version + 1, updated_at=at)
        )
        session.expire(row)
        if done.rowcount != 1:
            raise StaleReview(story, expected, row.version)
        if article_id is not None and row.article_id is None:
            row.article_id = article_id
            session.flush()
        return _Bumped(_state(row), before, row.id)


@dataclass(frozen=True)
class _Bumped:
    state: ReviewState
    from_status: str
    id: int
