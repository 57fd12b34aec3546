"""`duluan start`: the daemon that runs crawl, tag, alert, review, reminders, the weekly digest
and health checks on a schedule (APScheduler on the asyncio loop, in the configured time zone).

Each source has its own interval job with jitter; a job only marks its source due, and one crawl
worker batches the sources due together into one pass in a child process (Scrapy's reactor
cannot restart in one process), one pass at a time. Tagging and delivery follow a pass that
stored new articles; an outbox job retries the rest every half minute. When each job last ran is
kept in `job_runs`, so that a job missed while the daemon was down runs once on start.

A stop (SIGTERM, Ctrl-C) starts no new Telegram call; a call in flight gets `SEND_GRACE` seconds
to be answered and recorded, so that a restart does not send it again. One still unanswered then
is cut and recorded "uncertain" (see `alerts.delivery`): sent again later, saying so.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import multiprocessing
import re
import signal
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast
from zoneinfo import ZoneInfo

from duluan import pipeline
from duluan.clock import Clock
from duluan.config import Area, Config
from duluan.roles import (
    CRAWL,
    DELIVER,
    DELIVER_TTL,
    EVERY_ROLE,
    JOB_TTL,
    SCHEDULE,
    TAG,
    WEB,
    LeaseKeeper,
    deliver_lease,
    describe,
    job_lease,
    new_holder,
    wall_clock,
)
from duluan.runtime import DEFAULT_API_BASE, DEFAULT_ZALO_API_BASE
from duluan.units import format_duration

if TYPE_CHECKING:
    from duluan.runtime import Runtime

log = logging.getLogger("duluan.daemon")

T = TypeVar("T")

STARTUP_SETTLE = 1.0
STARTUP_SPREAD = timedelta(seconds=15)
BATCH_WINDOW = 1.0
OUTBOX_EVERY = timedelta(seconds=30)
HEALTH_EVERY = timedelta(minutes=15)
HEALTH_FIRST = timedelta(minutes=1)
MAX_JITTER = timedelta(seconds=60)
STOP_GRACE = 3.0
SEND_GRACE = 5.0  # seconds a Telegram call in flight at a stop gets to finish and be recorded
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DIGEST_JOB, REMINDER_JOB, HEALTH_JOB = "digest", "reminders", "health"
MONTHLY_JOB = "monthly"
EVIDENCE_JOB = "evidence"
EVIDENCE_EVERY = timedelta(minutes=10)
PRUNE_JOB = "prune_pages"
LOGIN_ATTEMPTS_KEPT = timedelta(days=100)  # the console's throttle looks back 90 days at most
PRUNE_AT = "03:30"
BACKUP_JOB = "backup"
SPIKES_JOB = "spikes"
SPIKES_EVERY = timedelta(hours=1)
TAG_EVERY = timedelta(seconds=5)  # a tag process that does not crawl looks for new articles
WATCH_LEASE = "watch"  # one look for spread stories and spikes at a time, across processes


class DaemonError(RuntimeError):
    """The daemon cannot start, explained in Vietnamese."""


@dataclass(frozen=True)
class Weekly:
    """A local fire time: every day (`weekday` None) or one weekday (0 = Monday)."""

    hour: int
    minute: int
    weekday: int | None = None


def parse_daily(text: str) -> Weekly:
    """ "08:00" → every day at 08:00."""
    hour, minute = (int(part) for part in text.strip().split(":"))
    return Weekly(hour, minute)


def parse_weekly(text: str) -> Weekly:
    """ "thu 14:00" → Thursdays at 14:00."""
    match = re.fullmatch(r"\s*([a-z]{3})\s+(\d{1,2}):(\d{2})\s*", text.lower())
    if not match:
        raise ValueError(f"{text!r} không phải lịch tuần như 'thu 14:00'")
    return Weekly(int(match.group(2)), int(match.group(3)), WEEKDAYS.index(match.group(1)))


def last_fire(when: Weekly, now: datetime, zone: ZoneInfo) -> datetime:
    """The latest fire time at or before `now`."""
    local = now.astimezone(zone)
    fire = local.replace(hour=when.hour, minute=when.minute, second=0, microsecond=0)
    if when.weekday is not None:
        fire -= timedelta(days=(fire.weekday() - when.weekday) % 7)
    if fire > local:
        fire -= timedelta(days=1 if when.weekday is None else 7)
    return fire


def missed(when: Weekly, last_run: datetime | None, now: datetime, zone: ZoneInfo) -> bool:
    """A fire time passed since the job last ran (never run: nothing to catch up)."""
    return last_run is not None and last_run < last_fire(when, now, zone)


def crawl_delay(last_run: datetime | None, interval: timedelta, now: datetime) -> timedelta:
    """How long until a source is due: at once if never crawled or its interval has passed."""
    if last_run is None:
        return timedelta(0)
    return max(timedelta(0), last_run + interval - now)


def jitter_for(interval: timedelta) -> float:
    """Seconds of random delay added to each run: a tenth of the interval, at most a minute."""
    return min(interval / 10, MAX_JITTER).total_seconds()


def _in_thread(work: Callable[..., T], *args: Any, **kwargs: Any) -> Awaitable[T]:
    """Run blocking work in a daemon thread (a stop never waits for it at exit)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(value: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)  # type: ignore[arg-type]

    def target() -> None:
        value: T | None = None
        error: BaseException | None = None
        try:
            value = work(*args, **kwargs)
        except BaseException as exc:
            error = exc
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits any more
            loop.call_soon_threadsafe(settle, value, error)

    threading.Thread(target=target, name=f"duluan-{work.__name__}", daemon=True).start()
    return future


class Daemon:
    """The scheduled jobs around one store; `run(stop)` until `stop` is set."""

    def __init__(
        self,
        config: Config,
        database_url: str,
        *,
        now: Callable[[], datetime],
        crawl_clock: Clock | None = None,
        log_level: str = "WARNING",
        token: str | None = None,
        base_url: str = DEFAULT_API_BASE,
        zalo_token: str | None = None,
        zalo_base_url: str = DEFAULT_ZALO_API_BASE,
        alerts_path: Path = pipeline.ALERTS_FILE,
        outbox_every: timedelta = OUTBOX_EVERY,
        health_every: timedelta = HEALTH_EVERY,
        startup_spread: timedelta = STARTUP_SPREAD,
        web: bool = False,
        data_dir: Path = Path("data"),
        tag_budget: float = pipeline.TAG_PASS_SECONDS,
        roles: frozenset[str] = EVERY_ROLE,
        deliver_ttl: timedelta = DELIVER_TTL,
        job_ttl: timedelta = JOB_TTL,
        tag_every: timedelta = TAG_EVERY,
    ) -> None:
        self.config = config
        # Issue 18: the parts this process runs (default all: one process does everything) and
        # its name as a lease holder among the processes sharing the database.
        self.roles = roles
        self.holder = new_holder()
        self.deliver_ttl = deliver_ttl
        self.job_ttl = job_ttl
        self.tag_every = tag_every
        self._telegram_lease: LeaseKeeper | None = None
        self._redraws: Any = None  # a web-only process's unstarted bot, for message edits
        self._zalo_lease: LeaseKeeper | None = None
        self.tag_budget = tag_budget
        self.web = web
        self.data_dir = data_dir
        self._web: Any = None
        self.database_url = database_url
        self.now = now
        # The crawl runs in a child process: it gets a picklable clock (`now` may be any
        # function); real time unless given.
        self.crawl_clock = crawl_clock or Clock()
        self.log_level = log_level
        self.token = token
        self.base_url = base_url
        self.zalo_token = zalo_token
        self.zalo_base_url = zalo_base_url
        self.alerts_path = alerts_path
        self.outbox_every = outbox_every
        self.health_every = health_every
        self.startup_spread = startup_spread
        self.zone = config.schedule.zone
        self._due: set[str] = set()
        self._due_event = asyncio.Event()
        self._deliver_lock = asyncio.Lock()
        self._deliveries: set[asyncio.Task[None]] = set()
        # Zalo's delivery runs beside Telegram's, never awaited by it (issue 17 §3).
        self._zalo_sender: Any = None
        self._zalo_decorate: Any = None
        self._zalo_bot: Any = None
        self._zalo_pass: asyncio.Task[None] | None = None
        self._zalo_again = False
        self._zalo_listener: Any = None
        self._telegram_refresh: Callable[[str, Any, str, Any], Awaitable[None]] | None = None
        self._zalo_listening: asyncio.Task[None] | None = None
        self._tag_lock = asyncio.Lock()
        self._watch_lock = asyncio.Lock()
        self._stopping = False
        self._store: Any = None
        self._sender: Any = None
        self._decorate: Any = None
        self._review: Any = None
        self._locator: Any = None
        self._worker: asyncio.Task[None] | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Start every job, wait for `stop`, then stop cleanly."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        from storage import Store

        self._store = Store.open(self.database_url)
        scheduler = AsyncIOScheduler(
            timezone=self.zone,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )
        self._worker = None
        starting = asyncio.create_task(self._startup(scheduler), name="duluan-startup")
        stopping = asyncio.create_task(stop.wait(), name="duluan-stop-signal")
        try:
            await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if starting.done():
                starting.result()  # a failed start stops the daemon
                await stopping
        finally:
            log.info("Đang dừng chương trình chạy nền…")
            self._stopping = True  # before any cancel: no Telegram call starts from here on
            if scheduler.running:
                scheduler.shutdown(wait=False)
            stopping.cancel()
            if not starting.done():
                starting.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await starting
            if self._worker is not None:
                self._worker.cancel()
            await asyncio.gather(self._finish_sends(), _stop_crawl_children())
            if self._worker is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(self._worker, STOP_GRACE + 3)
            await self._stop_delivery()
            if self._web is not None:
                with contextlib.suppress(Exception):
                    await self._web.stop()
            for keeper in (self._telegram_lease, self._zalo_lease):
                if keeper is not None:
                    with contextlib.suppress(Exception):
                        keeper.release()
            self._store.close()
            log.info("Đã dừng chương trình chạy nền.")

    async def _startup(self, scheduler: Any) -> None:
        if self.roles != EVERY_ROLE:
            log.info("Tiến trình này chạy các vai trò: %s", describe(self.roles))
        if self.web:
            await self._start_web()
            await self._start_redraws()
        if DELIVER in self.roles:
            await self._start_delivering()
        if self.roles & {TAG, DELIVER, WEB}:
            self._locator = await _in_thread(pipeline.locator_for, self.config)
            self._share_tagger()
        self._schedule(scheduler)
        scheduler.start()
        if CRAWL in self.roles:
            self._worker = asyncio.create_task(self._crawl_loop(), name="duluan-crawl-loop")
        try:
            if TAG in self.roles:
                await self._tag_and_deliver("khởi động")
            else:
                await self._deliver()
        except Exception:
            log.exception("Lỗi khi gắn nhãn và gửi các bài còn tồn lúc khởi động")
        log.info("Chương trình chạy nền đã sẵn sàng")

    async def _start_delivering(self) -> None:
        """The deliver role: one deliverer per bot token among the processes sharing the
        database, through a lease per bot renewed at every pass. The bot (its review buttons, the
        Zalo listener) starts once this process holds its lease; a second deliverer waits."""
        self._telegram_lease = LeaseKeeper(
            self._store,
            deliver_lease(self.token),
            self.holder,
            self.deliver_ttl,
            "gửi cảnh báo Telegram",
        )
        self._zalo_lease = LeaseKeeper(
            self._store,
            deliver_lease(self.zalo_token, "zalo"),
            self.holder,
            self.deliver_ttl,
            "gửi tin Zalo",
        )
        if self._telegram_lease.hold():
            await self._start_delivery()
        if self._zalo_lease.hold():
            await self._start_zalo()

    def _exclusive(self, name: str, job: Callable[[], Awaitable[None]]) -> Callable[[], Any]:
        """`job`, run only by the process holding lease `job:<name>` at its time: two
        schedulers on one database never both send the digest. The lease is kept (not released)
        so that the other scheduler, firing the same trigger a moment later, finds it held."""

        async def once() -> None:
            if not self._store.take_lease(job_lease(name), self.holder, wall_clock(), self.job_ttl):
                log.info("Việc %s đã do một tiến trình khác chạy: bỏ qua lượt này", name)
                return
            await job()

        return once

    def _schedule(self, scheduler: Any) -> None:
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        moment = self.now()
        runs = self._store.job_runs()
        started = datetime.now(self.zone)
        enabled = [s for s in self.config.sources if s.enabled] if CRAWL in self.roles else []
        for index, source in enumerate(enabled):
            last = runs.get(f"crawl:{source.name}")
            delay = crawl_delay(last.last_run_at if last else None, source.interval, moment)
            spread = min(self.startup_spread, source.interval) * index / max(len(enabled), 1)
            first = started + timedelta(seconds=STARTUP_SETTLE) + delay + spread
            scheduler.add_job(
                self._source_due,
                IntervalTrigger(
                    seconds=source.interval.total_seconds(),
                    start_date=first,
                    jitter=jitter_for(source.interval),
                    timezone=self.zone,
                ),
                args=[source.name],
                next_run_time=first,  # the first run unjittered: the spread staggers it
                id=f"crawl:{source.name}",
                name=f"crawl:{source.name}",
            )
            log.info(
                "[%s] thu thập mỗi %s; lượt đầu lúc %s",
                source.name,
                format_duration(source.interval),
                first.strftime("%H:%M:%S"),
            )
        if TAG in self.roles and self.roles != EVERY_ROLE:
            # Look for untagged articles: a tag process has no crawl to say when, and a
            # crawl+tag process would otherwise tag nothing of a long pass (its first one over
            # hundreds of sources) until the pass ends, while other crawlers' articles wait.
            scheduler.add_job(
                self._tag_and_deliver,
                IntervalTrigger(seconds=self.tag_every.total_seconds(), timezone=self.zone),
                args=["hàng chờ gắn nhãn"],
                id="tag",
            )
        if DELIVER in self.roles:
            scheduler.add_job(
                self._outbox_job,
                IntervalTrigger(seconds=self.outbox_every.total_seconds(), timezone=self.zone),
                id="outbox",
            )
            scheduler.add_job(  # Zalo's own beat: a Telegram pass that hangs never holds it up
                self._zalo_outbox_job,
                IntervalTrigger(seconds=self.outbox_every.total_seconds(), timezone=self.zone),
                id="outbox-zalo",
            )
        if SCHEDULE not in self.roles:
            return
        scheduler.add_job(
            self._exclusive(HEALTH_JOB, self._health_job),
            IntervalTrigger(seconds=self.health_every.total_seconds(), timezone=self.zone),
            id=HEALTH_JOB,
            next_run_time=started + min(HEALTH_FIRST, self.health_every),
        )
        scheduler.add_job(
            self._exclusive(EVIDENCE_JOB, self._evidence_job),
            IntervalTrigger(seconds=EVIDENCE_EVERY.total_seconds(), timezone=self.zone),
            id=EVIDENCE_JOB,
            next_run_time=started + min(HEALTH_FIRST, EVIDENCE_EVERY),
        )
        scheduler.add_job(
            self._exclusive(SPIKES_JOB, self._spikes_job),
            IntervalTrigger(seconds=SPIKES_EVERY.total_seconds(), timezone=self.zone),
            id=SPIKES_JOB,
        )
        catch_up = started + timedelta(seconds=STARTUP_SETTLE * 2)
        areas = self.config.watch_areas()
        digests = [
            (
                DIGEST_JOB if len(areas) == 1 else f"{DIGEST_JOB}:{area.name}",
                parse_weekly(self.config.digest_time(area)),
                functools.partial(self._digest_job, area),
            )
            for area in areas
        ]
        monthly = self.config.schedule.monthly
        if monthly is not None:
            digests += [
                (
                    MONTHLY_JOB if len(areas) == 1 else f"{MONTHLY_JOB}:{area.name}",
                    parse_daily(monthly),
                    functools.partial(self._monthly_job, area),
                )
                for area in areas
            ]
        times = sorted({self.config.review.reminder_at, *(a.review.reminder_at for a in areas)})
        reminders = [
            (
                REMINDER_JOB if len(times) == 1 else f"{REMINDER_JOB}:{at}",
                parse_daily(at),
                functools.partial(self._reminder_job, None if len(times) == 1 else at),
            )
            for at in times
        ]
        for name, when, job in (
            *reminders,
            *digests,
            (PRUNE_JOB, parse_daily(PRUNE_AT), self._prune_job),
            (BACKUP_JOB, parse_daily(self.config.backup.at), self._backup_job),
        ):
            if name == BACKUP_JOB and not self.config.backup.enabled:
                continue
            trigger = CronTrigger(
                day_of_week=WEEKDAYS[when.weekday] if when.weekday is not None else None,
                hour=when.hour,
                minute=when.minute,
                timezone=self.zone,
            )
            last = runs.get(name)
            extra: dict[str, Any] = {}
            if last is None:
                self._store.record_job_run(name, moment, "bắt đầu theo dõi lịch")
            elif missed(when, last.last_run_at, moment, self.zone):
                log.info("Việc %s bị lỡ khi chương trình dừng: chạy bù một lần ngay", name)
                extra["next_run_time"] = catch_up
            run = cast("Callable[[], Awaitable[None]]", job)
            scheduler.add_job(self._exclusive(name, run), trigger, id=name, name=name, **extra)

    async def _source_due(self, name: str) -> None:
        self._due.add(name)
        self._due_event.set()

    async def _crawl_loop(self) -> None:
        while not self._stopping:
            await self._due_event.wait()
            await asyncio.sleep(BATCH_WINDOW)
            self._due_event.clear()
            names = sorted(self._due)
            self._due.clear()
            if not names:
                continue
            try:
                await self._crawl_pass(names)
            except Exception:
                log.exception("[%s] lỗi ngoài dự kiến trong lượt thu thập", ", ".join(names))

    async def _crawl_pass(self, names: list[str]) -> None:

        names = self._sources_to_crawl(names)
        if not names:
            return
        log.info("Bắt đầu lượt thu thập: %s", ", ".join(names))
        renewing = (
            None
            if self.roles == EVERY_ROLE
            else asyncio.create_task(self._renew_crawl_leases(names), name="duluan-crawl-leases")
        )
        try:
            summary = await self._crawl_child(names)
        finally:
            if renewing is not None:
                renewing.cancel()
        if summary is None:
            return
        self._after_crawl(names, summary)
        if summary.new and TAG in self.roles and not self._stopping:
            done = {s.name: s for s in summary.sources}
            await self._tag_and_deliver(", ".join(n for n in names if done.get(n) and done[n].new))

    async def _renew_crawl_leases(self, names: list[str]) -> None:
        """Keep the sources' crawl leases while their pass runs: a pass longer than 0.9 of a
        source's interval (a first pass over hundreds of sources) must not let another crawler
        take the same source and store the same articles at the same time."""
        intervals = {s.name: s.interval for s in self.config.sources}
        every = max(1.0, min(intervals[n] for n in names).total_seconds() * 0.3)
        while True:
            await asyncio.sleep(every)
            try:
                for name in names:
                    await _in_thread(
                        self._store.take_lease,
                        f"crawl:{name}",
                        self.holder,
                        wall_clock(),
                        intervals[name] * 0.9,
                    )
            except Exception as exc:  # the database away for a moment: try at the next beat
                log.warning("Chưa gia hạn được quyền thu thập các nguồn đang chạy: %s", exc)

    async def _crawl_child(self, names: list[str]) -> Any:
        """The pass itself, in its child process; None (logged) when it failed."""
        from crawler.runner import CrawlFailed

        try:
            return await _in_thread(
                pipeline.crawl,
                self.config,
                self.database_url,
                names,
                clock=self.crawl_clock,
                log_level=self.log_level,
            )
        except CrawlFailed as exc:
            if not self._stopping:
                for name in names:
                    log.error("[%s] lượt thu thập thất bại: %s", name, str(exc).strip()[-500:])
                    self._store.record_job_run(
                        f"crawl:{name}", self.now(), "lượt thu thập thất bại"
                    )
            return None

    def _after_crawl(self, names: list[str], summary: Any) -> None:
        """Log each source's result and record it as the source's run."""
        for s in summary.sources:
            note = (
                "" if s.ok else f"; nguồn không trả lời: {s.errors[0].message if s.errors else ''}"
            )
            log.info(
                "[%s] thu thập xong: %d mới, %d cập nhật, %d không đổi, %d lỗi (%.1f giây)%s",
                s.name,
                s.new,
                s.updated,
                s.unchanged,
                s.failed,
                s.seconds,
                note,
            )
        done = {s.name: s for s in summary.sources}
        for name in names:
            one = done.get(name)
            result = f"{one.new} mới, {one.failed} lỗi" if one else "không có kết quả"
            self._store.record_job_run(f"crawl:{name}", self.now(), result)

    def _sources_to_crawl(self, names: list[str]) -> list[str]:
        """With roles (several crawl processes on one database), the due sources no other
        crawler has crawled within most of their interval: each source's lease `crawl:<name>`
        is held for 0.9 of its interval by the process that crawls it, so two crawlers share
        the sources instead of fetching each twice. A crawler that dies is replaced at the
        source's next time. With every role (one process), all of them."""
        if self.roles == EVERY_ROLE:
            return names
        intervals = {s.name: s.interval for s in self.config.sources}
        mine = [
            name
            for name in names
            if self._store.take_lease(
                f"crawl:{name}", self.holder, wall_clock(), intervals[name] * 0.9
            )
        ]
        skipped = sorted(set(names) - set(mine))
        if skipped:
            log.info("Nguồn vừa được tiến trình khác thu thập, bỏ qua: %s", ", ".join(skipped))
        return mine

    async def _tag_and_deliver(self, why: str) -> None:
        """Tag pass after tag pass, each at most `pipeline.TAG_PASS_SECONDS` of work, delivering
        after each: a long backlog or a huge article never holds back the alerts before it.
        Stories that spread and daily spikes are looked for once the backlog is tagged."""
        relevant = 0
        while True:
            async with self._tag_lock:  # two taggers at once would race on the same articles
                report = await _in_thread(
                    pipeline.tag_pending,
                    self._store,
                    self.config,
                    self.now,
                    locator=self._locator,
                    console=self.token is None,
                    stop=lambda: self._stopping,
                    budget=self.tag_budget,
                    claim=self.roles != EVERY_ROLE,  # tag processes share the articles
                )
            if report.tagged:
                log.info(
                    "[%s] gắn nhãn %d bài mới; %d bài liên quan; %d cảnh báo vào hàng đợi%s",
                    why,
                    report.tagged,
                    report.relevant,
                    report.queued,
                    "; còn bài chờ gắn nhãn: gửi cảnh báo rồi làm tiếp" if report.more else "",
                )
            relevant += report.relevant
            if relevant and not report.more and not self._stopping:
                await self._watch_spread_and_spikes(why)
            await self._deliver()
            if not report.more or self._stopping:
                return

    async def _watch_spread_and_spikes(self, why: str) -> int:
        """Look for stories that spread and days far above the usual; their alerts are queued
        (one look at a time: two would open one spike episode twice)."""
        async with self._watch_lock:
            if not self._store.take_lease(WATCH_LEASE, self.holder, wall_clock(), self.job_ttl):
                return 0  # another process is looking (it sees these articles too)
            try:
                found = await _in_thread(
                    pipeline.watch_spread_and_spikes,
                    self._store,
                    self.config,
                    self.now,
                    console=self.token is None,
                )
            except Exception:
                log.exception("[%s] lỗi khi tìm tin lan rộng và tăng đột biến", why)
                return 0
            finally:
                self._store.release_lease(WATCH_LEASE, self.holder)
        if found.spread or found.spikes:
            log.info(
                "[%s] %d cảnh báo tin lan rộng, %d đợt tăng đột biến mới",
                why,
                found.spread,
                found.spikes,
            )
        return found.spread + found.spikes

    async def _spikes_job(self) -> None:
        """The hourly look (a day's count grows with no new tag pass only rarely; a spread
        story's last outlet may arrive in a pass that found nothing else)."""
        queued = await self._watch_spread_and_spikes("hằng giờ")
        self._store.record_job_run(SPIKES_JOB, self.now(), f"{queued} cảnh báo mới")
        if queued:
            await self._deliver()

    async def _deliver(self) -> None:
        """Deliver what is due, in a task of its own: a caller cancelled by a stop (a job, the
        crawl loop, the start) does not cut a Telegram call short; `run` lets it finish. Zalo's
        messages go in a pass of their own that nobody waits for (`_kick_zalo`)."""
        if self._stopping or DELIVER not in self.roles:
            return
        self._kick_zalo()
        task = asyncio.create_task(self._delivery(), name="duluan-deliver")
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)
        await asyncio.shield(task)

    async def _delivery(self) -> None:
        async with self._deliver_lock:  # one pass at a time
            keeper = self._telegram_lease
            if self._stopping or not await self._holding_telegram():
                return
            await self._pass(self._sender, self._decorate, keeper, "cảnh báo")

    async def _pass(self, sender: Any, decorate: Any, keeper: Any, what: str) -> None:
        """One delivery pass of one messenger's sender, logged; a long pass renews the lease
        between its calls, or stops once the lease is lost."""
        try:
            report = await pipeline.deliver(
                self._store,
                sender,
                self.now,
                decorate,
                stopping=lambda: self._stopping or (keeper is not None and not keeper.keep()),
            )
        except Exception as exc:
            log.error("Lượt gửi %s dừng giữa chừng: %s: %s", what, type(exc).__name__, exc)
            log.debug("Chi tiết lỗi", exc_info=True)
            return
        if report.sent or report.retried or report.failed or report.uncertain:
            log.info(
                "Gửi %s: %d đã gửi, %d sẽ gửi lại, %d chưa rõ đã đến, %d không gửi được",
                what,
                report.sent,
                report.retried,
                report.uncertain,
                report.failed,
            )

    def _kick_zalo(self) -> None:
        """Start a Zalo delivery pass, or ask the running one for another when it ends: a slow
        or unreachable Zalo holds up neither Telegram's delivery nor the caller."""
        if (self._zalo_lease is None and self._zalo_sender is None) or self._stopping:
            return
        if self._zalo_pass is not None and not self._zalo_pass.done():
            self._zalo_again = True
            return
        self._zalo_pass = asyncio.create_task(self._zalo_delivery(), name="duluan-deliver-zalo")
        self._deliveries.add(self._zalo_pass)
        self._zalo_pass.add_done_callback(self._deliveries.discard)

    async def _zalo_delivery(self) -> None:
        keeper = self._zalo_lease
        again = True
        while again and not self._stopping:
            self._zalo_again = False
            if not await self._holding_zalo():
                return
            await self._pass(self._zalo_sender, self._zalo_decorate, keeper, "tin Zalo")
            again = self._zalo_again

    async def _holding_telegram(self) -> bool:
        """Renew (or take) the Telegram bot's delivery lease before a pass; the bot starts
        here once a deliverer that waited takes it over. False: this pass sends nothing."""
        keeper = self._telegram_lease
        if keeper is None:  # its sender started by a caller of its own (tests): no lease
            return self._sender is not None
        if not await _in_thread(keeper.hold):
            if self._sender is not None:
                await self._stop_telegram()
            return False
        if self._sender is None:
            try:
                await self._start_delivery()
            except DaemonError as exc:
                log.error("Chưa gửi được cảnh báo: %s; thử lại ở lượt sau", exc)
                return False
        return True

    async def _holding_zalo(self) -> bool:
        """The same for the Zalo bot's lease."""
        keeper = self._zalo_lease
        if keeper is None:
            return self._zalo_sender is not None
        if not await _in_thread(keeper.hold):
            if self._zalo_sender is not None:
                await self._stop_zalo()
            return False
        if self._zalo_sender is None:
            await self._start_zalo()
        return True

    async def _start_zalo(self) -> None:
        """Zalo's sender: the Zalo Bot API with `ZALO_BOT_TOKEN`, else the console and
        `alerts-zalo.jsonl`. A Zalo that cannot be reached at the start is logged and tried again
        at every pass: Telegram's side starts regardless."""
        if self.zalo_token is None:
            self._zalo_sender = pipeline.console_sender(self.alerts_path, messenger="zalo")
            return
        from alerts.delivery import ZaloSender
        from alerts.zalo import ZaloBot, ZaloError

        self._zalo_bot = ZaloBot(self.zalo_token, self.zalo_base_url)
        try:
            info = await self._zalo_bot.get_me()
        except ZaloError as exc:
            log.error(
                "Chưa kết nối được Zalo qua %s (%s); tin cho Zalo chờ trong hàng đợi, hãy kiểm "
                "tra mạng, ZALO_BOT_TOKEN và ZALO_API_BASE_URL",
                self.zalo_base_url,
                exc,
            )
        else:
            log.info("Đã kết nối Zalo (bot %s)", info.account_name or info.id)
        self._zalo_sender = ZaloSender(self._zalo_bot)
        self._zalo_decorate = pipeline.zalo_decorator(self._store, self.config, self.now)
        self._start_zalo_listener()

    def _start_zalo_listener(self) -> None:
        """Answer Zalo messages: review codes ("A17 liên quan"), unit answers ("G12 đúng") and
        reported items, by long polling or by webhook (`zalo_bot.mode`), in a task of its own:
        setting it up (a stale webhook deleted, the webhook's server and setWebhook) never
        holds up delivery nor Telegram, and its failing (a port taken) stops Zalo's side only."""
        from cases.evidence import fetcher_for
        from review.zalo import ZaloReview
        from review.zalo_bot import (
            ZaloIntake,
            ZaloListener,
            ZaloReceiver,
            dispatcher,
            image_fetcher,
        )

        intake = ZaloIntake(
            self._store,
            self.config,
            self.now,
            fetch=fetcher_for(self.config),
            locator=lambda: self._locator,
            tag_lock=self._tag_lock,
            after=self._deliver,
            image_fetch=image_fetcher(self.config),
        )
        review = _TelegramInSync(ZaloReview(self._store, self.config, self.now), self)
        listener = ZaloListener(self._zalo_bot, dispatcher(review, intake))
        self._zalo_listener = ZaloReceiver(listener, self.config.zalo_bot)
        self._zalo_listening = asyncio.create_task(
            self._zalo_listener.run(lambda: self._stopping), name="duluan-zalo-listener"
        )
        how = "webhook" if self.config.zalo_bot.mode == "webhook" else "long polling (getUpdates)"
        log.info("Bot Zalo nhận mã rà soát và tin báo qua %s", how)

    async def _finish_sends(self) -> None:
        """At a stop: give the Telegram call in flight `SEND_GRACE` seconds to finish and be
        recorded; cut one still unanswered (it is recorded as uncertain)."""
        running = {task for task in self._deliveries if not task.done()}
        if not running:
            return
        log.info("Chờ tối đa %.0f giây cho tin đang gửi dở", SEND_GRACE)
        _, late = await asyncio.wait(running, timeout=SEND_GRACE)
        for task in late:
            log.warning(
                "Tin đang gửi chưa có trả lời của Telegram sau %.0f giây: ngừng chờ", SEND_GRACE
            )
            task.cancel()
        if late:
            await asyncio.wait(late, timeout=STOP_GRACE)

    async def _zalo_outbox_job(self) -> None:
        self._kick_zalo()

    async def _outbox_job(self) -> None:
        await self._deliver()

    async def _health_job(self) -> None:
        from alerts.health import check_health

        queued = await _in_thread(
            check_health, self._store, self.config, self.now, self.token is None
        )
        self._store.record_job_run(HEALTH_JOB, self.now(), f"{len(queued)} sự cố mới")
        if queued:
            await self._deliver()

    async def _evidence_job(self) -> None:
        """Keep the pages of flagged stories, and fetch open cases' pages again once a day."""
        from cases.evidence import fetcher_for, refetch_open_cases

        kept = await _in_thread(refetch_open_cases, self._store, self.now, fetcher_for(self.config))
        changed = sum(1 for record in kept if record.change in ("changed", "removed"))
        if kept:
            log.info(
                "Bằng chứng: đã lưu %d bản trang, %d bản đã bị sửa hoặc gỡ", len(kept), changed
            )
        self._store.record_job_run(EVIDENCE_JOB, self.now(), f"{len(kept)} bản, {changed} thay đổi")

    async def _prune_job(self) -> None:
        """Delete the crawl-time pages no longer worth keeping (see `Store.prune_pages`)."""
        deleted = await _in_thread(self._store.prune_pages, self.now())
        log.info("Dọn trang bài lúc thu thập: đã xóa %d trang cũ", deleted)
        attempts = self._store.prune_login_attempts(self.now() - LOGIN_ATTEMPTS_KEPT)
        log.info("Dọn lượt đăng nhập cũ: đã xóa %d lượt", attempts)
        self._store.record_job_run(PRUNE_JOB, self.now(), f"xóa {deleted} trang")

    async def _backup_job(self) -> None:
        """The daily archive of the database and the data folder into `backup.dir`, keeping the
        newest `backup.keep` of the archives this job names (nothing else there is touched)."""
        from storage.backup import BackupError, prune_backups

        try:
            done = await _in_thread(
                pipeline.backup, self.config, self.database_url, None, self.now(), self.data_dir
            )
        except BackupError as exc:
            log.error("Sao lưu hằng ngày thất bại: %s", exc)
            self._store.record_job_run(BACKUP_JOB, self.now(), f"thất bại: {exc}"[:500])
            return
        deleted = prune_backups(Path(self.config.backup.dir), self.config.backup.keep)
        log.info(
            "Sao lưu hằng ngày: %s (%d byte); xóa %d bản cũ, giữ %d bản mới nhất",
            done.path,
            done.size,
            len(deleted),
            self.config.backup.keep,
        )
        self._store.record_job_run(
            BACKUP_JOB, self.now(), f"{done.path.name}, xóa {len(deleted)} bản cũ"
        )

    async def _reminder_job(self, at: str | None = None) -> None:
        """Remind the overdue assignments of the areas whose `review.reminder_at` is `at` (None:
        every area, when they all share one time)."""
        from review.bot import remind_overdue

        today = self.now().astimezone(self.zone).date()
        count = await remind_overdue(self._store, self.config, today, self.now, at)
        day = today.strftime("%d/%m/%Y")
        log.info("Nhắc việc ngày %s: %d tin giao quá hạn được nhắc", day, count)
        name = REMINDER_JOB if at is None else f"{REMINDER_JOB}:{at}"
        self._store.record_job_run(name, self.now(), f"{count} tin được nhắc")
        await self._deliver()

    async def _digest_job(self, area: Area | None = None) -> None:
        """Build and queue `area`'s due digests (default: the one area's); each area has its
        own job, at its own time."""
        from digest.build import run_scheduled
        from digest.content import sole_area

        area = area or sole_area(self.config)

        built = await _in_thread(run_scheduled, self._store, self.config, self.now, area)
        labels = ", ".join(str(b.window.label) for b in built) or "không có tuần nào đến hạn"
        several = len(self.config.watch_areas()) > 1
        name = f"{DIGEST_JOB}:{area.name}" if several else DIGEST_JOB
        log.info("Báo cáo tuần%s: %s", f" của địa bàn {area.name}" if several else "", labels)
        self._store.record_job_run(name, self.now(), f"báo cáo: {labels}"[:500])
        await self._deliver()

    async def _monthly_job(self, area: Area | None = None) -> None:
        """Daily at `schedule.monthly`: on or after the first working day of a month, build
        and queue `area`'s report of the previous month, once."""
        from digest.build import run_monthly
        from digest.content import sole_area

        area = area or sole_area(self.config)
        built = await _in_thread(run_monthly, self._store, self.config, self.now, area)
        several = len(self.config.watch_areas()) > 1
        name = f"{MONTHLY_JOB}:{area.name}" if several else MONTHLY_JOB
        done = f"báo cáo tháng {built.window.label}" if built else "không có báo cáo tháng đến hạn"
        if built:
            log.info("Báo cáo tháng%s: %s", f" của địa bàn {area.name}" if several else "", done)
        self._store.record_job_run(name, self.now(), done)
        if built:
            await self._deliver()

    async def _start_delivery(self) -> None:
        if self.token is None:
            self._sender = pipeline.console_sender(self.alerts_path)
            log.warning(
                "Chưa có TELEGRAM_BOT_TOKEN: cảnh báo in ra màn hình và ghi vào %s; nút duyệt tin "
                "cần mã bot Telegram",
                self.alerts_path,
            )
            return
        from telegram.error import TelegramError

        from alerts.delivery import TelegramSender
        from cases.evidence import fetcher_for
        from duluan.embedded import ServerError
        from review.bot import ReviewBot, build_application

        application = build_application(
            self.token,
            self.base_url,
            self._store,
            self.config,
            self.now,
            fetch=fetcher_for(self.config),
            locator=lambda: self._locator,
            tag_lock=self._tag_lock,
            after=self._deliver,
        )
        self._review = ReviewBot(application, self.config)
        try:
            await self._review.start()
        except ServerError as exc:
            raise DaemonError(str(exc)) from exc
        except TelegramError as exc:
            raise DaemonError(
                f"không kết nối được Telegram qua {self.base_url} ({exc}); hãy kiểm tra mạng, "
                "TELEGRAM_BOT_TOKEN và TELEGRAM_API_BASE_URL"
            ) from exc
        self._sender = TelegramSender(application.bot)
        self._decorate = _decorator(self._store, self.config, self.token, self.now)
        self._telegram_refresh = _refresher(application)
        if self._web is not None:
            from duluan.console.state import state_of

            state_of(self._web.app).on_review_change = _refresher(application)
        log.info("Đã kết nối Telegram; đang nhận thao tác duyệt tin")

    def _share_tagger(self) -> None:
        """Hand the daemon's tagger to its console, whose "Thêm tin" then tags a report at once
        without building another, and tell it whether alerts go to Telegram."""
        if self._web is None:
            return
        from duluan.console.state import state_of

        web = state_of(self._web.app)
        web.locator, web.console_mode = self._locator, self.token is None

    async def _start_web(self) -> None:
        """Serve the review console on this loop (`web.enabled`), sharing the daemon's store.
        A console that cannot start (its port taken) is logged, and alerts go on without it."""
        from duluan.console.serve import WebServer
        from duluan.embedded import ServerError

        try:
            self._web = await WebServer.start(self.config, self._store, self.now, self.data_dir)
        except (ServerError, OSError) as exc:
            log.error("Trang rà soát không chạy: %s; cảnh báo vẫn tiếp tục", exc)

    async def _stop_delivery(self) -> None:
        await self._stop_telegram()
        await self._stop_zalo()
        if self._redraws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._redraws.shutdown(), STOP_GRACE)

    async def _stop_telegram(self) -> None:
        """Stop Telegram's bot (its polling or webhook) and sender: at a stop, or once another
        deliverer has taken the bot's lease over (this process stalled past its ttl), so that
        two processes never poll one bot nor send its messages; it starts again here if this
        process takes the lease back."""
        review, self._review = self._review, None
        if self._sender is not None and not self._stopping:
            log.warning("Mất quyền gửi cảnh báo Telegram: dừng bot ở tiến trình này")
        self._sender = self._decorate = self._telegram_refresh = None
        if self._web is not None and self._redraws is None:
            from duluan.console.state import state_of

            state_of(self._web.app).on_review_change = None
        if review is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(review.stop(), STOP_GRACE)

    async def _stop_zalo(self) -> None:
        """The same for Zalo's bot: its listener, its client and its sender."""
        listener, self._zalo_listener = self._zalo_listener, None
        listening, self._zalo_listening = self._zalo_listening, None
        bot, self._zalo_bot = self._zalo_bot, None
        if self._zalo_sender is not None and not self._stopping:
            log.warning("Mất quyền gửi tin Zalo: dừng bot Zalo ở tiến trình này")
        self._zalo_sender = self._zalo_decorate = None
        if listener is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(listener.stop(), STOP_GRACE)
        if listening is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(listening, STOP_GRACE)
        if bot is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(bot.aclose(), STOP_GRACE)

    async def _start_redraws(self) -> None:
        """A console without the deliver role in its process (`--role web`) still redraws the
        Telegram review and assignment messages after an action, as a button press would: with
        the bot's token but without taking its updates (the deliverer's bot receives them)."""
        if self._web is None or self.token is None or DELIVER in self.roles:
            return
        from telegram.error import TelegramError

        from duluan.console.state import state_of
        from review.bot import build_application

        application = build_application(
            self.token, self.base_url, self._store, self.config, self.now
        )
        try:
            await application.initialize()
        except TelegramError as exc:
            log.error(
                "Không kết nối được Telegram qua %s (%s): thao tác trên trang rà soát chưa sửa "
                "được tin Telegram; hãy kiểm tra TELEGRAM_BOT_TOKEN và TELEGRAM_API_BASE_URL",
                self.base_url,
                exc,
            )
            return
        self._redraws = application
        state_of(self._web.app).on_review_change = _refresher(application)
        log.info("Trang rà soát sửa tin Telegram sau mỗi thao tác (bot do tiến trình gửi nhận nút)")


class _TelegramInSync:
    """A Zalo review that also redraws the story's Telegram review message (and the unit's
    assignment message) after a code answer, as a console action does: a reviewer on Telegram
    sees at once what was decided on Zalo. Called in a worker thread by the Zalo dispatcher."""

    def __init__(self, review: Any, daemon: Daemon) -> None:
        self.review = review
        self.daemon = daemon
        self.loop = asyncio.get_running_loop()

    def answer(self, update: Any) -> str | None:
        from review.zalo import ASSIGN_PREFIX, parse
        from storage.vocabulary import story_key

        reply: str | None = self.review.answer(update)
        refresh = self.daemon._telegram_refresh
        text = update.message.text if update.message is not None else ""
        command = parse(text) if reply is not None and refresh is not None else None
        if command is None or command.action is None:
            return reply
        job = None
        if command.scope == ASSIGN_PREFIX:
            job = self.daemon._store.get_assignment(command.target)
            story = job.story if job is not None else None
        else:
            story = story_key(command.target)
        if story is not None and refresh is not None:
            name = update.message.user_name or "Zalo"
            areas = self.daemon.config.watch_areas()
            redrawn = refresh

            async def redraw() -> None:
                for n, area in enumerate(areas):  # the unit's message once, each area's group
                    await redrawn(story, job if n == 0 else None, name, area)

            asyncio.run_coroutine_threadsafe(redraw(), self.loop)
        return reply


def _refresher(application: Any) -> Callable[[str, Any, str, Any], Awaitable[None]]:
    """What the console calls after an action: edit the unit's message (for an answer) and the
    review group's of the area acted on, as a button press in Telegram would."""
    service = application.bot_data["review"]

    async def refresh(story: str, job: Any, user_name: str, area: Any) -> None:
        if job is not None:
            await service.refresh_unit(application.bot, job, user_name)
        await service.refresh_review(application.bot, story, area)

    return refresh


def _decorator(store: Any, config: Config, token: str, now: Callable[[], datetime]) -> Any:
    """The review buttons added to review-group alerts, signed with the bot's key."""
    from review.buttons import Decorator, signing_key

    return Decorator(store, config, signing_key(token), now)


async def _stop_crawl_children() -> None:
    """End a crawl child in flight: SIGTERM (Scrapy stops gracefully), then SIGKILL. Its saves
    are transactional, so nothing is left half-written."""
    children = [p for p in multiprocessing.active_children() if p.name == "duluan-crawl"]
    for child in children:
        log.info("Dừng tiến trình thu thập đang chạy (pid %s)", child.pid)
        child.terminate()
    deadline = asyncio.get_running_loop().time() + STOP_GRACE
    while any(c.is_alive() for c in children):
        if asyncio.get_running_loop().time() > deadline:
            for child in children:
                if child.is_alive():
                    child.kill()
            break
        await asyncio.sleep(0.1)


def run_daemon(
    config: Config,
    runtime: Runtime,
    *,
    data_dir: Path = pipeline.DATA_DIR,
    companion: Callable[[], Awaitable[None]] | None = None,
    startup_spread: timedelta = STARTUP_SPREAD,
    roles: frozenset[str] = EVERY_ROLE,
) -> int:
    """Run until SIGTERM or Ctrl-C; exit code 0 on a clean stop. `data_dir` holds the console
    alerts file and the console's secret; `companion`, when given, runs beside the daemon on its
    loop (`duluan demo` acts in it as a user would) and is cancelled at the stop;
    `startup_spread` staggers the first crawls (none: every source in the first pass); `roles`
    the parts this process runs (`duluan start --role`; the console: as `web.enabled` says with
    every role, always with the web role asked for alone or beside others)."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, _on_signal, stop, signum)
        daemon = Daemon(
            config,
            runtime.database_url,
            now=runtime.now,
            crawl_clock=runtime.clock,
            log_level=runtime.log_level,
            token=runtime.token,
            base_url=runtime.api_base_url,
            zalo_token=runtime.zalo_token.get_secret_value() if runtime.zalo_token else None,
            zalo_base_url=runtime.zalo_api_base_url,
            alerts_path=data_dir / pipeline.ALERTS_FILE.name,
            web=config.web.enabled if roles == EVERY_ROLE else WEB in roles,
            data_dir=data_dir,
            startup_spread=startup_spread,
            roles=roles,
        )
        beside = asyncio.create_task(_companion(companion), name="duluan-companion")
        try:
            await daemon.run(stop)
        finally:
            beside.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beside

    try:
        asyncio.run(main())
    except DaemonError as exc:
        log.error("Chương trình chạy nền dừng: %s", exc)
        return 1
    except Exception as exc:  # logged, so the token filter applies (a traceback would not)
        log.error("Chương trình chạy nền dừng vì lỗi: %s: %s", type(exc).__name__, exc)
        log.debug("Chi tiết lỗi", exc_info=True)
        return 1
    return 0


async def _companion(work: Callable[[], Awaitable[None]] | None) -> None:
    """Run `work`; its failure is logged, never stops the daemon."""
    if work is None:
        return
    try:
        await work()
    except Exception as exc:
        log.error("Việc chạy kèm dừng vì lỗi: %s: %s", type(exc).__name__, exc)
        log.debug("Chi tiết lỗi", exc_info=True)


def _on_signal(stop: asyncio.Event, signum: int) -> None:
    log.info("Nhận tín hiệu %s: dừng", signal.Signals(signum).name)
    stop.set()
