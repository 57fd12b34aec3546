"""The weekly digests built, one per watch area and window."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class Digest(Base):
    """A weekly report written for one watch area and window: its files, and when it was queued
    to be sent."""

    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("area", "window_start", "window_end"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area: Mapped[str] = mapped_column(String(64), index=True)
    label: Mapped[str] = mapped_column(String(32))
    window_start: Mapped[datetime]
    window_end: Mapped[datetime] = mapped_column(index=True)
    generated_at: Mapped[datetime]
    files: Mapped[list[str]] = mapped_column(JSON)
    sent_at: Mapped[datetime | None]


# The review console's tables live in their own modules; importing them registers them on Base.
