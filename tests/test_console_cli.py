"""`duluan users add`, `duluan web` (a real uvicorn process stopped by SIGTERM), the daemon
serving the console on its loop, the `web` config section and the session secret file."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from duluan.cli import main
from duluan.config import ConfigError, masked_dump, parse_config
from duluan.console.app import load_secret
from duluan.console.auth import check_password
from duluan.console.login import retry_at
from duluan.console.state import state_of
from duluan.daemon import Daemon
from duluan.runtime import Runtime
from storage import Store
from tests.kit.console import CONFIG, PXI_UNIT, config

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "config.yaml").write_text(CONFIG, encoding="utf-8")
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    monkeypatch.setenv("DULUAN_CONFIG", str(tmp_path / "config.yaml"))
    monkeypatch.setenv("DULUAN_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    return url


def _users_add(monkeypatch: pytest.MonkeyPatch, stdin: str, *args: str) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(["users", "add", *args])


def test_users_add_reads_the_password_from_a_pipe(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _users_add(
        monkeypatch, "mật khẩu rất dài\n", "dakpxi", "--role", "unit", "--unit", PXI_UNIT
    )
    assert code == 0
    assert (
        "Đã tạo tài khoản dakpxi (Cán bộ đơn vị, đơn vị UBND xã Đăk Pxi)."
        in capsys.readouterr().out
    )
    with Store.open(cli_env) as store:
        user = store.web_user_by_name("dakpxi")
    assert user is not None and (user.role, user.unit) == ("unit", PXI_UNIT)
    assert user.password_hash.startswith("$argon2")
    assert check_password(user.password_hash, "mật khẩu rất dài")
    assert _users_add(monkeypatch, "mật khẩu khác dài\n", "dakpxi", "--role", "staff") == 1
    assert "đã có" in capsys.readouterr().err
    assert main(["users", "list"]) == 0
    assert "dakpxi" in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.StringIO("mật khẩu mới rất dài\n"))
    assert main(["users", "passwd", "dakpxi"]) == 0
    with Store.open(cli_env) as store:
        changed = store.web_user_by_name("dakpxi")
    assert changed is not None and check_password(changed.password_hash, "mật khẩu mới rất dài")
    assert not check_password(changed.password_hash, "mật khẩu rất dài")
    monkeypatch.setattr(sys, "stdin", io.StringIO("mật khẩu mới rất dài\n"))
    assert main(["users", "passwd", "khongco"]) == 1


@pytest.mark.parametrize(
    ("stdin", "args", "message"),
    [
        ("ngắn\n", ["a", "--role", "staff"], "ít nhất 10 ký tự"),
        ("mật khẩu rất dài\n", ["a", "--role", "unit"], "cần --unit"),
        ("mật khẩu rất dài\n", ["a", "--role", "unit", "--unit", "Lạ"], "cần --unit"),
        ("mật khẩu rất dài\n", ["a", "--role", "staff", "--unit", PXI_UNIT], "chỉ dùng với"),
    ],
)
def test_users_add_bad_usage_exits_2_and_creates_nothing(
    cli_env: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    stdin: str,
    args: list[str],
    message: str,
) -> None:
    assert _users_add(monkeypatch, stdin, *args) == 2
    assert message in capsys.readouterr().err
    with Store.open(cli_env) as store:
        assert store.list_web_users() == []


def test_unknown_role_is_refused_by_the_parser(
    cli_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SystemExit) as exc:
        _users_add(monkeypatch, "mật khẩu rất dài\n", "a", "--role", "boss")
    assert exc.value.code == 2


def test_web_config_defaults_validation_and_masking() -> None:
    web = config().web
    assert (web.enabled, web.host, web.port, web.secure_cookies, web.base_path) == (
        True,
        "127.0.0.1",
        8080,
        True,
        "",
    )
    custom = CONFIG.replace(
        "web: {secure_cookies: true}",
        "web: {secret: 'env:WEB_SECRET', base_path: /duluan/, port: 9000}",
    )
    loaded = parse_config(custom, "t.yaml", {"WEB_SECRET": "khóa-bí-mật-rất-dài"})
    secret = loaded.config.web.secret
    assert secret is not None and secret.get_secret_value() == "khóa-bí-mật-rất-dài"
    assert loaded.config.web.base_path == "/duluan"
    dumped = masked_dump(loaded, Runtime().describe())
    assert "khóa-bí-mật-rất-dài" not in dumped and "kh***ài" in dumped
    with pytest.raises(ConfigError) as exc:
        parse_config(CONFIG.replace("secure_cookies: true", "base_path: duluan"), "t.yaml", {})
    assert "web.base_path" in str(exc.value) and "phải bắt đầu bằng /" in str(exc.value)
    assert (web.trusted_proxies, web.unit_digests) == ([], False)
    proxied = CONFIG.replace(
        "web: {secure_cookies: true}",
        "web: {trusted_proxies: [127.0.0.1, '10.0.0.0/8', '::1'], unit_digests: true}",
    )
    web = parse_config(proxied, "t.yaml", {}).config.web
    assert (web.trusted_proxies, web.unit_digests) == (["127.0.0.1", "10.0.0.0/8", "::1"], True)
    for wrong in ("'*'", "proxy.local", "10.0.0.0/33"):
        with pytest.raises(ConfigError) as exc:
            parse_config(
                CONFIG.replace("secure_cookies: true", f"trusted_proxies: [{wrong}]"), "t", {}
            )
        assert "web.trusted_proxies[0]" in str(exc.value) and "dải mạng" in str(exc.value)


def test_secret_is_generated_once_with_mode_600(tmp_path: Path) -> None:
    first = load_secret(config(), tmp_path / "data")
    path = tmp_path / "data" / "web-secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 40
    assert load_secret(config(), tmp_path / "data") == first
    configured = parse_config(
        CONFIG.replace("web: {secure_cookies: true}", "web: {secret: 'env:S'}"),
        "t",
        {"S": "x" * 40},
    ).config
    assert load_secret(configured, tmp_path / "other") == "x" * 40
    assert not (tmp_path / "other").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _status(url: str) -> int:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return -1


def test_duluan_web_serves_then_stops_on_sigterm(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(CONFIG, encoding="utf-8")
    port = _free_port()
    env = {
        **os.environ,
        "DULUAN_CONFIG": str(tmp_path / "config.yaml"),
        "DULUAN_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "duluan", "web", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while _status(f"http://127.0.0.1:{port}/login") != 200:
            assert process.poll() is None, process.communicate()[1].decode()
            assert time.monotonic() < deadline, "trang rà soát không khởi động"
            time.sleep(0.1)
        assert _status(f"http://127.0.0.1:{port}/queue") == 303
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err.decode()
    assert f"Trang rà soát: http://127.0.0.1:{port}/" in err.decode()
    assert stat.S_IMODE((tmp_path / "data" / "web-secret").stat().st_mode) == 0o600


def test_daemon_serves_the_console_on_its_loop_and_stops_it(tmp_path: Path) -> None:
    port = _free_port()
    configured = parse_config(
        CONFIG.replace("web: {secure_cookies: true}", f"web: {{port: {port}}}"), "t", {}
    ).config
    url = f"sqlite:///{tmp_path}/db.sqlite3"

    async def run() -> tuple[int, int]:
        daemon = Daemon(configured, url, now=lambda: time_now(), web=True, data_dir=tmp_path)
        daemon._store = Store.open(url)
        try:
            await daemon._start_web()
            # "Thêm tin" tags with the daemon's own tagger, built once.
            daemon._locator = tagger = object()
            daemon._share_tagger()
            web = state_of(daemon._web.app)
            assert web.locator is tagger and web.console_mode is (daemon.token is None)
            serving = await asyncio.to_thread(_status, f"http://127.0.0.1:{port}/login")
            await daemon._web.stop()
            stopped = await asyncio.to_thread(_status, f"http://127.0.0.1:{port}/login")
            return serving, stopped
        finally:
            daemon._store.close()

    assert asyncio.run(run()) == (200, -1)


def test_daemon_goes_on_when_the_console_port_is_taken(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        configured = parse_config(
            CONFIG.replace("web: {secure_cookies: true}", f"web: {{port: {port}}}"), "t", {}
        ).config
        url = f"sqlite:///{tmp_path}/db.sqlite3"

        async def run() -> object:
            daemon = Daemon(configured, url, now=time_now, web=True, data_dir=tmp_path)
            daemon._store = Store.open(url)
            try:
                await daemon._start_web()
                return daemon._web
            finally:
                daemon._store.close()

        assert asyncio.run(run()) is None
    assert "Trang rà soát không chạy" in caplog.text


def time_now():  # type: ignore[no-untyped-def]
    from tests.kit.console import NOW

    return NOW


def test_users_unlock_forgets_failed_logins_and_is_audited(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DULUAN_NOW", "2026-11-26T10:00:00+07:00")
    now = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    assert _users_add(monkeypatch, "mật khẩu rất dài\n", "canbo", "--role", "staff") == 0
    with Store.open(cli_env) as store:
        for n in range(8):
            store.record_login("canbo", "192.0.2.1", False, now - timedelta(minutes=n))
        store.record_login("khac", "192.0.2.1", False, now)
        since = now - timedelta(days=1)
        assert retry_at(store.login_failures("canbo", "192.0.2.1", since, since)) is not None
    capsys.readouterr()
    assert main(["users", "unlock", "canbo"]) == 0
    assert "Đã mở khóa canbo: xóa 8 lần đăng nhập sai" in capsys.readouterr().out
    with Store.open(cli_env) as store:
        failures = store.login_failures("canbo", "192.0.2.1", since, since)
        assert (failures.pair.count, failures.name.count, failures.address.count) == (0, 0, 1)
        assert retry_at(failures) is None
        [entry] = [a for a in store.list_audit() if a.action == "mở khóa đăng nhập"]
    assert (entry.target, entry.detail, entry.at) == ("user:canbo", "xóa 8 lần đăng nhập sai", now)
    assert main(["users", "unlock", "canbo"]) == 0
    assert "không có lần đăng nhập sai nào" in capsys.readouterr().out
    assert main(["users", "unlock", "khongco"]) == 1
    assert "không có tài khoản 'khongco'" in capsys.readouterr().err
