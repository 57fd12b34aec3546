"""Working days in Vietnam: deadlines for units count only days the offices are open.

Saturdays and Sundays are off, and so are the public holidays the `holidays` package knows for
Vietnam (Tết by the lunar calendar, 30/4–1/5, 2/9 and their substituted days off). The config
adds what each year's government decision announces: extra days off (`review.holidays`) and
weekend days made working days in exchange (`review.workdays`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import holidays as holiday_data

WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


class WorkCalendar:
    """Which days are working days, and the deadline `n` working days after a date."""

    def __init__(self, holidays: Iterable[date] = (), workdays: Iterable[date] = ()) -> None:
        self._days_off = frozenset(holidays)
        self._days_on = frozenset(workdays)
        self._public = holiday_data.country_holidays("VN")

    def is_working_day(self, day: date) -> bool:
        if day in self._days_on:
            return True
        if day in self._days_off or day.weekday() >= 5:
            return False
        return day not in self._public

    def add_working_days(self, start: date, days: int) -> date:
        """The day on which the `days`-th working day after `start` falls."""
        if days < 0:
            raise ValueError(f"số ngày làm việc phải không âm, nhận được {days}")
        day = start
        left = days
        while left > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day


def long_date(day: date) -> str:
    """E.g. "thứ Ba 01/12/2026"."""
    return f"{WEEKDAYS[day.weekday()]} {day:%d/%m/%Y}"
