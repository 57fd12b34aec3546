"""Soak: the daemon under faults for a bounded time; no alert lost, every duplicate explained.

Runs `duluan start` (a real process, in its own process group) against a local outlet that keeps
publishing articles about a commune of the watch area (`LocalSite`) and the fake Telegram Bot
API, for `--minutes`, while injecting at random:

- SIGKILL of the daemon's whole process group (a container killed) and SIGTERM of the daemon
  (a clean stop, which must exit 0); the daemon is started again at once;
- Telegram 429 (with retry_after), 500, and timeouts: an answer that comes after the client
  gave up (`SEND_TIMEOUT`), the message delivered all the same, before or after the delay;
- a lost database: with SQLite another connection holds the write lock for up to 45 s (past the
  30 s busy timeout); with `--postgres` the daemon's connections are terminated
  (`pg_terminate_backend`) on a throwaway database of 127.0.0.1:5432.

Then the faults stop and the daemon gets `--drain` seconds to deliver the rest (a send left
"uncertain" waits `UNCERTAIN_WAIT`). Prints the articles stored, the alerts lost (must be 0), the
alerts that arrived twice, each with its reason (the documented window: the later copy is headed
by the resend note), and the restarts. Only 127.0.0.1; exits 1 on a lost alert or an
unexplained duplicate.

Usage: `python bench/soak.py [--minutes 4] [--drain 240] [--seed 1] [--postgres]`.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from alerts.delivery import SEND_TIMEOUT, UNCERTAIN_WAIT  # noqa: E402
from bench.latency import Outlet  # noqa: E402
from storage.db import normalize_url  # noqa: E402
from tests.site.server import LocalSite  # noqa: E402
from tests.telegram.fake_api import FakeTelegram  # noqa: E402

REVIEW_CHAT = -1001234567890
RESEND_MARK = "🔁 Gửi lại"
PG_ADMIN = (
    os.environ.get("DULUAN_TEST_POSTGRES_URL") or "postgresql+psycopg://postgres@127.0.0.1/test"
)

CONFIG = """
locality: {{province: Tỉnh Kon Tum, district: Huyện Đăk Hà}}
crawl:
  contact: bench@example.invalid
  delay: 0s
  autothrottle: false
  timeout: 10s
sources:
  - name: bench
    title: Báo Thử Nghiệm
    feeds: ['{base}/bench/rss/tin-moi.rss']
    interval: {interval}s
review: {{chat: '{chat}', reviewers: [1]}}
web: {{enabled: false}}
"""


@dataclass
class Tally:
    """What was injected and how the daemon went down and came back."""

    faults: Counter[str] = field(default_factory=Counter)
    kills: int = 0
    terms: int = 0
    term_codes: Counter[int | None] = field(default_factory=Counter)
    stop_seconds: list[float] = field(default_factory=list)
    lock_seconds: list[float] = field(default_factory=list)


class Daemon:
    """`duluan start`, started again after each kill or stop."""

    def __init__(self, env: dict[str, str], cwd: Path, log: Path) -> None:
        self.env = env
        self.cwd = cwd
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self.starts = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "duluan", "start"],
                stdout=subprocess.DEVNULL,
                stderr=out,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,  # its own group: a SIGKILL takes the crawl child too
            )
        self.started = time.monotonic()
        self.starts += 1

    def up_for(self) -> float:
        return time.monotonic() - self.started

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def term(self, timeout: float = 60.0) -> tuple[int | None, float]:
        """SIGTERM the daemon alone (as `docker stop` does); its exit code and stop time."""
        assert self.process is not None
        began = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            code: int | None = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        return code, time.monotonic() - began


def hold_sqlite_lock(path: Path, seconds: float) -> None:
    """Another connection takes the write lock and keeps it for `seconds`."""
    connection = sqlite3.connect(path, timeout=60, isolation_level=None)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        time.sleep(seconds)
        connection.execute("ROLLBACK")
    finally:
        connection.close()


def terminate_pg(admin_url: str, database: str) -> int:
    """End every connection to `database` (the daemon's, the crawl child's); how many."""
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": database},
            ).all()
        return len(rows)
    finally:
        engine.dispose()


def outbox_rows(url: str) -> list[dict[str, Any]]:
    """Every outbox row of the review chat, with its article's URL."""
    engine = create_engine(_driver_url(url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT o.status, o.kind, o.attempts, o.last_error, a.url FROM outbox o "
                    "LEFT JOIN articles a ON a.id = o.article_id WHERE o.chat = :chat"
                ),
                {"chat": str(REVIEW_CHAT)},
            )
            return [dict(row._mapping) for row in rows]
    finally:
        engine.dispose()


def _driver_url(url: str) -> str:
    return normalize_url(url)


def stored_urls(url: str) -> set[str]:
    engine = create_engine(_driver_url(url))
    try:
        with engine.connect() as connection:
            return {row[0] for row in connection.execute(text("SELECT url FROM articles"))}
    finally:
        engine.dispose()


def copies(fake: FakeTelegram, title: str) -> list[str]:
    return [str(m.get("text", "")) for m in fake.sent(REVIEW_CHAT) if title in str(m.get("text"))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=4.0, help="time under faults")
    parser.add_argument(
        "--drain",
        type=float,
        default=UNCERTAIN_WAIT.total_seconds() + 120,
        help="seconds without faults for the daemon to deliver the rest",
    )
    parser.add_argument("--interval", type=int, default=8, help="poll interval in seconds")
    parser.add_argument("--every", type=float, default=6.0, help="mean seconds between articles")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL database")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    tally = Tally()
    pg_name = f"duluan_soak_{uuid.uuid4().hex[:10]}"
    admin = None
    with (
        tempfile.TemporaryDirectory(prefix="duluan-soak-") as tmp,
        LocalSite(Path(tmp)) as site,
        FakeTelegram(known_chats={REVIEW_CHAT}, max_poll=5.0) as fake,
    ):
        if args.postgres:
            admin = create_engine(normalize_url(PG_ADMIN), isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{pg_name}"'))
            db_url = (
                make_url(normalize_url(PG_ADMIN))
                .set(database=pg_name)
                .render_as_string(hide_password=False)
            )
        else:
            db_url = f"sqlite:///{tmp}/soak.sqlite3"
        try:
            outlet = Outlet(site)
            config = Path(tmp) / "config.yaml"
            config.write_text(
                CONFIG.format(base=site.base, interval=args.interval, chat=REVIEW_CHAT),
                encoding="utf-8",
            )
            env = {
                **os.environ,
                "DULUAN_CONFIG": str(config),
                "DULUAN_DATABASE_URL": db_url,
                "TELEGRAM_BOT_TOKEN": fake.token,
                "TELEGRAM_API_BASE_URL": fake.base_url,
                "PYTHONPATH": str(ROOT),
            }
            env.pop("DULUAN_NOW", None)
            log = Path(tmp) / "daemon.log"
            daemon = Daemon(env, Path(tmp), log)
            titles: list[str] = []
            daemon.start()
            began = time.monotonic()
            end = began + args.minutes * 60
            next_article = began
            next_fault = began + 5
            lockers: list[threading.Thread] = []
            print(
                f"soak: {args.minutes:g} min under faults, then up to {args.drain:.0f} s to "
                f"drain | {'postgresql' if args.postgres else 'sqlite'} | seed {args.seed}",
                flush=True,
            )
            while time.monotonic() < end:
                moment = time.monotonic()
                if moment >= next_article:
                    titles.append(outlet.publish(len(titles) + 1))
                    next_article = moment + rng.expovariate(1 / args.every)
                if moment >= next_fault:
                    next_fault = moment + rng.uniform(4, 10)
                    roll = rng.random()
                    if roll < 0.12 and daemon.up_for() > 25:
                        daemon.kill()
                        tally.kills += 1
                        time.sleep(rng.uniform(0.2, 3))
                        daemon.start()
                    elif roll < 0.24 and daemon.up_for() > 25:
                        code, seconds = daemon.term()
                        tally.terms += 1
                        tally.term_codes[code] += 1
                        tally.stop_seconds.append(seconds)
                        daemon.start()
                    elif roll < 0.40:
                        fake.fail_next("sendMessage", status=429, retry_after=rng.randint(1, 5))
                        tally.faults["429"] += 1
                    elif roll < 0.52:
                        fake.fail_next("sendMessage", status=500)
                        tally.faults["500"] += 1
                    elif roll < 0.62:
                        fake.answer_late_next("sendMessage", SEND_TIMEOUT + 5)
                        tally.faults["delivered, answer after the timeout"] += 1
                    elif roll < 0.70:
                        fake.delay_next("sendMessage", SEND_TIMEOUT + 5)
                        tally.faults["delivered after the timeout"] += 1
                    elif roll < 0.80 and not any(t.is_alive() for t in lockers):
                        if args.postgres:
                            ended = terminate_pg(normalize_url(PG_ADMIN), pg_name)
                            tally.faults[f"pg_terminate_backend ({ended} conn.)"] += 1
                        else:
                            seconds = rng.uniform(10, 45)
                            tally.lock_seconds.append(seconds)
                            locker = threading.Thread(
                                target=hold_sqlite_lock,
                                args=(Path(tmp) / "soak.sqlite3", seconds),
                                daemon=True,
                            )
                            locker.start()
                            lockers.append(locker)
                            tally.faults["database locked"] += 1
                if daemon.process is not None and daemon.process.poll() is not None:
                    tally.faults["daemon died by itself"] += 1
                    daemon.start()
                time.sleep(0.1)
            fake.clear_faults()  # the queued ones too: the drain runs without faults
            for locker in lockers:
                locker.join()
            print(f"faults stopped after {time.monotonic() - began:.0f} s; draining", flush=True)
            drained_at = time.monotonic()
            deadline = drained_at + args.drain
            while time.monotonic() < deadline:
                if all(copies(fake, title) for title in titles):
                    waiting = [
                        r for r in outbox_rows(db_url) if r["status"] not in ("sent", "failed")
                    ]
                    if not waiting:
                        break
                time.sleep(2)
            drain_seconds = time.monotonic() - drained_at
            code, seconds = daemon.term()
            tally.terms += 1
            tally.term_codes[code] += 1
            tally.stop_seconds.append(seconds)
            rows = outbox_rows(db_url)
            stored = stored_urls(db_url)
            report(args, tally, daemon, fake, titles, outlet, rows, stored, drain_seconds)
            keep = Path(tempfile.gettempdir()) / "duluan-soak-last.log"
            keep.write_bytes(log.read_bytes())
            tracebacks = log.read_text(errors="replace").count("Traceback")
            print(f"daemon log: {keep} ({tracebacks} traceback(s))")
            if not ok(fake, titles):
                sys.exit(1)
        finally:
            if admin is not None:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
                admin.dispose()


def ok(fake: FakeTelegram, titles: list[str]) -> bool:
    """No alert lost, and every one that came twice or more has its later copies marked."""
    for title in titles:
        found = copies(fake, title)
        if not found or any(not text.startswith(RESEND_MARK) for text in found[1:]):
            return False
    return True


def report(
    args: argparse.Namespace,
    tally: Tally,
    daemon: Daemon,
    fake: FakeTelegram,
    titles: list[str],
    outlet: Outlet,
    rows: list[dict[str, Any]],
    stored: set[str],
    drain_seconds: float,
) -> None:
    urls = {title: f"{outlet.site.base}/bench/{slug}" for slug, title, _ in outlet.items}
    by_url = {row["url"]: row for row in rows if row["url"]}
    lost = [t for t in titles if not copies(fake, t)]
    doubled = [t for t in titles if len(copies(fake, t)) > 1]
    unexplained = [
        t for t in doubled if not all(c.startswith(RESEND_MARK) for c in copies(fake, t)[1:])
    ]
    only_resend = [
        t
        for t in titles
        if len(copies(fake, t)) == 1 and copies(fake, t)[0].startswith(RESEND_MARK)
    ]
    print(f"articles published {len(titles)}, stored {len(set(urls.values()) & stored)}")
    print(
        f"alerts: {len(titles) - len(lost)} of {len(titles)} arrived | lost {len(lost)} | "
        f"duplicated {len(doubled)} ({len(unexplained)} unexplained) | resent without a "
        f"first copy {len(only_resend)} | drained in {drain_seconds:.0f} s"
    )
    for title in doubled:
        why = by_url.get(urls[title], {}).get("last_error") or "killed during the call"
        marked = "UNEXPLAINED" if title in unexplained else "later copy marked resend"
        print(f"  twice: {title[:48]!r}: {marked}; last error: {why[:70]}")
    for title in lost:
        found = by_url.get(urls[title])
        state = f"outbox {found['status']} ({found['last_error']})" if found else "no outbox row"
        print(f"  LOST: {title[:48]!r}: {state}")
    stops = ", ".join(f"exit {code} ×{n}" for code, n in sorted(tally.term_codes.items(), key=str))
    longest = max(tally.stop_seconds, default=0.0)
    print(
        f"restarts {daemon.starts - 1} (SIGKILL {tally.kills}, SIGTERM {tally.terms - 1}; "
        f"stops: {stops}, longest {longest:.1f} s)"
    )
    locks = (
        f" ({min(tally.lock_seconds):.0f}-{max(tally.lock_seconds):.0f} s)"
        if tally.lock_seconds
        else ""
    )
    print(
        "faults: " + ", ".join(f"{name} ×{n}" for name, n in sorted(tally.faults.items())) + locks
    )
    print(f"messages sent to the review group: {len(fake.sent(REVIEW_CHAT))}")


if __name__ == "__main__":
    main()
