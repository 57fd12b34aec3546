"""Watch rules made in the console and the rule hits of each tagged article (issue 16)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class WatchRuleRow(Base):
    """A watch rule an admin made in the console (config rules live in config.yaml): its
    query, scope, who is alerted (Telegram chats, units, Zalo chats), and its area (None: every
    area)."""

    __tablename__ = "watch_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(String(16))
    chats: Mapped[list[str]] = mapped_column(JSON)
    units: Mapped[list[str]] = mapped_column(JSON)
    area: Mapped[str | None] = mapped_column(String(64))
    zalo_chats: Mapped[list[str]] = mapped_column(JSON, server_default="[]")
    enabled: Mapped[bool] = mapped_column(Boolean)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class RuleHitRow(Base):
    """A rule that matched an article at its last tag pass, and where (its spans)."""

    __tablename__ = "rule_hits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    rule: Mapped[str] = mapped_column(String(100), index=True)
    area: Mapped[str] = mapped_column(String(64))
    spans: Mapped[list[Any]] = mapped_column(JSON)
    tagged_at: Mapped[datetime]
