"""Reported items: who reported which item, when, through which door (issue 15)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class Submission(Base):
    """One person's report of an item (a link, a forwarded post or a screenshot). The same item
    reported by two people has two rows; the same person reporting it again adds none."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("article_id", "reporter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    reporter: Mapped[str] = mapped_column(String(200))
    telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    via: Mapped[str] = mapped_column(String(16))  # "telegram", "console", "cli"
    area: Mapped[str | None] = mapped_column(String(64))  # the reporter's area, None: every one
    submitted_at: Mapped[datetime] = mapped_column(index=True)
    url: Mapped[str | None] = mapped_column(Text)  # the link as reported
    note: Mapped[str] = mapped_column(Text)  # the caption or text the reporter gave
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="SET NULL"))
