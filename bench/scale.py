"""Province scale (issue 18 §4): a generated province day on PostgreSQL, with 1, 2 and 4
crawl+tag processes, and each role alone.

The day: `--sources` local outlets (one RSS feed each, served by `LocalSite` on 127.0.0.1) and
`--articles` articles over them, in VnExpress-like markup (tests/site/generate.py's pages). A
`--share` of them is about one commune of new Quảng Ngãi (its name, and the province's, in the
title and the text), the rest about new communes of other provinces. The deployment has one
watch area per commune (`--communes`, default the issue's 96: underthesea's mapping names 92 of
the province's units, and all of those are taken), each with its review group and a police
unit, as examples/quang-ngai.yaml does.

Each run uses a scratch PostgreSQL database on 127.0.0.1 (created, then dropped) and a fake
Telegram Bot API. The articles are *published* over `--minutes`: each appears in its outlet's
feed (the newest `--feed-items`) at a steady rate, its page and feed dated the moment it
appears; the feeds are polled every `--interval` seconds. Publication→alert latency is the
outbox row's sent time (the fake Telegram's answer recorded) minus that moment, for the first
alert of each relevant article.

Runs, each on a fresh database:
- for each N of `--processes` (1,2,4): N × `duluan start --role crawl,tag` and one
  `--role deliver,schedule` (the deliverer polls the outbox every 30 s: part of the latency);
- each role alone (`--role-processes` of them, default 1), one after the other on one database:
  crawl (every article already published: stored articles/s), tag (the stored backlog:
  tagged articles/s), deliver (the queued alerts: outbox rows and Telegram calls per second,
  under Telegram's pace of 20 messages a minute per group and 25 a second).

Prints one table side by side: articles/s, p50 / p95 / max publication→alert, alerts expected
and sent, CPU seconds per article of the duluan processes (and of the whole PostgreSQL server,
which other work on the machine shares), the database's size and its largest relations, and
the most connections seen. Asserts nothing.

Usage: `python bench/scale.py [--articles 20000] [--sources 300] [--communes 96]
[--processes 1,2,4] [--minutes 5] [--interval 30] [--no-roles]`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import tests.site.generate as generate  # noqa: E402
from bench.areas import units_of  # noqa: E402
from nlp.area import bare_name, resolve_places  # noqa: E402
from storage import Store  # noqa: E402
from storage.db import normalize_url  # noqa: E402
from tests.site.generate import (  # noqa: E402
    CATEGORIES,
    TITLES,
    _article_page,
    _capitalise,
    _date_line,
    _feed,
    _fill,
    _Meta,
    _slugify,
)
from tests.site.server import LocalSite  # noqa: E402
from tests.telegram.fake_api import FakeTelegram  # noqa: E402

VIETNAM = timezone(timedelta(hours=7))
PROVINCE = "Tỉnh Quảng Ngãi"
ELSEWHERE = ("Tỉnh Gia Lai", "Thành phố Đà Nẵng", "Tỉnh Đắk Lắk", "Thành phố Hà Nội")
# Pages are generated once with this date, replaced by the moment each appears.
SENTINEL = datetime(2001, 1, 1, tzinfo=VIETNAM)
PG_ADMIN = normalize_url(
    os.environ.get("DULUAN_TEST_POSTGRES_URL") or "postgresql+psycopg://postgres@127.0.0.1/test"
)
SAMPLE_SECONDS = 1.0
STAMP = '<span class="location-stamp">'

CRAWL_SETTINGS = {
    "contact": "bench@example.invalid",
    "delay": "0s",
    "autothrottle": False,
    "timeout": "20s",
    "concurrency_per_domain": 16,  # every outlet is on 127.0.0.1: one "domain"
    "concurrency": 32,
}


# --- the day ----------------------------------------------------------------------------------


def lower_prefix(name: str) -> str:
    """'Xã Đăk Pxi, Tỉnh Quảng Ngãi' → 'xã Đăk Pxi, tỉnh Quảng Ngãi', as a text writes it."""
    return ", ".join(part[:1].lower() + part[1:] for part in name.split(", "))


def province_names() -> tuple[str, ...]:
    """Every name of a unit of the province, old or new, bare and lower-cased (Đăk and Đắk)."""
    area = resolve_places([PROVINCE])
    names = {*area.provinces, *(d for _, d in area.districts)}
    names |= {c for *_, c in area.old_communes} | {c for _, c in area.new_communes}
    bare = {bare_name(n).lower() for n in names} | {"kon tum", "quảng ngãi"}
    return tuple(sorted(bare | {n.replace("đăk", "đắk") for n in bare}))


def keep_press_sentences_elsewhere() -> None:
    """The generator borrows sentences from the stored outlet pages, some of which are Kon
    Tum's news: only those naming no unit of the province are kept, so that the share of
    articles about the province is the one asked for."""
    names = province_names()
    pool = generate._press_sentences()
    kept = tuple(s for s in pool if not any(n in s.lower() for n in names))
    generate._press_sentences = lambda: kept  # type: ignore[assignment]


@dataclass
class Item:
    """One article of the day: its outlet, its page (dated `SENTINEL`) and its feed entry."""

    source: int
    meta: _Meta
    page: str
    sapo: str
    relevant: bool


@dataclass
class Day:
    sources: list[str]
    areas: list[str]
    items: list[Item]


def plan_day(n_articles: int, n_sources: int, n_communes: int, share: float, seed: int) -> Day:
    """The outlets, the watch areas and every article with its page, in publication order.
    Outlets differ in size (a provincial paper writes more than a small site)."""
    keep_press_sentences_elsewhere()
    rng = random.Random(seed)
    communes = units_of(PROVINCE)[:n_communes]
    elsewhere = [u for p in ELSEWHERE for u in units_of(p)]
    sources = [f"s{i:03d}" for i in range(n_sources)]
    # Capped, so that the largest outlet's share (under 1 %) fits its feed between two polls.
    weights = [min(rng.paretovariate(1.5), 5.0) for _ in sources]
    items: list[Item] = []
    for number in range(n_articles):
        source = rng.choices(range(n_sources), weights)[0]
        relevant = rng.random() < share
        place = lower_prefix(rng.choice(communes if relevant else elsewhere))
        title = _capitalise(_fill(rng.choice(TITLES), rng, place))
        meta = _Meta(
            article_id=1_000_000 + number,
            slug=_slugify(title),
            category=rng.choice(CATEGORIES),
            place=place,
            title=f"{title} ({number})",
            published=SENTINEL,
        )
        page, sapo = _article_page(sources[source], meta, random.Random(number), [])
        province = re.sub(r"^(tỉnh|thành phố) ", "", place.split(", ")[-1])  # "Gia Lai"…
        page = page.replace(f"{STAMP}Kon Tum<", f"{STAMP}{province}<")
        items.append(Item(source, meta, page, escape(sapo), relevant))
    return Day(sources, communes, items)


def config_yaml(day: Day, base: str, interval: int) -> str:
    """The deployment: every outlet polled every `interval` s, one area per commune."""
    sources = [
        {
            "name": name,
            "title": f"Báo Thử Nghiệm {name[1:]}",
            "feeds": [f"{base}/{name}/rss.xml"],
            "interval": f"{interval}s",
        }
        for name in day.sources
    ]
    areas = [
        {
            "name": f"a{i}",
            "title": f"UBND {place.split(',')[0]}",
            "places": [place],
            "review": {"chat": f"-100{i}", "reviewers": [1]},
            "units": [{"name": "Công an", "chat": f"-200{i}", "topics": ["an ninh trật tự"]}],
        }
        for i, place in enumerate(day.areas)
    ]
    lines = [
        "locality: {aliases: {}}",
        f"crawl: {json.dumps(CRAWL_SETTINGS)}",
        "web: {enabled: false}",
        "sources:",
        *(f"  - {json.dumps(s, ensure_ascii=False)}" for s in sources),
        "areas:",
        *(f"  - {json.dumps(a, ensure_ascii=False)}" for a in areas),
    ]
    return "\n".join(lines) + "\n"


class Outlets:
    """The outlets' feeds and pages on disk under the local site's root."""

    def __init__(self, root: Path, day: Day, feed_items: int | None) -> None:
        self.root = root
        self.day = day
        self.feeds: list[deque[_Meta]] = [deque(maxlen=feed_items) for _ in day.sources]
        self.sapos: dict[int, str] = {}
        self.revealed: dict[str, float] = {}  # page path → time.time() it appeared
        for index, name in enumerate(day.sources):
            (root / name).mkdir(parents=True, exist_ok=True)
            self._write_feed(index)

    def _write_feed(self, index: int) -> None:
        name = self.day.sources[index]
        body = _feed(name, list(reversed(self.feeds[index])), self.sapos)
        target = self.root / name / "rss.xml"
        temporary = target.with_suffix(".tmp")
        temporary.write_text(body, encoding="utf-8")
        os.replace(temporary, target)  # a poll never reads half a feed

    def publish(self, item: Item, *, write_feed: bool = True) -> None:
        """The article appears now: its page dated this moment, then its feed entry."""
        moment = datetime.now(VIETNAM).replace(microsecond=0)
        page = item.page.replace(SENTINEL.isoformat(), moment.isoformat()).replace(
            _date_line(SENTINEL), _date_line(moment)
        )
        name = self.day.sources[item.source]
        (self.root / name / item.meta.path).write_text(page, encoding="utf-8")
        self.sapos[item.meta.article_id] = item.sapo
        self.feeds[item.source].append(dataclasses.replace(item.meta, published=moment))
        self.revealed[f"/{name}/{item.meta.path}"] = time.time()
        if write_feed:
            self._write_feed(item.source)

    def publish_all(self, items: list[Item]) -> None:
        for item in items:
            self.publish(item, write_feed=False)
        for index in range(len(self.day.sources)):
            self._write_feed(index)


# --- the database and the processes -----------------------------------------------------------


@contextmanager
def scratch_database() -> Iterator[tuple[str, Engine]]:
    """A fresh PostgreSQL database with duluan's schema, dropped at the end."""
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"duluan_scale_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    Store.open(url).close()  # the schema once, before several processes start on it
    engine = create_engine(url, pool_size=1)
    try:
        yield url, engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Sample:
    at: float
    stored: int
    tagged: int
    waiting: int
    sent: int
    connections: int


class Monitor(threading.Thread):
    """Counts the database's articles, tagged articles and outbox rows every second."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(daemon=True, name="scale-monitor")
        self.engine = engine
        self.samples: list[Sample] = []
        self.stop = threading.Event()

    def sample(self) -> Sample:
        with self.engine.connect() as conn:
            stored, tagged = conn.execute(
                text("SELECT count(*), count(tagged_at) FROM articles")
            ).one()
            waiting, sent = conn.execute(
                text(
                    "SELECT count(*) FILTER (WHERE status IN ('pending', 'sending', 'uncertain')),"
                    " count(*) FILTER (WHERE status = 'sent') FROM outbox"
                )
            ).one()
            connections = conn.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            ).scalar_one()
        return Sample(time.time(), stored, tagged, waiting, sent, connections - 1)

    def run(self) -> None:
        while not self.stop.wait(SAMPLE_SECONDS):
            try:
                self.samples.append(self.sample())
            except Exception as exc:  # a slow moment of the database: the next sample
                print(f"  (monitor: {type(exc).__name__})", flush=True)

    def last(self) -> Sample:
        return self.samples[-1] if self.samples else self.sample()

    def first_time(self, reached: Callable[[Sample], bool]) -> float | None:
        return next((s.at for s in self.samples if reached(s)), None)


def cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_postgres() -> float:
    """CPU seconds of the PostgreSQL server's processes so far (the postmaster's reaped
    backends included): the whole server, whoever else uses it."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        if not name.startswith("postgres"):
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
    return total / ticks


class Processes:
    """`duluan start --role …` processes on one database; stopped by SIGTERM."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.running: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, roles: str, count: int = 1) -> None:
        for _ in range(count):
            label = f"{roles.replace(',', '+')}-{len(self.running)}"
            with (self.workdir / f"{label}.log").open("wb") as log:
                process = subprocess.Popen(
                    [sys.executable, "-m", "duluan", "start", "--role", roles],
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                    env=self.env,
                    cwd=self.workdir,
                )
            self.running.append((label, process))

    def check(self) -> None:
        for label, process in self.running:
            if process.poll() is not None:
                tail = (self.workdir / f"{label}.log").read_text(errors="replace")[-2000:]
                sys.exit(f"{label} exited with {process.returncode}:\n{tail}")

    def stop(self) -> None:
        for _, process in self.running:
            process.send_signal(signal.SIGTERM)
        for _, process in self.running:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.running = []


def environment(workdir: Path, url: str, fake: FakeTelegram) -> dict[str, str]:
    env = {
        **os.environ,
        "DULUAN_CONFIG": str(workdir / "config.yaml"),
        "DULUAN_DATABASE_URL": url,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DULUAN_NOW", None)
    return env


def wait(
    monitor: Monitor,
    processes: Processes,
    done: Callable[[Sample], bool],
    timeout: float,
    stall: float | None = None,
) -> bool:
    """Until `done` holds for the latest sample; False after `timeout` s, or after `stall`
    s without a new stored, tagged or sent row."""
    deadline = time.monotonic() + timeout
    last_change, last_key = time.monotonic(), None
    while time.monotonic() < deadline:
        time.sleep(SAMPLE_SECONDS)
        processes.check()
        if not monitor.samples:
            continue
        now = monitor.last()
        if done(now):
            return True
        key = (now.stored, now.tagged, now.sent)
        if key != last_key:
            last_change, last_key = time.monotonic(), key
        elif stall is not None and time.monotonic() - last_change > stall:
            return False
    return False


def database_size(engine: Engine) -> tuple[int, list[tuple[str, int]]]:
    with engine.connect() as conn:
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        rows = conn.execute(
            text(
                "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 2 DESC LIMIT 6"
            )
        ).all()
    return int(size), [(str(r[0]), int(r[1])) for r in rows]


# --- the runs ---------------------------------------------------------------------------------


@dataclass
class Result:
    label: str
    articles: int = 0
    seconds: float = 0.0
    rate_note: str = ""
    latencies: list[float] = field(default_factory=list)
    expected_alerts: int = 0
    cpu: float = 0.0
    pg_cpu: float = 0.0
    size: int = 0
    relations: list[tuple[str, int]] = field(default_factory=list)
    connections: int = 0
    extra: str = ""

    @property
    def rate(self) -> float:
        return self.articles / self.seconds if self.seconds > 0 else 0.0


def as_epoch(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def latencies(engine: Engine, outlets: Outlets) -> tuple[list[float], int]:
    """Seconds from each relevant article's appearance to its first sent alert; the relevant
    articles stored (the alerts expected)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT a.url, min(o.sent_at) FROM articles a "
                "LEFT JOIN outbox o ON o.article_id = a.id AND o.status = 'sent' "
                "WHERE a.relevant GROUP BY a.id, a.url"
            )
        ).all()
    found: list[float] = []
    for url, sent in rows:
        path = "/" + url.split("/", 3)[3]
        if sent is not None and path in outlets.revealed:
            found.append(as_epoch(sent) - outlets.revealed[path])
    return found, len(rows)


def combined_run(args: argparse.Namespace, day: Day, count: int) -> Result:
    """N crawl+tag processes and one deliver+schedule process over the published day."""
    label = f"{count} × crawl,tag + 1 × deliver,schedule"
    print(f"\n== {label}", flush=True)
    with (
        tempfile.TemporaryDirectory(prefix="duluan-scale-") as tmp,
        LocalSite(Path(tmp) / "site") as site,
        FakeTelegram(max_poll=5.0) as fake,
        scratch_database() as (url, engine),
    ):
        workdir = Path(tmp)
        outlets = Outlets(Path(tmp) / "site", day, args.feed_items)
        (workdir / "config.yaml").write_text(
            config_yaml(day, site.base, args.interval), encoding="utf-8"
        )
        processes = Processes(workdir, environment(workdir, url, fake))
        monitor = Monitor(engine)
        cpu0, pg0 = cpu_children(), cpu_postgres()
        processes.start("crawl,tag", count)
        processes.start("deliver,schedule")
        monitor.start()
        try:
            # Every empty feed polled once: the outlets are known before the day begins.
            feeds = {f"/{name}/rss.xml" for name in day.sources}
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                processes.check()
                if feeds <= {hit.path for hit in site.requests}:
                    break
                time.sleep(1)
            site.reset_log()
            print(f"  every feed polled once; publishing {len(day.items)} articles", flush=True)
            rate = len(day.items) / (args.minutes * 60)
            began = time.time()
            for number, item in enumerate(day.items):
                delay = began + number / rate - time.time()
                if delay > 0:
                    time.sleep(delay)
                outlets.publish(item)
                if number % 2000 == 1999:
                    now = monitor.last()
                    print(
                        f"  {number + 1} published, {now.stored} stored, {now.tagged} tagged, "
                        f"{now.sent} sent, {now.waiting} waiting",
                        flush=True,
                    )
            published = time.time() - began
            print(f"  published in {published:.0f}s; draining", flush=True)
            total = len(day.items)
            complete = wait(
                monitor,
                processes,
                lambda s: s.stored >= total and s.tagged >= s.stored and s.waiting == 0,
                timeout=args.drain,
                stall=2 * args.interval + 90,
            )
            last = monitor.last()
            tagged_at = monitor.first_time(lambda s: s.tagged >= last.tagged) or last.at
            if not complete:
                print(f"  not complete at the end of the drain: {last}", flush=True)
        finally:
            processes.stop()
            monitor.stop.set()
            monitor.join()
        found, expected = latencies(engine, outlets)
        size, relations = database_size(engine)
        result = Result(
            label,
            articles=last.tagged,
            seconds=tagged_at - began,
            rate_note=f"published at {rate:.1f}/s",
            latencies=found,
            expected_alerts=expected,
            cpu=cpu_children() - cpu0,
            pg_cpu=cpu_postgres() - pg0,
            size=size,
            relations=relations,
            connections=max((s.connections for s in monitor.samples), default=0),
            extra=f"stored {last.stored}/{total}, sent rows {last.sent}",
        )
        print(f"  {summary(result)}", flush=True)
        return result


def role_runs(args: argparse.Namespace, day: Day) -> list[Result]:
    """Crawl alone (all published), then tag alone, then deliver alone, on one database."""
    count = args.role_processes
    results: list[Result] = []
    print(f"\n== each role alone ({count} process{'es' if count > 1 else ''})", flush=True)
    with (
        tempfile.TemporaryDirectory(prefix="duluan-scale-") as tmp,
        LocalSite(Path(tmp) / "site") as site,
        FakeTelegram(max_poll=5.0) as fake,
        scratch_database() as (url, engine),
    ):
        workdir = Path(tmp)
        outlets = Outlets(Path(tmp) / "site", day, None)
        outlets.publish_all(day.items)
        (workdir / "config.yaml").write_text(
            config_yaml(day, site.base, args.interval), encoding="utf-8"
        )
        total = len(day.items)
        phases: list[tuple[str, Callable[[Sample], bool], Callable[[Sample], int]]] = [
            ("crawl", lambda s: s.stored >= total, lambda s: s.stored),
            ("tag", lambda s: s.tagged >= s.stored, lambda s: s.tagged),
            ("deliver", lambda s: s.waiting == 0, lambda s: s.sent),
        ]
        for role, done, progress in phases:
            processes = Processes(workdir, environment(workdir, url, fake))
            monitor = Monitor(engine)
            before = progress(monitor.sample())
            calls0 = len(fake.calls_to("sendMessage"))
            cpu0, pg0 = cpu_children(), cpu_postgres()
            processes.start(role, count)
            monitor.start()
            try:
                complete = wait(monitor, processes, done, args.drain, stall=120)
            finally:
                processes.stop()
                monitor.stop.set()
                monitor.join()
            last = monitor.last()
            final = progress(last)
            first = next((s.at for s in monitor.samples if progress(s) > before), None)
            end = next((s.at for s in monitor.samples if progress(s) >= final), last.at)
            size, relations = database_size(engine)
            done_count = progress(last) - before
            calls = len(fake.calls_to("sendMessage")) - calls0
            result = Result(
                f"{role} alone ({count})",
                articles=done_count,
                seconds=(end - first) if first else 0.0,
                rate_note=f"first to last {'sent row' if role == 'deliver' else 'article'}",
                cpu=cpu_children() - cpu0,
                pg_cpu=cpu_postgres() - pg0,
                size=size,
                relations=relations,
                connections=max((s.connections for s in monitor.samples), default=0),
                extra=(
                    f"{done_count} outbox rows in {calls} Telegram messages"
                    f" ({calls / max(end - first, 1e-9) if first else 0:.1f} messages/s)"
                    if role == "deliver"
                    else f"{done_count} articles"
                )
                + ("" if complete else " (stopped: stalled or timed out)"),
            )
            print(f"  {summary(result)}", flush=True)
            results.append(result)
    return results


# --- the table --------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def summary(r: Result) -> str:
    latency = (
        f"alerts {len(r.latencies)}/{r.expected_alerts}, p50 {statistics.median(r.latencies):.1f}s"
        f" p95 {percentile(r.latencies, 0.95):.1f}s max {max(r.latencies):.1f}s; "
        if r.latencies
        else ""
    )
    return (
        f"{r.label}: {r.articles} in {r.seconds:.0f}s = {r.rate:.1f}/s ({r.rate_note}); {latency}"
        f"{r.extra}; CPU {r.cpu:.0f}s, PostgreSQL CPU {r.pg_cpu:.0f}s; "
        f"{r.size / 1e6:.0f} MB; ≤ {r.connections} connections"
    )


def table(results: list[Result]) -> str:
    head = (
        "| processes | articles/s | p50 / p95 / max publication→alert s | alerts sent / "
        "expected | CPU s per article (duluan / PostgreSQL) | PostgreSQL MB | max connections |"
    )
    lines = [head, "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        latency = (
            f"{statistics.median(r.latencies):.1f} / {percentile(r.latencies, 0.95):.1f} / "
            f"{max(r.latencies):.1f}"
            if r.latencies
            else "—"
        )
        alerts = f"{len(r.latencies)} / {r.expected_alerts}" if r.expected_alerts else "—"
        per = max(r.articles, 1)
        lines.append(
            f"| {r.label} | {r.rate:.1f} | {latency} | {alerts} | "
            f"{r.cpu / per:.4f} / {r.pg_cpu / per:.4f} | {r.size / 1e6:.0f} | {r.connections} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--sources", type=int, default=300)
    parser.add_argument("--communes", type=int, default=96, help="watch areas, one commune each")
    parser.add_argument("--processes", default="1,2,4", help="crawl+tag process counts")
    parser.add_argument("--minutes", type=float, default=5.0, help="the day is published over")
    parser.add_argument("--interval", type=int, default=30, help="each feed's poll interval, s")
    parser.add_argument("--share", type=float, default=0.1, help="articles about a commune")
    parser.add_argument("--feed-items", type=int, default=50, help="entries a feed shows")
    parser.add_argument("--drain", type=float, default=900.0, help="longest wait after, s")
    parser.add_argument("--role-processes", type=int, default=1)
    parser.add_argument("--no-roles", action="store_true", help="skip the runs of each role")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    # A stop (SIGTERM, Ctrl-C) still stops the daemons and drops the scratch database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    signal.signal(signal.SIGINT, lambda *_: sys.exit("stopped"))
    started = time.monotonic()
    day = plan_day(args.articles, args.sources, args.communes, args.share, args.seed)
    relevant = sum(item.relevant for item in day.items)
    rate = args.articles / (args.minutes * 60)
    print(
        f"{args.articles} articles ({relevant} about a commune of the province) over "
        f"{args.sources} outlets; {len(day.areas)} watch areas"
        + (
            f" (asked {args.communes}: underthesea's mapping names {len(day.areas)} units of "
            f"{PROVINCE})"
            if len(day.areas) < args.communes
            else ""
        )
        + f"; published at {rate:.1f} articles/s over {args.minutes:g} min "
        f"({24 * 60 / args.minutes:.0f}× a real day if this is one day); each feed polled every "
        f"{args.interval}s and shows its newest {args.feed_items}; generated in "
        f"{time.monotonic() - started:.0f}s; {os.cpu_count()} CPUs",
        flush=True,
    )
    results = [combined_run(args, day, int(n)) for n in args.processes.split(",") if n.strip()]
    if not args.no_roles:
        results += role_runs(args, day)
    print()
    print(table(results))
    largest = max(results, key=lambda r: r.size)
    per = max(largest.articles, 1)
    print(
        f"\nLargest database ({largest.label}): {largest.size / 1e6:.0f} MB, "
        f"{largest.size / per / 1e3:.1f} kB per article; "
        + ", ".join(f"{name} {size / 1e6:.0f} MB" for name, size in largest.relations)
    )
    print(f"wall time {time.monotonic() - started:.0f}s")


if __name__ == "__main__":
    main()
