"""The stories of a selection as an Excel workbook (openpyxl): one row per story with its date,
outlet, title, link, places, tone, review status, unit, deadline and the unit's answer.

The header row is bold and frozen, the columns have widths, dates are dates. Every text from
the press is written as a string cell with Excel's quote prefix: a title that starts with "=",
"+", "-" or "@" stays text, never a formula (not on opening, not on editing the cell)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from alerts.message import link_url
from digest.content import Item

COLUMNS: tuple[tuple[str, int], ...] = (
    ("Ngày", 12),
    ("Cơ quan báo chí", 24),
    ("Tiêu đề", 60),
    ("Liên kết", 40),
    ("Địa bàn", 30),
    ("Sắc thái", 12),
    ("Tình trạng", 22),
    ("Đơn vị xác minh", 28),
    ("Hạn", 12),
    ("Trả lời của đơn vị", 50),
)
DATE_FORMAT = "DD/MM/YYYY"
SHEET = "Tin, bài"
MAX_CELL = 32_767  # Excel's limit of characters in a cell


def _text(ws: Worksheet, row: int, column: int, value: str) -> Cell:
    """A string cell that Excel never reads as a formula."""
    cell = ws.cell(row=row, column=column)
    cell.value = value[:MAX_CELL]
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _day(ws: Worksheet, row: int, column: int, value: date | None) -> None:
    if value is None:
        return
    cell = ws.cell(row=row, column=column, value=value)
    cell.number_format = DATE_FORMAT


def render_xlsx(items: Sequence[Item], title: str = SHEET) -> bytes:
    """The workbook of `items` (one per story), in their order, as XLSX bytes."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook has its sheet
    ws.title = title[:31]
    bold = Font(bold=True)
    for column, (name, width) in enumerate(COLUMNS, 1):
        cell = ws.cell(row=1, column=column, value=name)
        cell.font = bold
        ws.column_dimensions[cell.column_letter].width = width
    ws.freeze_panes = "A2"
    for row, item in enumerate(items, 2):
        when: datetime = item.published_at or item.first_seen_at
        _day(ws, row, 1, when.date())
        _text(ws, row, 2, ", ".join((item.outlet, *item.also_in)))
        _text(ws, row, 3, item.title)
        link = _text(ws, row, 4, item.url)
        target = link_url(item.url)
        if target is not None:
            link.hyperlink = target
            link.style = "Hyperlink"
            link.quotePrefix = True
        _text(ws, row, 5, "; ".join(item.places))
        _text(ws, row, 6, item.tone_label)
        status = item.status_label
        if item.assignment_status is not None:
            status = f"{status} ({item.assignment_label})"
        _text(ws, row, 7, f"QUÁ HẠN – {status}" if item.overdue else status)
        _text(ws, row, 8, item.unit or "")
        _day(ws, row, 9, item.deadline)
        _text(ws, row, 10, item.report or "")
    ws.auto_filter.ref = f"A1:{ws.cell(row=1, column=len(COLUMNS)).column_letter}{len(items) + 1}"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
