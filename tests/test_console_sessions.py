"""Console sessions that really end: a copied cookie stops working after logout, a new password
(`duluan users passwd`) or disabling the account, while other accounts' sessions live on. On
SQLite and PostgreSQL (the `store` fixture behind `console`)."""

from __future__ import annotations

import io
import json
import sys
from base64 import b64encode

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import text
from starlette.testclient import TestClient

from duluan.cli import main
from duluan.console.app import SESSION_COOKIE
from duluan.console.auth import SESSION_ENDED
from duluan.console.login import LOGGED_OUT
from storage.db import make_engine
from tests.kit.console import PASSWORD, Console, console, login, token

__all__ = ["console"]

NEW_PASSWORD = "mật khẩu mới rất dài 456"


def _copy(console: Console, client: TestClient) -> TestClient:
    """Another browser holding a copy of `client`'s session cookie."""
    return _browser(console, client.cookies[SESSION_COOKIE])


def _browser(console: Console, cookie: str) -> TestClient:
    other = console.client()
    other.cookies.set(SESSION_COOKIE, cookie)
    return other


def _logged_in(client: TestClient) -> bool:
    response = client.get("/queue", follow_redirects=False)
    assert response.status_code in (200, 303), response.text
    return response.status_code == 200


def _user_id(console: Console, name: str) -> int:
    record = console.store.web_user_by_name(name)
    assert record is not None
    return record.id


def test_copied_cookie_stops_working_after_logout(console: Console) -> None:
    client = console.client("canbo")
    copied = _copy(console, client)
    elsewhere = console.client("canbo")
    other_user = console.client("dakpxi")
    assert _logged_in(copied) and _logged_in(elsewhere)

    response = client.post(
        "/logout", data={"csrf_token": token(client, "/queue")}, follow_redirects=False
    )
    assert response.headers["location"] == "/login"
    assert LOGGED_OUT in client.get("/login").text

    assert not _logged_in(client)
    refused = copied.get("/queue", follow_redirects=False)
    assert refused.headers["location"] == "/login?next=%2Fqueue"
    page = copied.get(refused.headers["location"])
    assert SESSION_ENDED in page.text and 'name="password"' in page.text
    assert SESSION_ENDED not in copied.get("/login").text
    assert not _logged_in(elsewhere)
    assert _logged_in(other_user)

    assert login(copied, "canbo").status_code == 303
    assert _logged_in(copied)
    assert not _logged_in(client)


def test_copied_cookie_cannot_post_after_logout(console: Console) -> None:
    client = console.client("canbo")
    copied = _copy(console, client)
    csrf = token(copied, "/queue")
    client.post("/logout", data={"csrf_token": token(client, "/queue")})
    story = f"cluster:{console.seeded.forest}"
    response = copied.post(
        f"/items/{console.seeded.forest}/relevant",
        data={"version": "0", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    assert console.store.review_detail(story).state.status == "new"


def test_users_passwd_ends_open_sessions(
    console: Console,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    client = console.client("canbo")
    copied = _copy(console, client)
    other_user = console.client("xem")
    monkeypatch.setenv("DULUAN_DATABASE_URL", db_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO(NEW_PASSWORD + "\n"))

    assert main(["users", "passwd", "canbo"]) == 0
    assert "mọi phiên đăng nhập đang mở" in capsys.readouterr().out

    assert not _logged_in(client) and not _logged_in(copied)
    assert _logged_in(other_user)
    assert login(client, "canbo", PASSWORD).status_code == 401
    assert login(client, "canbo", NEW_PASSWORD).status_code == 303
    assert _logged_in(client)


def test_disabling_an_account_ends_its_sessions_for_good(console: Console) -> None:
    admin = console.client("quantri")
    victim = console.client("dakpxi")
    copied = _copy(console, victim)
    stolen = victim.cookies[SESSION_COOKIE]
    bystander = console.client("phongtn")
    victim_id = _user_id(console, "dakpxi")

    response = admin.post(
        f"/users/{victim_id}/active",
        data={"active": "0", "csrf_token": token(admin, "/users")},
        follow_redirects=True,
    )
    assert "mọi phiên đăng nhập đang mở của tài khoản đã kết thúc" in response.text
    assert not _logged_in(victim) and not _logged_in(copied)

    admin.post(
        f"/users/{victim_id}/active",
        data={"active": "1", "csrf_token": token(admin, "/users")},
    )
    record = console.store.get_web_user(victim_id)
    assert record is not None and record.active
    assert not _logged_in(copied)
    assert not _logged_in(_browser(console, stolen))
    assert _logged_in(admin) and _logged_in(bystander)
    assert login(copied, "dakpxi").status_code == 303
    assert _logged_in(copied)


def test_cookie_without_an_epoch_is_logged_out(console: Console) -> None:
    """A session signed before epochs existed (or forged without one) must log in again."""
    uid = _user_id(console, "canbo")
    payload = b64encode(json.dumps({"uid": uid}).encode())
    cookie = TimestampSigner("s" * 40).sign(payload).decode()
    client = _browser(console, cookie)
    response = client.get("/queue", follow_redirects=True)
    assert SESSION_ENDED in response.text

    assert login(client, "canbo").status_code == 303
    assert _logged_in(client)


def test_store_epochs(console: Console, db_url: str) -> None:
    store = console.store
    uid = _user_id(console, "canbo")
    other = _user_id(console, "xem")

    def epoch(user_id: int) -> int:
        record = store.get_web_user(user_id)
        assert record is not None
        return record.session_epoch

    assert epoch(uid) == 0
    assert store.end_web_sessions(uid) and epoch(uid) == 1
    assert store.set_web_password("canbo", "hash") and epoch(uid) == 2
    assert store.set_web_user_active(uid, False) and epoch(uid) == 3
    assert store.set_web_user_active(uid, True) and epoch(uid) == 3
    assert epoch(other) == 0
    assert not store.end_web_sessions(999_999)
    assert not store.set_web_password("khongco", "hash")
    record = store.web_user_by_name("canbo")
    assert record is not None and record.session_epoch == 3

    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO web_users (name, role, password_hash, active, created_at) "
                    "VALUES ('cu', 'viewer', 'x', :yes, :at)"
                ),
                {"yes": True, "at": console.clock()},
            )
    finally:
        engine.dispose()
    raw = store.web_user_by_name("cu")
    assert raw is not None and raw.session_epoch == 0
