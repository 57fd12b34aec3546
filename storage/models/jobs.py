"""The daemon's job runs (missed jobs run once at start)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class JobRun(Base):
    """When a daemon job last ran, so a job missed while the daemon was down runs once on start."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    last_run_at: Mapped[datetime]
    last_result: Mapped[str | None] = mapped_column(Text)
