"""The console's Starlette application: middleware, error pages and routes."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cases.evidence import Fetch
from duluan.config import Config
from duluan.console import filters
from duluan.console.auth import Forbidden, LoginRequired
from duluan.console.render import BadForm, NotFoundPage, error_page, url
from duluan.console.state import ConsoleState
from duluan.console.submit import MAX_UPLOAD_BODY
from duluan.console.submit import PATH as UPLOAD_PATH
from review.service import ReviewService

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
MAX_BODY = 2 * 1024 * 1024
SESSION_COOKIE = "duluan_session"
SESSION_MAX_AGE = 12 * 3600
SECRET_FILE = "web-secret"
# The "Thêm tin" route cuts its body off itself at MAX_UPLOAD_BODY; this is the backstop.
UPLOAD_LIMIT = MAX_UPLOAD_BODY + MAX_BODY
TOO_LARGE = (
    "Dữ liệu gửi lên quá lớn (tối đa 2 MB). Chưa có gì thay đổi; hãy rút gọn nội dung rồi gửi lại."
)


def load_secret(config: Config, data_dir: Path) -> str:
    """The session signing key: `web.secret` (env: recommended), else one generated once and kept
    in `data/web-secret` (mode 600)."""
    if config.web.secret:
        return config.web.secret.get_secret_value()
    path = data_dir / SECRET_FILE
    try:
        existing = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        existing = ""
    if existing:
        return existing
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(value + "\n")
    os.chmod(path, 0o600)
    log.info("Đã tạo khóa phiên đăng nhập mới tại %s", path)
    return value


class BodyLimit:
    """Refuse request bodies over `limit` bytes with a Vietnamese 413, declared or streamed.
    `uploads` names paths that read their own body part by part up to a larger limit (the
    "Thêm tin" form, cut off at its image limit while reading, so that the fields sent before
    an oversized image are shown again): there the declared length is not refused up front, and
    the larger limit holds while streaming."""

    def __init__(
        self, app: ASGIApp, limit: int = MAX_BODY, uploads: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.limit = limit
        self.uploads = dict(uploads or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        upload = self.uploads.get(path) if scope.get("method") == "POST" else None
        limit = upload or self.limit
        for name, value in scope.get("headers", []):
            if (
                upload is None
                and name == b"content-length"
                and value.isdigit()
                and int(value) > limit
            ):
                log.warning(
                    "Từ chối yêu cầu quá lớn (%s byte) tới %s", value.decode(), scope["path"]
                )
                await _too_large(scope, receive, send)
                return
        seen = 0
        started = False

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _BodyTooLarge()
            return message

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited, tracking)
        except _BodyTooLarge:
            log.warning("Từ chối yêu cầu quá lớn (luồng) tới %s", scope["path"])
            if not started:
                await _too_large(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    page = HTMLResponse(
        f"<!doctype html><meta charset=utf-8><title>Quá lớn</title><p>{TOO_LARGE}</p>",
        status_code=413,
    )
    await page(scope, receive, send)


class SecurityHeaders:
    """Headers that keep the console out of frames and other sites' scripts."""

    HEADERS = (
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (
            b"content-security-policy",
            b"default-src 'self'; img-src 'self' data:; style-src 'self'; "
            b"frame-ancestors 'none'; form-action 'self'",
        ),
        (b"cache-control", b"no-store"),
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def adding(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers.extend(h for h in self.HEADERS if h[0] not in names)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, adding)


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    target = url(request, "/login")
    if exc.next_path and exc.next_path.startswith("/") and not exc.next_path.startswith("//"):
        from urllib.parse import urlencode

        target += "?" + urlencode({"next": exc.next_path})
    return RedirectResponse(target, status_code=303)


async def _forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Forbidden)
    return error_page(request, "Không có quyền", exc.message, 403)


async def _bad_form(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BadForm)
    return error_page(request, "Yêu cầu không hợp lệ", exc.message, 400)


async def _not_found_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotFoundPage)
    return exc


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_page(request, "Không tìm thấy", "Không có trang này.", 404)
    if exc.status_code == 405:
        return error_page(request, "Không hỗ trợ", "Trang này không nhận kiểu yêu cầu đó.", 405)
    return PlainTextResponse(exc.detail, status_code=exc.status_code)


async def _server_error(request: Request, exc: Exception) -> Response:
    log.error("[web %s] lỗi khi xử lý yêu cầu: %s: %s", request.url.path, type(exc).__name__, exc)
    return error_page(
        request,
        "Lỗi máy chủ",
        "Đã có lỗi khi xử lý yêu cầu; thao tác có thể chưa được ghi. Hãy tải lại trang để xem "
        "trạng thái hiện tại, rồi báo quản trị viên nếu lỗi lặp lại.",
        500,
    )


def _routes() -> list[BaseRoute]:
    from duluan.console.dashboard import routes as dashboard_routes
    from duluan.console.exports import routes as export_routes
    from duluan.console.login import routes as login_routes
    from duluan.console.pages import routes as page_routes
    from duluan.console.review import routes as review_routes
    from duluan.console.rules import routes as rule_routes
    from duluan.console.submit import routes as submit_routes

    routes: list[BaseRoute] = [
        *login_routes,
        *dashboard_routes,
        *export_routes,
        *review_routes,
        *submit_routes,
        *page_routes,
        *rule_routes,
    ]
    try:
        from duluan.console.cases import routes as case_routes
    except ImportError as exc:
        log.info("Chưa có trang vụ việc (duluan.console.cases): %s", exc)
    else:
        routes.extend(case_routes)
    routes.append(Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"))
    return routes


def build_app(
    config: Config,
    store: Any,
    now: Callable[[], datetime],
    secret: str,
    *,
    data_dir: Path,
    fetch: Fetch | None = None,
) -> Starlette:
    """The console for `store`, with sessions signed by `secret`; `now` is the clock. With
    `fetch`, a story marked false has its pages kept at once (in the background) instead of at
    the daemon's next evidence pass."""
    base_path = config.web.base_path.rstrip("/")
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    filters.install(env, config)
    from starlette.templating import Jinja2Templates

    middleware = []
    if config.web.trusted_proxies:  # never by default: anyone could claim any address
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        middleware.append(
            Middleware(ProxyHeadersMiddleware, trusted_hosts=list(config.web.trusted_proxies))
        )
    middleware += [
        Middleware(SecurityHeaders),
        Middleware(BodyLimit, limit=MAX_BODY, uploads={UPLOAD_PATH: UPLOAD_LIMIT}),
        Middleware(
            SessionMiddleware,
            secret_key=secret,
            session_cookie=SESSION_COOKIE,
            max_age=SESSION_MAX_AGE,
            path=base_path or "/",
            same_site="lax",
            https_only=config.web.secure_cookies,
        ),
    ]
    app = Starlette(
        routes=_routes(),
        middleware=middleware,
        exception_handlers={
            LoginRequired: _login_required,
            Forbidden: _forbidden,
            BadForm: _bad_form,
            NotFoundPage: _not_found_page,
            HTTPException: _http_error,
            Exception: _server_error,
        },
    )
    app.state.console = ConsoleState(
        config=config,
        store=store,
        now=now,
        data_dir=data_dir,
        base_path=base_path,
        templates=Jinja2Templates(env=env),
        review=ReviewService(store, config, now, fetch),
        fetch=fetch,
    )
    return app
