"""Logging in and out: argon2 passwords, rate-limited attempts, a fresh session on success.

Logging out ends every session of the account, on every device: a copy of the cookie kept
elsewhere stops working at once instead of living out its 12 hours."""

from __future__ import annotations

import logging
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from duluan.web.auth import (
    check_password,
    current_user,
    dummy_check,
    end_session,
    optional_user,
    start_session,
)
from duluan.web.render import (
    CSRF_KEY,
    audit,
    client_ip,
    flash,
    form_with_csrf,
    render,
    url,
)

log = logging.getLogger(__name__)

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."
LOCKED = (
    "Đăng nhập sai quá nhiều lần. Hãy chờ 15 phút rồi thử lại, hoặc nhờ quản trị viên kiểm tra "
    "tài khoản."
)
LOGGED_OUT = (
    "Đã đăng xuất khỏi mọi thiết bị: mọi phiên đăng nhập của tài khoản này đều đã kết thúc."
)


def _safe_next(value: object) -> str:
    text = value if isinstance(value, str) else ""
    if text.startswith("/") and not text.startswith("//") and "\\" not in text:
        return text
    return "/queue"


async def login_page(request: Request) -> Response:
    if optional_user(request) is not None:
        return RedirectResponse(url(request, "/queue"), status_code=303)
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
    secure = request.app.state.config.web.secure_cookies
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
    store = request.app.state.store
    now = request.app.state.now()
    ip = client_ip(request)
    by_name, by_ip = store.failed_logins(name, ip, now - WINDOW)
    if by_name >= MAX_FAILURES or by_ip >= MAX_FAILURES:
        store.record_login(name, ip, False, now)
        log.warning("[web] chặn đăng nhập %r từ %s: sai quá nhiều lần", name, ip)
        return render(request, "login.html", {"next": target, "error": LOCKED}, status=429)
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
    request.app.state.store.end_web_sessions(user.id)
    end_session(request)
    request.session.clear()
    request.session[CSRF_KEY] = ""
    flash(request, LOGGED_OUT)
    return RedirectResponse(url(request, "/login"), status_code=303)


async def home(request: Request) -> Response:
    current_user(request)
    return RedirectResponse(url(request, "/queue"), status_code=303)


routes = [
    Route("/", home, methods=["GET"]),
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login_submit, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
