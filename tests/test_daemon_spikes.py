"""The daemon's spread and spike look: an hourly job, and after a tag pass; it queues, records
its run and delivers, and a second look (a restart) queues nothing again."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from duluan import pipeline
from duluan.config import parse_config
from duluan.daemon import SPIKES_JOB, Daemon
from duluan.pipeline import TagReport
from storage import Store
from tests.kit.stories import add_copy

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
T = datetime(2026, 11, 20, 9, 0, tzinfo=ZONE)
CONFIG = parse_config(
    """
locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}
sources:
  - {name: bao1, title: Báo số 1, feeds: ['https://bao1.vn/rss']}
review: {chat: '-1001', leadership_chat: '-1003'}
backup: {enabled: false}
web: {enabled: false}
""",
    "test",
    {},
).config


def test_the_hourly_look_queues_records_and_delivers_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    with Store.open(url) as store:
        for outlet in (1, 2, 3):
            add_copy(store, 1, outlet, T + timedelta(hours=outlet), title="<i>Sạt lở</i>")
    alerts = tmp_path / "alerts.jsonl"
    now = T + timedelta(hours=4)

    async def look() -> dict[str, str]:
        daemon = Daemon(CONFIG, url, now=lambda: now, alerts_path=alerts)
        daemon._store = Store.open(url)
        scheduler = AsyncIOScheduler(timezone=ZONE)
        try:
            await daemon._start_delivery()
            daemon._schedule(scheduler)
            await daemon._spikes_job()
            return {job.id: str(job.trigger) for job in scheduler.get_jobs()}
        finally:
            daemon._store.close()

    jobs = asyncio.run(look())
    assert jobs[SPIKES_JOB] == "interval[1:00:00]"
    sent = [json.loads(line) for line in alerts.read_text(encoding="utf-8").splitlines()]
    assert sorted(s["chat"] for s in sent) == ["-1001", "-1003"]
    assert all("Nhiều báo cùng đưa tin" in s["text"] for s in sent)
    assert all("&lt;i&gt;Sạt lở&lt;/i&gt;" in s["text"] for s in sent)
    with Store.open(url) as store:
        assert store.job_runs()[SPIKES_JOB].last_result == "2 cảnh báo mới"
    asyncio.run(look())  # a restart: nothing new
    assert len(alerts.read_text(encoding="utf-8").splitlines()) == 2
    with Store.open(url) as store:
        assert store.job_runs()[SPIKES_JOB].last_result == "0 cảnh báo mới"


def test_a_tag_backlog_is_looked_at_once_when_tagged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two tag passes (the first stopped at its budget) with relevant articles: one look, after
    the last; passes with nothing relevant: none."""
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    reports = iter(
        [TagReport(5, 1, 1, more=True), TagReport(2, 1, 0), TagReport(3, 0, 0), TagReport(0, 0, 0)]
    )
    looks: list[datetime] = []
    monkeypatch.setattr(pipeline, "tag_pending", lambda *a, **k: next(reports))
    monkeypatch.setattr(
        pipeline,
        "watch_spread_and_spikes",
        lambda store, config, now, console: looks.append(now()) or pipeline.WatchReport(0, 0),
    )

    async def passes() -> None:
        daemon = Daemon(CONFIG, url, now=lambda: T, alerts_path=tmp_path / "alerts.jsonl")
        daemon._store = Store.open(url)
        try:
            await daemon._start_delivery()
            await daemon._tag_and_deliver("test")  # 5 + 2 tagged, 2 relevant
            assert looks == [T]
            await daemon._tag_and_deliver("test")  # 3 tagged, none relevant
            await daemon._tag_and_deliver("test")  # nothing
            assert looks == [T]
        finally:
            daemon._store.close()

    asyncio.run(passes())
