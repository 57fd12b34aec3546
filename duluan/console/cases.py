"""Case files, evidence and article search in the console.

`/cases` lists cases (open ones first), `/cases/{id}` shows a case's chain as a timeline with
the forms for its next steps, its evidence (with the text before and after each edit or
takedown) and the draft letter; `/evidence?story=` lists an item's snapshots and
`/evidence/{id}` downloads one, always as an attachment (a fetched page is untrusted HTML);
`/search` searches every stored article. Staff and admins act, viewers read, unit officers see
only the cases of stories assigned to their unit.
"""

from __future__ import annotations

import difflib
import gzip
import logging
from datetime import date
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from cases.chain import next_steps
from cases.evidence import CHANGE_LABELS, REASON_LABELS, before_after, not_public_note, standing
from cases.letter import letter_filename, render_letter
from cases.public_copy import snapshot_suffix
from duluan.console.areas import (
    AREA_PARAM,
    all_areas,
    area_choices,
    scope,
    sees_area,
    sees_story,
    several,
)
from duluan.console.auth import (
    ADMIN,
    STAFF,
    UNIT,
    VIEWER,
    Forbidden,
    WebUser,
    current_user,
    flash,
    require,
)
from duluan.console.render import (
    audit,
    config_of,
    error_page,
    form_with_csrf,
    not_found,
    render,
    review_of,
    store_of,
    url,
)
from duluan.console.review import start_capture
from duluan.console.state import state_of
from duluan.console.submit import reported_by
from duluan.submit import IMAGE_TYPES, image_type
from storage import Store
from storage.cases import STEP_LABELS, CaseError, CaseRecord, EvidenceRecord
from storage.submissions import REPORTED
from storage.vocabulary import story_cluster

log = logging.getLogger(__name__)

PAGE_SIZE = 20
MAX_PAGE = 50
MAX_FIELD = 5000
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DIFF_LINES = 400
STEP_FIELDS = {
    "verified": ("unit", "note"),
    "document": ("number", "on_date", "signer", "note"),
    "sent": ("on_date", "note"),
    "corrected": ("on_date", "note"),
    "not_corrected": ("on_date", "note"),
}
FIELD_LABELS = {
    "unit": "Đơn vị xác minh",
    "note": "Ghi chú",
    "number": "Số văn bản",
    "on_date": "Ngày",
    "signer": "Người ký",
}
DATE_LABELS = {
    "document": "Ngày văn bản",
    "sent": "Ngày gửi",
    "corrected": "Ngày cải chính",
    "not_corrected": "Ngày ghi nhận",
}
NOTE_LABELS = {
    "verified": "Nội dung báo cáo xác minh (điểm sai của bài)",
    "document": "Trích yếu / ghi chú",
    "sent": "Gửi qua (bưu điện, thư điện tử…), người nhận",
    "corrected": "Bài cải chính (đường dẫn, số báo)",
    "not_corrected": "Lý do / hướng xử lý tiếp",
}


def _today(request: Request) -> date:
    return review_of(request).today()


def _story_areas(request: Request, user: WebUser, story: str) -> tuple[str, ...]:
    """The areas of `story` the user may see (see `areas.sees_story`); none for a story key
    that names no cluster."""
    cluster = story_cluster(story)
    return () if cluster is None else sees_story(request, user, cluster)


def _can_see(store: Store, user: WebUser, story: str, areas: tuple[str, ...]) -> bool:
    """Whether a unit officer's unit was asked about `story` in one of `areas` (anyone else
    may see it)."""
    if user.role != UNIT:
        return True
    return bool(user.unit) and any(
        job.unit == user.unit
        for area in areas
        for job in store.review_detail(story, area).assignments
    )


def _load_case(request: Request) -> tuple[WebUser, CaseRecord]:
    """The user and the case in the path: 404 for an unknown case or one of another area, 403
    for a unit officer whose unit was not asked about its story."""
    user = current_user(request)
    case_id: int = request.path_params["case"]
    case = store_of(request).get_case(case_id)
    if case is None or not sees_area(config_of(request), user, case.area):
        raise not_found(request, f"hồ sơ vụ việc số {case_id}")
    if user.role == UNIT and (not user.unit or user.unit not in case.units):
        log.warning("[web case:%d] %s (đơn vị %s) không được xem", case_id, user.name, user.unit)
        raise Forbidden("Vụ việc này không thuộc tin được giao cho đơn vị của bạn.")
    return user, case


async def case_list(request: Request) -> Response:
    user = current_user(request)
    open_only = request.query_params.get("open") == "1"
    unit = user.unit or "" if user.role == UNIT else None
    cases = store_of(request).list_cases(
        open_only=open_only, unit=unit, limit=500, areas=scope(request, user)
    )
    chosen = request.query_params.get(AREA_PARAM) or ""
    return render(
        request,
        "cases/list.html",
        {
            "cases": cases,
            "open_only": open_only,
            "cluster": story_cluster,
            "area_choices": area_choices(request, user),
            "chosen_area": chosen,
            "area_suffix": "&" + urlencode({AREA_PARAM: chosen}) if chosen else "",
        },
    )


def _diff(before: EvidenceRecord, after: EvidenceRecord) -> list[tuple[str, str]]:
    """Changed lines of the extracted text: ("-", old line), ("+", new line)."""
    old = (before.text or "").splitlines()
    new = (after.text or "").splitlines()
    out = []
    for line in difflib.ndiff(old, new):
        if line[:2] in ("- ", "+ "):
            out.append((line[0], line[2:]))
    return out[:DIFF_LINES]


def _evidence_context(evidence: list[EvidenceRecord]) -> dict[str, Any]:
    """What the evidence part of a page shows: the checks (fetched or crawled snapshots) with
    their changes and standing, and the screenshots reporters sent."""
    checks = [e for e in evidence if e.reason != REPORTED]
    return {
        "evidence": checks,
        "changes": [(b, a, _diff(b, a)) for b, a in before_after(checks)],
        "standing": standing(checks),
        "screenshots": [e for e in evidence if e.reason == REPORTED and e.has_content],
    }


def _step_forms(case: CaseRecord) -> list[dict[str, Any]]:
    return [
        {
            "kind": kind,
            "label": STEP_LABELS[kind],
            "fields": STEP_FIELDS[kind],
            "date_label": DATE_LABELS.get(kind, "Ngày"),
            "note_label": NOTE_LABELS[kind],
            "again": case.status == kind,
        }
        for kind in next_steps(case)
    ]


async def case_page(request: Request) -> Response:
    user, case = _load_case(request)
    store = store_of(request)
    config = config_of(request)
    evidence = store.list_evidence(story=case.story)
    not_public = not_public_note(case.platform)
    detail = store.review_detail(case.story, case.area)
    reports = [job for job in detail.assignments if job.report or job.status != "open"]
    area = config.stored_area(case.area)
    units = list(dict.fromkeys([*case.units, *(u.name for u in area.units)]))
    can_act = user.role in (ADMIN, STAFF)
    answered = [job for job in detail.assignments if job.status == "false"] or reports
    suggest = answered[-1] if answered else None
    return render(
        request,
        "cases/case.html",
        {
            "case": case,
            "cluster": story_cluster(case.story),
            "forms": _step_forms(case) if can_act else [],
            "can_act": can_act,
            "can_capture": can_act and review_of(request).fetch is not None and not not_public,
            "units": units,
            "reports": reports,
            "suggest_unit": suggest.unit if suggest else "",
            "suggest_note": (suggest.report or "") if suggest else "",
            **_evidence_context(evidence),
            "not_public": not_public,
            "reason_labels": REASON_LABELS,
            "change_labels": CHANGE_LABELS,
            "field_labels": FIELD_LABELS,
            "today": _today(request),
            "letter_name": letter_filename(case),
            "area": area,
            "area_shown": all_areas(config, user),
        },
    )


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise CaseError(f"Trường “{FIELD_LABELS.get(name, name)}” không hợp lệ.")
    if len(value) > MAX_FIELD:
        raise CaseError(
            f"Trường “{FIELD_LABELS.get(name, name)}” quá dài (tối đa {MAX_FIELD} ký tự)."
        )
    return value.strip() or None


def _date(form: FormData, today: date) -> date | None:
    raw = _text(form, "on_date")
    if raw is None:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise CaseError(f"Ngày “{raw}” không hợp lệ (cần dạng năm-tháng-ngày).") from None
    if value > today:
        raise CaseError(f"Ngày {value:%d/%m/%Y} ở tương lai: chỉ ghi việc đã xảy ra.")
    if value.year < 2000:
        raise CaseError(f"Ngày {value:%d/%m/%Y} không hợp lệ.")
    return value


async def case_step(request: Request) -> Response:
    require(request, STAFF)
    form = await form_with_csrf(request)
    user, case = _load_case(request)
    kind = str(form.get("kind") or "")
    fields = STEP_FIELDS.get(kind)
    if fields is None:
        return error_page(request, "Yêu cầu không hợp lệ", f"Bước “{kind}” không có.", 400)
    try:
        values: dict[str, Any] = {
            name: _text(form, name) for name in ("unit", "number", "signer", "note")
        }
        values["on_date"] = _date(form, _today(request))
        extra = {name: values[name] for name in fields}
        updated = store_of(request).case_step(
            case.id, kind, user.label, state_of(request).now(), **extra
        )
    except CaseError as exc:
        log.info("[web case:%d] %s: bước %s bị từ chối: %s", case.id, user.name, kind, exc)
        return error_page(request, "Chưa ghi được", str(exc), 400)
    audit(request, f"hồ sơ: {kind}", f"case:{case.id}", case.story)
    flash(request, f"Đã ghi: {STEP_LABELS[kind]}. Trạng thái hồ sơ: {updated.status_label}.")
    return RedirectResponse(url(request, f"/cases/{case.id}"), status_code=303)


async def case_capture(request: Request) -> Response:
    """Keep the case's pages now ("Lưu lại trang bài ngay"), in the background."""
    require(request, STAFF)
    await form_with_csrf(request)
    user, case = _load_case(request)
    not_public = not_public_note(case.platform)
    if not_public is not None:
        return error_page(request, "Không tải được bài này", not_public, 409)
    if start_capture(request, case, user) is None:
        log.info("[web case:%d] %s: trang rà soát không có bộ tải trang", case.id, user.name)
        return error_page(
            request,
            "Chưa lưu được",
            "Trang rà soát này chạy không kèm bộ tải trang bài; chương trình chạy nền sẽ lưu "
            "trang trong lần lưu bằng chứng tới. Chưa có gì thay đổi.",
            503,
        )
    audit(request, "lưu lại trang bài", f"case:{case.id}", case.story)
    flash(request, "Đã bắt đầu lưu lại trang bài; tải lại trang sau ít giây để xem bằng chứng.")
    return RedirectResponse(url(request, f"/cases/{case.id}"), status_code=303)


async def case_letter(request: Request) -> Response:
    require(request, STAFF, VIEWER)
    _, case = _load_case(request)
    config = config_of(request)
    report = config.stored_area(case.area).report
    data = render_letter(case, report, _today(request), config.schedule.timezone)
    audit(request, "tải dự thảo công văn", f"case:{case.id}", case.story)
    name = letter_filename(case)
    return Response(
        data,
        media_type=DOCX,
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


async def evidence_list(request: Request) -> Response:
    user = current_user(request)
    story = request.query_params.get("story", "")
    cluster = story_cluster(story)
    if cluster is None:
        return not_found(request, f"tin {story!r}")
    store = store_of(request)
    areas = _story_areas(request, user, story)
    if not areas:
        return not_found(request, f"tin {story!r}")
    if not _can_see(store, user, story, areas):
        raise Forbidden("Tin này không được giao cho đơn vị của bạn.")
    evidence = store.list_evidence(story=story)
    article = store.get_article(cluster)
    shown = request.query_params.get(AREA_PARAM) or ""
    area = shown if shown in areas else areas[0]
    return render(
        request,
        "cases/evidence.html",
        {
            "story": story,
            "cluster": cluster,
            "case": store.case_for_story(story, area),
            "area": area,
            **_evidence_context(evidence),
            "not_public": not_public_note(article.platform) if article else None,
            "reason_labels": REASON_LABELS,
            "change_labels": CHANGE_LABELS,
        },
    )


def _kept(request: Request) -> tuple[EvidenceRecord, bytes | None] | Response:
    """The snapshot the path names and its gzip content, for an account that may see its
    story (or that sent that screenshot); else the page to answer (not found, or `Forbidden`
    raised)."""
    user = current_user(request)
    evidence_id: int = request.path_params["evidence"]
    store = store_of(request)
    found = store.evidence_content(evidence_id)
    if found is None:
        return not_found(request, f"bằng chứng số {evidence_id}")
    record, _ = found
    areas = _story_areas(request, user, record.story)
    if not areas:
        return not_found(request, f"bằng chứng số {evidence_id}")
    if not _can_see(store, user, record.story, areas) and not (
        record.reason == REPORTED and reported_by(store, user, record.article_id)
    ):
        raise Forbidden("Tin này không được giao cho đơn vị của bạn.")
    return found


async def evidence_image(request: Request) -> Response:
    """A reported screenshot, shown on the case and evidence pages: served with its image type,
    only when it is a PNG, JPEG or WebP whose bytes say so; anything else (a fetched page, an
    image whose bytes disagree) is never served here, so nothing kept renders as HTML."""
    found = _kept(request)
    if isinstance(found, Response):
        return found
    record, content = found
    body = gzip.decompress(content) if content is not None else b""
    media_type = record.media_type or ""
    if record.reason != REPORTED or media_type not in IMAGE_TYPES or image_type(body) != media_type:
        return not_found(request, f"ảnh chụp màn hình số {record.id}")
    name = f"anh-chup-{record.id}{IMAGE_TYPES[media_type]}"
    return Response(
        body,
        media_type=media_type,
        headers={
            "content-disposition": f'inline; filename="{name}"',
            "content-security-policy": "sandbox; default-src 'none'",
            "x-content-type-options": "nosniff",
            "x-duluan-sha256": record.sha256 or "",
        },
    )


async def evidence_download(request: Request) -> Response:
    """A snapshot as kept (a page, a widget, an oEmbed JSON, a reported screenshot), as an
    attachment that no browser renders here."""
    found = _kept(request)
    if isinstance(found, Response):
        return found
    record, content = found
    evidence_id = record.id
    if content is None:
        return error_page(
            request,
            "Không có nội dung",
            f"Lần tải số {evidence_id} không nhận được trang nào ({record.error or 'lỗi'}).",
            404,
        )
    audit(request, "tải bằng chứng", f"evidence:{evidence_id}", record.story)
    stamp = record.fetched_at.strftime("%Y%m%dT%H%M%SZ")
    # A reported screenshot keeps its image extension (its type was told by its bytes); a
    # fetched answer is a page or an oEmbed JSON. Either way an attachment, never rendered here.
    body = gzip.decompress(content)
    extension = IMAGE_TYPES.get(record.media_type or "") or snapshot_suffix(body)
    name = f"bang-chung-{evidence_id}-{stamp}{extension}"
    return Response(
        body,
        media_type="application/octet-stream",
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "content-security-policy": "sandbox; default-src 'none'",
            "x-content-type-options": "nosniff",
            "x-duluan-sha256": record.sha256 or "",
        },
    )


async def search(request: Request) -> Response:
    user = require(request, STAFF, VIEWER)
    query = request.query_params.get("q", "").strip()[:200]
    try:
        page = max(1, min(MAX_PAGE, int(request.query_params.get("page", "1"))))
    except ValueError:
        page = 1
    store = store_of(request)
    config = config_of(request)
    chosen = request.query_params.get(AREA_PARAM) or ""
    # An account of every area searches every stored article, as without areas, unless it
    # filters by an area; an account of one area, only its area's stories.
    areas = None if all_areas(config, user) and not chosen else scope(request, user)
    results = (
        store.search_articles(query, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, areas=areas)
        if query
        else None
    )
    hit_areas: dict[int, tuple[str, ...]] = {}
    if results is not None and several(config):
        for hit in results.hits:
            cluster = story_cluster(hit.story)
            hit_areas[hit.article_id] = (
                () if cluster is None else sees_story(request, user, cluster)
            )
    if results is not None:
        log.info("[web search] %r: %d kết quả", query, results.total)
    pages = -(-results.total // PAGE_SIZE) if results else 0
    return render(
        request,
        "cases/search.html",
        {
            "query": query,
            "results": results,
            "page": page,
            "pages": min(pages, MAX_PAGE),
            "cluster": story_cluster,
            "several": several(config),
            "hit_areas": hit_areas,
            "area_choices": area_choices(request, user),
            "chosen_area": chosen,
            "area_suffix": "&" + urlencode({AREA_PARAM: chosen}) if chosen else "",
        },
    )


routes = [
    Route("/cases", case_list, methods=["GET"]),
    Route("/cases/{case:int}", case_page, methods=["GET"]),
    Route("/cases/{case:int}/step", case_step, methods=["POST"]),
    Route("/cases/{case:int}/capture", case_capture, methods=["POST"]),
    Route("/cases/{case:int}/letter.docx", case_letter, methods=["GET"]),
    Route("/evidence", evidence_list, methods=["GET"]),
    Route("/evidence/{evidence:int}", evidence_download, methods=["GET"]),
    Route("/evidence/{evidence:int}/image", evidence_image, methods=["GET"]),
    Route("/search", search, methods=["GET"]),
]
