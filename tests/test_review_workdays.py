"""Working days: weekends, Vietnamese public holidays (Tết by the lunar calendar), config extras."""

from __future__ import annotations

from datetime import date

import pytest

from review.workdays import WorkCalendar, long_date


def test_weekend_is_skipped() -> None:
    calendar = WorkCalendar()
    assert calendar.is_working_day(date(2026, 11, 27))  # Friday
    assert not calendar.is_working_day(date(2026, 11, 28))
    assert not calendar.is_working_day(date(2026, 11, 29))
    assert calendar.add_working_days(date(2026, 11, 27), 2) == date(2026, 12, 1)
    assert calendar.add_working_days(date(2026, 11, 25), 2) == date(2026, 11, 27)


@pytest.mark.parametrize(
    ("start", "days", "deadline"),
    [
        (date(2026, 4, 29), 1, date(2026, 5, 4)),  # 30/4 and 1/5, then the weekend
        (date(2026, 8, 28), 1, date(2026, 9, 3)),  # 31/8 (substituted), 1/9 and 2/9
        (date(2027, 2, 3), 2, date(2027, 2, 12)),  # Tết 2027: 4/2 to 10/2
    ],
)
def test_public_holidays_are_skipped(start: date, days: int, deadline: date) -> None:
    assert WorkCalendar().add_working_days(start, days) == deadline


def test_tet_days_are_not_working_days() -> None:
    calendar = WorkCalendar()
    assert [d for d in range(3, 13) if calendar.is_working_day(date(2027, 2, d))] == [3, 11, 12]


def test_config_days_off_and_working_weekend_days() -> None:
    friday = date(2026, 11, 27)
    assert WorkCalendar(holidays=[date(2026, 11, 30)]).add_working_days(friday, 2) == date(
        2026, 12, 2
    )
    working_saturday = WorkCalendar(workdays=[date(2026, 11, 28)])
    assert working_saturday.is_working_day(date(2026, 11, 28))
    assert working_saturday.add_working_days(friday, 2) == date(2026, 11, 30)


def test_zero_days_and_negative() -> None:
    assert WorkCalendar().add_working_days(date(2026, 11, 28), 0) == date(2026, 11, 28)
    with pytest.raises(ValueError):
        WorkCalendar().add_working_days(date(2026, 11, 28), -1)


def test_long_date_names_the_weekday() -> None:
    assert long_date(date(2026, 12, 1)) == "thứ Ba 01/12/2026"
    assert long_date(date(2026, 11, 29)) == "Chủ nhật 29/11/2026"
