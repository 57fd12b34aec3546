"""Reviews of stories, their history, and the assignments to units."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class Review(Base):
    """One watch area's verdict on one story (a cluster of copies); created at its first action.
    A story about two areas is reviewed in each, separately; assignments and the history hang
    on the review, so they follow its area."""

    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("area", "story"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area: Mapped[str] = mapped_column(String(64), index=True)
    story: Mapped[str] = mapped_column(String(64), index=True)
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(24), index=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ReviewAction(Base):
    """One button pressed (or report written): who, when, what, from which status."""

    __tablename__ = "review_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger)
    user_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    unit: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]


class Assignment(Base):
    """A story handed to a unit to verify by a deadline (a local date), and its answer."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    unit: Mapped[str] = mapped_column(String(200))
    chat: Mapped[str | None] = mapped_column(String(64))
    topic_key: Mapped[int] = mapped_column(Integer)
    zalo: Mapped[str | None] = mapped_column(String(64))  # the unit's Zalo chat (issue 17)
    deadline: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(24), index=True)
    report: Mapped[str | None] = mapped_column(Text)
    assigned_by: Mapped[int] = mapped_column(BigInteger)
    assigned_at: Mapped[datetime]
    answered_by: Mapped[int | None] = mapped_column(BigInteger)
    answered_at: Mapped[datetime | None]
    reminded_on: Mapped[date | None] = mapped_column(Date)
