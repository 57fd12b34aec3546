"""Report windows: which seven days a weekly digest covers, and which digests are due.

A weekly window ends at the digest's scheduled local time ("thu 14:00") and starts seven days
earlier, so consecutive digests neither overlap nor leave gaps. An article belongs to the window
in which it was first seen; one first seen in the window but published before it is *late* (it
missed the previous digest) and is marked so. Public holidays change nothing: the office wants the
digest every Thursday, so a holiday Thursday still gets it at the usual time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEK = timedelta(days=7)
MAX_CATCH_UP = 4
FILE_PREFIX = "duluan-bao-cao"


@dataclass(frozen=True)
class DigestTime:
    """The weekly local time a digest is due: `weekday` 0 is Monday."""

    weekday: int
    hour: int
    minute: int


@dataclass(frozen=True)
class Window:
    """[start, end) in local time; `label` is the ISO week of a weekly window ("2026-W48") or
    "2026-11-01_2026-11-15" for a range of days."""

    start: datetime
    end: datetime
    label: str
    weekly: bool = True

    @property
    def stem(self) -> str:
        """The file name without extension: duluan-bao-cao-tuan-2026-W48."""
        return self.stem_for(None)

    def stem_for(self, area: str | None) -> str:
        """The file name without extension of `area`'s report (a deployment of several areas:
        duluan-bao-cao-dak-pxi-tuan-2026-W48), or of the one area's (None)."""
        prefix = FILE_PREFIX if area is None else f"{FILE_PREFIX}-{area}"
        return f"{prefix}-tuan-{self.label}" if self.weekly else f"{prefix}-{self.label}"

    def previous(self) -> Window:
        """The window of the same length just before this one."""
        length = self.end.replace(tzinfo=None) - self.start.replace(tzinfo=None)
        start = (self.start.replace(tzinfo=None) - length).replace(tzinfo=self.start.tzinfo)
        if self.weekly:
            return Window(start, self.start, iso_label(self.start.date()), True)
        last = self.start.date() - timedelta(days=1)
        return Window(start, self.start, range_label(start.date(), last), False)

    def contains(self, when: datetime) -> bool:
        return self.start <= when < self.end

    def is_late(self, published_at: datetime | None) -> bool:
        """Published before the window although first seen in it."""
        return published_at is not None and published_at < self.start

    def describe(self) -> str:
        """The period in Vietnamese, as the report's title states it."""
        if self.weekly:
            return (
                f"từ {_clock(self.start)} ngày {self.start:%d/%m/%Y} "
                f"đến {_clock(self.end)} ngày {self.end:%d/%m/%Y}"
            )
        last = self.end.date() - timedelta(days=1)
        return f"từ ngày {self.start:%d/%m/%Y} đến ngày {last:%d/%m/%Y}"


def _clock(when: datetime) -> str:
    return f"{when.hour:02d} giờ {when.minute:02d}"


def iso_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def range_label(first: date, last: date) -> str:
    return f"{first.isoformat()}_{last.isoformat()}"


def parse_digest_time(text: str) -> DigestTime:
    """ "thu 14:00" → Thursdays at 14:00."""
    match = re.fullmatch(r"\s*([a-z]{3})\s+(\d{1,2}):(\d{2})\s*", text.lower())
    if not match or match.group(1) not in WEEKDAYS:
        raise ValueError(f"{text!r} không phải lịch tuần như 'thu 14:00'")
    hour, minute = int(match.group(2)), int(match.group(3))
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r} không phải lịch tuần như 'thu 14:00'")
    return DigestTime(WEEKDAYS.index(match.group(1)), hour, minute)


def _fire_on(day: date, when: DigestTime, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(when.hour, when.minute), tzinfo=zone)


def last_fire(now: datetime, when: DigestTime, zone: ZoneInfo) -> datetime:
    """The latest scheduled time at or before `now`, local."""
    local = now.astimezone(zone)
    day = local.date() - timedelta(days=(local.weekday() - when.weekday) % 7)
    fire = _fire_on(day, when, zone)
    if fire > local:
        fire = _fire_on(day - WEEK, when, zone)
    return fire


def window_ending(end: datetime, zone: ZoneInfo) -> Window:
    """The weekly window that ends at the scheduled time `end`."""
    local = end.astimezone(zone)
    start = (local.replace(tzinfo=None) - WEEK).replace(tzinfo=zone)
    return Window(start, local, iso_label(local.date()), True)


def default_window(now: datetime, schedule: str, zone: ZoneInfo) -> Window:
    """The seven days ending at the latest scheduled time at or before `now`."""
    return window_ending(last_fire(now, parse_digest_time(schedule), zone), zone)


def week_window(week: str, schedule: str, zone: ZoneInfo) -> Window:
    """The weekly window whose scheduled end falls in ISO week `week` ("2026-W48")."""
    match = re.fullmatch(r"\s*(\d{4})-?W(\d{1,2})\s*", week, flags=re.IGNORECASE)
    if not match:
        raise ValueError(f"{week!r} không phải tuần ISO như 2026-W48")
    when = parse_digest_time(schedule)
    try:
        day = date.fromisocalendar(int(match.group(1)), int(match.group(2)), when.weekday + 1)
    except ValueError:
        raise ValueError(f"{week!r}: năm {match.group(1)} không có tuần {match.group(2)}") from None
    return window_ending(_fire_on(day, when, zone), zone)


def range_window(first: date, last: date, zone: ZoneInfo) -> Window:
    """Whole local days from `first` to `last`, both included."""
    if last < first:
        raise ValueError(f"ngày kết thúc {last:%d/%m/%Y} trước ngày bắt đầu {first:%d/%m/%Y}")
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    return Window(start, end, range_label(first, last), False)


def due_windows(
    last_done: datetime | None,
    now: datetime,
    schedule: str = "thu 14:00",
    zone: ZoneInfo | None = None,
) -> list[Window]:
    """The weekly windows to build now, oldest first: each one ending after `last_done` (the end
    of the last window done) and at or before `now`. A daemon that was down at the scheduled
    time builds the missed window once when it is back; after a long outage, the last
    `MAX_CATCH_UP` only. Never done: the latest window alone."""
    zone = zone or ZoneInfo("Asia/Ho_Chi_Minh")
    when = parse_digest_time(schedule)
    fire = last_fire(now, when, zone)
    ends: list[datetime] = []
    while last_done is None or fire > last_done:
        ends.append(fire)
        if last_done is None or len(ends) == MAX_CATCH_UP:
            break
        fire = _fire_on(fire.date() - WEEK, when, zone)
    return [window_ending(end, zone) for end in reversed(ends)]
