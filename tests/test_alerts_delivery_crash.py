"""The outbox worker killed between steps, and the daemon stopped during a send: on restart
nothing is lost and nothing is sent twice, except the one message whose Telegram call was in
flight when the process died or the stop's grace ran out, and that one says it is a resend."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alerts.delivery import UNCERTAIN_WAIT
from crawler.dates import parse_date
from duluan.daemon import SEND_GRACE
from storage import OutboxEntry, Store
from tests.kit.articles import T0
from tests.kit.crawl import FROZEN_NOW, write_config
from tests.site.server import LocalSite
from tests.telegram.fake_api import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
CHATS = [-1001000000000 - n for n in range(6)]


def worker(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "duluan", "alert"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def setup(tmp_path: Path, fake: FakeTelegram, entries: list[OutboxEntry]) -> dict[str, str]:
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    with Store.open(url) as store:
        store.enqueue(entries, T0)
    return {
        **os.environ,
        "DULUAN_DATABASE_URL": url,
        "DULUAN_CONFIG": str(ROOT / "config.yaml"),
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
    }


def until(predicate: Callable[[], bool], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def committed(env: dict[str, str]) -> int:
    with Store.open(env["DULUAN_DATABASE_URL"]) as store:
        return sum(c.count for c in store.outbox_counts() if c.status == "sent")


def arrived(fake: FakeTelegram) -> Counter[str]:
    return Counter(m["text"] for m in fake.sent())


def test_killed_while_waiting_for_the_throttle_nothing_twice(tmp_path: Path) -> None:
    entries = [OutboxEntry(f"s{n}", str(CHATS[0]), None, "alert", f"Tin {n}") for n in range(3)]
    with FakeTelegram(known_chats=set(CHATS)) as fake:
        env = setup(tmp_path, fake, entries)
        first = worker(env)
        assert until(lambda: committed(env) == 1)
        first.send_signal(signal.SIGKILL)  # inside the one-second wait before the next message
        first.communicate(timeout=30)
        again = worker(env)
        out, err = again.communicate(timeout=60)
        assert again.returncode == 0, err
        assert arrived(fake) == Counter({"Tin 0": 1, "Tin 1": 1, "Tin 2": 1})
        assert "Đã gửi 2 cảnh báo" in out


def test_killed_during_a_telegram_call_that_one_goes_again_saying_so(tmp_path: Path) -> None:
    """The message whose call was in flight was claimed ("sending") before the call: a restart
    does not send it at once; once UNCERTAIN_WAIT has passed it goes again, headed by the note
    that tells the group it may be a second copy. Nothing is lost, nothing else is doubled."""
    entries = [OutboxEntry(f"s{n}", str(chat), None, "alert", f"Tin {n}") for n, chat in
               enumerate(CHATS)]  # fmt: skip
    with FakeTelegram(known_chats=set(CHATS)) as fake:
        env = setup(tmp_path, fake, entries)
        for _ in range(2):
            fake.delay_next("sendMessage", 0)
        fake.delay_next("sendMessage", 3.0)  # the third call is slow to answer
        first = worker(env)
        assert fake.wait_for(lambda: len(fake.calls_to("sendMessage")) == 3, timeout=60)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
        assert fake.wait_for(lambda: len(fake.sent()) == 3, timeout=10)  # it still lands
        again = worker(env)
        _, err = again.communicate(timeout=60)
        assert again.returncode == 0, err
        assert arrived(fake) == Counter(f"Tin {n}" for n in range(len(CHATS)))  # none twice yet
        with Store.open(env["DULUAN_DATABASE_URL"]) as store:
            assert {c.chat: c.status for c in store.outbox_counts()}[str(CHATS[2])] == "sending"
        later = (datetime.now(UTC) + UNCERTAIN_WAIT + timedelta(seconds=30)).isoformat()
        again = worker({**env, "DULUAN_NOW": later})
        _, err = again.communicate(timeout=60)
        assert again.returncode == 0, err
        texts = [m["text"] for m in fake.sent()]
        assert len(texts) == len(CHATS) + 1
        assert texts[-1].startswith("🔁 Gửi lại") and texts[-1].endswith("Tin 2")
        again = worker({**env, "DULUAN_NOW": later})
        again.communicate(timeout=60)
        assert len(fake.sent()) == len(CHATS) + 1  # a fourth run sends nothing


def daemon(tmp_path: Path, env: dict[str, str], now: str) -> subprocess.Popen[bytes]:
    """`duluan start` at the frozen time `now`; its log goes to daemon.log (appended)."""
    with (tmp_path / "daemon.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "duluan", "start"],
            env={**env, "DULUAN_NOW": now},
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )


def stopped(process: subprocess.Popen[bytes], tmp_path: Path) -> tuple[int | None, str]:
    """SIGTERM; the exit code (None if still running after 30 s, then killed) and the log."""
    process.send_signal(signal.SIGTERM)
    try:
        code: int | None = process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        code = None
    return code, (tmp_path / "daemon.log").read_text(encoding="utf-8", errors="replace")


def daemon_setup(tmp_path: Path, site: LocalSite, fake: FakeTelegram) -> dict[str, str]:
    write_config(
        tmp_path,
        site.base,
        "  - {name: thu, title: Báo Thử, feeds: ['{{BASE}}/none.rss'], interval: 1h}\n",
    )
    entry = OutboxEntry("s1", str(CHATS[0]), None, "alert", "<b>Báo Thử</b>: tin 1")
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    with Store.open(url) as store:
        store.enqueue([entry], parse_date(FROZEN_NOW) or T0)
    env = setup(tmp_path, fake, [])
    return {**env, "DULUAN_DATABASE_URL": url, "DULUAN_CONFIG": str(tmp_path / "config.yaml")}


def starts(tmp_path: Path) -> int:
    """How many daemons of the log got through their start (the outbox delivered once)."""
    log = (tmp_path / "daemon.log").read_text(encoding="utf-8", errors="replace")
    return log.count("Chương trình chạy nền đã sẵn sàng")


def test_sigterm_during_a_send_lets_it_finish_and_records_it(tmp_path: Path) -> None:
    """SIGTERM while Telegram is slow to answer (2 s, within SEND_GRACE): the daemon waits for
    the answer, records the message as sent and exits 0; a restart, even after the claim's hold,
    sends nothing again."""
    with LocalSite(tmp_path / "site") as site, FakeTelegram(known_chats=set(CHATS)) as fake:
        env = daemon_setup(tmp_path, site, fake)
        fake.delay_next("sendMessage", 2.0)
        first = daemon(tmp_path, env, FROZEN_NOW)
        assert fake.wait_for(lambda: len(fake.calls_to("sendMessage")) == 1, timeout=90)
        code, log = stopped(first, tmp_path)
        assert code == 0, log[-3000:]
        assert "Chờ tối đa 5 giây cho tin đang gửi dở" in log
        with Store.open(env["DULUAN_DATABASE_URL"]) as store:
            assert [c.status for c in store.outbox_counts()] == ["sent"]
        before = starts(tmp_path)
        second = daemon(tmp_path, env, "2026-11-26T10:30:00+07:00")
        assert until(lambda: starts(tmp_path) > before, timeout=90)
        code, log = stopped(second, tmp_path)
        assert code == 0, log[-3000:]
        assert [m["text"] for m in fake.sent()] == ["Báo Thử: tin 1"]


def test_sigterm_with_no_answer_within_the_grace_goes_again_saying_so(tmp_path: Path) -> None:
    """Telegram delivers but answers only after SEND_GRACE: the stop cuts the call, records the
    message "uncertain" and exits 0; after UNCERTAIN_WAIT a restart sends it again with the note."""
    with LocalSite(tmp_path / "site") as site, FakeTelegram(known_chats=set(CHATS)) as fake:
        env = daemon_setup(tmp_path, site, fake)
        fake.answer_late_next("sendMessage", SEND_GRACE + 5)
        first = daemon(tmp_path, env, FROZEN_NOW)
        assert fake.wait_for(lambda: len(fake.calls_to("sendMessage")) == 1, timeout=90)
        code, log = stopped(first, tmp_path)
        assert code == 0, log[-3000:]
        with Store.open(env["DULUAN_DATABASE_URL"]) as store:
            assert [c.status for c in store.outbox_counts()] == ["uncertain"]
        second = daemon(tmp_path, env, "2026-11-26T10:30:00+07:00")
        assert fake.wait_for(lambda: len(fake.sent()) == 2, timeout=90)
        code, log = stopped(second, tmp_path)
        assert code == 0, log[-3000:]
        texts = [m["text"] for m in fake.sent()]
        assert texts[0] == "Báo Thử: tin 1"
        assert texts[1].startswith("🔁 Gửi lại") and texts[1].endswith("Báo Thử: tin 1")
