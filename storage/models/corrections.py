"""People's corrections of what the tagger said of an item: its tone, its place in an area."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class Correction(Base):
    """One correction: `field` "tone" (value negative/neutral/positive, every area) or "place"
    (value a commune of `area`, or "" for "not of this area"). Rows are kept; the latest per
    (item, field, area) wins, and the tagger honours it on every pass."""

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(200))
    area: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(BigInteger)  # a Telegram user, None: console
    user_name: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column()
