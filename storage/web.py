"""Console accounts, login attempts, the audit log, and the queries of the review console."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import String, cast, delete, exists, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.base import StoreBase
from storage.models import (
    Article,
    ArticleUnit,
    Assignment,
    OutboxMessage,
    Review,
    Source,
)
from storage.models.users import AuditRow, LoginAttemptRow, WebUserRow
from storage.reviews import AssignmentRecord, _assignment
from storage.vocabulary import STORY_PREFIX, story_key

log = logging.getLogger(__name__)

T = TypeVar("T")

QUEUE_SCAN = 3000


@dataclass(frozen=True)
class WebUserRecord:
    """A console account; the hash is never shown, only checked. A session is valid only while
    it carries the account's current `session_epoch`."""

    id: int
    name: str
    role: str
    unit: str | None
    active: bool
    created_at: datetime
    last_login_at: datetime | None
    password_hash: str = field(repr=False, default="")
    session_epoch: int = 0


MAX_COUNTED = 200  # failed attempts counted per key: the delay is capped long before


@dataclass(frozen=True)
class Failures:
    """Failed login attempts of one key (name, address, or both) and the latest one's time."""

    count: int = 0
    last: datetime | None = None


@dataclass(frozen=True)
class LoginFailures:
    """What the login throttle weighs for one attempt (see `duluan.console.login`)."""

    pair: Failures
    name: Failures
    address: Failures
    known_address: bool


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: datetime
    user_id: int | None
    user_name: str
    action: str
    target: str
    detail: str
    ip: str | None


@dataclass(frozen=True)
class QueueFilters:
    """What the queue shows: every field empty means no filter on it."""

    status: str = ""
    tone: str = ""
    commune: str = ""
    unit: str = ""
    outlet: str = ""
    topic: str = ""
    since: datetime | None = None
    until: datetime | None = None
    query: str = ""


@dataclass(frozen=True)
class QueueItem:
    """One flagged story in the queue: its first relevant article and its review status."""

    story: str
    cluster_id: int
    article_id: int
    title: str
    source: str
    outlet: str
    url: str
    when: datetime
    tone: str | None
    topics: tuple[str, ...]
    copies: int
    status: str
    version: int
    units: tuple[str, ...] = ()


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    total: int
    counts: dict[str, int]


@dataclass(frozen=True)
class StoryMessageRow:
    """One outbox row of a story (alerts, edits, assignment messages): where and how it went."""

    id: int
    story: str
    chat: str
    kind: str
    status: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None


def _user(row: WebUserRow) -> WebUserRecord:
    return WebUserRecord(
        row.id,
        row.name,
        row.role,
        row.unit,
        row.active,
        row.created_at,
        row.last_login_at,
        row.password_hash,
        row.session_epoch,
    )


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class WebQueries(StoreBase):
    """Mixed into `Store`."""

    # Accounts

    def add_web_user(
        self, name: str, role: str, unit: str | None, password_hash: str, at: datetime
    ) -> WebUserRecord:
        """Create an account; `ValueError` if the name is taken."""

        def work(session: Session) -> WebUserRecord:
            row = WebUserRow(
                name=name,
                role=role,
                unit=unit,
                password_hash=password_hash,
                active=True,
                created_at=at,
            )
            session.add(row)
            session.flush()
            return _user(row)

        try:
            record = self._writing(work)
        except IntegrityError:
            raise ValueError(f"tài khoản {name!r} đã có") from None
        log.info("[web] tạo tài khoản %s (%s, đơn vị %s)", name, role, unit or "—")
        return record

    def set_web_password(self, name: str, password_hash: str) -> bool:
        """Set a new password and end every session opened with the old one."""

        def work(session: Session) -> bool:
            result: Any = session.execute(
                update(WebUserRow)
                .where(WebUserRow.name == name)
                .values(
                    password_hash=password_hash,
                    session_epoch=WebUserRow.session_epoch + 1,
                )
                .execution_options(synchronize_session=False)
            )
            return bool(result.rowcount)

        done = self._writing(work)
        if done:
            log.info("[web] đổi mật khẩu tài khoản %s; mọi phiên đăng nhập cũ đã kết thúc", name)
        return done

    def set_web_user_active(self, user_id: int, active: bool) -> bool:
        """Enable or disable an account; disabling also ends its sessions, so enabling it again
        does not bring old cookies back to life."""

        def work(session: Session) -> bool:
            values: dict[str, Any] = {"active": active}
            if not active:
                values["session_epoch"] = WebUserRow.session_epoch + 1
            result: Any = session.execute(
                update(WebUserRow)
                .where(WebUserRow.id == user_id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            return bool(result.rowcount)

        done = self._writing(work)
        if done and not active:
            log.info("[web] khóa tài khoản số %s; mọi phiên đăng nhập đã kết thúc", user_id)
        return done

    def end_web_sessions(self, user_id: int) -> bool:
        """End every session of the account (all browsers and devices); False if no such
        account."""

        def work(session: Session) -> bool:
            result: Any = session.execute(
                update(WebUserRow)
                .where(WebUserRow.id == user_id)
                .values(session_epoch=WebUserRow.session_epoch + 1)
                .execution_options(synchronize_session=False)
            )
            return bool(result.rowcount)

        done = self._writing(work)
        if done:
            log.info("[web] kết thúc mọi phiên đăng nhập của tài khoản số %s", user_id)
        return done

    def get_web_user(self, user_id: int) -> WebUserRecord | None:
        with self._read() as session:
            row = session.get(WebUserRow, user_id)
            return None if row is None else _user(row)

    def web_user_by_name(self, name: str) -> WebUserRecord | None:
        with self._read() as session:
            row = session.scalar(select(WebUserRow).where(WebUserRow.name == name))
            return None if row is None else _user(row)

    def list_web_users(self) -> list[WebUserRecord]:
        with self._read() as session:
            return [_user(r) for r in session.scalars(select(WebUserRow).order_by(WebUserRow.name))]

    # Logins

    def record_login(self, name: str, ip: str, ok: bool, at: datetime) -> None:
        """Keep one login attempt; a success also stamps the account's last login."""

        def work(session: Session) -> None:
            session.add(LoginAttemptRow(at=at, name=name[:100], ip=ip[:64], ok=ok))
            if ok:
                row = session.scalar(select(WebUserRow).where(WebUserRow.name == name))
                if row is not None:
                    row.last_login_at = at

        self._writing(work)

    def login_failures(
        self, name: str, ip: str, since: datetime, known_since: datetime
    ) -> LoginFailures:
        """The failed attempts since `since` that the login throttle weighs: for this name from
        this address and for this name from anywhere (each counted after its last success), from
        this address for any name; and whether this address logged in to this account since
        `known_since`."""
        row = LoginAttemptRow
        name, ip = name[:100], ip[:64]
        pair, account, address = (
            (row.name == name, row.ip == ip),
            (row.name == name,),
            (row.ip == ip,),
        )
        with self._read() as session:

            def last_success(*where: Any) -> datetime | None:
                stmt = select(row.at).where(row.ok.is_(True), row.at >= since, *where)
                found: datetime | None = session.scalar(stmt.order_by(row.at.desc()).limit(1))
                return found

            def failures(after: datetime | None, *where: Any) -> Failures:
                stmt = select(row.at).where(row.ok.is_(False), row.at >= since, *where)
                if after is not None:
                    stmt = stmt.where(row.at > after)
                times = session.scalars(stmt.order_by(row.at.desc()).limit(MAX_COUNTED)).all()
                return Failures(len(times), times[0] if times else None)

            known = session.scalar(
                select(row.id).where(row.ok.is_(True), row.at >= known_since, *pair).limit(1)
            )
            return LoginFailures(
                pair=failures(last_success(*pair), *pair),
                name=failures(last_success(*account), *account),
                address=failures(None, *address),
                known_address=known is not None,
            )

    def prune_login_attempts(self, before: datetime) -> int:
        """Delete login attempts older than `before` (the throttle weighs a day of failures and
        90 days of successes); how many went. Run daily by the daemon, so the table stays small."""
        if before.tzinfo is None:
            raise ValueError("before: cần thời điểm có múi giờ / must be timezone-aware")

        def work(session: Session) -> int:
            result = session.execute(delete(LoginAttemptRow).where(LoginAttemptRow.at < before))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

        return self._writing(work)

    def clear_failed_logins(self, name: str) -> int:
        """Forget the failed attempts on one account name (`duluan users unlock`); how many."""

        def work(session: Session) -> int:
            rows = session.scalars(
                select(LoginAttemptRow).where(
                    LoginAttemptRow.name == name[:100], LoginAttemptRow.ok.is_(False)
                )
            ).all()
            for found in rows:
                session.delete(found)
            return len(rows)

        return self._writing(work)

    # Audit

    def add_audit(
        self,
        at: datetime,
        user_id: int | None,
        user_name: str,
        action: str,
        target: str,
        detail: str = "",
        ip: str | None = None,
    ) -> None:
        def work(session: Session) -> None:
            session.add(
                AuditRow(
                    at=at,
                    user_id=user_id,
                    user_name=user_name[:100],
                    action=action[:40],
                    target=target[:200],
                    detail=detail,
                    ip=ip[:64] if ip else None,
                )
            )

        self._writing(work)

    def list_audit(self, limit: int = 200, user_name: str = "") -> list[AuditRecord]:
        stmt = select(AuditRow).order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(limit)
        if user_name:
            stmt = stmt.where(AuditRow.user_name == user_name)
        with self._read() as session:
            return [
                AuditRecord(r.id, r.at, r.user_id, r.user_name, r.action, r.target, r.detail, r.ip)
                for r in session.scalars(stmt)
            ]

    # The queue

    def review_queue(self, filters: QueueFilters, offset: int = 0, limit: int = 50) -> QueuePage:
        """Flagged stories (clusters with a relevant article), newest first, filtered, with the
        count of each status over every filter but the status itself. Scans the newest
        `QUEUE_SCAN` stories that pass the database-side filters."""
        rep = (
            select(
                Article.cluster_id.label("cluster_id"),
                func.min(Article.id).label("article_id"),
                func.count().label("copies"),
            )
            .where(Article.relevant.is_(True))
            .group_by(Article.cluster_id)
            .subquery()
        )
        story = literal(STORY_PREFIX, String) + cast(rep.c.cluster_id, String)
        when = func.coalesce(Article.published_at, Article.first_seen_at)
        stmt: Any = (
            select(
                rep.c.cluster_id,
                rep.c.article_id,
                rep.c.copies,
                Article.title,
                Source.name,
                Source.title,
                Article.url,
                Article.published_at,
                Article.first_seen_at,
                Article.tone,
                Article.topics,
                Review.status,
                Review.version,
                Review.id,
            )
            .join(Article, Article.id == rep.c.article_id)
            .join(Source, Source.id == Article.source_id)
            .outerjoin(Review, Review.story == story)
            .order_by(when.desc(), rep.c.article_id.desc())
            .limit(QUEUE_SCAN)
        )
        if filters.tone:
            stmt = stmt.where(Article.tone == filters.tone)
        if filters.outlet:
            stmt = stmt.where(Source.name == filters.outlet)
        if filters.since is not None:
            stmt = stmt.where(when >= filters.since)
        if filters.until is not None:
            stmt = stmt.where(when < filters.until)
        if filters.query:
            stmt = stmt.where(Article.title.ilike(_like(filters.query), escape="\\"))
        if filters.commune:
            copy = Article.__table__.alias("copy")
            stmt = stmt.where(
                exists().where(
                    ArticleUnit.article_id == copy.c.id,
                    copy.c.cluster_id == rep.c.cluster_id,
                    or_(
                        ArticleUnit.name == filters.commune,
                        ArticleUnit.new_name == filters.commune,
                    ),
                )
            )
        if filters.unit:
            stmt = stmt.where(
                exists().where(Assignment.review_id == Review.id, Assignment.unit == filters.unit)
            )
        with self._read() as session:
            rows = session.execute(stmt).all()
            review_ids = [r[13] for r in rows if r[13] is not None]
            assigned: dict[int, list[str]] = {}
            for start in range(0, len(review_ids), 400):
                batch = review_ids[start : start + 400]
                for review_id, unit in session.execute(
                    select(Assignment.review_id, Assignment.unit)
                    .where(Assignment.review_id.in_(batch))
                    .order_by(Assignment.id)
                ):
                    assigned.setdefault(review_id, []).append(unit)
        items: list[QueueItem] = []
        for r in rows:
            topics = tuple(r[10] or ())
            if filters.topic and filters.topic not in topics:
                continue
            items.append(
                QueueItem(
                    story=story_key(r[0]),
                    cluster_id=r[0],
                    article_id=r[1],
                    copies=r[2],
                    title=r[3],
                    source=r[4],
                    outlet=r[5],
                    url=r[6],
                    when=r[7] or r[8],
                    tone=r[9],
                    topics=topics,
                    status=r[11] or "new",
                    version=r[12] or 0,
                    units=tuple(dict.fromkeys(assigned.get(r[13], ()))) if r[13] else (),
                )
            )
        counts: dict[str, int] = {}
        for item in items:
            counts[item.status] = counts.get(item.status, 0) + 1
        if filters.status:
            items = [i for i in items if i.status == filters.status]
        return QueuePage(items[offset : offset + limit], len(items), counts)

    def story_article(self, cluster_id: int) -> int | None:
        """The article shown for a story: the one its review names, else its first relevant
        article, else its first article."""
        with self._read() as session:
            named = session.scalar(
                select(Review.article_id).where(Review.story == story_key(cluster_id))
            )
            if named is not None:
                return named
            for only_relevant in (True, False):
                stmt = select(func.min(Article.id)).where(Article.cluster_id == cluster_id)
                if only_relevant:
                    stmt = stmt.where(Article.relevant.is_(True))
                found = session.scalar(stmt)
                if found is not None:
                    return int(found)
        return None

    def story_messages(self, story: str) -> list[StoryMessageRow]:
        """The outbox rows of a story and of its assignments' messages, oldest first."""
        with self._read() as session:
            ids = session.scalars(
                select(Assignment.id)
                .join(Review, Review.id == Assignment.review_id)
                .where(Review.story == story)
            ).all()
            stories = [story, *(f"assign:{i}" for i in ids)]
            rows = session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.story.in_(stories))
                .order_by(OutboxMessage.created_at, OutboxMessage.id)
            ).all()
            return [
                StoryMessageRow(
                    r.id,
                    r.story,
                    r.chat,
                    r.kind,
                    r.status,
                    r.attempts,
                    r.created_at,
                    r.sent_at,
                    r.last_error,
                )
                for r in rows
            ]

    def list_assignments(
        self, unit: str | None = None, open_only: bool = False, limit: int = 500
    ) -> list[AssignmentRecord]:
        """Assignments, the nearest deadline first; of one unit, or only unanswered ones."""
        stmt = (
            select(Assignment, Review.story, Review.article_id)
            .join(Review, Review.id == Assignment.review_id)
            .order_by(Assignment.deadline.desc(), Assignment.id.desc())
            .limit(limit)
        )
        if unit is not None:
            stmt = stmt.where(Assignment.unit == unit)
        if open_only:
            stmt = stmt.where(Assignment.status == "open")
        with self._read() as session:
            return [_assignment(*row) for row in session.execute(stmt)]

    def queue_choices(self) -> tuple[list[str], list[tuple[str, str]]]:
        """The communes named by relevant articles and the outlets (name, title) for filters."""
        with self._read() as session:
            communes = session.scalars(
                select(ArticleUnit.name)
                .join(Article, Article.id == ArticleUnit.article_id)
                .where(Article.relevant.is_(True), ArticleUnit.in_watch_area.is_(True))
                .distinct()
                .order_by(ArticleUnit.name)
            ).all()
            outlets = session.execute(select(Source.name, Source.title).order_by(Source.title))
            return list(communes), [(n, t) for n, t in outlets]


__all__: Sequence[str] = (
    "AuditRecord",
    "QueueFilters",
    "QueueItem",
    "QueuePage",
    "StoryMessageRow",
    "WebQueries",
    "WebUserRecord",
)
