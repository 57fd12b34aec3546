"""The outbox worker killed between steps: on restart nothing is lost and nothing is sent twice,
except the one message whose Telegram call was in flight when the process died."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from storage import OutboxEntry, Store
from tests.telegram.fake_api import FakeTelegram
from tests.test_storage import T0

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


def test_killed_during_a_telegram_call_at_most_that_one_twice(tmp_path: Path) -> None:
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
        counts = arrived(fake)
        assert set(counts) == {f"Tin {n}" for n in range(len(CHATS))}  # nothing lost
        assert counts["Tin 2"] == 2  # the unavoidable case: answered, not yet committed
        assert sum(counts.values()) == len(CHATS) + 1
        again = worker(env)
        again.communicate(timeout=60)
        assert sum(arrived(fake).values()) == len(CHATS) + 1  # a third run sends nothing
