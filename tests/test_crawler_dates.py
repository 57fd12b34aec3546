"""The date formats of the monitored outlets, as public material shows them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from crawler.dates import parse_date

ICT = timezone(timedelta(hours=7))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thứ hai, 29/12/2025, 15:50 (GMT+7)", datetime(2025, 12, 29, 15, 50, tzinfo=ICT)),
        ("05/10/2026 15:42 GMT+7", datetime(2026, 10, 5, 15, 42, tzinfo=ICT)),
        ("01/01/2026 17:24", datetime(2026, 1, 1, 17, 24, tzinfo=ICT)),
        ("25/11/2026 - 11:00", datetime(2026, 11, 25, 11, 0, tzinfo=ICT)),
        ("2025-05-09 11:00", datetime(2025, 5, 9, 11, 0, tzinfo=ICT)),
        ("Thứ Sáu, 26/12/2025 - 22:10", datetime(2025, 12, 26, 22, 10, tzinfo=ICT)),
        ("Thứ Hai, 16:54, 29/12/2025", datetime(2025, 12, 29, 16, 54, tzinfo=ICT)),
        ("25/11/2026 | 08:30", datetime(2026, 11, 25, 8, 30, tzinfo=ICT)),
        ("10:19, 02/06/2020", datetime(2020, 6, 2, 10, 19, tzinfo=ICT)),
        ("Tue, 15 Sep 2026 15:56:28 +0700", datetime(2026, 9, 15, 15, 56, 28, tzinfo=ICT)),
        ("Tue, 15 Sep 2026 08:56:28 GMT", datetime(2026, 9, 15, 15, 56, 28, tzinfo=ICT)),
        ("Wed, 02 Sep 2026 05:59:00 +07", datetime(2026, 9, 2, 5, 59, tzinfo=ICT)),
        ("Wed, 02 Sep 26 05:59:00 +0700", datetime(2026, 9, 2, 5, 59, tzinfo=ICT)),
        ("10/5/2026 3:42:00 PM", datetime(2026, 10, 5, 15, 42, tzinfo=ICT)),
        ("11/25/2026 12:05:00 AM", datetime(2026, 11, 25, 0, 5, tzinfo=ICT)),
        ("2026-07-30T15:11:00.000 +07:00", datetime(2026, 7, 30, 15, 11, tzinfo=ICT)),
        ("2026-07-15T23:23+07:00", datetime(2026, 7, 15, 23, 23, tzinfo=ICT)),
        ("2026-07-15T16:23:00Z", datetime(2026, 7, 15, 23, 23, tzinfo=ICT)),
    ],
)
def test_outlet_formats(text: str, expected: datetime) -> None:
    value = parse_date(text)
    assert value == expected
    assert value is not None and value.tzinfo is not None


@pytest.mark.parametrize("text", ["", "không có ngày", "32/13/2026", None])
def test_no_date(text: str | None) -> None:
    assert parse_date(text) is None
