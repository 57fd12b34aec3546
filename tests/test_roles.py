"""`duluan start --role` (issue 18): the roles asked for, refused on SQLite, the parts each role
schedules, and on the machine's PostgreSQL the leases between processes: one deliverer per bot
(two racing send each message once; a SIGKILLed one is replaced after its ttl, nothing lost) and
one runner of each scheduled job."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from alerts.delivery import Deliverer, Throttle
from duluan.cli import build_parser, main
from duluan.config import parse_config
from duluan.daemon import Daemon
from duluan.roles import (
    CRAWL,
    DELIVER,
    DELIVER_TTL,
    EVERY_ROLE,
    SCHEDULE,
    TAG,
    WEB,
    LeaseKeeper,
    RoleError,
    check_roles,
    deliver_lease,
    parse_roles,
)
from storage import OutboxEntry, Store
from tests.kit.articles import T0, record
from tests.kit.clock import NOW, FakeClock
from tests.kit.crawl import FROZEN_NOW, write_config
from tests.kit.db import _empty_pg

ROOT = Path(__file__).resolve().parent.parent
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/x"
SOURCE = """
  - {name: thu, title: Báo Thử, feeds: ['{{BASE}}/rss'], interval: 1h}
"""
CONFIG = """
locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}
sources:
  - {name: mot, title: Một, feeds: ['https://a.example/rss'], interval: 10m}
  - {name: hai, title: Hai, feeds: ['https://b.example/rss'], interval: 10m}
review: {reminder_at: '08:00'}
schedule: {digest: 'thu 14:00'}
"""


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty PostgreSQL database (skipped where the server is absent)."""
    url: str = request.getfixturevalue("_pg_database")
    _empty_pg(url)
    Store.open(url).close()  # the schema, once, before processes race on it
    return url


def wait_until(check: Callable[[], object], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


# --- the roles asked for ----------------------------------------------------------------


def test_roles_repeated_or_comma_separated_default_all() -> None:
    assert parse_roles(None) == EVERY_ROLE
    assert parse_roles([]) == EVERY_ROLE
    assert parse_roles(["crawl", "tag"]) == {CRAWL, TAG}
    assert parse_roles(["crawl, Tag", "deliver"]) == {CRAWL, TAG, DELIVER}
    assert parse_roles(["web", "all"]) == EVERY_ROLE
    assert parse_roles(["schedule,,"]) == {SCHEDULE}
    with pytest.raises(RoleError, match="vai trò không có: crawler, x"):
        parse_roles(["crawler", "x,tag"])


def test_start_takes_role_options() -> None:
    args = build_parser().parse_args(["start", "--role", "crawl", "--role", "tag,deliver"])
    assert parse_roles(args.role) == {CRAWL, TAG, DELIVER}
    assert build_parser().parse_args(["start"]).role is None


def test_roles_other_than_all_need_postgresql() -> None:
    check_roles(EVERY_ROLE, "sqlite:///x.sqlite3")
    check_roles(frozenset({CRAWL}), PG)
    check_roles(frozenset({CRAWL}), "postgresql://u@h/db")
    with pytest.raises(RoleError, match="cần PostgreSQL"):
        check_roles(frozenset({WEB}), "sqlite:///x.sqlite3")


def test_start_with_a_role_on_sqlite_is_a_usage_error_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DULUAN_DATABASE_URL", f"sqlite:///{tmp_path}/db.sqlite3")
    monkeypatch.setenv("DULUAN_CONFIG", str(tmp_path / "absent.yaml"))
    monkeypatch.delenv("DULUAN_NOW", raising=False)
    assert main(["start", "--role", "crawl,tag"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("duluan: vai trò crawl, tag cần PostgreSQL")
    assert "DULUAN_DATABASE_URL=postgresql://" in err
    assert "roles need PostgreSQL" in err
    assert main(["start", "--role", "crawlr"]) == 2
    assert "vai trò không có: crawlr" in capsys.readouterr().err
    assert not (tmp_path / "db.sqlite3").exists()  # refused before anything was opened


def test_the_delivery_lease_names_the_bot_never_its_token() -> None:
    token = "123456:SECRET-token"
    name = deliver_lease(token)
    assert name.startswith("deliver:") and len(name) == len("deliver:") + 12
    assert "SECRET" not in name and "123456" not in name
    assert deliver_lease(token) == name != deliver_lease("654321:other")
    assert deliver_lease(None) == "deliver:console"
    assert deliver_lease(token, "zalo") == "deliver:zalo:" + name.removeprefix("deliver:")
    assert deliver_lease(None, "zalo") == "deliver:zalo:console"


# --- what each role schedules -------------------------------------------------------------


def scheduled_jobs(url: str, roles: frozenset[str]) -> set[str]:
    config = parse_config(CONFIG, "test", {}).config

    async def scheduled() -> set[str]:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        daemon = Daemon(config, url, now=lambda: NOW, roles=roles)
        daemon._store = Store.open(url)
        scheduler = AsyncIOScheduler(timezone=ZONE)
        try:
            daemon._schedule(scheduler)
            return {job.id for job in scheduler.get_jobs()}
        finally:
            daemon._store.close()

    return asyncio.run(scheduled())


def test_each_role_schedules_only_its_parts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/db.sqlite3"  # scheduling only: no process shares it
    jobs = ["health", "evidence", "spikes", "reminders", "digest", "prune_pages", "backup"]
    every = scheduled_jobs(url, EVERY_ROLE)
    assert {"crawl:mot", "crawl:hai", "outbox", "outbox-zalo"} <= every
    assert set(jobs) - {"backup"} <= every
    assert "tag" not in every  # tagging follows each crawl pass
    assert scheduled_jobs(url, frozenset({CRAWL})) == {"crawl:mot", "crawl:hai"}
    assert scheduled_jobs(url, frozenset({TAG})) == {"tag"}  # polls: no crawl here
    # A crawl+tag process also looks for untagged articles: a long pass is tagged as it goes.
    assert scheduled_jobs(url, frozenset({CRAWL, TAG})) == {"crawl:mot", "crawl:hai", "tag"}
    assert scheduled_jobs(url, frozenset({DELIVER})) == {"outbox", "outbox-zalo"}
    assert scheduled_jobs(url, frozenset({WEB})) == set()
    assert scheduled_jobs(url, frozenset({SCHEDULE})) == every - {
        "crawl:mot",
        "crawl:hai",
        "outbox",
        "outbox-zalo",
    }


# --- leases on PostgreSQL -----------------------------------------------------------------


class Recording:
    """A sender that records who sent what, yielding between calls as a network call does."""

    messenger = "telegram"

    def __init__(self, name: str, sent: list[tuple[str, str]]) -> None:
        self.name = name
        self.sent = sent

    async def send(self, chat: str, topic: int | None, text: str, markup: object) -> int:
        await asyncio.sleep(0.005)
        self.sent.append((self.name, chat))
        return len(self.sent)


def entries(count: int) -> list[OutboxEntry]:
    """One alert per chat: no burst summaries, each row its own call."""
    return [
        OutboxEntry(f"s{i}", f"-100{i}", None, "alert", f"<b>Tin</b> {i}") for i in range(count)
    ]


@pytest.mark.postgres
def test_two_deliverers_racing_through_the_lease_send_each_message_once(pg_url: str) -> None:
    with Store.open(pg_url) as store:
        store.enqueue(entries(30), T0)
    sent: list[tuple[str, str]] = []
    held: dict[str, list[bool]] = {}
    barrier = threading.Barrier(2)

    def deliverer(name: str) -> None:
        """A deliver process: its own store; a pass whenever it holds the bot's lease."""
        with Store.open(pg_url) as store:
            keeper = LeaseKeeper(store, deliver_lease("TOKEN"), name, timedelta(minutes=2), "gửi")
            clock = FakeClock()
            barrier.wait()
            for _ in range(4):
                held.setdefault(name, []).append(keeper.hold())
                if keeper.held:
                    deliver = Deliverer(
                        store,
                        Recording(name, sent),
                        lambda: NOW,
                        Throttle(clock, clock.sleep),
                        stopping=lambda: not keeper.keep(),
                    )
                    asyncio.run(deliver.deliver_due(limit=10))

    threads = [threading.Thread(target=deliverer, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    chats = sorted(chat for _, chat in sent)
    assert chats == sorted(f"-100{i}" for i in range(30))  # every row, once
    senders = {who for who, _ in sent}
    assert len(senders) == 1  # one bot, one sender: the other waited
    (winner,) = senders
    loser = "b" if winner == "a" else "a"
    assert held == {winner: [True] * 4, loser: [False] * 4}
    with Store.open(pg_url) as store:
        assert store.due_outbox(NOW + timedelta(days=1), 100) == []


CHILD = """
import asyncio, sys
from datetime import timedelta
from alerts.delivery import Deliverer
from duluan.roles import LeaseKeeper, deliver_lease
from storage import Store
from tests.kit.clock import NOW

url, out, ttl = sys.argv[1], sys.argv[2], float(sys.argv[3])

class Hangs:
    '''Sends two messages, then hangs in the third call, as a call never answered.'''
    messenger = "telegram"
    count = 0
    async def send(self, chat, topic, text, markup):
        self.count += 1
        if self.count == 3:
            print("hanging", flush=True)
            await asyncio.sleep(3600)
        with open(out, "a") as f:
            f.write(chat + "\\n")
        return self.count

store = Store.open(url)
keeper = LeaseKeeper(store, deliver_lease("TOKEN"), "child", timedelta(seconds=ttl), "gửi")
assert keeper.hold()
print("held", flush=True)
deliverer = Deliverer(store, Hangs(), lambda: NOW, stopping=lambda: not keeper.keep())
asyncio.run(deliverer.deliver_due())
"""


@pytest.mark.postgres
def test_a_sigkilled_deliverer_is_replaced_after_its_ttl_and_nothing_is_lost(
    pg_url: str, tmp_path: Path
) -> None:
    with Store.open(pg_url) as store:
        store.enqueue(entries(6), T0)
    out = tmp_path / "child.txt"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, pg_url, str(out), "1.5"],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == b"held\n"
        assert child.stdout.readline() == b"hanging\n"  # two sent, the third call in flight
        with Store.open(pg_url) as store:
            keeper = LeaseKeeper(store, deliver_lease("TOKEN"), "parent", timedelta(minutes=2), "")
            assert not keeper.hold()  # the child holds it: the parent waits
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
            assert wait_until(keeper.hold)  # its lease expires: taken over
            sent: list[tuple[str, str]] = []
            clock = FakeClock()

            def deliver(now: datetime) -> None:
                deliverer = Deliverer(
                    store, Recording("parent", sent), lambda: now, Throttle(clock, clock.sleep)
                )
                asyncio.run(deliverer.deliver_due())

            deliver(NOW)
            # The row whose call was cut by the kill goes again once its claim's hold is over,
            # saying it may be a repeat: nothing is lost.
            deliver(NOW + timedelta(minutes=3))
            assert store.due_outbox(NOW + timedelta(days=1), 100) == []
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    by_child = out.read_text().split()
    by_parent = [chat for _, chat in sent]
    assert len(by_child) == 2
    assert sorted(by_child + by_parent) == sorted(f"-100{i}" for i in range(6))


@pytest.mark.postgres
def test_two_schedulers_run_a_job_once(pg_url: str) -> None:
    """Two schedule processes fire the digest at the same time: one runs it. The holder runs
    it again at its next time; the other takes it over once the holder is gone."""
    config = parse_config(CONFIG, "test", {}).config
    runs: list[str] = []

    async def both() -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        daemons = []
        jobs = []
        for name in ("a", "b"):
            daemon = Daemon(
                config,
                pg_url,
                now=lambda: NOW,
                roles=frozenset({SCHEDULE}),
                job_ttl=timedelta(seconds=1),
            )
            daemon._store = Store.open(pg_url)
            daemon.holder = name

            async def digest(area: object = None, name: str = name) -> None:
                await asyncio.sleep(0.01)
                runs.append(name)

            daemon._digest_job = digest  # type: ignore[method-assign]
            scheduler = AsyncIOScheduler(timezone=ZONE)
            daemon._schedule(scheduler)
            jobs.append(scheduler.get_job("digest").func)
            daemons.append(daemon)
        try:
            await asyncio.gather(*(job() for job in jobs))
            assert len(runs) == 1
            first = runs[0]
            holder = jobs[0] if first == "a" else jobs[1]
            other = jobs[1] if first == "a" else jobs[0]
            await holder()  # its lease is renewed
            await other()  # still held
            assert runs == [first, first]
            deadline = time.monotonic() + 60
            while len(runs) < 3 and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
                await other()  # the holder is gone: after the ttl, the other runs it
            assert len(runs) == 3 and runs[2] != first
        finally:
            for daemon in daemons:
                daemon._store.close()

    asyncio.run(both())


TAGGED = """
locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}
sources:
  - {name: baoquangngai, title: Báo Quảng Ngãi, feeds: ['https://baoquangngai.vn/rss']}
review: {chat: '-1001234567890', reviewers: [1]}
units: [{name: UBND xã Đăk Pxi, chat: '-1009876543210', communes: [Xã Đăk Pxi]}]
"""


@pytest.mark.postgres
def test_two_taggers_share_the_articles_and_tag_each_once(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two tag processes on one database (`duluan start --role tag` twice): each batch is
    locked while tagged, so every article is tagged by one of them, each relevant story queued
    once, and both did part of the work."""
    import duluan.pipeline
    import duluan.tagging
    from duluan.pipeline import locator_for, tag_pending

    config = parse_config(TAGGED, "test", {}).config
    with Store.open(pg_url) as store:
        store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
        for n in range(1, 41):
            fresh = NOW - timedelta(hours=2)
            title = f"Sạt lở ở xã Đăk Pxi lần {n}" if n % 2 else f"Giá vàng tăng lần {n}"
            store.save_article(
                record(n, published_at=fresh, fetched_at=fresh, title=title, lead=title, text=title)
            )
    monkeypatch.setattr(duluan.pipeline, "TAG_BATCH", 4)
    real = duluan.tagging.tag_article
    calls: list[tuple[str, int]] = []
    who = threading.local()

    def counted(locator: object, article: object, *args: object) -> object:
        calls.append((who.name, article.id))  # type: ignore[attr-defined]
        time.sleep(0.01)  # a tagger's work takes time: the other claims other articles
        return real(locator, article, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(duluan.tagging, "tag_article", counted)
    locator = locator_for(config)
    barrier = threading.Barrier(2)
    reports = {}

    def tagger(name: str) -> None:
        who.name = name
        with Store.open(pg_url) as store:
            barrier.wait()
            reports[name] = tag_pending(
                store, config, lambda: NOW, locator=locator, console=False, claim=True
            )

    threads = [threading.Thread(target=tagger, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = sorted(article for _, article in calls)
    assert ids == list(range(1, 41))  # every article tagged, by one tagger
    assert {name for name, _ in calls} == {"a", "b"}  # the work was shared
    assert reports["a"].tagged + reports["b"].tagged == 40
    assert reports["a"].relevant + reports["b"].relevant == 20
    with Store.open(pg_url) as store:
        assert store.articles_to_tag() == []
        due = store.due_outbox(NOW + timedelta(days=1), 500)
        keys = [(item.story, item.chat) for item in due]
        assert len(keys) == len(set(keys)) == reports["a"].queued + reports["b"].queued > 0


def start_role(
    workdir: Path, url: str, *roles: str, environ: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`duluan start --role …` run from `workdir` (its console alerts in workdir/data/)."""
    workdir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DULUAN_CONFIG": str(workdir.parent / "config.yaml"),
        "DULUAN_DATABASE_URL": url,
        "DULUAN_NOW": FROZEN_NOW,
        "PYTHONPATH": str(ROOT),
        **(environ or {}),
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("ZALO_BOT_TOKEN", None)
    args = [a for role in roles for a in ("--role", role)]
    with (workdir / "out").open("wb") as out, (workdir / "log").open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "duluan", "start", *args],
            stdout=out,
            stderr=err,
            env=env,
            cwd=workdir,
        )


def console_alerts(workdir: Path) -> list[str]:
    path = workdir / "data" / "alerts.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [json.loads(line)["chat"] for line in lines]


def stop_process(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return -999


@pytest.mark.postgres
def test_two_deliver_processes_one_sends_the_other_waits(pg_url: str, tmp_path: Path) -> None:
    """`duluan start --role deliver` twice on one database, console mode: the first holds the
    console's delivery lease and sends every queued alert once; the second says it waits."""
    write_config(tmp_path, "http://127.0.0.1:9", SOURCE)
    with Store.open(pg_url) as store:
        store.enqueue(entries(8), T0)
    first = start_role(tmp_path / "a", pg_url, "deliver")
    second = None
    try:
        assert wait_until(lambda: len(console_alerts(tmp_path / "a")) == 8, 90)
        second = start_role(tmp_path / "b", pg_url, "deliver,schedule")
        log_b = tmp_path / "b" / "log"
        assert wait_until(lambda: "chờ, và thử lại mỗi lượt" in log_b.read_text("utf-8"), 90)
        assert "vai trò: deliver, schedule" in log_b.read_text("utf-8")
    finally:
        codes = [stop_process(p) for p in (first, second) if p is not None]
    assert codes == [0, 0]
    assert sorted(console_alerts(tmp_path / "a")) == sorted(f"-100{i}" for i in range(8))
    assert console_alerts(tmp_path / "b") == []
    with Store.open(pg_url) as store:
        assert store.due_outbox(NOW + timedelta(days=1), 100) == []
        assert store.lease_holder(deliver_lease(None), datetime.now(UTC)) is None  # released


@pytest.mark.postgres
def test_two_crawlers_share_the_sources_due(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two crawl processes whose triggers fire together: each due source is crawled by one of
    them; a source is crawled again once its lease (0.9 of its interval) is over."""
    import duluan.pipeline
    from crawler.runner import PassSummary, SourceSummary

    config = parse_config(CONFIG, "test", {}).config
    crawled: list[tuple[str, str]] = []

    def fake_crawl(config: object, url: str, names: list[str], **_: object) -> PassSummary:
        crawled.extend((threading.current_thread().name, n) for n in names)
        time.sleep(0.05)
        done = [SourceSummary(n, n, 0, 0, 1, 0, 0.1, True) for n in names]
        return PassSummary(datetime.now(UTC), datetime.now(UTC), 0.1, done)

    monkeypatch.setattr(duluan.pipeline, "crawl", fake_crawl)

    async def both() -> None:
        daemons = [
            Daemon(config, pg_url, now=lambda: NOW, roles=frozenset({CRAWL})) for _ in range(2)
        ]
        for daemon in daemons:
            daemon._store = Store.open(pg_url)
        try:
            await asyncio.gather(*(d._crawl_pass(["mot", "hai"]) for d in daemons))
            await daemons[1]._crawl_pass(["mot", "hai"])  # within the interval: nothing
        finally:
            for daemon in daemons:
                daemon._store.close()

    asyncio.run(both())
    assert sorted(name for _, name in crawled) == ["hai", "mot"]


@pytest.mark.postgres
def test_two_tag_processes_tag_every_article_once(pg_url: str, tmp_path: Path) -> None:
    """`duluan start --role tag` twice on one database: every stored article is tagged, the
    two logs' counts add up to the articles (none tagged twice), each alert queued once."""
    write_config(tmp_path, "http://127.0.0.1:9", SOURCE)
    with Store.open(pg_url) as store:
        store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
        for n in range(1, 31):
            title = f"Sạt lở ở xã Đăk Pxi lần {n}"
            store.save_article(record(n, title=title, lead=title, text=title))
    processes = [start_role(tmp_path / name, pg_url, "tag") for name in ("a", "b")]

    def all_tagged() -> bool:
        with Store.open(pg_url) as store:
            return store.articles_to_tag() == []

    try:
        assert wait_until(all_tagged, 120)
        time.sleep(1.0)  # a pass still running would show in its log
    finally:
        codes = [stop_process(p) for p in processes]
    assert codes == [0, 0]
    logs = [(tmp_path / name / "log").read_text("utf-8") for name in ("a", "b")]
    counts = [int(n) for text in logs for n in re.findall(r"gắn nhãn (\d+) bài mới", text)]
    assert sum(counts) == 30
    assert all("lỗi" not in text.lower() for text in logs), logs
    with Store.open(pg_url) as store:
        due = store.due_outbox(NOW + timedelta(days=3650), 500)
    keys = [(item.story, item.chat) for item in due]
    assert keys and len(keys) == len(set(keys))


@pytest.mark.postgres
def test_a_web_process_serves_the_console_and_nothing_else(pg_url: str, tmp_path: Path) -> None:
    """`duluan start --role web`: the console answers; no crawl, tag or delivery runs here."""
    import socket
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    write_config(tmp_path, "http://127.0.0.1:9", SOURCE)
    with (tmp_path / "config.yaml").open("a", encoding="utf-8") as config:
        config.write(f"web: {{port: {port}, secure_cookies: false}}\n")
    with Store.open(pg_url) as store:
        store.enqueue(entries(2), T0)
    process = start_role(tmp_path / "w", pg_url, "web")

    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as page:
                return bool(page.status == 200)
        except OSError:
            return False

    try:
        assert wait_until(answers, 90)
    finally:
        code = stop_process(process)
    assert code == 0
    log = (tmp_path / "w" / "log").read_text("utf-8")
    assert "vai trò: web" in log
    assert "thu thập" not in log and "gửi cảnh báo" not in log.lower()
    assert console_alerts(tmp_path / "w") == []
    with Store.open(pg_url) as store:
        assert len(store.due_outbox(NOW, 100)) == 2  # left to the deliver process


# --- the bots follow the leases ------------------------------------------------------------


@pytest.mark.postgres
def test_a_deliverer_that_loses_the_bot_s_lease_stops_its_bot_until_it_takes_it_back(
    pg_url: str, tmp_path: Path
) -> None:
    """A deliver process stalled past its ttl finds another holding the bot: it stops polling
    Telegram (two pollers of one bot fight over its updates) and sends nothing; once it takes
    the lease back, its bot polls again."""
    from duluan.roles import wall_clock
    from tests.telegram.fake_api import FakeTelegram

    config = parse_config(CONFIG, "test", {}).config

    def polls(fake: FakeTelegram) -> int:
        return len(fake.calls_to("getUpdates"))

    async def scenario(fake: FakeTelegram) -> None:
        daemon = Daemon(
            config,
            pg_url,
            now=lambda: NOW,
            token=fake.token,
            base_url=fake.base_url,
            roles=frozenset({DELIVER}),
            alerts_path=tmp_path / "alerts.jsonl",
            data_dir=tmp_path,
        )
        daemon._store = Store.open(pg_url)
        lease = deliver_lease(fake.token)
        try:
            await daemon._start_delivering()
            assert daemon._sender is not None
            assert await asyncio.to_thread(fake.wait_for, lambda: polls(fake) >= 1, 10.0)
            with Store.open(pg_url) as other:
                # The daemon's lease runs out (as if it had stalled) and another takes it.
                other.take_lease(lease, "other", wall_clock() + timedelta(minutes=3), DELIVER_TTL)
                assert not await daemon._holding_telegram()
                assert daemon._sender is None and daemon._review is None
                before = polls(fake)
                await asyncio.sleep(1.5)  # three long polls' time (max_poll 0.5 s)
                assert polls(fake) == before
                other.release_lease(lease, "other")
            assert await daemon._holding_telegram()
            assert daemon._sender is not None
            assert await asyncio.to_thread(fake.wait_for, lambda: polls(fake) > before, 10.0)
        finally:
            daemon._stopping = True
            await daemon._stop_delivery()
            daemon._store.close()

    with FakeTelegram(max_poll=0.5) as fake:
        asyncio.run(scenario(fake))


@pytest.mark.postgres
def test_a_web_process_redraws_telegram_messages_without_polling_the_bot(
    pg_url: str, tmp_path: Path
) -> None:
    """`--role web` with the bot's token: a console action edits the review group's Telegram
    message (through an unstarted bot), while only the deliverer takes the bot's updates."""
    import socket

    from alerts.delivery import TelegramSender
    from duluan.console.state import state_of
    from tests.telegram.fake_api import FakeTelegram

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    review = -1009
    text = CONFIG + (
        f"review: {{chat: '{review}', reminder_at: '08:00'}}\n"
        f"web: {{port: {port}, secure_cookies: false}}\n"
    )
    config = parse_config(text.replace("review: {reminder_at: '08:00'}\n", ""), "test", {}).config
    story = "cluster:7"

    async def scenario(fake: FakeTelegram) -> None:
        import telegram

        with Store.open(pg_url) as store:
            store.enqueue([OutboxEntry(story, str(review), None, "alert", "<b>Tin</b> x")], NOW)
            clock = FakeClock()
            async with telegram.Bot(fake.token, base_url=fake.base_url) as bot:
                await Deliverer(
                    store, TelegramSender(bot), lambda: NOW, Throttle(clock, clock.sleep)
                ).deliver_due()
        daemon = Daemon(
            config,
            pg_url,
            now=lambda: NOW,
            token=fake.token,
            base_url=fake.base_url,
            roles=frozenset({WEB}),
            web=True,
            data_dir=tmp_path,
        )
        stop = asyncio.Event()
        running = asyncio.create_task(daemon.run(stop))
        try:
            for _ in range(600):
                web = daemon._web
                if web is not None and state_of(web.app).on_review_change is not None:
                    break
                await asyncio.sleep(0.05)
            hook = state_of(daemon._web.app).on_review_change
            assert hook is not None
            await hook(story, None, "canbo", config.watch_areas()[0])
        finally:
            stop.set()
            await running
        assert fake.calls_to("editMessageText")
        assert fake.calls_to("getUpdates") == [] and fake.calls_to("setWebhook") == []

    with FakeTelegram(known_chats={review}, max_poll=0.5) as fake:
        asyncio.run(scenario(fake))


@pytest.mark.postgres
def test_a_deliverer_that_loses_the_zalo_bot_s_lease_stops_listening(
    pg_url: str, tmp_path: Path
) -> None:
    """The same for Zalo's bot: no second process polling its getUpdates."""
    from duluan.roles import wall_clock
    from tests.zalo.fake_api import FakeZalo

    config = parse_config(CONFIG, "test", {}).config

    def polls(fake: FakeZalo) -> int:
        return sum(1 for call in fake.calls if call.method == "getUpdates")

    async def scenario(fake: FakeZalo) -> None:
        daemon = Daemon(
            config,
            pg_url,
            now=lambda: NOW,
            zalo_token=fake.token,
            zalo_base_url=fake.base_url,
            roles=frozenset({DELIVER}),
            alerts_path=tmp_path / "alerts.jsonl",
            data_dir=tmp_path,
        )
        daemon._store = Store.open(pg_url)
        lease = deliver_lease(fake.token, "zalo")
        try:
            await daemon._start_delivering()
            assert daemon._zalo_sender is not None
            assert await asyncio.to_thread(wait_until, lambda: polls(fake) >= 1, 10.0)
            with Store.open(pg_url) as other:
                other.take_lease(lease, "other", wall_clock() + timedelta(minutes=3), DELIVER_TTL)
                assert not await daemon._holding_zalo()
                assert daemon._zalo_sender is None and daemon._zalo_listener is None
                before = polls(fake)
                await asyncio.sleep(1.5)  # three long polls' time (max_poll 0.5 s)
                assert polls(fake) == before
                other.release_lease(lease, "other")
            assert await daemon._holding_zalo()
            assert await asyncio.to_thread(wait_until, lambda: polls(fake) > before, 10.0)
        finally:
            daemon._stopping = True
            await daemon._stop_delivery()
            daemon._store.close()

    with FakeZalo(max_poll=0.5) as fake:
        asyncio.run(scenario(fake))


TAG_CHILD = """
import sys, time
from storage import Store

url = sys.argv[1]

def hang(articles):
    print("claimed " + ",".join(str(a.id) for a in articles), flush=True)
    time.sleep(3600)
    return [], []

Store.open(url).tag_claimed(3, hang)
"""


@pytest.mark.postgres
def test_a_sigkilled_tagger_lets_its_articles_go_and_nothing_is_lost(
    pg_url: str, tmp_path: Path
) -> None:
    """A tag process killed while tagging its batch: the other cannot take that batch while it
    lives, and takes it as soon as PostgreSQL ends the dead one's transaction."""
    from tests.kit.articles import tag

    with Store.open(pg_url) as store:
        store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
        ids = [store.save_article(record(n)).article_id for n in range(1, 6)]
    child = subprocess.Popen(
        [sys.executable, "-c", TAG_CHILD, pg_url],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )
    claimed: list[list[int]] = []

    def work(articles: list) -> tuple[list, list]:  # type: ignore[type-arg]
        claimed.append([a.id for a in articles])
        return [tag(a.id) for a in articles], []

    try:
        assert child.stdout is not None
        line = child.stdout.readline().decode()
        held = [int(x) for x in line.split()[1].split(",")]
        assert held == ids[:3]
        with Store.open(pg_url) as store:
            first = threading.Thread(target=store.tag_claimed, args=(10, work))
            first.start()
            first.join(20)
            alive = first.is_alive()
            if alive:  # waiting for the child's rows: free them before failing
                child.kill()
                first.join()
            assert not alive, "the second tagger waited for the first one's batch"
            assert claimed == [ids[3:]]  # the child's batch is left alone while it lives
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
            assert wait_until(lambda: store.tag_claimed(10, work)[0], 30)
            assert claimed[-1] == ids[:3]  # taken over once the dead one's locks are gone
            assert store.articles_to_tag() == []
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


@pytest.mark.postgres
def test_a_crawl_pass_longer_than_the_lease_keeps_its_sources(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pass outlasting 0.9 of its sources' interval (a first pass over hundreds of sources)
    renews their leases while it runs: another crawler does not take the same sources and
    store the same articles at the same time (seen in bench/scale.py before the renewal)."""
    import duluan.pipeline
    from crawler.runner import PassSummary, SourceSummary

    quick = CONFIG.replace("interval: 10m", "interval: 2s")  # leases of 1.8 s
    config = parse_config(quick, "test", {}).config
    seen: list[list[str]] = []

    def slow_crawl(config: object, url: str, names: list[str], **_: object) -> PassSummary:
        time.sleep(4.5)  # more than twice the lease
        done = [SourceSummary(n, n, 0, 0, 1, 0, 0.1, True) for n in names]
        return PassSummary(datetime.now(UTC), datetime.now(UTC), 4.5, done)

    monkeypatch.setattr(duluan.pipeline, "crawl", slow_crawl)

    async def scenario() -> None:
        first, second = (
            Daemon(config, pg_url, now=lambda: NOW, roles=frozenset({CRAWL})) for _ in range(2)
        )
        first._store, second._store = Store.open(pg_url), Store.open(pg_url)
        try:
            running = asyncio.create_task(first._crawl_pass(["mot", "hai"]))
            for _ in range(3):
                await asyncio.sleep(1.2)
                seen.append(second._sources_to_crawl(["mot", "hai"]))
            await running
        finally:
            first._store.close()
            second._store.close()

    asyncio.run(scenario())
    assert seen == [[], [], []]
