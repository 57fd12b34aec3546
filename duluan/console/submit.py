"""The console's "Thêm tin": staff, admins and unit officers report an item they saw (a link, a
text, a screenshot) through the one operation `duluan.submit.submit`, as the bot and `duluan
submit` do; the reporter is the account, its door "console", its area the account's (or, for
an account of every area, the one chosen on the form).

The upload is limited while it is read: the body is read part by part and cut off as soon as it
passes `MAX_FILE_BYTES` plus room for the other fields (Starlette's `max_part_size` limits the
text fields only: file parts are spooled to disk whatever their size), so a huge upload is
never read whole; the fields sent before it are kept and the form is shown again with them.
The image's type is told by its bytes (`duluan.submit.check_image`), never by its name.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from duluan.console.areas import AREA_PARAM, area_query, own_areas, several
from duluan.console.auth import STAFF, UNIT, WebUser, flash, require
from duluan.console.render import (
    BadForm,
    audit,
    check_csrf,
    config_of,
    render,
    url,
)
from duluan.console.state import state_of
from duluan.submit import (
    MAX_FILE_BYTES,
    MAX_TEXT,
    Report,
    Reporter,
    SubmitError,
    Submitted,
    check_image,
    submit,
)
from storage import Store
from storage.vocabulary import story_cluster

log = logging.getLogger(__name__)

PATH = "/submit"
FILE_FIELD = "screenshot"
MAX_FIELD_BYTES = 4 * MAX_TEXT  # a text field of MAX_TEXT characters, 4 bytes each at most
# What this route reads of a body at most: the image and the text fields around it. The
# console's body limit (app.BodyLimit) lets this route alone go past its 2 MB.
MAX_UPLOAD_BODY = MAX_FILE_BYTES + 4 * MAX_FIELD_BYTES
TOO_BIG = (
    f"Ảnh gửi lên quá lớn; chỉ nhận ảnh PNG, JPEG hoặc WebP tới {MAX_FILE_BYTES / 1e6:.0f} MB. "
    "Chưa lưu gì; hãy chọn ảnh nhỏ hơn (hoặc chụp lại màn hình) rồi gửi lại."
)
NO_AREA = "Hãy chọn địa bàn của tin (ô Địa bàn). Chưa lưu gì."
WRONG_AREA = "Không có địa bàn {name!r} trong các địa bàn của tài khoản; hãy chọn lại. Chưa lưu gì."


@dataclass(frozen=True)
class Typed:
    """What the user typed on the form, shown again when the report is refused."""

    link: str = ""
    text: str = ""
    area: str = ""


class _Cut(Exception):
    """The body passed `MAX_UPLOAD_BODY` and was not read further."""


async def _limited(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            raise _Cut()
        yield chunk


async def read_upload(
    request: Request, limit: int = MAX_UPLOAD_BODY
) -> tuple[FormData, UploadFile | None, bool]:
    """The form's text fields, its file (None when none was chosen) and whether the body was
    cut off at `limit` bytes (then the fields sent before the cut, and no file). A malformed
    body is a `BadForm`."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        try:
            form = await request.form(max_files=0, max_fields=10, max_part_size=MAX_FIELD_BYTES)
        except Exception as exc:  # starlette answers a bad urlencoded body with HTTPException
            log.warning("Biểu mẫu không đọc được tại %s: %s", request.url.path, exc)
            raise BadForm("Biểu mẫu gửi lên không hợp lệ hoặc quá lớn.") from None
        return form, None, False
    parser = MultiPartParser(
        request.headers,
        _limited(request, limit),
        max_files=1,
        max_fields=10,
        max_part_size=MAX_FIELD_BYTES,
    )
    try:
        form = await parser.parse()
    except _Cut:
        fields: list[tuple[str, str | UploadFile]] = [
            (k, v) for k, v in parser.items if isinstance(v, str)
        ]
        return FormData(fields), None, True
    except (MultiPartException, KeyError, ValueError, UnicodeDecodeError) as exc:
        log.warning("Biểu mẫu tải lên không đọc được tại %s: %s", request.url.path, exc)
        raise BadForm(
            "Biểu mẫu gửi lên không hợp lệ (chỉ một ảnh, vài ô chữ). Chưa lưu gì; hãy tải lại "
            "trang rồi gửi lại."
        ) from None
    upload = form.get(FILE_FIELD)
    if isinstance(upload, UploadFile) and (upload.filename or upload.size):
        return form, upload, False
    return form, None, False


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _choices(request: Request, user: WebUser) -> list[tuple[str, str]]:
    """The areas the account may report for, when it chooses (an account of every area of a
    deployment with `areas:`); none otherwise."""
    config = config_of(request)
    if not several(config) or user.area is not None:
        return []
    return [(a.name, a.title) for a in own_areas(config, user)]


def _area(request: Request, user: WebUser, typed: Typed) -> str | None:
    """The area the report is for: none without `areas:`, the account's own for an account of
    one area (another named is refused), else the one chosen; a `SubmitError` otherwise."""
    config = config_of(request)
    if not several(config):
        return None
    own = [a.name for a in own_areas(config, user)]
    if user.area is not None:
        if typed.area and typed.area != user.area:
            raise SubmitError(WRONG_AREA.format(name=typed.area[:80]))
        return user.area
    if not typed.area:
        raise SubmitError(NO_AREA)
    if typed.area not in own:
        raise SubmitError(WRONG_AREA.format(name=typed.area[:80]))
    return typed.area


def _page(
    request: Request,
    user: WebUser,
    typed: Typed,
    error: str = "",
    status: int = 200,
    *,
    had_file: bool = False,
) -> Response:
    return render(
        request,
        "submit.html",
        {
            "typed": typed,
            "error": error,
            "had_file": had_file,
            "area_choices": _choices(request, user),
            "own_area": user.area if several(config_of(request)) else None,
            "max_mb": f"{MAX_FILE_BYTES / 1e6:.0f}",
            "max_text": MAX_TEXT,
        },
        status=status,
    )


async def form_page(request: Request) -> Response:
    """The empty "Thêm tin" form."""
    user = require(request, STAFF, UNIT)
    return _page(request, user, Typed(area=request.query_params.get(AREA_PARAM) or ""))


async def add(request: Request) -> Response:
    """Take a report from the form; the item's page on success, the form again (with what was
    typed and why) when it cannot be taken."""
    user = require(request, STAFF, UNIT)
    form, upload, cut = await read_upload(request)
    check_csrf(request, form)
    typed = Typed(
        link=_text(form, "link").strip()[:4096],
        text=_text(form, "text")[:MAX_TEXT],
        area=_text(form, AREA_PARAM).strip(),
    )
    if cut:
        log.warning("[web thêm tin] %s gửi tệp quá lớn: đã ngắt khi đọc", user.name)
        return _page(request, user, typed, TOO_BIG, 413, had_file=True)
    screenshot = None
    try:
        area = _area(request, user, typed)
        if upload is not None:
            content = await upload.read()  # at most MAX_UPLOAD_BODY: the body was cut there
            screenshot = check_image(upload.filename or "anh", content)
        report = Report(url=typed.link or None, text=typed.text, screenshot=screenshot)
        reporter = Reporter(user.name, "console", area=area)
        done = await run_in_threadpool(_submit, request, report, reporter)
    except SubmitError as exc:
        log.info("[web thêm tin] %s: không nhận: %s", user.name, exc)
        return _page(request, user, typed, str(exc), 400, had_file=upload is not None)
    finally:
        if upload is not None:
            await upload.close()
    state = "tin mới" if done.new else "đã có, thêm người báo"
    if not done.added:
        state = "đã có, bạn đã báo tin này trước đó"
    detail = f"bài {done.article_id} ({state})"
    if screenshot is not None:
        detail += f", ảnh {screenshot.sha256[:12]}…"
    audit(request, "thêm tin", done.story, detail + (f", địa bàn {area}" if area else ""))
    flash(request, f"Đã nhận tin ({state}): {done.title}")
    cluster = story_cluster(done.story)
    if cluster is None:  # a bug: submit names every item by its story
        raise RuntimeError(f"submit gave no story for {done.article_id}")
    target = f"/items/{cluster}" + (area_query(config_of(request), area) if area else "")
    return RedirectResponse(url(request, target), status_code=303)


def _submit(request: Request, report: Report, reporter: Reporter) -> Submitted:
    """`duluan.submit.submit` with the console's store, clock, guarded fetch and tagger (in a
    worker thread: the page fetch and the first tagger build take seconds)."""
    state = state_of(request)
    return submit(
        state.store,
        state.config,
        report,
        reporter,
        state.now,
        fetch=state.fetch,
        locator=state.tagger(),
        console=state.console_mode,
    )


def reported_by(store: Store, user: WebUser, article_id: int | None) -> bool:
    """Whether `user` reported this article's story (it or a copy) from the console: a unit
    officer then sees the item it reported, and its screenshot, though its unit was not asked
    about it."""
    article = store.get_article(article_id) if article_id is not None else None
    if article is None:
        return False
    found = store.submissions_of([article.id, *article.cluster_others])
    return any(
        s.via == "console" and s.reporter == user.name for rows in found.values() for s in rows
    )


routes = [
    Route(PATH, form_page, methods=["GET"]),
    Route(PATH, add, methods=["POST"]),
]
