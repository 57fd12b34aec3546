"""Report windows: which seven days a weekly digest covers, and which digests are due; the
calendar month and quarter of a periodic report, and any range of days.

A weekly window ends at the digest's scheduled local time ("thu 14:00") and starts seven days
earlier, so consecutive digests neither overlap nor leave gaps. An article belongs to the window
in which it was first seen; one first seen in the window but published before it is *late* (it
missed the previous digest) and is marked so. Public holidays change nothing: the office wants the
digest every Thursday, so a holiday Thursday still gets it at the usual time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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


MONTH, QUARTER = "month", "quarter"
ROMAN_QUARTERS = ("I", "II", "III", "IV")


@dataclass(frozen=True)
class Window:
    """[start, end) in local time; `label` is the ISO week of a weekly window ("2026-W48"),
    "2026-11-01_2026-11-15" for a range of days, "2026-11" for a month (`period` "month") and
    "2026-Q4" for a quarter (`period` "quarter")."""

    start: datetime
    end: datetime
    label: str
    weekly: bool = True
    period: str = ""  # MONTH or QUARTER for a calendar period, else "" (a week or a range)

    @property
    def stem(self) -> str:
        """The file name without extension: duluan-bao-cao-tuan-2026-W48."""
        return self.stem_for(None)

    def stem_for(self, area: str | None) -> str:
        """The file name without extension of `area`'s report (a deployment of several areas:
        duluan-bao-cao-dak-pxi-tuan-2026-W48), or of the one area's (None)."""
        prefix = FILE_PREFIX if area is None else f"{FILE_PREFIX}-{area}"
        if self.period:
            return f"{prefix}-{'thang' if self.period == MONTH else 'quy'}-{self.label}"
        return f"{prefix}-tuan-{self.label}" if self.weekly else f"{prefix}-{self.label}"

    @property
    def periodic(self) -> bool:
        """A month or a quarter: the report then has its per-outlet coverage table."""
        return bool(self.period)

    @property
    def name(self) -> str:
        """How a title names the period: "tuần 2026-W48", "tháng 11 năm 2026", "quý IV năm
        2026", or "từ ngày 01/11/2026 đến ngày 15/11/2026"."""
        first = self.start.date()
        if self.period == MONTH:
            return f"tháng {first.month} năm {first.year}"
        if self.period == QUARTER:
            return f"quý {ROMAN_QUARTERS[(first.month - 1) // 3]} năm {first.year}"
        if self.weekly:
            return f"tuần {self.label}"
        return self.describe()

    def previous(self) -> Window:
        """The window of the same length just before this one (the previous calendar month or
        quarter of a periodic window)."""
        if self.period == MONTH:
            return month_window(_shift_months(self.start.date(), -1), self._zone)
        if self.period == QUARTER:
            return quarter_window(_shift_months(self.start.date(), -3), self._zone)
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

    @property
    def _zone(self) -> ZoneInfo:
        zone = self.start.tzinfo
        return zone if isinstance(zone, ZoneInfo) else ZoneInfo("Asia/Ho_Chi_Minh")

    @property
    def title_phrase(self) -> str:
        """The period as the report's title ends: "tháng 11 năm 2026 (từ ngày 01/11/2026 đến
        ngày 30/11/2026)" for a month or a quarter, "(từ … đến …)" otherwise."""
        if self.period:
            last = self.end.date() - timedelta(days=1)
            return f"{self.name} (từ ngày {self.start:%d/%m/%Y} đến ngày {last:%d/%m/%Y})"
        return f"({self.describe()})"

    def describe(self) -> str:
        """The period in Vietnamese, as the report's title states it."""
        if self.period:
            last = self.end.date() - timedelta(days=1)
            return f"{self.name}, từ ngày {self.start:%d/%m/%Y} đến ngày {last:%d/%m/%Y}"
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


def _shift_months(day: date, months: int) -> date:
    """The first day of the month `months` after `day`'s (before, when negative)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_window(day: date, zone: ZoneInfo) -> Window:
    """The calendar month holding `day`, whole local days."""
    first = day.replace(day=1)
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(_shift_months(first, 1), time(0), tzinfo=zone)
    return Window(start, end, f"{first:%Y-%m}", False, MONTH)


def quarter_window(day: date, zone: ZoneInfo) -> Window:
    """The calendar quarter holding `day`, whole local days."""
    first = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(_shift_months(first, 3), time(0), tzinfo=zone)
    return Window(start, end, f"{first.year}-Q{(first.month - 1) // 3 + 1}", False, QUARTER)


def parse_month(text: str, zone: ZoneInfo) -> Window:
    """ "2026-11" (or "11/2026") → November 2026."""
    iso = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text)
    local = re.fullmatch(r"\s*(\d{1,2})/(\d{4})\s*", text)
    year, month = (
        (int(iso.group(1)), int(iso.group(2)))
        if iso
        else (int(local.group(2)), int(local.group(1)))
        if local
        else (0, 0)
    )
    if not 1 <= month <= 12 or not 1900 <= year <= 9000:
        raise ValueError(f"{text!r} không phải tháng như 2026-11")
    return month_window(date(year, month, 1), zone)


def parse_quarter(text: str, zone: ZoneInfo) -> Window:
    """ "2026-Q4" → October to December 2026."""
    match = re.fullmatch(r"\s*(\d{4})-?Q([1-4])\s*", text, flags=re.IGNORECASE)
    if not match or not 1900 <= int(match.group(1)) <= 9000:
        raise ValueError(f"{text!r} không phải quý như 2026-Q4")
    return quarter_window(date(int(match.group(1)), int(match.group(2)) * 3 - 2, 1), zone)


def first_working_day(day: date, is_working_day: Callable[[date], bool]) -> date:
    """The first working day of `day`'s month."""
    first = day.replace(day=1)
    while not is_working_day(first):
        first += timedelta(days=1)
    return first


def due_month(
    now: datetime, at: str, zone: ZoneInfo, is_working_day: Callable[[date], bool]
) -> Window | None:
    """The month whose report is due at `now`: the previous month, once the first working day
    of this month has reached the time `at` ("08:00"); None before that."""
    local = now.astimezone(zone)
    hour, minute = (int(part) for part in at.strip().split(":"))
    fire = datetime.combine(
        first_working_day(local.date(), is_working_day), time(hour, minute), tzinfo=zone
    )
    if local < fire:
        return None
    return month_window(_shift_months(local.date(), -1), zone)


SELECTION_DAYS = 7
MAX_SELECTION_DAYS = 366


def selection_days(first: date | None, last: date | None, today: date) -> tuple[date, date]:
    """The days a report of a selection covers: those given; one end alone gives the other
    (to today, or the seven days up to it); neither, the last seven days up to today."""
    if first is None and last is None:
        last = today
    if last is None:
        assert first is not None
        last = max(first, today)
    if first is None:
        first = last - timedelta(days=SELECTION_DAYS - 1)
    return first, last


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
