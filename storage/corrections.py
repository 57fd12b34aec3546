"""People's corrections of an item's tone and place: stored as rows (who, when), the latest
per (item, field, area) winning, and read by the tagger with the item so that every tag pass,
`duluan tag --retag` included, keeps them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.base import IN_BATCH, StoreBase, chunks, require_aware
from storage.models import Correction
from storage.records import Corrected

FIELDS = ("tone", "place")


@dataclass(frozen=True)
class CorrectionRecord:
    """One correction: `field` "tone" (a tone, `area` None) or "place" (a commune of `area`,
    or "" for "not of this area")."""

    article_id: int
    field: str
    value: str
    area: str | None
    user_id: int | None
    user_name: str
    at: datetime


class CorrectionQueries(StoreBase):
    def add_correction(self, record: CorrectionRecord) -> None:
        """Store one correction (the history keeps every one)."""
        require_aware(record.at, "at")
        if record.field not in FIELDS:
            raise ValueError(f"unknown correction field {record.field!r}")

        def work(session: Session) -> None:
            session.add(
                Correction(
                    article_id=record.article_id,
                    field=record.field,
                    value=record.value,
                    area=record.area,
                    user_id=record.user_id,
                    user_name=record.user_name,
                    at=record.at,
                )
            )

        self._writing(work)

    def corrections_of(self, article_ids: Sequence[int]) -> dict[int, Corrected]:
        """The standing corrections of these items."""
        with self._read() as session:
            return corrections(session, article_ids)


def corrections(session: Session, article_ids: Sequence[int]) -> dict[int, Corrected]:
    """`CorrectionQueries.corrections_of` inside a session (the tagger's read of a batch)."""
    latest: dict[int, dict[tuple[str, str | None], str]] = {}
    for batch in chunks(list(dict.fromkeys(article_ids)), IN_BATCH):
        rows = session.execute(
            select(Correction.article_id, Correction.field, Correction.area, Correction.value)
            .where(Correction.article_id.in_(batch))
            .order_by(Correction.at, Correction.id)
        )
        for article_id, field, area, value in rows:
            latest.setdefault(article_id, {})[(field, area)] = value
    return {
        article_id: Corrected(
            tone=fixed.get(("tone", None)),
            places=tuple(
                (area, value)
                for (field, area), value in fixed.items()
                if field == "place" and area is not None
            ),
        )
        for article_id, fixed in latest.items()
    }
