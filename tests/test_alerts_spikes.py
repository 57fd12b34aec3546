"""Daily spikes: the tail probability, the baseline with weekdays and zero days, the thresholds,
and one alert per episode (across consecutive days and a restart)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from alerts.spikes import (
    NEGATIVE,
    RELEVANT,
    TOPIC,
    baseline,
    check_spikes,
    judge,
    series_of,
    spike_message,
    upper_tail,
)
from duluan.config import Config, Spikes, parse_config
from storage import AreaStory, Store
from tests.kit.stories import add_copy

MONDAY = date(2026, 3, 2)
SETTINGS = Spikes()


@pytest.mark.parametrize(
    ("k", "mean", "expected"),
    [
        (5, 1.0, 0.0036598468273437122),  # 1 - e^-1 (1 + 1 + 1/2 + 1/6 + 1/24)
        (10, 2.0, 4.6498075017263805e-05),
        (3, 0.2, 0.0011484812448621323),
        (1, 3.0, 1 - math.exp(-3)),
        (30, 0.5, 2.1644672981498644e-42),  # the far tail, where 1 - cdf would give 0
    ],
)
def test_poisson_tail_known_values(k: int, mean: float, expected: float) -> None:
    assert upper_tail(k, mean) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("k", "mean"), [(5, 1.0), (20, 0.5), (3, 4.0), (60, 0.3)])
def test_negative_binomial_of_size_one_is_geometric(k: int, mean: float) -> None:
    assert upper_tail(k, mean, 1.0) == pytest.approx((mean / (1 + mean)) ** k, rel=1e-12)


def test_negative_binomial_known_values_and_limits() -> None:
    # size 3, mean 2: 1 - Σ_{j<12} C(j+2, j) 0.6³ 0.4^j, and the bulk P(X ≥ 2) at mean 5
    assert upper_tail(12, 2.0, 3.0) == pytest.approx(0.00060867739648, rel=1e-9)
    assert upper_tail(2, 5.0, 3.0) == pytest.approx(0.848388671875, rel=1e-12)
    assert upper_tail(8, 2.0, 1e7) == pytest.approx(upper_tail(8, 2.0), rel=1e-5)
    assert upper_tail(0, 2.0) == 1.0 and upper_tail(3, 0.0) == 0.0


def history(counts: list[int], end: date) -> list[tuple[date, int]]:
    """`counts` on the days before `end`, the last on the day before."""
    return [(end - timedelta(days=len(counts) - i), c) for i, c in enumerate(counts)]


def test_an_injected_spike_alarms() -> None:
    rng = np.random.default_rng(3)
    past = history([int(c) for c in rng.poisson(2.0, 56)], MONDAY)
    verdict = judge(14, baseline(past, MONDAY), SETTINGS)
    assert verdict.spike and verdict.p < SETTINGS.p_value
    assert not judge(5, baseline(past, MONDAY), SETTINGS).spike


def test_a_busy_weekday_is_not_a_spike() -> None:
    """Mondays bring 8 stories, the other days 1: a Monday of 12 is its usual, not a spike
    (a flat mean of 2 would call it one); a Tuesday of 12 is."""
    rng = np.random.default_rng(4)
    start = MONDAY - timedelta(days=56)
    days = [start + timedelta(days=i) for i in range(56)]
    past = [(d, int(rng.poisson(8 if d.weekday() == 0 else 1))) for d in days]
    usual = baseline(past, MONDAY)
    assert usual.expected > 6
    assert not judge(12, usual, SETTINGS).spike
    assert judge(12, baseline(past, MONDAY + timedelta(days=1)), SETTINGS).spike


def test_a_year_of_weekday_rhythm_brings_no_alarm() -> None:
    rng = np.random.default_rng(7)
    start = MONDAY
    days = [start + timedelta(days=i) for i in range(365)]
    rates = (6, 2, 2, 2, 2, 0.3, 0.2)
    counts = [int(rng.poisson(rates[d.weekday()])) for d in days]
    alarms = [
        d
        for i, d in enumerate(days[56:], start=56)
        if judge(
            counts[i],
            baseline(list(zip(days[i - 56 : i], counts[i - 56 : i], strict=True)), d),
            SETTINGS,
        ).spike
    ]
    assert alarms == []


def test_zero_heavy_series() -> None:
    """0.2 stories a day: 2 or 3 in a day stay below `min_count`; 6 is a spike."""
    past = history([1 if i % 5 == 0 else 0 for i in range(56)], MONDAY)
    usual = baseline(past, MONDAY)
    assert usual.expected < 0.5
    assert not judge(3, usual, SETTINGS).spike
    assert judge(6, usual, SETTINGS).spike
    silent = baseline(history([0] * 56, MONDAY), MONDAY)
    assert judge(5, silent, SETTINGS).spike and not judge(4, silent, SETTINGS).spike


def test_short_history_is_silent() -> None:
    past = history([1] * 13, MONDAY)
    assert not judge(30, baseline(past, MONDAY), SETTINGS).spike
    assert judge(30, baseline(history([1] * 14, MONDAY), MONDAY), SETTINGS).spike


def test_ratio_threshold() -> None:
    """40 stories every day: 70 is most unlikely, but under twice the usual: no alert."""
    usual = baseline(history([40] * 56, MONDAY), MONDAY)
    assert upper_tail(70, usual.expected, usual.size) < SETTINGS.p_value / 10
    assert not judge(70, usual, SETTINGS).spike
    assert judge(81, usual, SETTINGS).spike


def test_series_from_config() -> None:
    assert series_of(Spikes()) == [RELEVANT, NEGATIVE]
    assert series_of(Spikes(negative=False, topics=["đất  đai"])) == [RELEVANT, TOPIC + "đất đai"]


CONFIG = """
locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}
sources:
  - {name: bao1, title: Báo số 1, feeds: ['https://bao1.vn/rss']}
review: {chat: '-1001', leadership_chat: '-1003'}
report: {area: huyện Đăk Hà}
schedule: {timezone: Asia/Ho_Chi_Minh}
"""


def config(extra: str = "") -> Config:
    return parse_config(CONFIG + extra, "test", {}).config


def test_message_escapes_hostile_titles() -> None:
    area = config().watch_areas()[0]
    hostile = AreaStory(
        1,
        datetime(2026, 3, 2, 3, tzinfo=UTC),
        "negative",
        (),
        "<b>Báo</b>",
        "<script>x",
        "javascript:x",
    )
    verdict = judge(9, baseline(history([1] * 56, MONDAY), MONDAY), SETTINGS)
    text = spike_message(area, NEGATIVE, MONDAY, verdict, [hostile] * 20)
    assert "<script>" not in text and "javascript:" not in text and "<b>Báo</b>" not in text
    assert "&lt;script&gt;x" in text
    assert text.startswith("📈 <b>Tăng đột biến: tin tiêu cực</b> (huyện Đăk Hà)")
    assert "Ngày 02/03/2026: <b>9</b> tin, thường khoảng 1,0 tin/ngày (theo 56 ngày" in text
    assert "… và 12 tin khác" in text


DAY0 = datetime(2026, 2, 1, 5, 0, tzinfo=UTC)  # 12:00 in Việt Nam


def fill(store: Store, days: int) -> int:
    """One story a day (neutral) for `days` days from DAY0; returns the next story number."""
    for i in range(days):
        add_copy(store, i + 1, 1, DAY0 + timedelta(days=i))
    return days + 1


def burst(store: Store, first: int, at: datetime, count: int, tone: str = "negative") -> int:
    for n in range(first, first + count):
        add_copy(store, n, 1 + n % 5, at + timedelta(minutes=n % 50), tone=tone)
    return first + count


def outbox(store: Store) -> list[tuple[str, str, str]]:
    due = store.due_outbox(DAY0 + timedelta(days=365), 100)
    return sorted((i.story, i.chat, i.kind) for i in due)


def test_a_spike_alerts_once_per_episode_and_across_a_restart(store: Store, db_url: str) -> None:
    cfg = config()
    n = fill(store, 30)
    today = DAY0 + timedelta(days=30)
    n = burst(store, n, today, 8)
    assert check_spikes(store, cfg, lambda: today + timedelta(hours=2)) == 2  # all, negative
    sent = outbox(store)
    assert [(chat, kind) for _, chat, kind in sent] == [("-1001", "spike"), ("-1003", "spike")] * 2
    texts = [i.text for i in store.due_outbox(today + timedelta(days=1), 10)]
    assert any("tin tiêu cực" in t and "<b>8</b> tin" in t for t in texts)
    assert check_spikes(store, cfg, lambda: today + timedelta(hours=3)) == 0
    n = burst(store, n, today + timedelta(days=1), 9)  # the next day: the same episode
    with Store.open(db_url) as again:  # a restart: the episode is in the database
        assert check_spikes(again, cfg, lambda: today + timedelta(days=1, hours=2)) == 0
    assert outbox(store) == sent


def test_a_later_spike_is_a_new_episode(store: Store) -> None:
    cfg = config("spikes: {negative: false, chats: [leadership]}\n")
    n = fill(store, 30)
    today = DAY0 + timedelta(days=30)
    n = burst(store, n, today, 8, tone="neutral")
    assert check_spikes(store, cfg, lambda: today + timedelta(hours=2)) == 1
    later = today + timedelta(days=2)  # a quiet day between: a new episode
    burst(store, n, later, 12, tone="neutral")
    assert check_spikes(store, cfg, lambda: later + timedelta(hours=2)) == 1
    assert [chat for _, chat, _ in outbox(store)] == ["-1003", "-1003"]


def test_short_history_or_daily_off_is_silent(store: Store) -> None:
    n = fill(store, 10)
    today = DAY0 + timedelta(days=10)
    burst(store, n, today, 20)
    assert check_spikes(store, config(), lambda: today + timedelta(hours=2)) == 0
    assert check_spikes(store, config("spikes: {daily: false}\n"), lambda: today) == 0
    assert outbox(store) == []


def test_episodes_in_storage(store: Store) -> None:
    from storage import OutboxEntry

    at = DAY0
    entry = [OutboxEntry("", "-1001", None, "spike", "x", None)]
    day = date(2026, 3, 2)
    assert store.open_spike_episode("a", RELEVANT, day, 6, 1.0, entry, at)
    assert not store.open_spike_episode("a", RELEVANT, day, 9, 1.0, entry, at)
    assert not store.open_spike_episode("a", RELEVANT, day + timedelta(days=1), 7, 1.0, entry, at)
    assert store.open_spike_episode("b", RELEVANT, day, 6, 1.0, entry, at)  # another area
    assert store.open_spike_episode("a", NEGATIVE, day, 6, 1.0, entry, at)  # another series
    assert store.open_spike_episode("a", RELEVANT, day + timedelta(days=3), 6, 1.0, entry, at)
    assert len(outbox(store)) == 4


def test_config_refuses_unknown_topics() -> None:
    from duluan.config import ConfigError

    assert config("spikes: {topics: [đất  đai]}\n").spikes.topics == ["đất đai"]
    with pytest.raises(ConfigError, match="lĩnh vực chưa khai báo: bóng đá"):
        config("spikes: {topics: [bóng đá]}\n")


def test_daily_counts_per_series_with_zero_days() -> None:
    from alerts.spikes import daily_counts

    def story(day: int, tone: str, topics: tuple[str, ...]) -> AreaStory:
        at = datetime(2026, 3, 1, 20, tzinfo=UTC) + timedelta(days=day)  # 03:00 the next day
        return AreaStory(day, at, tone, topics, "Báo", "Tin", "https://bao.vn/")

    stories = [
        story(0, "negative", ("rừng",)),
        story(0, "neutral", ()),
        story(2, "neutral", ("rừng",)),
    ]

    def local(at: datetime) -> date:
        return (at + timedelta(hours=7)).date()

    end = date(2026, 3, 5)
    assert daily_counts(stories, RELEVANT, date(2026, 3, 1), end, local) == [
        (date(2026, 3, 1), 0),
        (date(2026, 3, 2), 2),
        (date(2026, 3, 3), 0),
        (date(2026, 3, 4), 1),
        (date(2026, 3, 5), 0),
    ]
    assert [c for _, c in daily_counts(stories, NEGATIVE, date(2026, 3, 1), end, local)] == [
        0,
        1,
        0,
        0,
        0,
    ]
    rng = daily_counts(stories, TOPIC + "rừng", date(2026, 3, 1), end, local)
    assert [c for _, c in rng] == [0, 1, 0, 1, 0]


def messengers(store: Store) -> list[tuple[str, str, str]]:
    due = store.due_outbox(DAY0 + timedelta(days=365), 100)
    return sorted((i.messenger, i.chat, i.kind) for i in due)


ZALO_REVIEW = "review: {chat: '-1001', zalo: z-rv, leadership_chat: '-1003', leadership_zalo: z-ld}"


def test_a_spike_also_alerts_the_zalo_chats_of_review_and_leadership(store: Store) -> None:
    cfg = parse_config(
        CONFIG.replace("review: {chat: '-1001', leadership_chat: '-1003'}", ZALO_REVIEW),
        "test",
        {},
    ).config
    n = fill(store, 30)
    today = DAY0 + timedelta(days=30)
    burst(store, n, today, 8)
    assert check_spikes(store, cfg, lambda: today + timedelta(hours=2)) == 2  # all, negative
    assert messengers(store) == sorted(
        [(m, c, "spike") for m, c in (("telegram", "-1001"), ("telegram", "-1003"))] * 2
        + [(m, c, "spike") for m, c in (("zalo", "z-rv"), ("zalo", "z-ld"))] * 2
    )
    stories = {i.story for i in store.due_outbox(today + timedelta(days=1), 100)}
    assert len(stories) == 2  # one story per episode, on every chat


def test_a_spike_reaches_a_zalo_only_review_group(store: Store) -> None:
    cfg = parse_config(
        CONFIG.replace("review: {chat: '-1001', leadership_chat: '-1003'}", "review: {zalo: z-rv}")
        + "spikes: {negative: false}\n",
        "test",
        {},
    ).config
    n = fill(store, 30)
    today = DAY0 + timedelta(days=30)
    burst(store, n, today, 8)
    assert check_spikes(store, cfg, lambda: today + timedelta(hours=2), console=False) == 1
    assert messengers(store) == [("zalo", "z-rv", "spike")]
