"""Days far above an area's usual rhythm: the daily number of its stories (all, negative, or of
a topic) judged against the last 8 weeks, and the alert that says so once per episode.

The usual rhythm is the mean of the last 56 days times a weekday factor shrunk toward 1 (a
weekday seen rarely or with few stories says little), and the spread around it a negative
binomial whose overdispersion is the days' own plus two standard errors of it (Poisson when
the days vary no more than that): small counts, weekdays and zero
days are what this press watch sees. A day alerts when its count is unlikely under that rhythm
(`spikes.p_value`), at least `spikes.min_count` and `spikes.min_ratio` times the usual; with
less than `spikes.min_history_days` of history nothing is said. An episode spans consecutive
days above the threshold and alerts once, on its first day (`Store.open_spike_episode`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape

from alerts.message import LIMIT, html_link, utf16_len, when
from duluan.config import Area, Config, Spikes
from storage import TELEGRAM, ZALO, AreaStory, OutboxEntry, Store

log = logging.getLogger(__name__)

WINDOW_DAYS = 56
WEEKDAY_SHRINK = 1.0  # a pseudo-day pulling a weekday's factor toward 1
DISPERSION_MARGIN = 2.0  # standard errors added to the estimated overdispersion
PRIOR_STORIES = 0.5  # pseudo-stories added to the window: a silent history still has a rate
LISTED = 8  # the stories an alert lists
RELEVANT, NEGATIVE, TOPIC = "relevant", "negative", "topic:"


def log_pmf(j: int, mean: float, size: float | None = None) -> float:
    """log P(X = j) for X Poisson(`mean`) (`size` None) or negative binomial with `mean` and
    `size` r (variance mean + mean²/r); `mean` > 0."""
    if size is None:
        return j * math.log(mean) - mean - math.lgamma(j + 1)
    return (
        math.lgamma(j + size)
        - math.lgamma(size)
        - math.lgamma(j + 1)
        + size * math.log(size / (size + mean))
        + j * math.log(mean / (size + mean))
    )


def upper_tail(k: int, mean: float, size: float | None = None) -> float:
    """P(X ≥ k) for X Poisson(`mean`) (`size` None) or negative binomial (see `log_pmf`).
    Accurate in the far tail too: there it is summed from k upward, where the terms fall
    geometrically, rather than taken as 1 - cdf."""
    if k <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    if size is not None and size <= 0:
        raise ValueError(f"size must be positive, got {size}")
    mode = mean if size is None else max(0.0, (size - 1) * mean / size)
    if k <= mode:  # the bulk: the tail is large, 1 - cdf loses nothing
        below = sum(math.exp(log_pmf(j, mean, size)) for j in range(k))
        return min(1.0, max(0.0, 1.0 - below))
    first = math.exp(log_pmf(k, mean, size))
    total = term = first
    j = k
    while term > total * 1e-17 and j - k < 1_000_000:
        ratio = mean / (j + 1) if size is None else (j + size) / (j + 1) * mean / (size + mean)
        term *= ratio
        total += term
        j += 1
    return min(1.0, total)


@dataclass(frozen=True)
class Baseline:
    """The usual count of a day: `expected` stories, with negative-binomial `size` (None:
    Poisson), from `days` days of history."""

    expected: float
    size: float | None
    days: int


def baseline(history: Sequence[tuple[date, int]], day: date) -> Baseline:
    """The usual count of `day` from its history (date, count), one entry per day, the
    `WINDOW_DAYS` before it at most: overall mean × the weekday's factor shrunk toward 1,
    dispersion by moments around each day's own expectation."""
    days = [(d, c) for d, c in history if day - timedelta(days=WINDOW_DAYS) <= d < day]
    n = len(days)
    if n == 0:
        return Baseline(0.0, None, 0)
    mean = (sum(c for _, c in days) + PRIOR_STORIES) / n
    sums = [0.0] * 7
    counts = [0] * 7
    for d, c in days:
        sums[d.weekday()] += c
        counts[d.weekday()] += 1

    def factor(weekday: int) -> float:
        return (sums[weekday] + WEEKDAY_SHRINK * mean) / ((counts[weekday] + WEEKDAY_SHRINK) * mean)

    expected_each = [mean * factor(d.weekday()) for d, _ in days]
    spread = sum((c - e) ** 2 for (_, c), e in zip(days, expected_each, strict=True))
    variance = spread / max(n - 1, 1)
    avg = sum(expected_each) / n
    avg_sq = sum(e * e for e in expected_each) / n
    if avg_sq > 0:
        # The moments' overdispersion plus `DISPERSION_MARGIN` standard errors of it: 56 days
        # rarely show how fat the tail is, and underrating it is what makes false alarms.
        error = math.sqrt(2 / max(n - 1, 1)) * variance / avg_sq
        alpha = (variance - avg) / avg_sq + DISPERSION_MARGIN * error
    else:
        alpha = 0.0
    size = 1 / alpha if alpha > 1e-9 else None
    return Baseline(mean * factor(day.weekday()), size, n)


@dataclass(frozen=True)
class Verdict:
    """A day judged: `spike` when every threshold is passed; `p` is P(X ≥ count)."""

    spike: bool
    count: int
    expected: float
    p: float
    days: int = 0  # of history behind `expected`


def judge(count: int, usual: Baseline, settings: Spikes) -> Verdict:
    """Whether `count` stories today is a spike against `usual` under the thresholds."""
    if usual.days < settings.min_history_days:
        return Verdict(False, count, usual.expected, 1.0, usual.days)
    p = upper_tail(count, usual.expected, usual.size)
    spike = (
        count >= settings.min_count
        and count >= usual.expected * settings.min_ratio
        and p < settings.p_value
    )
    return Verdict(spike, count, usual.expected, p, usual.days)


def series_of(settings: Spikes) -> list[str]:
    """The series watched: all stories, negative ones (`spikes.negative`), each listed topic."""
    return [
        RELEVANT,
        *([NEGATIVE] if settings.negative else []),
        *(TOPIC + t for t in settings.topics),
    ]


def in_series(story: AreaStory, series: str) -> bool:
    """Whether a story counts in a series."""
    if series == RELEVANT:
        return True
    if series == NEGATIVE:
        return story.tone == "negative"
    return series.removeprefix(TOPIC) in story.topics


def series_label(series: str) -> str:
    """A series as the alert names it."""
    if series == RELEVANT:
        return "tin về địa bàn"
    if series == NEGATIVE:
        return "tin tiêu cực"
    return f"tin lĩnh vực {series.removeprefix(TOPIC)}"


def daily_counts(
    stories: Sequence[AreaStory], series: str, start: date, end: date, day_of: Callable[..., date]
) -> list[tuple[date, int]]:
    """Stories of `series` per local day from `start` to `end` (both included), zero days too;
    a story counts on the day it was first seen."""
    counts = {start + timedelta(days=i): 0 for i in range((end - start).days + 1)}
    for story in stories:
        d = day_of(story.first_seen_at)
        if d in counts and in_series(story, series):
            counts[d] += 1
    return sorted(counts.items())


def spike_message(
    area: Area, series: str, day: date, verdict: Verdict, stories: Sequence[AreaStory]
) -> str:
    """The alert: which count rose, today against the usual, and the stories behind it."""
    several = f" ({escape(area.title)})" if area.title else ""
    usual = f"{verdict.expected:.1f}".replace(".", ",")  # the Vietnamese decimal comma
    head = (
        f"📈 <b>Tăng đột biến: {escape(series_label(series))}</b>{several}\n"
        f"Ngày {day:%d/%m/%Y}: <b>{verdict.count}</b> tin, thường khoảng {usual} tin/ngày "
        f"(theo {verdict.days} ngày trước đó)."
    )
    lines = [
        f"• {escape(s.outlet)} · {when(s.first_seen_at)}: {html_link(s.url, s.title)}"
        for s in stories[:LISTED]
    ]
    rest = len(stories) - len(lines)
    tail = f"\n… và {rest} tin khác" if rest > 0 else ""
    text = head
    for count, line in enumerate(lines):
        more = f"\n… và {len(stories) - count} tin khác"
        if utf16_len(text) + 1 + utf16_len(line) + utf16_len(more) > LIMIT:
            return text + more
        text += "\n" + line
    return text + tail


def spike_chats(area: Area, settings: Spikes, console: bool) -> list[tuple[str, str]]:
    """The chats of an area that receive its spread and spike alerts, each once, as
    (messenger, chat): its review group and leadership chat on Telegram (the review group's
    stand-in "console" in console mode) and on Zalo where configured."""
    chats: list[tuple[str, str | None]] = []
    if "review" in settings.chats:
        chats.append((TELEGRAM, area.review.chat or ("console" if console else None)))
        chats.append((ZALO, area.review.zalo))
    if "leadership" in settings.chats:
        chats.append((TELEGRAM, area.review.leadership_chat))
        chats.append((ZALO, area.review.leadership_zalo))
    return list(dict.fromkeys((messenger, chat) for messenger, chat in chats if chat))


def check_spikes(
    store: Store, config: Config, now: Callable[[], datetime], console: bool = True
) -> int:
    """Judge today so far in every area and series (by the area's `spikes` settings); open an
    episode and queue its alert for each new spike (a spike continuing yesterday's episode
    extends it silently). Returns how many episodes began. Counting the day so far against
    full days is conservative."""
    areas = [a for a in config.watch_areas() if a.spikes.daily]
    if not areas:
        return 0
    moment = now()
    zone = config.schedule.zone

    def day_of(at: datetime) -> date:
        return at.astimezone(zone).date()

    today = day_of(moment)
    start = today - timedelta(days=WINDOW_DAYS)
    since = datetime.combine(start, datetime.min.time(), zone)
    watching = store.watching_since()
    if watching is None:
        return 0
    first_day = max(start, day_of(watching) + timedelta(days=1))  # the first whole day
    if first_day > today:
        return 0
    opened = 0
    for area in areas:
        settings = area.spikes
        chats = spike_chats(area, settings, console)
        if not chats:
            continue
        stories = store.area_stories(area.name, since)
        for series in series_of(settings):
            counts = daily_counts(stories, series, first_day, today, day_of)
            history, (_, count) = counts[:-1], counts[-1]
            verdict = judge(count, baseline(history, today), settings)
            if not verdict.spike:
                continue
            behind = [
                s for s in stories if day_of(s.first_seen_at) == today and in_series(s, series)
            ]
            behind.sort(key=lambda s: s.first_seen_at, reverse=True)
            text = spike_message(area, series, today, verdict, behind)
            entries = [
                OutboxEntry("", chat, None, "spike", text, None, messenger)
                for messenger, chat in chats
            ]
            if store.open_spike_episode(
                area.name, series, today, count, verdict.expected, entries, moment
            ):
                opened += 1
                log.info(
                    "Tăng đột biến ở địa bàn %s (%s): %d tin, thường %.1f",
                    area.name,
                    series_label(series),
                    count,
                    verdict.expected,
                )
    return opened
