"""The queue of flagged stories and one story's page with its review actions.

The actions are the review service's operations (`review.service`: verdict, assign, answer),
the ones the Telegram buttons call, with the same version check: a page drawn before someone
else acted cannot overwrite that action. These handlers read the form, check the user's role,
call the service and answer with a page. When the console runs inside the daemon with a bot,
the daemon sets the console state's `on_review_change`, and each action then edits the review
group's message (and the unit's, for an answer) in the background; `duluan web` alone leaves
Telegram as it is until the next press there.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from crawler.platform import PLATFORM_LABELS
from duluan.config import Area, units_of
from duluan.console.areas import (
    AREA_PARAM,
    all_areas,
    area_choices,
    area_query,
    communes_of,
    form_area,
    listed_areas,
    scope,
    sees_story,
    several,
    story_area,
)
from duluan.console.auth import (
    ADMIN,
    STAFF,
    UNIT,
    Forbidden,
    WebUser,
    current_user,
    flash,
    require,
)
from duluan.console.filters import STATUS_LABELS, TONE_LABELS
from duluan.console.render import (
    actor,
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
from duluan.console.state import state_of
from duluan.console.submit import reported_by
from duluan.rules import rule_names
from review.service import ReviewError
from review.workdays import long_date
from storage import TELEGRAM, ZALO, MentionRecord, StaleReview
from storage.cases import CaseRecord
from storage.queue import QueueFilters, StoryMessageRow
from storage.reviews import AssignmentRecord, ReviewDetail
from storage.submissions import REPORTED
from storage.vocabulary import story_key

log = logging.getLogger(__name__)

PAGE_SIZE = 50
MAX_QUERY = 200
STALE = (
    "Tin này vừa được người khác cập nhật trong lúc bạn xem. Chưa có gì thay đổi; hãy xem trạng "
    "thái mới rồi thao tác lại."
)
ANSWERS = {"reported": "Đã báo cáo", "true": "Đúng sự thật", "false": "Sai sự thật"}


def _day(text: str) -> date | None:
    """A filter date, or None (no filter) for one that is not a date or not a sane one: year 1
    or 9999 would overflow in UTC and in the day added to `to`."""
    try:
        value = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return value if value is not None and 1900 <= value.year <= 9000 else None


def _filters(request: Request, user: WebUser) -> tuple[QueueFilters, dict[str, str]]:
    params = request.query_params
    keys = (
        "status",
        "tone",
        "platform",
        "commune",
        "unit",
        "outlet",
        "topic",
        "from",
        "to",
        "q",
        "verify",
        "overdue",
        "rule",
        AREA_PARAM,
    )
    raw = {
        key: (params.get(key) or "").replace("\x00", "").strip()[:MAX_QUERY]  # PostgreSQL: no NUL
        for key in keys
    }
    zone = config_of(request).schedule.zone
    start, end = _day(raw["from"]), _day(raw["to"])
    unit = raw["unit"]
    if user.role == UNIT:
        unit = user.unit or "\u2205"  # an officer without a unit sees nothing
    filters = QueueFilters(
        status=raw["status"],
        tone=raw["tone"],
        platform=raw["platform"],
        communes=communes_of(config_of(request), listed_areas(request, user)).find(raw["commune"]),
        unit=unit,
        outlet=raw["outlet"],
        topic=raw["topic"],
        since=datetime.combine(start, time(), zone) if start else None,
        until=datetime.combine(end + timedelta(days=1), time(), zone) if end else None,
        query=raw["q"],
        areas=scope(request, user),
        verify=raw["verify"] == "1",
        overdue_on=review_of(request).today() if raw["overdue"] == "1" else None,
        rule=raw["rule"],
    )
    return filters, raw


def queue_filters(request: Request, user: WebUser) -> tuple[QueueFilters, dict[str, str]]:
    """The queue's filters of this request and their raw values: the export buttons
    (`console.exports`) select exactly what the queue shows."""
    return _filters(request, user)


filter_day = _day  # a filter's date, or None: the export buttons read their period with it


def _export_form(request: Request, user: WebUser, raw: dict[str, str]) -> dict[str, object]:
    """What the "Lập báo cáo" / "Xuất Excel" form shows: whether this account may use it (as
    for the digests) and its default period (the filter's days, else the last 7 days)."""
    from digest.window import selection_days

    config = config_of(request)
    today = state_of(request).now().astimezone(config.schedule.zone).date()
    first, last = selection_days(_day(raw["from"]), _day(raw["to"]), today)
    if last < first:
        first, last = last, first
    return {
        "allowed": user.role != UNIT or config.web.unit_digests,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "filters": {k: v for k, v in raw.items() if v},
    }


async def queue(request: Request) -> Response:
    user = current_user(request)
    filters, raw = _filters(request, user)
    try:
        page = max(1, int(request.query_params.get("page") or 1))
    except ValueError:
        page = 1
    store = store_of(request)
    result = store.review_queue(filters, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    outlets = store.queue_outlets()
    reported = store.submissions_of([it.article_id for it in result.items])
    config = config_of(request)
    areas = listed_areas(request, user)
    communes = communes_of(config, areas)
    topics = sorted(config.topic_keywords())
    status_links = {
        status: "?" + urlencode({**{k: v for k, v in raw.items() if v}, "status": status})
        for status in STATUS_LABELS
    }
    all_link = "?" + urlencode({k: v for k, v in raw.items() if v and k != "status"})
    more = "?" + urlencode({**{k: v for k, v in raw.items() if v}, "page": page + 1})
    return render(
        request,
        "queue.html",
        {
            "page": result,
            "reported": {k: [s.reporter for s in v] for k, v in reported.items()},
            "raw": raw,
            "page_number": page,
            "has_more": page * PAGE_SIZE < result.total,
            "more_link": more,
            "status_links": status_links,
            "all_link": all_link,
            "statuses": STATUS_LABELS,
            "tones": TONE_LABELS,
            "platforms": PLATFORM_LABELS,
            "communes": communes.options,
            "commune_aliases": communes.aliases,
            "outlets": outlets,
            "units": units_of(areas),
            "topics": topics,
            "unit_locked": user.role == UNIT,
            "rules": rule_names(config, store),
            "area_choices": area_choices(request, user),
            "export": _export_form(request, user, raw),
        },
    )


@dataclass(frozen=True)
class Segment:
    text: str
    mark: bool
    title: str = ""


def highlight(text: str, mentions: list[MentionRecord]) -> list[Segment]:
    """`text` cut into plain and marked segments at the mentions' offsets (overlaps skipped)."""
    segments: list[Segment] = []
    at = 0
    for m in sorted(mentions, key=lambda m: (m.start, -m.end)):
        if m.start < at or m.end > len(text) or m.start >= m.end:
            continue
        if m.start > at:
            segments.append(Segment(text[at : m.start], False))
        segments.append(Segment(text[m.start : m.end], True, f"{m.unit} ({m.rule})"))
        at = m.end
    if at < len(text):
        segments.append(Segment(text[at:], False))
    return segments


def _visible(user: WebUser, detail: ReviewDetail) -> bool:
    if user.role != UNIT:
        return True
    return bool(user.unit) and any(job.unit == user.unit for job in detail.assignments)


@dataclass(frozen=True)
class Loaded:
    """A story page's or action's user, story, area, shown article and the area's review."""

    user: WebUser
    story: str
    area: Area
    article_id: int
    detail: ReviewDetail


def _load_story(request: Request, cluster: int, given: str) -> Loaded:
    """The story `cluster` in the area `given` names (see `areas.story_area`); 404 for an
    unknown story or one of another area, 403 for a unit officer whose unit was not asked
    about it."""
    user = current_user(request)
    story = story_key(cluster)
    store = store_of(request)
    area = story_area(request, user, cluster, given)
    article_id = store.story_article(cluster, area.name)
    if article_id is None:
        raise not_found(request, f"tin số {cluster}")
    detail = store.review_detail(story, area.name)
    if not _visible(user, detail) and not reported_by(store, user, article_id):
        log.warning("[web %s] %s (đơn vị %s) không được xem tin này", story, user.name, user.unit)
        raise Forbidden("Tin này không được giao cho đơn vị của bạn.")
    return Loaded(user, story, area, article_id, detail)


def _area_messages(request: Request, story: str, area: Area) -> list[StoryMessageRow]:
    """The story's outbox rows of `area`, Telegram and Zalo: its assignments' messages and
    what went to its chats (another area's chats are not shown; a chat is known with its
    messenger, so a Zalo id written like another area's Telegram chat does not pass)."""
    rows = store_of(request).story_messages(story, area.name)
    if not several(config_of(request)):
        return rows
    review, units = area.review, area.units
    chats = {(TELEGRAM, c) for c in (review.chat, review.leadership_chat, *(u.chat for u in units))}
    chats |= {(ZALO, c) for c in (review.zalo, review.leadership_zalo, *(u.zalo for u in units))}
    return [r for r in rows if r.story != story or (r.messenger, r.chat) in chats]


async def item(request: Request) -> Response:
    cluster: int = request.path_params["cluster"]
    loaded = _load_story(request, cluster, request.query_params.get(AREA_PARAM) or "")
    user, story, article_id, detail = loaded.user, loaded.story, loaded.article_id, loaded.detail
    area = loaded.area
    store = store_of(request)
    config = config_of(request)
    article = store.get_article(article_id)
    if article is None:
        return not_found(request, f"bài số {article_id}")
    tags = store.get_tags(article_id)
    mentions = list(tags.mentions) if tags else []
    fields = {
        name: highlight(getattr(article, name), [m for m in mentions if m.field == name])
        for name in ("title", "lead", "text")
    }
    copies_ids = [article.id, *article.cluster_others]
    briefs = store.alert_briefs(copies_ids)
    copies = [briefs[i] for i in copies_ids if i in briefs and i != article.id]
    reports = [s for rows in store.submissions_of(copies_ids).values() for s in rows]
    reports.sort(key=lambda s: s.submitted_at)
    screenshots = [e for e in store.list_evidence(story=story) if e.reason == REPORTED]
    review = review_of(request)
    today = review.today()
    default_deadline = review.default_deadline(area.name)
    can_review = user.role in (ADMIN, STAFF)
    own_jobs = [
        job
        for job in detail.assignments
        if can_review or (user.role == UNIT and job.unit == user.unit)
    ]
    return render(
        request,
        "item.html",
        {
            "story": story,
            "cluster": cluster,
            "article": article,
            "outlet": briefs[article.id].outlet if article.id in briefs else article.source,
            "tags": tags,
            "fields": fields,
            "copies": copies,
            "reports": reports,
            "screenshots": screenshots,
            "several": several(config),
            "messages": _area_messages(request, story, area),
            "detail": detail,
            "units": [u.name for u in area.units],
            "default_deadline": default_deadline.isoformat(),
            "today": today,
            "can_review": can_review,
            "report_jobs": own_jobs,
            "answers": ANSWERS,
            "case": store.case_for_story(story, area.name),
            "area": area,
            "area_shown": all_areas(config, user),
            "other_areas": [
                a
                for a in config.watch_areas()
                if a.name != area.name and a.name in sees_story(request, user, cluster)
            ]
            if all_areas(config, user)
            else [],
        },
    )


def _notify(
    request: Request, story: str, job: AssignmentRecord | None, user: WebUser, area: Area
) -> None:
    """Tell the daemon's bot that a review changed, without making the page wait for Telegram."""
    hook = state_of(request).on_review_change
    if hook is None:
        return
    tasks = state_of(request).background
    task = asyncio.ensure_future(hook(story, job, user.label, area))
    tasks.add(task)

    def done(finished: asyncio.Future[None]) -> None:
        tasks.discard(task)
        if not finished.cancelled() and finished.exception() is not None:
            log.error(
                "[web %s] không cập nhật được tin nhắn Telegram: %s", story, finished.exception()
            )

    task.add_done_callback(done)


def _where(request: Request, area: Area) -> str:
    """The area an action was on, for the audit log (nothing without `areas:`)."""
    return f" (địa bàn {area.name})" if several(config_of(request)) else ""


def _back(request: Request, cluster: int, area: Area) -> RedirectResponse:
    target = f"/items/{cluster}{area_query(config_of(request), area.name)}"
    return RedirectResponse(url(request, target), status_code=303)


def _version(form: FormData) -> int | None:
    try:
        return int(str(form.get("version") or ""))
    except ValueError:
        return None


def _stale(request: Request, story: str, user: WebUser, exc: StaleReview | None) -> Response:
    log.info("[web %s] %s thao tác trên trang cũ: %s", story, user.name, exc or "thiếu phiên bản")
    return error_page(request, "Tin đã thay đổi", STALE, 409)


async def verdict(request: Request) -> Response:
    cluster: int = request.path_params["cluster"]
    action: str = request.path_params["action"]
    require(request, STAFF)
    form = await form_with_csrf(request)
    loaded = _load_story(request, cluster, form_area(form))
    user, story, article_id, area = loaded.user, loaded.story, loaded.article_id, loaded.area
    status = {"relevant": "relevant", "irrelevant": "irrelevant", "false": "false_info"}.get(action)
    if status is None:
        return not_found(request, f"thao tác {action!r}")
    version = _version(form)
    if version is None:
        return _stale(request, story, user, None)
    try:
        done = review_of(request).verdict(
            story=story,
            version=version,
            status=status,
            actor=actor(user),
            article_id=article_id,
            area=area.name,
        )
    except StaleReview as exc:
        return _stale(request, story, user, exc)
    audit(request, f"rà soát: {status}", story, _where(request, area).strip())
    flash(request, f"Đã ghi: {STATUS_LABELS[status]}.")
    _notify(request, story, None, user, area)
    if done.case is not None:
        audit(request, "mở vụ việc", story, f"vụ việc {done.case.id}{_where(request, area)}")
        flash(request, "Đã mở hồ sơ vụ việc cho tin này.")
        if done.capture is not None:
            flash(request, "Đang lưu lại trang bài làm bằng chứng.")
    return _back(request, cluster, area)


def start_capture(request: Request, case: CaseRecord, user: WebUser) -> threading.Thread | None:
    """Start keeping `case`'s pages when the console has a fetch; None when it has none (the
    daemon's evidence job keeps them later)."""
    return review_of(request).capture(case=case, actor=actor(user))


async def assign(request: Request) -> Response:
    cluster: int = request.path_params["cluster"]
    require(request, STAFF)
    form = await form_with_csrf(request)
    loaded = _load_story(request, cluster, form_area(form))
    user, story, article_id, area = loaded.user, loaded.story, loaded.article_id, loaded.area
    review = review_of(request)
    try:
        unit = review.unit(str(form.get("unit") or ""), area.name)
        deadline = review.deadline(str(form.get("deadline") or "").strip(), area.name)
    except ReviewError as exc:
        return error_page(request, exc.title, str(exc), 400)
    version = _version(form)
    if version is None:
        return _stale(request, story, user, None)
    try:
        job = review.assign(
            story=story,
            version=version,
            unit=unit,
            actor=actor(user),
            deadline=deadline,
            article_id=article_id,
            area=area.name,
        ).job
    except StaleReview as exc:
        return _stale(request, story, user, exc)
    except ReviewError as exc:  # the day turned since the deadline was read
        return error_page(request, exc.title, str(exc), 400)
    audit(
        request,
        "giao xác minh",
        story,
        f"giao việc {job.id}: {unit.name}, hạn {deadline}{_where(request, area)}",
    )
    flash(request, f"Đã giao {unit.name} xác minh, hạn {long_date(deadline)}.")
    _notify(request, story, None, user, area)
    return _back(request, cluster, area)


async def report(request: Request) -> Response:
    cluster: int = request.path_params["cluster"]
    require(request, STAFF, UNIT)
    form = await form_with_csrf(request)
    loaded = _load_story(request, cluster, form_area(form))
    user, story, detail = loaded.user, loaded.story, loaded.detail
    try:
        job_id = int(str(form.get("assignment") or ""))
    except ValueError:
        job_id = -1
    job: AssignmentRecord | None = next((j for j in detail.assignments if j.id == job_id), None)
    if job is None:
        return error_page(
            request,
            "Giao việc không hợp lệ",
            "Không có giao việc này trong tin. Chưa có gì thay đổi.",
            400,
        )
    if user.role == UNIT and job.unit != user.unit:
        raise Forbidden("Giao việc này thuộc đơn vị khác.")
    answer = str(form.get("answer") or "reported")
    text = str(form.get("report") or "").strip()
    if answer == "reported" and not text:  # Telegram's button asks for the text afterwards
        return error_page(
            request, "Thiếu nội dung", "Hãy nhập nội dung báo cáo. Chưa có gì thay đổi.", 400
        )
    try:
        done = review_of(request).answer(
            job=job, status=answer, actor=actor(user), report=text or None
        )
    except ReviewError as exc:
        return error_page(request, exc.title, str(exc), 400)
    job = done.job
    audit(request, "báo cáo xác minh", story, f"giao việc {job.id} ({job.unit}): {answer}")
    flash(request, f"Đã lưu trả lời của {job.unit}: {ANSWERS[answer]}.")
    _notify(request, story, job, user, loaded.area)
    return _back(request, cluster, loaded.area)


routes = [
    Route("/queue", queue, methods=["GET"]),
    Route("/items/{cluster:int}", item, methods=["GET"]),
    Route("/items/{cluster:int}/assign", assign, methods=["POST"]),
    Route("/items/{cluster:int}/report", report, methods=["POST"]),
    Route("/items/{cluster:int}/{action:str}", verdict, methods=["POST"]),
]
