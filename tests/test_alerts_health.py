"""Source health: a silent source or a failing extraction alerts the admin chat once per episode."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from alerts.health import (
    HealthProblem,
    check_health,
    failing_since,
    find_problems,
    silent_threshold,
)
from duluan.config import Config, parse_config
from storage import SourceRun, Store
from storage.jobs import ArticleQuality
from tests.kit.articles import record

T = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)

CONFIG = """
locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}
sources:
  - {name: baoquangngai, title: Báo Quảng Ngãi, feeds: ['https://baoquangngai.vn/rss']}
  - {name: baokontum, title: Báo Kon Tum, feeds: ['https://baokontum.vn/rss'], archive: true}
review: {chat: '-1001', admin_chat: '-1002'}
"""


def config(text: str = CONFIG) -> Config:
    return parse_config(text, "test", {}).config


def add(store: Store, n: int, at: datetime, *, text: str = "Nội dung", dated: bool = True) -> None:
    store.save_article(
        replace(
            record(n),
            text=text,
            published_at=at if dated else None,
            fetched_at=at,
            fingerprint=(),
        )
    )


def polled(store: Store, source: str, at: datetime) -> None:
    store.record_run(SourceRun(source, at, at, 0, 0, 1, 0, [], True))


def outbox(store: Store) -> list[tuple[str, str]]:
    return [(i.story, i.chat) for i in store.due_outbox(T + timedelta(days=365), 100)]


def test_silent_threshold_follows_the_rhythm_with_a_floor() -> None:
    hourly = [T + timedelta(hours=i) for i in range(10)]
    assert silent_threshold(hourly) == timedelta(hours=24)
    twice_a_day = [T + timedelta(hours=12 * i) for i in range(10)]
    assert silent_threshold(twice_a_day) == timedelta(hours=36)
    assert silent_threshold([T]) == timedelta(hours=24)


def quality(n: int, *, body: int = 100, dated: bool = True) -> ArticleQuality:
    at = T + timedelta(hours=n)
    return ArticleQuality(n, at, at if dated else None, body, "page")


def test_failing_since_is_the_start_of_the_bad_streak() -> None:
    newest_first = [quality(9, body=0), quality(8, dated=False), quality(7, body=0), quality(6)]
    assert failing_since(newest_first) == T + timedelta(hours=7)
    assert failing_since([quality(9, body=0), quality(8, body=0), quality(7)]) is None
    feed_only = [replace(quality(n, body=0), extraction="feed") for n in (9, 8, 7)]
    assert failing_since(feed_only) is None


def test_a_silent_source_alerts_once_per_episode(store: Store) -> None:
    cfg = config()
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi"), ("baokontum", "Báo Kon Tum")])
    for n in range(5):
        add(store, n, T + timedelta(hours=2 * n))
    store.save_article(replace(record(50, source="baokontum"), fetched_at=T, fingerprint=()))
    last = T + timedelta(hours=8)
    later = last + timedelta(hours=30)
    polled(store, "baoquangngai", last + timedelta(hours=1))
    assert find_problems(store, cfg, later) == []  # not polled since it should have spoken
    polled(store, "baoquangngai", later)
    polled(store, "baokontum", later)
    problems = check_health(store, cfg, lambda: later, console=False)
    assert [(p.source, p.kind, p.since) for p in problems] == [("baoquangngai", "silent", last)]
    assert outbox(store) == [("health:baoquangngai:silent:20261120T090000Z", "-1002")]
    assert check_health(store, cfg, lambda: later + timedelta(minutes=15), console=False) == []
    assert len(outbox(store)) == 1

    back = later + timedelta(hours=1)
    add(store, 10, back)
    polled(store, "baoquangngai", back)
    assert check_health(store, cfg, lambda: back, console=False) == []
    again = back + timedelta(hours=40)
    polled(store, "baoquangngai", again)
    second = check_health(store, cfg, lambda: again, console=False)
    assert [(p.kind, p.since) for p in second] == [("silent", back)]
    assert len(outbox(store)) == 2


def test_failing_extraction_alerts_once_and_again_after_recovery(store: Store) -> None:
    cfg = config(CONFIG.replace(", admin_chat: '-1002'", ""))
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    for n in range(5):
        add(store, n, T + timedelta(minutes=10 * n))
    add(store, 5, T + timedelta(hours=1), text="")
    add(store, 6, T + timedelta(hours=2), dated=False)
    now = T + timedelta(hours=3)
    polled(store, "baoquangngai", now)
    assert check_health(store, cfg, lambda: now, console=False) == []
    add(store, 7, T + timedelta(hours=3), text="")
    queued = check_health(store, cfg, lambda: now, console=False)
    assert [(p.kind, p.since) for p in queued] == [("extraction", T + timedelta(hours=1))]
    assert "3 bài mới nhất" in queued[0].detail
    add(store, 8, T + timedelta(hours=4), text="")
    assert check_health(store, cfg, lambda: now, console=False) == []
    assert outbox(store) == [("health:baoquangngai:extraction:20261120T020000Z", "-1001")]

    add(store, 9, T + timedelta(hours=5))
    for n in (10, 11, 12):
        add(store, n, T + timedelta(hours=n), text="")
    assert len(check_health(store, cfg, lambda: now, console=False)) == 1
    assert len(outbox(store)) == 2


def test_without_any_chat_health_goes_to_the_console_or_nowhere(store: Store) -> None:
    cfg = config(CONFIG.replace("review: {chat: '-1001', admin_chat: '-1002'}", ""))
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    for n in range(3):
        add(store, n, T + timedelta(hours=n), text="")
    now = T + timedelta(hours=5)
    assert check_health(store, cfg, lambda: now, console=False) == []
    assert outbox(store) == []
    assert len(check_health(store, cfg, lambda: now, console=True)) == 1
    assert [chat for _, chat in outbox(store)] == ["console"]


def test_story_key_fits_the_outbox_column() -> None:
    long = HealthProblem("x" * 80, "X", "extraction", T, "")
    assert len(long.story) <= 64 and long.story.startswith("health:xxx")
    assert long.story != replace(long, source="x" * 79 + "y").story


def failing(store: Store) -> datetime:
    """Three empty articles in a row: an extraction episode, as of the returned time."""
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    for n in range(3):
        add(store, n, T + timedelta(hours=n), text="")
    return T + timedelta(hours=5)


def rows(store: Store) -> list[tuple[str, str, str]]:
    due = store.due_outbox(T + timedelta(days=365), 100)
    return sorted((i.messenger, i.chat, i.kind) for i in due)


def test_health_alerts_also_go_to_the_admin_zalo_chat(store: Store) -> None:
    cfg = config(CONFIG.replace("admin_chat: '-1002'", "admin_chat: '-1002', admin_zalo: z-adm"))
    now = failing(store)
    assert len(check_health(store, cfg, lambda: now, console=False)) == 1
    assert rows(store) == [("telegram", "-1002", "health"), ("zalo", "z-adm", "health")]
    texts = {i.text for i in store.due_outbox(now + timedelta(days=365), 100)}
    assert len(texts) == 1  # the same Telegram HTML; the Zalo sender makes it plain
    assert check_health(store, cfg, lambda: now, console=False) == []  # once per episode


def test_the_zalo_health_chat_defaults_to_the_review_groups_and_works_alone(store: Store) -> None:
    cfg = config(
        CONFIG.replace("review: {chat: '-1001', admin_chat: '-1002'}", "review: {zalo: z-rv}")
    )
    now = failing(store)
    assert len(check_health(store, cfg, lambda: now, console=False)) == 1
    assert rows(store) == [("zalo", "z-rv", "health")]  # no console stand-in for Zalo
