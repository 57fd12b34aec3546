"""Quota units spent per day on a paid or limited API (the YouTube Data API)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class ApiQuota(Base):
    """Units one API credential spent on one quota day; `exhausted` once the API said so
    (the quota is shared with whatever else uses the key); `noted` once the skip was logged."""

    __tablename__ = "api_quota"

    api: Mapped[str] = mapped_column(String(100), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    units: Mapped[int] = mapped_column(Integer, default=0)
    exhausted: Mapped[bool] = mapped_column(Boolean, default=False)
    noted: Mapped[bool] = mapped_column(Boolean, default=False)
