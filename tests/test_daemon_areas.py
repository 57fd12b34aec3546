"""The daemon with several watch areas: one digest job per area at its own time (`report.
schedule`, else `schedule.digest`), the reminders on each area's own working days, and a story
two areas marked false kept once."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from duluan.config import Config, parse_config
from duluan.daemon import Daemon
from review.bot import remind_overdue
from storage import Store
from tests.kit.areas import DAK_MAR, DAK_PXI, areas_yaml
from tests.kit.articles import record

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
THU_12 = datetime(2026, 11, 26, 12, 0, tzinfo=ZONE)
CHAT_A, CHAT_B, UNIT_A, UNIT_B = "-1001", "-1002", "-1011", "-1012"
SATURDAY = date(2026, 5, 9)


def config(mar_reminders: str | None = None) -> Config:
    """Đăk Pxi's digest at the top-level time (14:00), Đăk Mar's at 10:00; Đăk Mar works on
    Saturday 9/5/2026; its reminders at `mar_reminders` (else the top level's 08:00)."""
    mar_review: dict[str, object] = {"chat": CHAT_B, "workdays": [SATURDAY.isoformat()]}
    if mar_reminders is not None:
        mar_review["reminder_at"] = mar_reminders
    top = "schedule: {digest: 'thu 14:00'}\nreview: {reminder_at: '08:00'}\n"
    return parse_config(
        areas_yaml(
            [
                {
                    "name": "dak-pxi",
                    "title": "UBND xã Đăk Pxi",
                    "places": [DAK_PXI],
                    "review": {"chat": CHAT_A},
                    "units": [{"name": "Công an xã Đăk Pxi", "chat": UNIT_A}],
                },
                {
                    "name": "dak-mar",
                    "title": "UBND xã Đăk Mar",
                    "places": [DAK_MAR],
                    "review": mar_review,
                    "units": [{"name": "Công an xã Đăk Mar", "chat": UNIT_B}],
                    "report": {"schedule": "thu 10:00"},
                },
            ],
            top,
        ),
        "test.yaml",
        {},
    ).config


def test_each_area_has_its_digest_job_at_its_own_time(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    with Store.open(url) as store:
        # Both last ran on Wednesday: at Thursday 12:00, Đăk Mar's 10:00 was missed, Đăk Pxi's
        # 14:00 is still to come.
        for name in ("digest:dak-pxi", "digest:dak-mar"):
            store.record_job_run(name, THU_12 - timedelta(days=1))

    async def scheduled() -> dict[str, tuple[datetime, str]]:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        daemon = Daemon(config(), url, now=lambda: THU_12)
        daemon._store = Store.open(url)
        scheduler = AsyncIOScheduler(timezone=ZONE)
        try:
            daemon._schedule(scheduler)
            scheduler.start(paused=True)
            return {job.id: (job.next_run_time, str(job.trigger)) for job in scheduler.get_jobs()}
        finally:
            scheduler.shutdown(wait=False)
            daemon._store.close()

    real = datetime.now(ZONE)
    jobs = asyncio.run(scheduled())
    assert "digest" not in jobs
    mar_next, mar_trigger = jobs["digest:dak-mar"]
    pxi_next, pxi_trigger = jobs["digest:dak-pxi"]
    assert "day_of_week='thu', hour='10', minute='0'" in mar_trigger
    assert "day_of_week='thu', hour='14', minute='0'" in pxi_trigger
    assert mar_next - real < timedelta(seconds=10)  # caught up at once
    assert pxi_next - real > timedelta(minutes=1)  # at its own next time


def test_each_digest_job_builds_and_records_its_area(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the digests are written under ./data/
    cfg = config()
    url = f"sqlite:///{tmp_path}/db.sqlite3"

    async def run_jobs() -> None:
        daemon = Daemon(cfg, url, now=lambda: THU_12, alerts_path=tmp_path / "alerts.jsonl")
        daemon._store = Store.open(url)
        try:
            await daemon._start_delivery()
            for area in cfg.watch_areas():
                await daemon._digest_job(area)
        finally:
            daemon._store.close()

    asyncio.run(run_jobs())
    with Store.open(url) as store:
        runs = store.job_runs()
        digests = {(d.area, d.label) for d in store.list_digests()}
    # At 12:00 Đăk Mar's week 48 has ended (10:00); Đăk Pxi's latest is week 47's.
    assert runs["digest:dak-mar"].last_result == "báo cáo: 2026-W48"
    assert runs["digest:dak-pxi"].last_result == "báo cáo: 2026-W47"
    assert digests == {("dak-mar", "2026-W48"), ("dak-pxi", "2026-W47")}
    names = sorted(p.name for p in (tmp_path / "data" / "digests").glob("*.md"))
    assert names == [
        "duluan-bao-cao-dak-mar-tuan-2026-W48.md",
        "duluan-bao-cao-dak-pxi-tuan-2026-W47.md",
    ]


def _story(store: Store) -> str:
    store.sync_sources([("x", "X")])
    saved = store.save_article(record(1, title="Sạt lở ở xã Đăk Pxi và xã Đăk Mar"))
    return f"cluster:{saved.cluster_id}"


def _assign_in_both(store: Store, story: str) -> None:
    """The story assigned in each area to its unit, due 29/4/2026."""
    for name, unit in (("dak-pxi", "Công an xã Đăk Pxi"), ("dak-mar", "Công an xã Đăk Mar")):
        store.assign(
            story, expected_version=0, unit=unit, chat=None, topic=None,
            deadline=date(2026, 4, 29), user_id=1, user_name="Lan",
            at=datetime(2026, 4, 27, 9, 0, tzinfo=ZONE), message="giao", article_id=1, area=name,
        )  # fmt: skip


def test_reminders_follow_each_areas_working_days(store: Store) -> None:
    cfg = config()
    story = _story(store)
    _assign_in_both(store, story)
    now = datetime(2026, 5, 9, 8, 0, tzinfo=ZONE)
    # Saturday: only Đăk Mar works.
    assert asyncio.run(remind_overdue(store, cfg, SATURDAY, lambda: now)) == 1
    assert store.story_message("overdue:2026-05-09", CHAT_B, None) is not None
    assert store.story_message("overdue:2026-05-09", CHAT_A, None) is None
    # Sunday: nobody.
    sunday = SATURDAY + timedelta(days=1)
    assert asyncio.run(remind_overdue(store, cfg, sunday, lambda: now)) == 0
    # Monday: both (Đăk Mar once more, Đăk Pxi for the first time).
    monday = SATURDAY + timedelta(days=2)
    assert asyncio.run(remind_overdue(store, cfg, monday, lambda: now)) == 2


def test_each_reminder_time_has_its_job(tmp_path: Path) -> None:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    cfg = config(mar_reminders="07:00")
    assert [a.review.reminder_at for a in cfg.watch_areas()] == ["08:00", "07:00"]
    url = f"sqlite:///{tmp_path}/db.sqlite3"

    async def scheduled() -> dict[str, str]:
        daemon = Daemon(cfg, url, now=lambda: THU_12)
        daemon._store = Store.open(url)
        scheduler = AsyncIOScheduler(timezone=ZONE)
        try:
            daemon._schedule(scheduler)
            scheduler.start(paused=True)
            return {job.id: str(job.trigger) for job in scheduler.get_jobs()}
        finally:
            scheduler.shutdown(wait=False)
            daemon._store.close()

    jobs = asyncio.run(scheduled())
    assert "reminders" not in jobs
    assert "hour='7', minute='0'" in jobs["reminders:07:00"]
    assert "hour='8', minute='0'" in jobs["reminders:08:00"]
    # One time for every area: the one job of before.
    daemon = Daemon(config(), url, now=lambda: THU_12)
    daemon._store = Store.open(url)
    scheduler = AsyncIOScheduler(timezone=ZONE)
    try:
        daemon._schedule(scheduler)
        ids = {job.id for job in scheduler.get_jobs()}
    finally:
        daemon._store.close()
    assert "reminders" in ids and not any(i.startswith("reminders:") for i in ids)


def test_an_area_is_reminded_at_its_own_time(store: Store) -> None:
    cfg = config(mar_reminders="07:00")
    story = _story(store)
    _assign_in_both(store, story)
    monday = date(2026, 5, 11)
    now = datetime(2026, 5, 11, 7, 0, tzinfo=ZONE)
    assert asyncio.run(remind_overdue(store, cfg, monday, lambda: now, "07:00")) == 1
    assert store.story_message("overdue:2026-05-11", CHAT_B, None) is not None
    assert store.story_message("overdue:2026-05-11", CHAT_A, None) is None
    later = now + timedelta(hours=1)
    assert asyncio.run(remind_overdue(store, cfg, monday, lambda: later, "08:00")) == 1
    assert store.story_message("overdue:2026-05-11", CHAT_A, None) is not None


def test_a_story_two_areas_marked_false_is_kept_once(store: Store) -> None:
    story = _story(store)
    moment = datetime(2026, 11, 26, 9, 0, tzinfo=ZONE)
    for name in ("dak-pxi", "dak-mar"):
        store.review_action(
            story, expected_version=0, action="false_info", user_id=1, user_name="Lan",
            at=moment, article_id=1, area=name,
        )  # fmt: skip
    assert store.flagged_without_evidence() == [(story, 1)]
