"""Units (what each was asked, what is overdue), sources' health, the digest archive, and the
admin's pages: accounts and the audit log."""

from __future__ import annotations

import logging
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from duluan.config import Config
from duluan.console.areas import (
    AREA_PARAM,
    area_choices,
    form_area,
    listed_areas,
    scope,
    several,
)
from duluan.console.auth import (
    ADMIN,
    ROLE_LABELS,
    ROLES,
    UNIT,
    Forbidden,
    current_user,
    flash,
    hash_password,
    require,
)
from duluan.console.render import (
    audit,
    config_of,
    error_page,
    form_with_csrf,
    not_found,
    render,
    store_of,
    url,
)
from duluan.console.state import state_of

log = logging.getLogger(__name__)

MIN_PASSWORD = 10
MEDIA_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".html": "text/html; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
}


async def units(request: Request) -> Response:
    """Each unit of the listed areas with what it was asked (a row per area and unit)."""
    user = current_user(request)
    store = store_of(request)
    config = config_of(request)
    today = state_of(request).now().astimezone(config.schedule.zone).date()
    jobs = store.list_assignments(
        unit=user.unit if user.role == UNIT else None, areas=scope(request, user)
    )
    listed = listed_areas(request, user)
    pairs = [(a.name, u.name) for a in listed for u in a.units]
    if user.role == UNIT:
        pairs = [p for p in pairs if p[1] == user.unit]
    pairs += sorted({(j.area, j.unit) for j in jobs} - set(pairs))
    briefs = store.alert_briefs([j.article_id for j in jobs if j.article_id is not None])
    rows = []
    for area, name in pairs:
        mine = [j for j in jobs if (j.area, j.unit) == (area, name)]
        rows.append(
            {
                "name": name,
                "area": area,
                "jobs": mine,
                "open": sum(1 for j in mine if j.status == "open"),
                "overdue": sum(1 for j in mine if j.status == "open" and j.deadline < today),
            }
        )
    return render(
        request,
        "units.html",
        {
            "rows": rows,
            "briefs": briefs,
            "today": today,
            "area_choices": area_choices(request, user),
            "chosen_area": request.query_params.get(AREA_PARAM) or "",
        },
    )


async def sources(request: Request) -> Response:
    current_user(request)
    return render(request, "sources.html", {"health": store_of(request).health()})


NO_UNIT_DIGESTS = (
    "Báo cáo tuần tổng hợp tin của mọi đơn vị nên cán bộ đơn vị không xem được. Nếu Trung tâm "
    "đồng ý cho đơn vị xem, quản trị viên đặt web.unit_digests: true trong cấu hình."
)


def digest_reader(request: Request) -> str | None:
    """The weekly digest lists every unit's items: a unit officer reads it only when the
    centre allows it (`web.unit_digests`); everyone else who is logged in does. Returns the
    account's watch area (None: every area), whose digests alone it reads."""
    user = current_user(request)
    if user.role == UNIT and not config_of(request).web.unit_digests:
        raise Forbidden(NO_UNIT_DIGESTS)
    return user.area


async def digests(request: Request) -> Response:
    """The digests of the account's watch area (of every area for an account of all, then
    with their area)."""
    area = digest_reader(request)
    records = store_of(request).list_digests(limit=200, area=area)
    areas = config_of(request).watch_areas()
    titles = {a.name: a.title for a in areas}
    return render(
        request,
        "digests.html",
        {
            "digests": [(d, [Path(f).name for f in d.files]) for d in records],
            "areas": titles if area is None and len(areas) > 1 else None,
        },
    )


async def digest_file(request: Request) -> Response:
    """One file of a recorded digest of the account's area, only from its area's digest folder
    and only one it lists."""
    area = digest_reader(request)
    digest_id: int = request.path_params["digest"]
    name: str = request.path_params["name"]
    digests = store_of(request).list_digests(limit=1000, area=area)
    record = next((d for d in digests if d.id == digest_id), None)
    if record is None:
        return not_found(request, f"báo cáo số {digest_id}")
    listed = {Path(f).name for f in record.files}
    config = config_of(request)
    folder = Path(config.stored_area(record.area).report.out_dir).resolve()
    path = (folder / name).resolve()
    if name not in listed or path.parent != folder or not path.is_file():
        log.warning("[web digest %d] từ chối tệp %r", digest_id, name)
        return not_found(request, f"tệp {name!r} của báo cáo {record.label}")
    audit(request, "tải báo cáo", f"digest:{digest_id}", name)
    return FileResponse(
        path,
        filename=name,
        media_type=MEDIA_TYPES.get(path.suffix, "application/octet-stream"),
        content_disposition_type="attachment",
    )


async def users(request: Request) -> Response:
    require(request, ADMIN)
    return render(
        request,
        "users.html",
        {
            "users": store_of(request).list_web_users(),
            "roles": ROLE_LABELS,
            "units": config_of(request).account_units(None),
            "areas": [(a.name, a.title) for a in config_of(request).watch_areas()]
            if several(config_of(request))
            else [],
        },
    )


def _user_problem(
    name: str, role: str, unit: str, area: str | None, password: str, config: Config
) -> str:
    if not name or len(name) > 100:
        return "Tên đăng nhập phải có từ 1 đến 100 ký tự."
    if role not in ROLES:
        return f"Vai trò {role!r} không hợp lệ."
    if area is not None and not any(a.name == area for a in config.watch_areas()):
        return f"Không có địa bàn {area!r} trong cấu hình; hãy chọn một địa bàn trong danh sách."
    if role == UNIT and unit not in config.account_units(area):
        where = "địa bàn đã chọn" if area is not None else "cấu hình"
        return f"Cán bộ đơn vị phải thuộc một đơn vị có trong {where}."
    if len(password) < MIN_PASSWORD:
        return f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự."
    return ""


async def user_add(request: Request) -> Response:
    require(request, ADMIN)
    form = await form_with_csrf(request)
    name = str(form.get("name") or "").strip()
    role = str(form.get("role") or "")
    unit = str(form.get("unit") or "").strip()
    config = config_of(request)
    area = (form_area(form) or None) if several(config) else None
    password = str(form.get("password") or "")
    problem = _user_problem(name, role, unit, area, password, config)
    if problem:
        return error_page(request, "Không tạo được tài khoản", problem, 400)
    try:
        store_of(request).add_web_user(
            name,
            role,
            unit if role == UNIT else None,
            hash_password(password),
            state_of(request).now(),
            area=area,
        )
    except ValueError:
        return error_page(request, "Không tạo được tài khoản", f"Tài khoản {name} đã có.", 400)
    audit(request, "tạo tài khoản", f"user:{name}", f"{role}, địa bàn {area}" if area else role)
    flash(request, f"Đã tạo tài khoản {name}.")
    return RedirectResponse(url(request, "/users"), status_code=303)


async def user_active(request: Request) -> Response:
    admin = require(request, ADMIN)
    form = await form_with_csrf(request)
    user_id: int = request.path_params["user"]
    active = str(form.get("active") or "") == "1"
    if user_id == admin.id and not active:
        return error_page(request, "Không thực hiện", "Không thể tự khóa tài khoản của mình.", 400)
    if not store_of(request).set_web_user_active(user_id, active):
        return not_found(request, f"tài khoản số {user_id}")
    audit(request, "mở khóa tài khoản" if active else "khóa tài khoản", f"user:{user_id}")
    flash(
        request,
        "Đã mở khóa tài khoản."
        if active
        else "Đã khóa tài khoản; mọi phiên đăng nhập đang mở của tài khoản đã kết thúc.",
    )
    return RedirectResponse(url(request, "/users"), status_code=303)


async def audit_log(request: Request) -> Response:
    require(request, ADMIN)
    return render(request, "audit.html", {"entries": store_of(request).list_audit(limit=500)})


routes = [
    Route("/units", units, methods=["GET"]),
    Route("/sources", sources, methods=["GET"]),
    Route("/digests", digests, methods=["GET"]),
    Route("/digests/{digest:int}/{name:str}", digest_file, methods=["GET"]),
    Route("/users", users, methods=["GET"]),
    Route("/users", user_add, methods=["POST"]),
    Route("/users/{user:int}/active", user_active, methods=["POST"]),
    Route("/audit", audit_log, methods=["GET"]),
]
