"""Daily API quotas: units spent per credential and quota day, checked before each call so a
restart or a second process never spends past the budget."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.base import StoreBase
from storage.models.quota import ApiQuota

T = TypeVar("T")


@dataclass(frozen=True)
class QuotaUse:
    """What one credential spent on one day."""

    units: int
    exhausted: bool


class QuotaQueries(StoreBase):
    """Mixed into `Store`."""

    def quota_use(self, api: str, day: date) -> QuotaUse:
        """Units `api` spent on `day` and whether the API said the day's quota is gone."""
        with self._read() as session:
            row = session.get(ApiQuota, (api, day))
            return QuotaUse(row.units, row.exhausted) if row else QuotaUse(0, False)

    def spend_quota(self, api: str, day: date, units: int, budget: int) -> bool:
        """Spend `units` of `api`'s `day` if that keeps within `budget` and the API has not
        said the quota is gone: True when spent (the call may be made), False otherwise."""

        def work(row: ApiQuota) -> bool:
            if row.exhausted or row.units + units > budget:
                return False
            row.units += units
            return True

        return self._on_row(api, day, work)

    def exhaust_quota(self, api: str, day: date) -> None:
        """The API answered that `day`'s quota is gone: no more calls until the next day."""

        def work(row: ApiQuota) -> None:
            row.exhausted = True

        self._on_row(api, day, work)

    def note_quota_skip(self, api: str, day: date) -> bool:
        """True the first time a skip is noted on `day` (so it is logged once a day)."""

        def work(row: ApiQuota) -> bool:
            first = not row.noted
            row.noted = True
            return first

        return self._on_row(api, day, work)

    def _on_row(self, api: str, day: date, change: Callable[[ApiQuota], T]) -> T:
        """Apply `change` to the day's row, locked (created when missing; two processes
        creating it at once: the loser retries on the winner's row)."""

        def work(session: Session) -> T:
            row = session.scalars(
                select(ApiQuota).where(ApiQuota.api == api, ApiQuota.day == day).with_for_update()
            ).one_or_none()
            if row is None:
                row = ApiQuota(api=api, day=day, units=0, exhausted=False, noted=False)
                session.add(row)
                session.flush()
            return change(row)

        try:
            return self._writing(work)
        except IntegrityError:
            return self._writing(work)
