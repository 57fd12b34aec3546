"""Console accounts, their sessions and login attempts, and the audit log of what each did."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.base import StoreBase
from storage.models.users import AuditRow, LoginAttemptRow, WebUserRow

log = logging.getLogger(__name__)

T = TypeVar("T")


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
    area: str | None = None  # its watch area; None: every area


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
        row.area,
    )


class UserQueries(StoreBase):
    """The console accounts part of `Store`: users, sessions, login attempts, audit."""

    def add_web_user(
        self,
        name: str,
        role: str,
        unit: str | None,
        password_hash: str,
        at: datetime,
        area: str | None = None,
    ) -> WebUserRecord:
        """Create an account, of one watch area or (`area` None) of all; `ValueError` if the
        name is taken."""

        def work(session: Session) -> WebUserRecord:
            row = WebUserRow(
                name=name,
                role=role,
                unit=unit,
                area=area,
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

    def list_web_users(self, area: str | None = None) -> list[WebUserRecord]:
        """The accounts by name; with `area`, those that work on it: its own and those of every
        area."""
        stmt = select(WebUserRow).order_by(WebUserRow.name)
        if area is not None:
            stmt = stmt.where(or_(WebUserRow.area == area, WebUserRow.area.is_(None)))
        with self._read() as session:
            return [_user(r) for r in session.scalars(stmt)]

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
