"""Publication dates as Vietnamese outlets write them, into tz-aware datetimes.

Handles ISO 8601 (with VietnamNet's `.000 +07:00`), RFC 822, and the free-text date lines of the
outlets (`Thứ hai, 29/12/2025, 15:50 (GMT+7)`, `Thứ Hai, 16:54, 29/12/2025`, `dd/mm/yyyy | HH:MM`,
Tuổi Trẻ's US-style feed dates `10/5/2026 3:42:00 PM`). A date without an offset is local time.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?"
)
_DMY = re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)")
_TIME = re.compile(r"(?<![\d/])(\d{1,2})[:h](\d{2})(?::(\d{2}))?(?:\s*([AaPp][Mm]))?(?![\d/])")
_GMT = re.compile(r"(?:GMT|UTC)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)


def parse_date(
    text: str | None, *, tz: ZoneInfo = VIETNAM, dayfirst: bool | None = None
) -> datetime | None:
    """The datetime a date string means, tz-aware, or None when it holds no date.

    `dayfirst=None` reads `d/m/y` unless the text carries AM/PM (the US style of Tuổi Trẻ's feed).
    """
    if not text:
        return None
    text = " ".join(str(text).split())
    value = _iso(text, tz) or _rfc822(text) or _numeric(text, tz, dayfirst)
    if value is not None:
        try:
            value.astimezone(UTC)  # storage keeps UTC
        except OverflowError:  # 0001-01-01 at +14:00, 9999-12-31 at -12:00
            return None
    return value


def _iso(text: str, tz: ZoneInfo) -> datetime | None:
    match = _ISO.search(text)
    if not match:
        return None
    year, month, day, hour, minute, second, offset = match.groups()
    try:
        value = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
        )
    except ValueError:
        return None
    if offset is None:
        return value.replace(tzinfo=tz)
    if offset == "Z":
        return value.replace(tzinfo=UTC)
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    return _with_offset(value, sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _with_offset(value: datetime, offset: timedelta) -> datetime | None:
    """`value` at a UTC offset; None when no place on Earth has it (+25:00, GMT+99)."""
    try:
        return value.replace(tzinfo=timezone(offset))
    except ValueError:
        return None


def _rfc822(text: str) -> datetime | None:
    if not re.match(r"^\s*(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s", text):
        return None
    text = re.sub(r"([+-]\d{2})$", r"\g<1>00", text.strip())
    try:
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=VIETNAM)
    return value


def _numeric(text: str, tz: ZoneInfo, dayfirst: bool | None) -> datetime | None:
    date = _DMY.search(text)
    if not date:
        return None
    time = _TIME.search(text)
    ampm = time.group(4).lower() if time and time.group(4) else None
    first, second, year = (int(g) for g in date.groups())
    day_first = dayfirst if dayfirst is not None else ampm is None
    day, month = (first, second) if day_first else (second, first)
    if month > 12 and day <= 12:
        day, month = month, day
    hour = minute = sec = 0
    if time:
        hour, minute = int(time.group(1)), int(time.group(2))
        sec = int(time.group(3) or 0)
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
    try:
        value = datetime(year, month, day, hour, minute, sec)
    except ValueError:
        return None
    gmt = _GMT.search(text)
    if gmt:
        sign = -1 if gmt.group(1) == "-" else 1
        offset = timedelta(hours=int(gmt.group(2)), minutes=int(gmt.group(3) or 0))
        return _with_offset(value, sign * offset)
    return value.replace(tzinfo=tz)


def local(value: datetime, tz: ZoneInfo = VIETNAM) -> datetime:
    """The same instant in Vietnam's time zone (naive values are taken as local)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=tz)
    return value.astimezone(tz)


MINUTE, DAY, UNKNOWN = "minute", "day", "unknown"
_CLOCK = re.compile(r"(?:T|\s|^|,)\d{1,2}[:h]\d{2}(?!\d)")


def has_time(text: str | None) -> bool:
    """Whether a date string gives a time of day, not only a day (`2026-03-07` vs `… 08:47`)."""
    return bool(text) and _CLOCK.search(" " + " ".join(str(text).split())) is not None


def precision_of(text: str | None) -> str:
    """`minute` for a date string with a time of day, `day` without one, `unknown` for none."""
    if parse_date(text) is None:
        return UNKNOWN
    return MINUTE if has_time(text) else DAY


# Dates that article ids carry: yyyymmddHHMMSSmmm (Dân trí, VTV, Báo Tin tức: 17 digits), a
# three-digit prefix then yyMMddHHmmss and three more (Tuổi Trẻ, Thanh Niên, Người Lao Động:
# 18 digits), milliseconds since 1970 (Báo Dân tộc: 13 digits), and /yyyy/mm/dd/ paths.
_ID17 = re.compile(r"-(20\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\d{3}\.html?(?:$|[?#])")
_ID18 = re.compile(r"-\d{3}(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\d{3}\.html?(?:$|[?#])")
_EPOCH_MS = re.compile(r"-(1[5-9]\d{11})\.html?(?:$|[?#])")
_PATH_DAY = re.compile(r"/(20\d{2})[/-](\d{2})[/-](\d{2})/")
_PATH_MONTH = re.compile(r"/(20\d{2})(\d{2})/")


def url_date(url: str) -> tuple[datetime, str] | None:
    """The publication time an article URL's id or path carries, with its precision."""
    path = url.split("#", 1)[0]
    for pattern, century in ((_ID17, 0), (_ID18, 2000)):
        match = pattern.search(path)
        if match:
            y, mo, d, h, mi, s = (int(g) for g in match.groups())
            try:
                return datetime(y + century, mo, d, h, mi, s, tzinfo=VIETNAM), MINUTE
            except ValueError:
                pass
    match = _EPOCH_MS.search(path)
    if match:
        return datetime.fromtimestamp(int(match.group(1)) // 1000, tz=VIETNAM), MINUTE
    match = _PATH_DAY.search(path)
    if match:
        try:
            y, mo, d = (int(g) for g in match.groups())
            return datetime(y, mo, d, tzinfo=VIETNAM), DAY
        except ValueError:
            return None
    return None


def url_month(url: str) -> tuple[int, int] | None:
    """The (year, month) a URL's path or id names, to check a date found elsewhere against."""
    found = url_date(url)
    if found is not None:
        return found[0].year, found[0].month
    match = _PATH_MONTH.search(url.split("?", 1)[0])
    if match and 1 <= int(match.group(2)) <= 12:
        return int(match.group(1)), int(match.group(2))
    return None


def shown(
    value: datetime | None,
    precision: str = MINUTE,
    tz: ZoneInfo = VIETNAM,
    time_format: str = "%H:%M %d/%m/%Y",
    none: str = "—",
) -> str:
    """A publication time as people read it: with its time of day, or only the day when that is
    all the page gave (never a made-up 00:00)."""
    if value is None:
        return none
    at = local(value, tz)
    return at.strftime("%d/%m/%Y") if precision == DAY else at.strftime(time_format)
