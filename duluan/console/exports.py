"""The queue's two buttons: "Lập báo cáo" (the report, or the good-news page, of the stories the
queue's filters select, over a period, DOCX or HTML) and "Xuất Excel" (those stories as XLSX,
one row per story). Both build with the digest's own code (`digest.build.selection_file`,
`selection_workbook`), record nothing and send nothing; the audit log keeps who downloaded
what. Who may: whoever may read the digests (`pages.digest_reader`)."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import date

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from digest.window import MAX_SELECTION_DAYS, range_window, selection_days
from duluan.config import Area
from duluan.console.areas import listed_areas, several
from duluan.console.auth import current_user
from duluan.console.pages import digest_reader
from duluan.console.render import audit, config_of, error_page, store_of
from duluan.console.review import filter_day, queue_filters
from duluan.console.state import state_of

log = logging.getLogger(__name__)

MAX_EXPORT = 5000  # stories of one selection; more: narrow the filter
MEDIA_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".html": "text/html; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
BAD_PERIOD = "Kỳ báo cáo không hợp lệ"


class _Refused(Exception):
    """A request the export cannot serve, with the Vietnamese reason."""


def _period(request: Request, raw: dict[str, str]) -> tuple[date, date]:
    """The report's days: `rfrom`/`rto`, else the filter's `from`/`to`, else the last 7 days."""
    params = request.query_params
    texts = [(params.get(k) or "").strip()[:20] for k in ("rfrom", "rto")]
    if not any(texts):
        texts = [raw["from"], raw["to"]]
    days = [filter_day(t) for t in texts]
    for text, day in zip(texts, days, strict=True):
        if text and day is None:
            raise _Refused(f"“{text}” không phải ngày hợp lệ.")
    config = config_of(request)
    today = state_of(request).now().astimezone(config.schedule.zone).date()
    first, last = selection_days(days[0], days[1], today)
    if last < first:
        raise _Refused(f"Ngày kết thúc {last:%d/%m/%Y} trước ngày bắt đầu {first:%d/%m/%Y}.")
    if (last - first).days >= MAX_SELECTION_DAYS:
        raise _Refused(f"Kỳ báo cáo dài quá {MAX_SELECTION_DAYS} ngày; hãy chọn kỳ ngắn hơn.")
    return first, last


def _selection(request: Request) -> tuple[list[tuple[Area, Collection[str]]], date, date, int]:
    """Each listed area with the stories the queue's filters select in it, the period, and how
    many stories in all."""
    digest_reader(request)  # a unit officer only when web.unit_digests allows: else 403
    user = current_user(request)
    filters, raw = queue_filters(request, user)
    first, last = _period(request, raw)
    page = store_of(request).review_queue(filters, offset=0, limit=MAX_EXPORT)
    if page.total > MAX_EXPORT:
        raise _Refused(
            f"Bộ lọc chọn {page.total} tin, quá {MAX_EXPORT} tin một lần; hãy lọc hẹp hơn."
        )
    areas = listed_areas(request, user)
    chosen: list[tuple[Area, Collection[str]]]
    if several(config_of(request)):
        chosen = [(a, {i.story for i in page.items if i.area == a.name}) for a in areas]
    else:
        chosen = [(a, {i.story for i in page.items}) for a in areas]
    return chosen, first, last, len(page.items)


def _download(name: str, data: bytes) -> Response:
    suffix = name[name.rfind(".") :]
    return Response(
        data,
        media_type=MEDIA_TYPES.get(suffix, "application/octet-stream"),
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


async def queue_report(request: Request) -> Response:
    """The report (or good-news page) of the queue's selection over the period, downloaded."""
    from digest.build import SELECTION_KINDS, selection_file

    kind = (request.query_params.get("kind") or "docx").strip()
    try:
        if kind not in SELECTION_KINDS:
            raise _Refused(f"Không có loại báo cáo “{kind[:40]}”.")
        chosen, first, last, count = _selection(request)
        if len(chosen) != 1:
            raise _Refused("Hãy chọn một địa bàn trong bộ lọc để lập báo cáo.")
    except _Refused as exc:
        return error_page(request, BAD_PERIOD, str(exc), 400)
    config = config_of(request)
    area, stories = chosen[0]
    window = range_window(first, last, config.schedule.zone)
    name, data = await run_in_threadpool(
        selection_file,
        store_of(request),
        config,
        window,
        state_of(request).now,
        area,
        stories,
        kind,
    )
    audit(request, "lập báo cáo theo bộ lọc", f"queue:{window.label}", f"{name}: {count} tin")
    return _download(name, data)


async def queue_excel(request: Request) -> Response:
    """The queue's selection over the period as an Excel workbook, one row per story."""
    from digest.build import selection_workbook

    try:
        chosen, first, last, count = _selection(request)
    except _Refused as exc:
        return error_page(request, BAD_PERIOD, str(exc), 400)
    config = config_of(request)
    window = range_window(first, last, config.schedule.zone)
    name, data = await run_in_threadpool(
        selection_workbook, store_of(request), config, window, state_of(request).now, chosen
    )
    audit(request, "xuất Excel theo bộ lọc", f"queue:{window.label}", f"{name}: {count} tin")
    return _download(name, data)


routes = [
    Route("/queue/report", queue_report, methods=["GET"]),
    Route("/queue/excel", queue_excel, methods=["GET"]),
]
