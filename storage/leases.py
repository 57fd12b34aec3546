"""Leases: a named piece of work held by one process at a time, across processes and machines
sharing the database (issue 18). Taking, renewing and taking over an expired lease is one
atomic upsert, so two processes asking at once never both get it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.base import StoreBase, require_aware
from storage.models import Lease


class LeaseQueries(StoreBase):
    """Mixed into `Store`."""

    def take_lease(self, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
        """Take lease `name` for `holder` until `now + ttl`: True when `holder` has it (it was
        free, expired, or already `holder`'s and is now renewed), False when another holder's
        lease runs past `now`."""
        require_aware(now, "now")
        if ttl <= timedelta(0):
            raise ValueError(f"Thời hạn lease phải dương, nhận được {ttl!r}")
        dialect = self._engine.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(Lease).values(name=name, holder=holder, expires_at=now + ttl)
        upsert = stmt.on_conflict_do_update(
            index_elements=[Lease.name],
            set_={"holder": stmt.excluded.holder, "expires_at": stmt.excluded.expires_at},
            where=(Lease.expires_at < now) | (Lease.holder == holder),
        ).returning(Lease.holder)

        def work(session: Session) -> bool:
            # A row comes back only when inserted or updated (the WHERE held): rowcount is not
            # reliable for an upsert on every driver.
            return session.execute(upsert).first() is not None

        return self._writing(work)

    def release_lease(self, name: str, holder: str) -> None:
        """Give lease `name` up if `holder` has it (another holder's lease is left alone)."""

        def work(session: Session) -> None:
            session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))

        self._writing(work)

    def lease_holder(self, name: str, now: datetime) -> str | None:
        """Who holds lease `name` at `now`, None when nobody does (free or expired)."""
        require_aware(now, "now")
        with self._read() as session:
            return session.scalars(
                select(Lease.holder).where(Lease.name == name, Lease.expires_at >= now)
            ).one_or_none()
