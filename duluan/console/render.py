"""Rendering pages and the helpers every console page uses: CSRF, flash messages, audit, 404."""

from __future__ import annotations

import hmac
import logging
import secrets
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from duluan.config import Config
from duluan.console.auth import FLASH_KEY, WebUser, optional_user
from duluan.console.state import state_of
from review.service import Actor, ReviewService
from storage import Store

log = logging.getLogger(__name__)

CSRF_KEY = "csrf"
CSRF_FIELD = "csrf_token"
MAX_FORM_FIELDS = 200


class BadForm(Exception):
    """A form that cannot be accepted (forged, expired, malformed): answered with a 400 page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundPage(HTMLResponse, Exception):
    """The 404 page; return it from a handler, or raise it."""


def csrf_token(request: Request) -> str:
    """This session's CSRF token, created on first use."""
    token = request.session.get(CSRF_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_KEY] = token
    return token


def url(request: Request, path: str) -> str:
    """`path` (starting with /) under the configured base path (behind a reverse proxy)."""
    base: str = state_of(request).base_path
    return base + path


def render(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """Render `template` with `user`, `csrf_token`, flash messages, `base_path` and `url` added."""
    templates = state_of(request).templates
    flashes = request.session.pop(FLASH_KEY, None) if "session" in request.scope else None
    full = {
        "user": optional_user(request),
        "csrf_token": csrf_token(request) if "session" in request.scope else "",
        "flashes": list(flashes or []),
        "base_path": state_of(request).base_path,
        "url": lambda path: url(request, path),
        **context,
    }
    response: HTMLResponse = templates.TemplateResponse(request, template, full, status_code=status)
    return response


async def form_with_csrf(request: Request) -> FormData:
    """The submitted form, once its CSRF token matches the session's; `BadForm` (400) if not."""
    try:
        form = await request.form(max_files=5, max_fields=MAX_FORM_FIELDS)
    except (HTTPException, ValueError, UnicodeDecodeError) as exc:
        log.warning("Biểu mẫu không đọc được tại %s: %s", request.url.path, exc)
        raise BadForm("Biểu mẫu gửi lên không hợp lệ hoặc quá lớn.") from None
    check_csrf(request, form)
    return form


def check_csrf(request: Request, form: FormData) -> None:
    """`BadForm` (400) unless the form's CSRF token is the session's."""
    sent = form.get(CSRF_FIELD)
    expected = request.session.get(CSRF_KEY)
    if (
        not isinstance(sent, str)
        or not isinstance(expected, str)
        or not hmac.compare_digest(sent.encode(), expected.encode())
    ):
        log.warning(
            "Mã chống giả mạo (CSRF) sai tại %s từ %s",
            request.url.path,
            request.client.host if request.client else "?",
        )
        raise BadForm(
            "Biểu mẫu đã hết hạn hoặc không phải gửi từ trang này (mã chống giả mạo không khớp). "
            "Hãy tải lại trang rồi thử lại; chưa có gì thay đổi."
        )


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "?"


def audit(request: Request, action: str, target: str, detail: str = "") -> None:
    """Record an action of the logged-in user in the audit log (and the log)."""
    user = optional_user(request)
    now = state_of(request).now()
    state_of(request).store.add_audit(
        at=now,
        user_id=user.id if user else None,
        user_name=user.name if user else "",
        action=action,
        target=target,
        detail=detail,
        ip=client_ip(request),
    )
    log.info(
        "[web %s] %s: %s %s %s",
        target,
        user.name if user else "(khách)",
        action,
        detail,
        client_ip(request),
    )


def error_page(request: Request, title: str, message: str, status: int) -> HTMLResponse:
    return render(request, "error.html", {"title": title, "message": message}, status=status)


def not_found(request: Request, what: str) -> NotFoundPage:
    """The 404 page naming what was not found (e.g. "tin số 42"); return it or raise it."""
    page = error_page(request, "Không tìm thấy", f"Không tìm thấy {what}.", 404)
    found = NotFoundPage(
        content=page.body, status_code=404, headers={"content-type": "text/html; charset=utf-8"}
    )
    return found


def store_of(request: Request) -> Store:
    """The store the app was built with."""
    store: Store = state_of(request).store
    return store


def config_of(request: Request) -> Config:
    """The config the app was built with."""
    config: Config = state_of(request).config
    return config


def review_of(request: Request) -> ReviewService:
    """The review service on the app's store, config, clock and fetch (the bot's operations)."""
    review: ReviewService = state_of(request).review
    return review


def actor(user: WebUser) -> Actor:
    """How a console user acts in the review service: named "name (trang web)" in the history,
    "web, name" in the evidence logs."""
    return Actor(user.history_id, user.label, f"web, {user.name}")
