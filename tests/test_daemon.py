"""The daemon: missed-job logic with a frozen clock, its schedule, and `duluan start` run as a
process against the local site (console mode and the fake Telegram), stopped by SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from duluan.config import parse_config
from duluan.daemon import (
    Daemon,
    Weekly,
    crawl_delay,
    jitter_for,
    last_fire,
    missed,
    parse_daily,
    parse_weekly,
)
from storage import Store
from tests.kit.crawl import ITEMS, article, feed, write_config
from tests.kit.daemon import log_text, start, stop, wait_until
from tests.site.server import LocalSite

ROOT = Path(__file__).resolve().parent.parent
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
THU_15 = datetime(2026, 11, 26, 15, 0, tzinfo=ZONE)


def test_parse_schedule_times() -> None:
    assert parse_weekly("thu 14:00") == Weekly(14, 0, 3)
    assert parse_daily("08:30") == Weekly(8, 30, None)


def test_last_fire_of_daily_and_weekly_times() -> None:
    digest = Weekly(14, 0, 3)
    assert last_fire(digest, THU_15, ZONE) == datetime(2026, 11, 26, 14, 0, tzinfo=ZONE)
    assert last_fire(digest, THU_15 - timedelta(hours=2), ZONE) == datetime(
        2026, 11, 19, 14, 0, tzinfo=ZONE
    )
    morning = Weekly(8, 0)
    assert last_fire(morning, THU_15, ZONE) == datetime(2026, 11, 26, 8, 0, tzinfo=ZONE)
    assert last_fire(morning, THU_15.replace(hour=7), ZONE) == datetime(
        2026, 11, 25, 8, 0, tzinfo=ZONE
    )


def test_a_fire_time_passed_since_the_last_run_is_missed_once() -> None:
    digest = Weekly(14, 0, 3)
    wednesday = THU_15 - timedelta(days=1)
    assert missed(digest, wednesday, THU_15, ZONE)
    assert not missed(digest, THU_15 - timedelta(minutes=30), THU_15, ZONE)  # ran at 14:30
    assert not missed(digest, wednesday, THU_15 - timedelta(hours=2), ZONE)  # not yet 14:00
    assert not missed(digest, None, THU_15, ZONE)  # never ran: nothing to catch up
    reminder = Weekly(8, 0)
    assert missed(reminder, THU_15 - timedelta(days=3), THU_15, ZONE)


def test_crawl_delay_and_jitter() -> None:
    ten = timedelta(minutes=10)
    assert crawl_delay(None, ten, THU_15) == timedelta(0)
    assert crawl_delay(THU_15 - timedelta(hours=1), ten, THU_15) == timedelta(0)
    assert crawl_delay(THU_15 - timedelta(minutes=4), ten, THU_15) == timedelta(minutes=6)
    assert jitter_for(ten) == 60.0
    assert jitter_for(timedelta(hours=2)) == 60.0
    assert jitter_for(timedelta(seconds=20)) == 2.0


def test_job_runs_are_recorded(store: Store) -> None:
    store.record_job_run("digest", THU_15, "chưa cấu hình")
    store.record_job_run("digest", THU_15 + timedelta(days=7), "lần hai")
    store.record_job_run("crawl:thu", THU_15)
    runs = store.job_runs()
    assert runs["digest"].last_run_at == THU_15 + timedelta(days=7)
    assert runs["digest"].last_result == "lần hai"
    assert runs["crawl:thu"].last_run_at == THU_15 and runs["crawl:thu"].last_result is None


SCHEDULED = """
locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}
sources:
  - {name: fresh, title: Mới, feeds: ['https://a.example/rss'], interval: 10m}
  - {name: stale, title: Cũ, feeds: ['https://b.example/rss'], interval: 10m}
  - {name: never, title: Chưa, feeds: ['https://c.example/rss'], interval: 10m}
  - {name: disabled, title: Tắt, feeds: ['https://d.example/rss'], enabled: false}
review: {reminder_at: '08:00'}
schedule: {digest: 'thu 14:00'}
"""


def test_schedule_catches_up_missed_jobs_once(tmp_path: Path) -> None:
    config = parse_config(SCHEDULED, "test", {}).config
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    with Store.open(url) as store:
        store.record_job_run("crawl:fresh", THU_15 - timedelta(minutes=1))
        store.record_job_run("crawl:stale", THU_15 - timedelta(hours=3))
        store.record_job_run("digest", THU_15 - timedelta(days=2))  # the Thursday run was missed
        store.record_job_run("reminders", THU_15 - timedelta(hours=1))  # 08:00 already done

    async def scheduled() -> dict[str, datetime]:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        daemon = Daemon(config, url, now=lambda: THU_15)
        daemon._store = Store.open(url)
        scheduler = AsyncIOScheduler(timezone=ZONE)
        try:
            daemon._schedule(scheduler)
            scheduler.start(paused=True)
            return {job.id: job.next_run_time for job in scheduler.get_jobs()}
        finally:
            scheduler.shutdown(wait=False)
            daemon._store.close()

    real = datetime.now(ZONE)
    jobs = asyncio.run(scheduled())
    assert "crawl:disabled" not in jobs
    assert jobs["crawl:stale"] - real < timedelta(seconds=20)
    assert jobs["crawl:never"] - real < timedelta(seconds=20)
    assert timedelta(minutes=8) < jobs["crawl:fresh"] - real < timedelta(minutes=11)
    assert jobs["digest"] - real < timedelta(seconds=10)
    assert timedelta(0) < jobs["evidence"] - real < timedelta(minutes=11)  # flagged pages kept
    reminder = jobs["reminders"].astimezone(ZONE)
    assert (reminder.hour, reminder.minute, reminder.second) == (8, 0, 0)
    with Store.open(url) as store:
        assert store.job_runs()["reminders"].last_run_at == THU_15 - timedelta(hours=1)


# --- the daemon as a process ------------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Iterator[LocalSite]:
    root = tmp_path / "site"
    (root / "thu" / "rss").mkdir(parents=True)
    (root / "thu" / "rss" / "home.rss").write_text(feed(ITEMS), encoding="utf-8")
    dates = ["2026-11-25T08:00:00+07:00", "2026-11-24T16:30:00+07:00", "2025-11-05T09:00:00+07:00"]
    for (slug, title, _), date in zip(ITEMS, dates, strict=True):
        (root / "thu" / slug).write_text(article(title, date), encoding="utf-8")
    with LocalSite(root, slow_seconds=3.0) as running:
        yield running


SOURCE = """
  - name: thu
    title: Báo Thử
    feeds: ['{{BASE}}/thu/rss/home.rss']
    article_pattern: '-\\d+\\.html$'
    interval: 3s
"""

NEW = ("lu-quet-dak-pxi-1004.html", "Lũ quét ở xã Đăk Pxi", "Thu, 26 Nov 2026 07:00:00 +0700")
NEW_PAGE = (
    """<!DOCTYPE html><html lang="vi"><head><title>Lũ quét ở xã Đăk Pxi</title>
<script type="application/ld+json">{"@type":"NewsArticle","headline":"Lũ quét ở xã Đăk Pxi",
"datePublished":"2026-11-26T07:00:00+07:00"}</script></head><body>
<h1 class="title-detail">Lũ quét ở xã Đăk Pxi</h1>
<article class="fck_detail">"""
    + "".join(
        f"<p class='Normal'>{i}. Lũ quét bất ngờ cuốn trôi cầu tạm ở xã Đăk Pxi, huyện Đăk Hà, "
        "tỉnh Kon Tum, hàng trăm hộ dân bị cô lập, chính quyền đang khẩn trương khắc phục.</p>"
        for i in range(5)
    )
    + "</article></body></html>"
)


def alerts(tmp_path: Path) -> list[dict[str, object]]:
    path = tmp_path / "data" / "alerts.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def stored_titles(tmp_path: Path) -> list[str]:
    with Store.open(f"sqlite:///{tmp_path}/db.sqlite3") as store:
        return [a.title for a in store.list_articles(limit=100)]


def test_daemon_crawls_tags_alerts_twice_then_stops_on_sigterm(
    site: LocalSite, tmp_path: Path
) -> None:
    write_config(tmp_path, site.base, SOURCE)
    process = start(tmp_path, {})
    try:
        assert wait_until(lambda: len(alerts(tmp_path)) >= 1), "no alert from the first pass"
        site.override("/thu/" + NEW[0], NEW_PAGE)
        site.override("/thu/rss/home.rss", feed([NEW, *ITEMS]))
        assert wait_until(lambda: len(alerts(tmp_path)) >= 2), "no alert from a later pass"
    finally:
        code, out, err = stop(process, tmp_path)
    assert code == 0, err[-3000:]
    texts = [str(a["text"]) for a in alerts(tmp_path)]
    assert len(texts) == 2 and "Lũ quét ở xã Đăk Pxi" in texts[1]
    assert "Bài cũ" not in " ".join(texts)
    assert "Lũ quét ở xã Đăk Pxi" in stored_titles(tmp_path)
    assert "[thu] thu thập xong: 3 mới" in err
    assert "[thu] thu thập xong: 1 mới" in err
    assert "nút duyệt tin cần mã bot Telegram" in err
    assert "Đã dừng chương trình chạy nền." in err
    assert "Lũ quét ở xã Đăk Pxi" in out


def test_daemon_delivers_to_the_fake_telegram(site: LocalSite, tmp_path: Path) -> None:
    from tests.telegram.fake_api import FakeTelegram

    write_config(tmp_path, site.base, SOURCE)
    with (tmp_path / "config.yaml").open("a", encoding="utf-8") as out:
        out.write("review: {chat: '-1001234567890', reviewers: [1]}\n")
    with FakeTelegram(known_chats={-1001234567890}, max_poll=1.0) as fake:
        process = start(
            tmp_path,
            {"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url},
        )
        try:
            assert wait_until(lambda: len(fake.sent(-1001234567890)) >= 1), "nothing sent"
            assert wait_until(lambda: len(fake.calls_to("getUpdates")) >= 1, 10)
        finally:
            code, out, err = stop(process, tmp_path, signal.SIGINT)
    assert code == 0, err[-3000:]
    sent = fake.sent(-1001234567890)
    assert len(sent) == 1 and "Đăk Pxi" in sent[0]["text"]
    assert sent[0].get("reply_markup"), "review buttons missing"
    assert fake.token not in out + err
    assert not (tmp_path / "data" / "alerts.jsonl").exists()


def test_daemon_delivers_to_zalo_beside_telegram_and_a_slow_zalo_waits_alone(
    site: LocalSite, tmp_path: Path
) -> None:
    """Issue 17: the review group has a Telegram chat and a Zalo chat; Zalo answers each send
    after 6 s, and Telegram's copy still goes out at once."""
    from tests.telegram.fake_api import FakeTelegram
    from tests.zalo.fake_api import FakeZalo

    write_config(tmp_path, site.base, SOURCE)
    with (tmp_path / "config.yaml").open("a", encoding="utf-8") as out:
        out.write(
            "review: {chat: '-1001234567890', reviewers: [1], zalo: zalo-review-chat, "
            "zalo_reviewers: [lan01]}\n"
        )
    with (
        FakeTelegram(known_chats={-1001234567890}, max_poll=1.0) as telegram,
        FakeZalo(known_chats={"zalo-review-chat", "lan01"}, max_poll=1.0) as zalo,
    ):
        zalo.delay("sendMessage", 6.0)
        process = start(
            tmp_path,
            {
                "TELEGRAM_BOT_TOKEN": telegram.token,
                "TELEGRAM_API_BASE_URL": telegram.base_url,
                "ZALO_BOT_TOKEN": zalo.token,
                "ZALO_API_BASE_URL": zalo.base_url,
            },
        )
        try:
            assert wait_until(lambda: len(telegram.sent(-1001234567890)) >= 1), "nothing sent"
            telegram_at = time.monotonic()
            assert not zalo.sent, "Zalo answered before its delay"
            assert wait_until(lambda: len(zalo.sent) >= 1, 30), "nothing sent to Zalo"
            zalo_at = time.monotonic()
            # The reviewer answers the code privately; the bot confirms, Telegram's copy is redrawn.
            code = re.search(r"Mã tin: (A\d+)", zalo.sent[0]["text"])
            assert code is not None, zalo.sent[0]["text"]
            edits = len(telegram.calls_to("editMessageText"))
            zalo.push_text("lan01", "lan01", f"{code.group(1)} liên quan", name="Chị Lan")
            assert wait_until(lambda: len(zalo.sent) >= 2, 30), "no confirmation on Zalo"
            assert wait_until(lambda: len(telegram.calls_to("editMessageText")) > edits, 15)
        finally:
            code, out, err = stop(process, tmp_path, signal.SIGINT)
    assert code == 0, err[-3000:]
    assert zalo_at - telegram_at > 2.0  # Telegram's copy did not wait for Zalo's answer
    sent, confirmed = zalo.sent
    assert sent["chat_id"] == "zalo-review-chat" and "Đăk Pxi" in sent["text"]
    assert confirmed["chat_id"] == "lan01" and "liên quan" in confirmed["text"].lower()
    with Store.open(f"sqlite:///{tmp_path}/db.sqlite3") as store:
        (row,) = store.list_reviews()
    assert row.status == "relevant"
    assert "<b>" not in sent["text"] and "\nhttp" in sent["text"]
    assert zalo.token not in out + err and telegram.token not in out + err
    assert "Đã kết nối Zalo" in err and "Bot Zalo nhận mã rà soát" in err


def test_a_slow_telegram_does_not_delay_zalo(site: LocalSite, tmp_path: Path) -> None:
    """The other way round: Telegram answers its send after 8 s; Zalo's copy goes out first."""
    from tests.telegram.fake_api import FakeTelegram
    from tests.zalo.fake_api import FakeZalo

    write_config(tmp_path, site.base, SOURCE)
    with (tmp_path / "config.yaml").open("a", encoding="utf-8") as out:
        out.write("review: {chat: '-1001234567890', reviewers: [1], zalo: zalo-review-chat}\n")
    with (
        FakeTelegram(known_chats={-1001234567890}, max_poll=1.0) as telegram,
        FakeZalo(known_chats={"zalo-review-chat"}, max_poll=1.0) as zalo,
    ):
        telegram.delay_next("sendMessage", 8.0)
        process = start(
            tmp_path,
            {
                "TELEGRAM_BOT_TOKEN": telegram.token,
                "TELEGRAM_API_BASE_URL": telegram.base_url,
                "ZALO_BOT_TOKEN": zalo.token,
                "ZALO_API_BASE_URL": zalo.base_url,
            },
        )
        try:
            assert wait_until(lambda: len(zalo.sent) >= 1), "nothing sent to Zalo"
            assert not telegram.sent(-1001234567890), "Telegram answered before its delay"
            assert wait_until(lambda: len(telegram.sent(-1001234567890)) >= 1, 30)
        finally:
            code, _, err = stop(process, tmp_path, signal.SIGINT)
    assert code == 0, err[-3000:]


def test_sigterm_during_a_crawl_ends_the_child_and_exits_0(tmp_path: Path) -> None:
    with LocalSite(tmp_path, slow_seconds=60.0) as slow:
        write_config(
            tmp_path,
            slow.base,
            "  - {name: cham, title: Chậm, feeds: ['{{BASE}}/bad/slow'], interval: 1h}\n",
        )
        config = tmp_path / "config.yaml"
        config.write_text(
            config.read_text(encoding="utf-8").replace("timeout: 1s", "timeout: 120s"),
            encoding="utf-8",
        )
        process = start(tmp_path, {})
        try:
            assert wait_until(lambda: "Bắt đầu lượt thu thập" in log_text(tmp_path), 60)
            assert wait_until(lambda: slow.active_connections > 0, 30)
        finally:
            code, _, err = stop(process, tmp_path)
    assert code == 0, err[-3000:]
    line = next(x for x in err.splitlines() if "Dừng tiến trình thu thập đang chạy" in x)
    child = int(line.rsplit("pid ", 1)[1].rstrip(")"))
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)
    assert "Đã dừng chương trình chạy nền." in err


def test_digest_and_reminder_jobs_record_their_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the digest is written under ./data/
    config = parse_config(SCHEDULED, "test", {}).config
    url = f"sqlite:///{tmp_path}/db.sqlite3"

    async def run_jobs() -> None:
        daemon = Daemon(config, url, now=lambda: THU_15, alerts_path=tmp_path / "alerts.jsonl")
        daemon._store = Store.open(url)
        try:
            await daemon._start_delivery()
            await daemon._digest_job()
            await daemon._reminder_job()
        finally:
            daemon._store.close()

    asyncio.run(run_jobs())
    with Store.open(url) as store:
        runs = store.job_runs()
    assert runs["digest"].last_run_at == THU_15
    assert runs["digest"].last_result == "báo cáo: 2026-W48"
    assert (tmp_path / "data" / "digests").is_dir()
    assert runs["reminders"].last_run_at == THU_15
    assert runs["reminders"].last_result == "0 tin được nhắc"


def test_unreachable_telegram_stops_the_start_with_exit_1_and_no_token(tmp_path: Path) -> None:
    from tests.telegram.fake_api import DEFAULT_TOKEN

    write_config(tmp_path, "http://127.0.0.1:9", SOURCE)
    process = start(
        tmp_path,
        {"TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN, "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot"},
    )
    try:
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    err = log_text(tmp_path)
    assert code == 1, err[-3000:]
    assert "Chương trình chạy nền dừng: không kết nối được Telegram" in err
    assert DEFAULT_TOKEN not in err and "Traceback" not in err


def test_the_crawl_child_gets_the_daemons_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The crawl runs in a child process, which cannot take a lambda: the daemon hands it the
    # picklable clock it was given (a frozen DULUAN_NOW reaches the crawler's dates).
    import types

    from duluan import daemon as daemon_module
    from duluan.clock import Clock

    handed: dict[str, object] = {}

    def crawl(config: object, url: str, names: list[str], **kwargs: object) -> object:
        handed.update(kwargs, names=names)
        return types.SimpleNamespace(sources=[], new=0)

    monkeypatch.setattr(daemon_module.pipeline, "crawl", crawl)
    config = parse_config(SCHEDULED, "test", {}).config
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    frozen = Clock(THU_15)

    async def one_pass() -> None:
        daemon = Daemon(config, url, now=lambda: THU_15, crawl_clock=frozen)
        daemon._store = Store.open(url)
        try:
            await daemon._crawl_pass(["fresh"])
        finally:
            daemon._store.close()

    asyncio.run(one_pass())
    assert handed["names"] == ["fresh"] and handed["clock"] is frozen
