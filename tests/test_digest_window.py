"""Window arithmetic of the weekly digest, with a frozen clock: boundaries, ISO weeks, ranges,
the missed Thursday, the holiday Thursday."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from digest.window import (
    MAX_CATCH_UP,
    default_window,
    due_windows,
    last_fire,
    parse_digest_time,
    range_window,
    week_window,
)

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
SCHEDULE = "thu 14:00"


def local(y: int, m: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, s, tzinfo=ZONE)


def test_default_window_is_the_seven_days_ending_at_the_last_scheduled_time() -> None:
    w = default_window(local(2026, 11, 26, 15, 0), SCHEDULE, ZONE)
    assert (w.start, w.end, w.label) == (
        local(2026, 11, 19, 14),
        local(2026, 11, 26, 14),
        "2026-W48",
    )
    assert w.stem == "duluan-bao-cao-tuan-2026-W48"
    # One second before Thursday 14:00 the latest complete window is last week's.
    before = default_window(local(2026, 11, 26, 13, 59, 59), SCHEDULE, ZONE)
    assert (before.end, before.label) == (local(2026, 11, 19, 14), "2026-W47")
    # Exactly at 14:00 the new window is complete; a UTC clock gives the same answer.
    at = default_window(datetime(2026, 11, 26, 7, 0, tzinfo=UTC), SCHEDULE, ZONE)
    assert at == w


def test_consecutive_windows_neither_overlap_nor_leave_gaps() -> None:
    windows = [week_window(f"2026-W{n:02d}", SCHEDULE, ZONE) for n in range(1, 54)]
    assert windows[-1].label == "2026-W53"
    for earlier, later in itertools.pairwise(windows):
        assert earlier.end == later.start
        assert later.previous() == earlier
    edge = windows[47].end
    assert not windows[47].contains(edge) and windows[48].contains(edge)
    assert windows[47].contains(edge - timedelta(microseconds=1))


def test_iso_week_across_the_new_year() -> None:
    w = week_window("2027-W01", SCHEDULE, ZONE)
    assert (w.start, w.end) == (local(2026, 12, 31, 14), local(2027, 1, 7, 14))
    assert w.previous().label == "2026-W53"
    assert week_window("2026w48", SCHEDULE, ZONE).label == "2026-W48"
    with pytest.raises(ValueError, match="không có tuần 53"):
        week_window("2027-W53", SCHEDULE, ZONE)
    with pytest.raises(ValueError, match="tuần ISO"):
        week_window("48/2026", SCHEDULE, ZONE)


def test_another_schedule_moves_the_boundaries() -> None:
    w = week_window("2026-W48", "mon 08:30", ZONE)
    assert (w.start, w.end) == (local(2026, 11, 16, 8, 30), local(2026, 11, 23, 8, 30))
    assert parse_digest_time("sun 23:59").weekday == 6
    for wrong in ("thursday 14:00", "thu 25:00", "thu 14h"):
        with pytest.raises(ValueError):
            parse_digest_time(wrong)


def test_range_window_covers_whole_local_days() -> None:
    w = range_window(date(2026, 11, 1), date(2026, 11, 15), ZONE)
    assert (w.start, w.end) == (local(2026, 11, 1), local(2026, 11, 16))
    assert w.stem == "duluan-bao-cao-2026-11-01_2026-11-15"
    assert w.describe() == "từ ngày 01/11/2026 đến ngày 15/11/2026"
    assert w.previous().label == "2026-10-17_2026-10-31"
    with pytest.raises(ValueError):
        range_window(date(2026, 11, 15), date(2026, 11, 1), ZONE)


def test_late_means_published_before_the_window() -> None:
    w = week_window("2026-W48", SCHEDULE, ZONE)
    assert w.is_late(local(2026, 11, 19, 13, 59))
    assert not w.is_late(local(2026, 11, 19, 14, 0))
    assert not w.is_late(None)
    assert w.describe() == "từ 14 giờ 00 ngày 19/11/2026 đến 14 giờ 00 ngày 26/11/2026"


def test_due_on_thursday_at_the_scheduled_time_and_only_once() -> None:
    thursday = local(2026, 11, 26, 14, 0, 5)
    due = due_windows(local(2026, 11, 19, 14), thursday, SCHEDULE, ZONE)
    assert [w.label for w in due] == ["2026-W48"]
    # Done: nothing more that week, even if the job fires again.
    assert due_windows(due[0].end, thursday + timedelta(hours=3), SCHEDULE, ZONE) == []
    assert due_windows(due[0].end, local(2026, 12, 3, 13, 59), SCHEDULE, ZONE) == []
    # Before 14:00 on Thursday the week is not over yet.
    assert due_windows(local(2026, 11, 19, 14), local(2026, 11, 26, 13, 59), SCHEDULE, ZONE) == []


def test_daemon_down_at_14_00_runs_the_missed_window_once_when_back() -> None:
    last_done = local(2026, 11, 19, 14)
    back = local(2026, 11, 27, 9, 30)  # down from Thursday morning to Friday morning
    due = due_windows(last_done, back, SCHEDULE, ZONE)
    assert [(w.start, w.end) for w in due] == [(local(2026, 11, 19, 14), local(2026, 11, 26, 14))]
    assert due_windows(due[-1].end, back + timedelta(minutes=1), SCHEDULE, ZONE) == []


def test_long_outage_catches_up_each_missed_week_oldest_first_up_to_a_limit() -> None:
    due = due_windows(local(2026, 11, 5, 14), local(2026, 11, 27, 9), SCHEDULE, ZONE)
    assert [w.label for w in due] == ["2026-W46", "2026-W47", "2026-W48"]
    assert all(a.end == b.start for a, b in itertools.pairwise(due))
    many = due_windows(local(2026, 6, 4, 14), local(2026, 11, 27, 9), SCHEDULE, ZONE)
    assert len(many) == MAX_CATCH_UP and many[-1].label == "2026-W48"


def test_never_run_builds_the_latest_window_only() -> None:
    due = due_windows(None, local(2026, 11, 26, 14, 0, 1), SCHEDULE, ZONE)
    assert [w.label for w in due] == ["2026-W48"]


def test_holiday_thursday_still_gets_its_digest_on_that_thursday() -> None:
    new_year = date(2026, 1, 1)
    assert new_year.weekday() == 3 and new_year in holidays.country_holidays("VN", years=2026)
    due = due_windows(local(2025, 12, 25, 14), local(2026, 1, 1, 14, 0, 1), SCHEDULE, ZONE)
    assert [(w.end, w.label) for w in due] == [(local(2026, 1, 1, 14), "2026-W01")]
    assert last_fire(local(2026, 1, 1, 14), parse_digest_time(SCHEDULE), ZONE) == local(
        2026, 1, 1, 14
    )
