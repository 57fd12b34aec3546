"""Source health checks for the daemon: a source gone silent, or whose extraction starts failing,
alerts the admin chat once per episode.

An episode is keyed by when it began (the last new article of a silent source, the first bad
article of a failing streak), so the outbox, which delivers a story to a chat at most once, keeps
it to one alert however often the check runs; a source that recovers and fails again later starts
a new episode and alerts again.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import logging
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from duluan.config import Config
from storage import TELEGRAM, ZALO, OutboxEntry, Store
from storage.jobs import ArticleQuality

log = logging.getLogger(__name__)

SILENT_FLOOR = timedelta(hours=24)
RHYTHM_FACTOR = 3
RHYTHM_SAMPLE = 20
FAILING_STREAK = 3
STREAK_WINDOW = 200
STORY_MAX = 64


@dataclass(frozen=True)
class HealthProblem:
    """One episode of trouble with one source: `kind` is "silent" or "extraction"."""

    source: str
    title: str
    kind: str
    since: datetime
    detail: str

    @property
    def story(self) -> str:
        """The outbox story key that makes this episode alert once."""
        stamp = self.since.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        name = self.source
        fixed = len(f"health::{self.kind}:{stamp}")
        if len(name) + fixed > STORY_MAX:
            digest = hashlib.sha1(name.encode()).hexdigest()[:8]
            name = name[: STORY_MAX - fixed - 9] + "~" + digest
        return f"health:{name}:{self.kind}:{stamp}"


def silent_threshold(times: list[datetime], floor: timedelta = SILENT_FLOOR) -> timedelta:
    """How long a source may stay quiet: a few times its usual gap between articles, at least
    `floor`."""
    ordered = sorted(times)
    gaps = [b - a for a, b in itertools.pairwise(ordered) if b > a]
    if not gaps:
        return floor
    usual = statistics.median(g.total_seconds() for g in gaps)
    return max(floor, timedelta(seconds=usual * RHYTHM_FACTOR))


def _is_bad(article: ArticleQuality) -> bool:
    return article.published_at is None or (article.extraction == "page" and not article.body_chars)


def failing_since(articles: list[ArticleQuality]) -> datetime | None:
    """When the current streak of badly extracted articles (no body, or no date) began, if the
    newest `FAILING_STREAK` articles are all bad; `articles` newest first. A streak filling the
    whole window began long ago and was reported then: None."""
    streak = _streak(articles)
    if len(streak) < FAILING_STREAK:
        return None
    if len(streak) == len(articles) and len(articles) >= STREAK_WINDOW:
        return None
    return min(a.first_seen_at for a in streak)


def find_problems(
    store: Store, config: Config, now: datetime, floor: timedelta = SILENT_FLOOR
) -> list[HealthProblem]:
    """The current problems of the enabled, live (not archive) sources."""
    health = {h.name: h for h in store.health()}
    problems = []
    for source in config.sources:
        if not source.enabled or source.archive:
            continue
        recent = store.recent_articles(source.name, STREAK_WINDOW)
        if not recent:
            continue
        last_seen = recent[0].first_seen_at
        sample = recent[:RHYTHM_SAMPLE]
        threshold = silent_threshold([a.published_at or a.first_seen_at for a in sample], floor)
        h = health.get(source.name)
        last_run = h.last_run_at if h is not None else None
        # Judged only once the source was polled after it should have spoken again.
        if last_run is not None and min(now, last_run) - last_seen > threshold:
            cause = ""
            if h is not None and h.consecutive_failures:
                cause = f"; lỗi {h.consecutive_failures} lượt liên tiếp: {h.last_error or ''}"
            problems.append(
                HealthProblem(
                    source.name,
                    source.title,
                    "silent",
                    last_seen,
                    f"không có bài mới từ {_when(last_seen, config.schedule.zone)}, lâu hơn "
                    f"nhịp thường của nguồn ({_span(threshold)}){cause}",
                )
            )
        since = failing_since(recent)
        if since is not None:
            bad = len(_streak(recent))
            problems.append(
                HealthProblem(
                    source.name,
                    source.title,
                    "extraction",
                    since,
                    f"{bad} bài mới nhất (từ {_when(since, config.schedule.zone)}) không lấy "
                    "được nội dung hoặc ngày đăng: cách trang bài hiển thị có thể đã đổi",
                )
            )
    return problems


def _streak(articles: list[ArticleQuality]) -> list[ArticleQuality]:
    out = []
    for article in articles:
        if not _is_bad(article):
            break
        out.append(article)
    return out


def health_chat(config: Config, console: bool) -> str | None:
    """Where health alerts go: the admin chat, else the review group, else the console."""
    return config.review.admin_chat or config.review.chat or ("console" if console else None)


def health_zalo(config: Config) -> str | None:
    """The Zalo chat of health alerts: the admin's, else the review group's; None: none."""
    return config.review.admin_zalo or config.review.zalo


def health_message(problem: HealthProblem) -> str:
    """The admin alert, in Vietnamese, for Telegram's HTML parse mode."""
    heading = {
        "silent": "Nguồn im lặng bất thường",
        "extraction": "Nguồn lấy bài bị lỗi",
    }.get(problem.kind, "Sự cố nguồn tin")
    return (
        f"⚠️ <b>{html.escape(heading)}</b>: {html.escape(problem.title)} "
        f"(<code>{html.escape(problem.source)}</code>)\n{html.escape(problem.detail)}."
    )


def check_health(
    store: Store,
    config: Config,
    now: Callable[[], datetime],
    console: bool,
    floor: timedelta = SILENT_FLOOR,
) -> list[HealthProblem]:
    """Find the sources' problems and queue one alert per new episode; returns the episodes
    queued now (an episode already queued is not queued again)."""
    moment = now()
    problems = find_problems(store, config, moment, floor)
    chats = [(TELEGRAM, health_chat(config, console)), (ZALO, health_zalo(config))]
    queued = []
    for problem in problems:
        entries = [
            OutboxEntry(problem.story, chat, None, "health", health_message(problem), None, which)
            for which, chat in chats
            if chat is not None
        ]
        if not entries:
            log.warning(
                "[%s] sự cố nguồn (%s) nhưng không có nhóm quản trị để báo: %s",
                problem.source,
                problem.kind,
                problem.detail,
            )
            continue
        if store.enqueue(entries, moment):
            log.warning(
                "[%s] sự cố nguồn (%s) đã báo cho %s: %s",
                problem.source,
                problem.kind,
                ", ".join(e.chat if e.messenger == TELEGRAM else f"Zalo {e.chat}" for e in entries),
                problem.detail,
            )
            queued.append(problem)
        else:
            log.info("[%s] sự cố nguồn (%s) đã báo trước đó", problem.source, problem.kind)
    return queued


def _when(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%d/%m/%Y %H:%M")


def _span(value: timedelta) -> str:
    hours = value.total_seconds() / 3600
    if hours >= 48:
        return f"{hours / 24:.0f} ngày"
    return f"{hours:.0f} giờ"
