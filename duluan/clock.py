"""The one clock of duluan: real time, or the time frozen by DULUAN_NOW (tests, replays).

An environment variable rather than an argument, so that it reaches the crawl's child process and
a `duluan` command run by a test alike. Every command checks it first (`check`): a wrong value is
one line naming it and exit code 2, never a traceback in the middle of a run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

ENV_VAR = "DULUAN_NOW"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


class ClockError(ValueError):
    """DULUAN_NOW is set to something that is not an ISO 8601 time."""


def frozen(environ: Mapping[str, str] | None = None) -> datetime | None:
    """The time DULUAN_NOW freezes the clock at (a time without offset is Vietnam's), or None
    when it is unset; `ClockError` when it is set but not an ISO 8601 time."""
    env = os.environ if environ is None else environ
    raw = env.get(ENV_VAR)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ClockError(
            f"{ENV_VAR}={raw!r} không hợp lệ: cần một thời điểm ISO 8601 như "
            "2026-11-26T10:00:00+07:00, hoặc bỏ biến này để dùng giờ thật"
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=VIETNAM)


def check(environ: Mapping[str, str] | None = None) -> None:
    """Raise `ClockError` if DULUAN_NOW is set to a wrong value."""
    frozen(environ)


def now() -> datetime:
    """The current time, tz-aware (UTC unless frozen with an offset)."""
    value = frozen()
    return value if value is not None else datetime.now(UTC)
