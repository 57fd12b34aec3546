"""Leases: who holds a named piece of work (a bot's delivery, a scheduled job) and until when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class Lease(Base):
    """One named lease (`deliver:<token hash>`, `job:digest`): its holder keeps it by renewing
    before `expires_at`; once expired, anyone may take it over (a killed holder is replaced)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime]
