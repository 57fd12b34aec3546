"""Logging in and out: argon2 passwords, growing delays after failures, a fresh session.

Logging out ends every session of the account, on every device: a copy of the cookie kept
elsewhere stops working at once instead of living out its 12 hours."""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from duluan.console.auth import (
    check_password,
    current_user,
    dummy_check,
    end_session,
    flash,
    optional_user,
    start_session,
)
from duluan.console.dashboard import home_path
from duluan.console.render import (
    CSRF_KEY,
    audit,
    client_ip,
    form_with_csrf,
    render,
    url,
)
from duluan.console.state import state_of
from storage.users import LoginFailures

log = logging.getLogger(__name__)

# Growing delays instead of a hard lock, so that a stranger cannot lock an owner out:
# - per name and address: 5 free failures, then 1 min, 2, 4, 8, at most 15 min between tries;
# - per address, any name: the same after 20 failures (one machine trying many names);
# - per name, any address: the same after 50 failures (many machines on one name), except for
#   an address that has logged in to this account in the last 90 days, so the owner's office
#   keeps its door while a spray from elsewhere slows down.
# Failures are counted over the last 24 hours, per name after its last success; a refused try
# is not counted, so waiting out the delay is all it takes. `duluan users unlock NAME` forgets
# the name's failures.
FREE_PER_PAIR = 5
FREE_PER_ADDRESS = 20
FREE_PER_NAME = 50
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(minutes=15)
HORIZON = timedelta(hours=24)
KNOWN_FOR = timedelta(days=90)
WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."
LOGGED_OUT = (
    "Đã đăng xuất khỏi mọi thiết bị: mọi phiên đăng nhập của tài khoản này đều đã kết thúc."
)


def delay_after(failures: int, free: int) -> timedelta:
    """How long to wait after the latest of `failures` when `free` of them cost nothing."""
    if failures < free:
        return timedelta(0)
    return min(MAX_DELAY, FIRST_DELAY * 2 ** min(failures - free, 16))


def retry_at(failures: LoginFailures) -> datetime | None:
    """When the next attempt may be made, or None when it may be made now."""
    weighed = [(failures.pair, FREE_PER_PAIR), (failures.address, FREE_PER_ADDRESS)]
    if not failures.known_address:
        weighed.append((failures.name, FREE_PER_NAME))
    ends = [
        kind.last + delay_after(kind.count, free)
        for kind, free in weighed
        if kind.last is not None and kind.count >= free
    ]
    return max(ends) if ends else None


def locked_message(until: datetime, now: datetime, zone: ZoneInfo) -> str:
    """The login page's answer during a delay: when to try again, and who can help."""
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return (
        f"Đăng nhập sai nhiều lần nên tạm dừng: hãy thử lại sau {until.astimezone(zone):%H:%M} "
        f"(khoảng {minutes} phút nữa). Quên mật khẩu thì nhờ quản trị viên đặt lại; quản trị viên "
        "cũng có thể mở ngay bằng lệnh duluan users unlock TÊN."
    )


def _safe_next(value: object) -> str:
    text = value if isinstance(value, str) else ""
    if text.startswith("/") and not text.startswith("//") and "\\" not in text:
        return text
    return "/"


async def login_page(request: Request) -> Response:
    if optional_user(request) is not None:
        return RedirectResponse(url(request, "/"), status_code=303)
    return render(
        request,
        "login.html",
        {
            "next": _safe_next(request.query_params.get("next")),
            "error": "",
            "cookie_warning": _cookie_warning(request),
        },
    )


def _cookie_warning(request: Request) -> str:
    """Secure cookies over plain HTTP from another machine: the browser keeps no session, so
    logging in would fail without saying why. Say it on the login page."""
    secure = state_of(request).config.web.secure_cookies
    local = request.url.hostname in ("127.0.0.1", "localhost", "::1")
    if secure and request.url.scheme == "http" and not local:
        return (
            "Trang đang mở qua HTTP (không mã hóa) nên trình duyệt sẽ không giữ phiên đăng nhập. "
            "Hãy mở trang qua HTTPS, hoặc nhờ quản trị viên đặt web.secure_cookies: false nếu "
            "chỉ dùng trong mạng nội bộ."
        )
    return ""


async def login_submit(request: Request) -> Response:
    form = await form_with_csrf(request)
    name = str(form.get("username") or "").strip()[:100]
    password = str(form.get("password") or "")
    target = _safe_next(form.get("next"))
    store = state_of(request).store
    now = state_of(request).now()
    ip = client_ip(request)
    wait_until = retry_at(store.login_failures(name, ip, now - HORIZON, now - KNOWN_FOR))
    if wait_until is not None and wait_until > now:
        log.warning("[web] tạm chặn đăng nhập %r từ %s đến %s", name, ip, wait_until.isoformat())
        zone = state_of(request).config.schedule.zone
        error = locked_message(wait_until, now, zone)
        response = render(request, "login.html", {"next": target, "error": error}, status=429)
        response.headers["Retry-After"] = str(math.ceil((wait_until - now).total_seconds()))
        return response
    record = store.web_user_by_name(name) if name else None
    if record is None:
        dummy_check(password)
    ok = record is not None and record.active and check_password(record.password_hash, password)
    store.record_login(name, ip, ok, now)
    if not ok or record is None:
        log.warning("[web] đăng nhập sai cho %r từ %s", name, ip)
        return render(request, "login.html", {"next": target, "error": WRONG}, status=401)
    start_session(request, record.id, record.session_epoch)
    audit(request, "đăng nhập", f"user:{record.name}")
    return RedirectResponse(url(request, target), status_code=303)


async def logout(request: Request) -> Response:
    await form_with_csrf(request)
    user = current_user(request)
    audit(request, "đăng xuất", f"user:{user.name}", "mọi thiết bị")
    state_of(request).store.end_web_sessions(user.id)
    end_session(request)
    request.session.clear()
    request.session[CSRF_KEY] = ""
    flash(request, LOGGED_OUT)
    return RedirectResponse(url(request, "/login"), status_code=303)


async def home(request: Request) -> Response:
    """The dashboard for the centre's staff, a unit officer's queue (`dashboard.home_path`)."""
    user = current_user(request)
    return RedirectResponse(url(request, home_path(user)), status_code=303)


routes = [
    Route("/", home, methods=["GET"]),
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login_submit, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
