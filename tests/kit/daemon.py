"""The daemon as a process, for tests: `duluan start` in a folder with a frozen clock, waiting
for what it does, and stopping it by a signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.kit.crawl import FROZEN_NOW

ROOT = Path(__file__).resolve().parent.parent.parent


def start(tmp_path: Path, env_extra: dict[str, str]) -> subprocess.Popen[bytes]:
    """`duluan start` in `tmp_path`; its stdout and stderr go to daemon.out and daemon.log."""
    env = {
        **os.environ,
        "DULUAN_CONFIG": str(tmp_path / "config.yaml"),
        "DULUAN_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "DULUAN_NOW": FROZEN_NOW,
        "PYTHONPATH": str(ROOT),
        **env_extra,
    }
    if "TELEGRAM_BOT_TOKEN" not in env_extra:
        env.pop("TELEGRAM_BOT_TOKEN", None)
    with (tmp_path / "daemon.out").open("wb") as out, (tmp_path / "daemon.log").open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "duluan", "start"],
            stdout=out,
            stderr=err,
            env=env,
            cwd=tmp_path,
        )


def log_text(tmp_path: Path) -> str:
    return (tmp_path / "daemon.log").read_text(encoding="utf-8", errors="replace")


def wait_until(check: Callable[[], object], timeout: float = 90.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def stop(
    process: subprocess.Popen[bytes], tmp_path: Path, signum: int = signal.SIGTERM
) -> tuple[int, str, str]:
    """Send `signum`; the exit code (-999 if still running after 15 s) and the output."""
    process.send_signal(signum)
    try:
        code = process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        code = -999
    out = (tmp_path / "daemon.out").read_text(encoding="utf-8", errors="replace")
    return code, out, log_text(tmp_path)
