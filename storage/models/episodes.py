"""Spike episodes: consecutive days on which an area's daily count of stories stayed far above
its usual rhythm; each alerts once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class SpikeEpisode(Base):
    """One episode of a series (`relevant`, `negative`, `topic:<name>`) of one area: from
    `started_on` to `last_on` (local days), its highest count and the usual count of its first
    day. Its alerts are the outbox's story `spike:<id>`."""

    __tablename__ = "spike_episodes"
    __table_args__ = (UniqueConstraint("area", "series", "started_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area: Mapped[str] = mapped_column(String(64))
    series: Mapped[str] = mapped_column(String(200))
    started_on: Mapped[date] = mapped_column(Date)
    last_on: Mapped[date] = mapped_column(Date)
    peak: Mapped[int] = mapped_column(Integer)
    expected: Mapped[float] = mapped_column(Float)
