"""Exit codes of clean errors: a wrong DULUAN_NOW is one line and exit 2 for every command; a
database locked past the busy timeout is a failure (exit 1) explained in Vietnamese."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from duluan.cli import main
from storage import Store
from tests.kit.console import CONFIG

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "duluan", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


@pytest.mark.parametrize(
    "args",
    [["crawl"], ["locate", "-"], ["config", "check"], ["users", "list"], ["digest"]],
    ids=["crawl", "locate", "config", "users", "digest"],
)
def test_a_wrong_duluan_now_is_one_line_and_exit_2(tmp_path: Path, args: list[str]) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "DULUAN_CONFIG": str(config),
        "DULUAN_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "DULUAN_NOW": "hôm qua",
    }
    done = _run(args, env, stdin="Tin Đăk Hà\nXã Đăk Pxi có mưa lớn.\n")
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "duluan: DULUAN_NOW='hôm qua' không hợp lệ: cần một thời điểm ISO 8601 như "
        "2026-11-26T10:00:00+07:00, hoặc bỏ biến này để dùng giờ thật"
    ]
    assert done.stdout == ""
    assert not (tmp_path / "db.sqlite3").exists()  # nothing ran


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("storage.db.SQLITE_BUSY_TIMEOUT_MS", 1000)


def _hold_lock(path: Path) -> sqlite3.Connection:
    """Another process's write transaction, open until closed."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("CREATE TABLE IF NOT EXISTS other_tool (x INTEGER)")
    return holder


def test_a_locked_database_on_write_exits_1(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    short_busy_timeout: None,
) -> None:
    path = tmp_path / "db.sqlite3"
    url = f"sqlite:///{path}"
    monkeypatch.setenv("DULUAN_DATABASE_URL", url)
    monkeypatch.delenv("DULUAN_NOW", raising=False)
    Store.open(url).close()
    holder = _hold_lock(path)
    try:
        monkeypatch.setattr(sys, "stdin", io.StringIO("một mật khẩu dài\n"))
        code = main(["users", "passwd", "ai-do"])
    finally:
        holder.close()
    assert code == 1
    err = capsys.readouterr().err
    assert "đang bị một tiến trình khác giữ khóa quá 1 giây (database is locked)" in err
    assert "Traceback" not in err


def test_a_locked_database_at_open_exits_1(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    short_busy_timeout: None,
) -> None:
    path = tmp_path / "db.sqlite3"
    monkeypatch.setenv("DULUAN_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.delenv("DULUAN_NOW", raising=False)
    holder = _hold_lock(path)  # a new database: opening it must write the schema
    try:
        code = main(["users", "list"])
    finally:
        holder.close()
    assert code == 1
    assert "(database is locked)" in capsys.readouterr().err


def test_a_wrong_database_url_is_still_bad_usage(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DULUAN_DATABASE_URL", "không phải url")
    assert main(["users", "list"]) == 2
    assert "Địa chỉ cơ sở dữ liệu không hợp lệ" in capsys.readouterr().err
