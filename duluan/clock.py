"""The one clock of duluan: real time, or the time frozen by DULUAN_NOW (tests, replays).

An environment variable rather than an argument, so that it reaches the crawl's child process and
a `duluan` command run by a test alike.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from crawler.dates import parse_date


def now() -> datetime:
    """The current time, tz-aware (UTC unless frozen with an offset)."""
    frozen = os.environ.get("DULUAN_NOW")
    if frozen:
        value = parse_date(frozen)
        if value is None:
            raise ValueError(f"DULUAN_NOW={frozen!r} không phải thời điểm ISO 8601 / not ISO 8601")
        return value
    return datetime.now(UTC)
