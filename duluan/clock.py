"""The one clock of duluan: real time, or a time frozen for tests and replays.

`duluan.runtime` reads `DULUAN_NOW` once, at start, into a `Clock`; every command, the daemon and
the crawl's child process (the clock is picklable) ask that one object the time. A wrong value is
one line naming it and exit code 2, before any command does anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

ENV_VAR = "DULUAN_NOW"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


class ClockError(ValueError):
    """DULUAN_NOW is set to something that is not an ISO 8601 time."""


@dataclass(frozen=True)
class Clock:
    """Real time, or `frozen_at` for ever (tz-aware)."""

    frozen_at: datetime | None = None

    @classmethod
    def parse(cls, raw: str | None) -> Clock:
        """The clock a `DULUAN_NOW` value asks for: frozen at that ISO 8601 time (a time without
        offset is Vietnam's), real time when empty; `ClockError` for anything else."""
        if not raw or not raw.strip():
            return cls()
        try:
            value = datetime.fromisoformat(raw.strip())
        except ValueError:
            raise ClockError(
                f"{ENV_VAR}={raw!r} không hợp lệ: cần một thời điểm ISO 8601 như "
                "2026-11-26T10:00:00+07:00, hoặc bỏ biến này để dùng giờ thật"
            ) from None
        return cls(value if value.tzinfo is not None else value.replace(tzinfo=VIETNAM))

    def now(self) -> datetime:
        """The current time, tz-aware (UTC unless frozen with an offset)."""
        return self.frozen_at if self.frozen_at is not None else datetime.now(UTC)
