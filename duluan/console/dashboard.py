"""The console's home for staff ("Tổng quan"): this week against last, tone over twelve weeks,
stories per commune, outlet, platform and topic over the last four weeks, and source health.

Every figure counts what the queue lists and links to the queue filtered to it: the stories come
from the queue's own query (`Store.review_queue`, read once for the twelve weeks), so a figure
and the page its link opens cannot disagree. A week runs from Monday 00:00 in `schedule.timezone`;
this week runs to today, as the queue's date filter counts whole days. The page reads a handful
of queries whatever the number of stories: the queue's, the stories' places, the assignments,
the cases and the sources' health."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from alerts.health import find_problems
from crawler.platform import platform_label
from duluan.console.areas import AREA_PARAM, area_choices, communes_of, listed_areas, scope
from duluan.console.auth import UNIT, Forbidden, WebUser, current_user
from duluan.console.charts import Bar, Column, Part, bars, columns
from duluan.console.render import config_of, render, review_of, store_of, url
from duluan.console.state import state_of
from duluan.locality import CommuneChoices
from nlp.normalize import fold_plain
from storage.queue import QueueFilters, QueueItem, UnitKey
from storage.reviews import AssignmentRecord
from storage.vocabulary import TONE_LABELS, TONES

log = logging.getLogger(__name__)

WEEKS = 12  # the tone chart's weeks, this one included
RECENT_WEEKS = 4  # the weeks the breakdowns count, this one included
TOP = 10  # rows of the outlet and topic charts
SCAN = 50_000  # stories read for the twelve weeks (the queue itself shows its newest 3000)
UNIT_OFFICERS = (
    "Trang tổng quan dành cho cán bộ Trung tâm; cán bộ đơn vị xem tin được giao ở Hàng rà soát."
)


@dataclass(frozen=True)
class Week:
    """Days `start` (a Monday) to `end` (its Sunday, or today for this week), both counted."""

    start: date
    end: date

    def holds(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def label(self) -> str:
        return f"{self.start:%d/%m}"

    @property
    def span(self) -> str:
        return f"{self.start:%d/%m} – {self.end:%d/%m/%Y}"


def weeks_to(today: date, count: int) -> list[Week]:
    """The `count` weeks up to the one holding `today`, oldest first; the last ends today."""
    monday = today - timedelta(days=today.weekday())
    out = [
        Week(monday - timedelta(weeks=n), monday - timedelta(weeks=n) + timedelta(days=6))
        for n in range(count - 1, 0, -1)
    ]
    return [*out, Week(monday, today)]


@dataclass(frozen=True)
class Figure:
    """One of this week's figures, last week's beside it, each a link."""

    key: str
    label: str
    count: int
    previous: int
    href: str
    previous_href: str | None  # None: last week's figure is a moment the queue cannot show
    note: str = ""

    @property
    def change(self) -> str:
        diff = self.count - self.previous
        return f"+{diff}" if diff > 0 else ("0" if diff == 0 else f"−{-diff}")


@dataclass(frozen=True)
class Health:
    """The sources at a glance: how many, and those failing to be read or gone quiet."""

    total: int
    failing: tuple[str, ...]
    silent: tuple[str, ...]
    extraction: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not (self.failing or self.silent or self.extraction)


class Links:
    """Queue links keeping the area filter the dashboard was opened with."""

    def __init__(self, request: Request, area: str) -> None:
        self.base = url(request, "/queue")
        self.cases = url(request, "/cases")
        self.keep = {AREA_PARAM: area} if area else {}

    def queue(self, week: Week | None = None, **params: str) -> str:
        query = dict(self.keep)
        if week is not None:
            query |= {"from": week.start.isoformat(), "to": week.end.isoformat()}
        query |= params
        return self.base + ("?" + urlencode(query) if query else "")

    def open_cases(self) -> str:
        return self.cases + "?" + urlencode({"open": "1", **self.keep})


def _within(items: Iterable[tuple[date, QueueItem]], week: Week) -> list[QueueItem]:
    return [item for day, item in items if week.holds(day)]


def _stories_of(jobs: Iterable[AssignmentRecord]) -> int:
    """How many stories (of an area's review) `jobs` are about: the queue lists stories."""
    return len({(job.story, job.area) for job in jobs})


def _figures(
    request: Request, user: WebUser, dated: list[tuple[date, QueueItem]], links: Links
) -> list[Figure]:
    """This week against last: stories, negative, needing verification, overdue, open cases."""
    store = store_of(request)
    now = state_now(request)
    today = review_of(request).today()
    last, this = weeks_to(today, 2)
    current, before = _within(dated, this), _within(dated, last)
    areas = scope(request, user)
    jobs = store.list_assignments(limit=SCAN, areas=areas)
    week_ago, day_ago = now - timedelta(days=7), today - timedelta(days=7)
    overdue_now = _stories_of(j for j in jobs if j.status == "open" and j.deadline < today)
    overdue_then = _stories_of(
        j
        for j in jobs
        if j.assigned_at <= week_ago
        and j.deadline < day_ago
        and (j.status == "open" or (j.answered_at is not None and j.answered_at > week_ago))
    )
    cases = store.list_cases(limit=SCAN, areas=areas)
    open_now = sum(1 for c in cases if c.closed_at is None)
    open_then = sum(
        1
        for c in cases
        if c.opened_at <= week_ago and (c.closed_at is None or c.closed_at > week_ago)
    )
    return [
        Figure(
            "stories",
            "Tin phát hiện",
            len(current),
            len(before),
            links.queue(this),
            links.queue(last),
        ),
        Figure(
            "negative",
            "Tin tiêu cực",
            sum(1 for i in current if i.tone == "negative"),
            sum(1 for i in before if i.tone == "negative"),
            links.queue(this, tone="negative"),
            links.queue(last, tone="negative"),
        ),
        Figure(
            "verify",
            "Tin cần xác minh",
            sum(1 for i in current if i.needs_verification),
            sum(1 for i in before if i.needs_verification),
            links.queue(this, verify="1"),
            links.queue(last, verify="1"),
        ),
        Figure(
            "overdue",
            "Tin quá hạn xác minh",
            overdue_now,
            overdue_then,
            links.queue(overdue="1"),
            None,
            "hiện nay, so với cùng giờ tuần trước",
        ),
        Figure(
            "cases",
            "Vụ việc đang mở",
            open_now,
            open_then,
            links.open_cases(),
            None,
            "hiện nay, so với cùng giờ tuần trước",
        ),
    ]


def state_now(request: Request) -> datetime:
    """The console's clock (frozen in tests)."""
    return state_of(request).now()


def _tones(dated: list[tuple[date, QueueItem]], weeks: Sequence[Week], links: Links) -> Markup:
    shown = []
    for week in weeks:
        found = Counter(i.tone for i in _within(dated, week))
        parts = tuple(
            Part(
                tone,
                found[tone],
                links.queue(week, tone=tone),
                f"Tuần {week.span}: {found[tone]} tin {TONE_LABELS[tone].lower()}",
            )
            for tone in TONES
        )
        total = sum(found.values())  # with the stories of no tone, which no part shows
        title = f"Tuần {week.span}: {total} tin"
        shown.append(Column(week.label, parts, total, links.queue(week), title))
    return columns(shown, f"Sắc thái tin theo tuần, {len(weeks)} tuần gần đây")


def _commune_bars(
    items: Sequence[QueueItem],
    places: Mapping[int, set[UnitKey]],
    choices: CommuneChoices,
    links: Links,
    period: Week,
) -> list[Bar]:
    """Stories per post-2025 unit, as the queue's commune filter finds them (a unit also
    finds the stories naming its predecessors); the predecessors' names in the tooltip."""
    exact: dict[UnitKey, set[str]] = {}
    loose: dict[tuple[str, str, str], set[str]] = {}  # a filter key of any district
    for value, _ in choices.options:
        for level, province, district, name in choices.units.get(value, ()):
            if district is None:
                loose.setdefault((level, province, name), set()).add(value)
            else:
                exact.setdefault((level, province, district, name), set()).add(value)
    counts: Counter[str] = Counter()
    for item in items:
        found: set[str] = set()
        for key in places.get(item.cluster_id, ()):
            found |= exact.get(key, set()) | loose.get((key[0], key[1], key[3]), set())
        counts.update(found)
    rows = sorted(counts, key=lambda v: (-counts[v], fold_plain(v), v))
    out = []
    for value in rows:
        olds = sorted(
            {k[3] for k in choices.units.get(value, ()) if k[0] == "commune" and k[3] != value}
        )
        formerly = f" — tên cũ trước 01/7/2025: {', '.join(olds)}" if olds else ""
        out.append(
            Bar(
                value,
                counts[value],
                links.queue(period, commune=value),
                f"{value}: {counts[value]} tin{formerly}",
            )
        )
    return out


def _counted_bars(
    counts: Counter[str], labels: Mapping[str, str], param: str, links: Links, period: Week
) -> list[Bar]:
    rows = sorted(counts, key=lambda k: (-counts[k], fold_plain(labels.get(k, k)), k))[:TOP]
    return [
        Bar(
            labels.get(k, k),
            counts[k],
            links.queue(period, **{param: k}),
            f"{labels.get(k, k)}: {counts[k]} tin",
        )
        for k in rows
    ]


def _health(request: Request) -> Health:
    store = store_of(request)
    config = config_of(request)
    sources = store.health()
    titles = {h.name: h.title or h.name for h in sources}
    problems = find_problems(store, config, state_now(request))
    return Health(
        total=len(sources),
        failing=tuple(titles[h.name] for h in sources if h.consecutive_failures),
        silent=tuple(p.title for p in problems if p.kind == "silent"),
        extraction=tuple(p.title for p in problems if p.kind == "extraction"),
    )


async def dashboard(request: Request) -> Response:
    user = current_user(request)
    if user.role == UNIT:
        raise Forbidden(UNIT_OFFICERS)
    config = config_of(request)
    store = store_of(request)
    zone = config.schedule.zone
    today = review_of(request).today()
    weeks = weeks_to(today, WEEKS)
    chosen = (request.query_params.get(AREA_PARAM) or "").strip()[:200]
    links = Links(request, chosen if area_choices(request, user) else "")
    since = datetime.combine(weeks[0].start, datetime.min.time(), zone)
    page = store.review_queue(
        QueueFilters(since=since, areas=scope(request, user)), limit=SCAN, scan=SCAN
    )
    dated = [(item.when.astimezone(zone).date(), item) for item in page.items]
    period = Week(weeks[-RECENT_WEEKS].start, today)
    recent = _within(dated, period)
    places = store.story_units([i.cluster_id for i in recent])
    communes = communes_of(config, listed_areas(request, user))
    outlets = Counter(i.source for i in recent)
    outlet_titles = {i.source: i.outlet for i in recent}
    platforms = Counter(i.platform for i in recent)
    topics = Counter(t for i in recent for t in set(i.topics))
    return render(
        request,
        "dashboard.html",
        {
            "figures": _figures(request, user, dated, links),
            "week": weeks[-1],
            "period": period,
            "tones": _tones(dated, weeks, links),
            "tone_labels": TONE_LABELS,
            "communes": bars(
                _commune_bars(recent, places, communes, links, period), "Số tin theo xã, phường"
            ),
            "outlets": bars(
                _counted_bars(outlets, outlet_titles, "outlet", links, period), "Số tin theo báo"
            ),
            "platforms": bars(
                _counted_bars(
                    platforms, {p: platform_label(p) for p in platforms}, "platform", links, period
                ),
                "Số tin theo nền tảng",
            ),
            "topics": bars(
                _counted_bars(topics, {}, "topic", links, period), "Số tin theo lĩnh vực"
            ),
            "health": _health(request),
            "area_choices": area_choices(request, user),
            "chosen_area": chosen,
            "now": state_now(request),
        },
    )


def home_path(user: WebUser) -> str:
    """Where `/` leads: a unit officer's queue (the stories assigned to the unit), everyone
    else's dashboard."""
    return "/queue" if user.role == UNIT else "/dashboard"


routes = [Route("/dashboard", dashboard, methods=["GET"])]
