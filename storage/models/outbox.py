"""The outbox: messages waiting to be delivered, and what became of them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class OutboxMessage(Base):
    """One message to deliver to one chat of one messenger ("telegram" or "zalo"); (story,
    messenger, chat, topic) is delivered at most once."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("story", "messenger", "chat", "topic_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )
    story: Mapped[str] = mapped_column(String(64))
    messenger: Mapped[str] = mapped_column(String(16), server_default="telegram")
    chat: Mapped[str] = mapped_column(String(64))
    topic_key: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(index=True)
    message_id: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
