"""The console's accounts and security over HTTP: login, sessions, CSRF, rate limiting, roles,
body size, and nothing served without login."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from duluan.console.app import build_app
from duluan.console.serve import server_config
from tests.kit.console import PASSWORD, Console, console, login, token

pytestmark = pytest.mark.sqlite_only  # no SQL of its own: see tests/kit/db.py

__all__ = ["console"]

PAGES = [
    "/",
    "/queue",
    "/units",
    "/sources",
    "/digests",
    "/users",
    "/audit",
    "/items/1",
    "/cases",
    "/search",
]


def test_nothing_is_served_without_login(console: Console) -> None:
    client = console.client()
    for path in PAGES:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login"), path


def test_posts_without_login_change_nothing(console: Console) -> None:
    client = console.client()
    story = f"cluster:{console.seeded.forest}"
    response = client.post(
        f"/items/{console.seeded.forest}/relevant",
        data={"version": "0", "csrf_token": token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert console.store.review_detail(story).state.status == "new"


def test_login_redirects_back_and_static_is_public(console: Console) -> None:
    client = console.client()
    assert client.get("/static/style.css").status_code == 200
    first = client.get("/units", follow_redirects=False)
    assert first.headers["location"] == "/login?next=%2Funits"
    page = client.get(first.headers["location"])
    assert 'name="username"' in page.text and 'name="password"' in page.text
    response = client.post(
        "/login",
        data={
            "username": "canbo",
            "password": PASSWORD,
            "next": "/units",
            "csrf_token": token(client),
        },
        follow_redirects=False,
    )
    assert (response.status_code, response.headers["location"]) == (303, "/units")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie
    assert "Đơn vị" in client.get("/units").text


def test_open_redirect_is_refused(console: Console) -> None:
    client = console.client()
    response = client.post(
        "/login",
        data={
            "username": "canbo",
            "password": PASSWORD,
            "next": "//evil.example/x",
            "csrf_token": token(client),
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_wrong_password_and_unknown_user_get_one_message(console: Console) -> None:
    client = console.client()
    wrong = login(client, "canbo", "sai mật khẩu")
    unknown = login(client, "khongco", "sai mật khẩu")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.text
    assert client.get("/queue", follow_redirects=False).status_code == 303


def client_at(console: Console, ip: str, **web: object) -> TestClient:
    """A browser at address `ip` (the TCP peer), with `web` config keys changed."""
    config = console.config
    if web:
        config = config.model_copy(update={"web": config.web.model_copy(update=web)})
    app = build_app(config, console.store, console.clock, "s" * 40, data_dir=console.tmp)
    return TestClient(app, base_url="https://testserver", client=(ip, 50000))


def test_failed_logins_delay_the_next_try_more_and_more(console: Console) -> None:
    client = client_at(console, "192.0.2.7")
    for _ in range(5):
        assert login(client, "canbo", "sai").status_code == 401
    waits = []
    for _ in range(4):
        refused = login(client, "canbo")  # even the right password waits
        assert refused.status_code == 429
        assert "Đăng nhập sai nhiều lần nên tạm dừng: hãy thử lại sau" in refused.text
        assert "duluan users unlock" in refused.text
        for _ in range(3):  # tries during the delay are refused and do not lengthen it
            assert (
                login(client, "canbo", "sai").headers["retry-after"]
                == (refused.headers["retry-after"])
            )
        waits.append(int(refused.headers["retry-after"]))
        console.clock.value += timedelta(seconds=waits[-1])
        assert login(client, "canbo", "sai").status_code == 401
    assert waits == [60, 120, 240, 480]
    assert "thử lại sau 10:" in login(client, "canbo").text  # local time of Đăk Hà
    for _ in range(3):
        console.clock.value += timedelta(minutes=15)
        assert login(client, "canbo", "sai").status_code == 401
        assert login(client, "canbo").headers["retry-after"] == "900"  # capped at 15 minutes
    console.clock.value += timedelta(minutes=15)
    assert login(client, "canbo").status_code == 303
    assert client.get("/queue").status_code == 200


def test_a_stranger_cannot_lock_the_owner_out(console: Console) -> None:
    owner = client_at(console, "192.0.2.10")
    assert login(owner, "canbo").status_code == 303
    console.clock.value += timedelta(hours=2)
    for n in range(60):  # a spray from many machines, a failure a minute
        console.store.record_login(
            "canbo", f"198.51.100.{n}", False, console.clock.value - timedelta(minutes=60 - n)
        )
    stranger = client_at(console, "203.0.113.5")
    assert login(stranger, "canbo").status_code == 429  # 50 free per name, then delays
    for _ in range(5):
        assert login(stranger, "xem", "sai").status_code == 401  # other names: not slowed
    owner = client_at(console, "192.0.2.10")
    assert login(owner, "canbo").status_code == 303  # the owner's usual address is not


def test_one_address_trying_many_names_is_slowed(console: Console) -> None:
    client = client_at(console, "192.0.2.20")
    for n in range(20):
        assert login(client, f"ten{n}", "sai").status_code == 401
    assert login(client, "xem").status_code == 429
    assert login(client_at(console, "192.0.2.21"), "xem").status_code == 303


def test_forwarded_for_is_trusted_only_from_configured_proxies(console: Console) -> None:
    forged = {"X-Forwarded-For": "192.0.2.99"}
    direct = client_at(console, "10.1.2.3")
    for _ in range(5):
        direct.post(
            "/login",
            data={"username": "xem", "password": "sai", "csrf_token": token(direct)},
            headers=forged,
        )
    assert login(direct, "xem").status_code == 429  # counted by the real peer, not the header
    proxied = client_at(console, "10.1.2.3", trusted_proxies=["10.0.0.0/8"])
    response = proxied.post(
        "/login",
        data={"username": "xem", "password": PASSWORD, "csrf_token": token(proxied)},
        headers={"X-Forwarded-For": "192.0.2.50"},
        follow_redirects=False,
    )
    assert response.status_code == 303  # behind the proxy: the browser's own address
    [entry] = [a for a in console.store.list_audit() if a.action == "đăng nhập"]
    assert entry.ip == "192.0.2.50"


def test_uvicorn_trusts_no_forwarding_header(console: Console, tmp_path: Path) -> None:
    settings = server_config(console.config, console.store, console.clock, tmp_path)
    assert settings.proxy_headers is False


def test_disabled_account_cannot_log_in_and_is_logged_out(console: Console) -> None:
    client = console.client("xem")
    record = console.store.web_user_by_name("xem")
    assert record is not None
    console.store.set_web_user_active(record.id, False)
    assert client.get("/queue", follow_redirects=False).status_code == 303
    assert login(client, "xem").status_code == 401


def test_forged_or_missing_csrf_is_refused_and_changes_nothing(console: Console) -> None:
    client = console.client("canbo")
    story = f"cluster:{console.seeded.forest}"
    for data in ({"version": "0"}, {"version": "0", "csrf_token": "giả mạo"}):
        response = client.post(f"/items/{console.seeded.forest}/relevant", data=data)
        assert response.status_code == 400
        assert "mã chống giả mạo không khớp" in response.text
    assert console.store.review_detail(story).state.status == "new"


def test_login_form_needs_its_csrf_token(console: Console) -> None:
    client = console.client()
    response = client.post("/login", data={"username": "canbo", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_logout_ends_the_session(console: Console) -> None:
    client = console.client("canbo")
    response = client.post(
        "/logout", data={"csrf_token": token(client, "/queue")}, follow_redirects=False
    )
    assert response.headers["location"] == "/login"
    assert client.get("/queue", follow_redirects=False).status_code == 303
    actions = [e.action for e in console.store.list_audit()]
    assert actions[:2] == ["đăng xuất", "đăng nhập"]


def test_huge_body_is_refused_before_it_is_read(console: Console) -> None:
    client = console.client("canbo")
    story = f"cluster:{console.seeded.forest}"
    response = client.post(
        f"/items/{console.seeded.forest}/relevant",
        data={"version": "0", "csrf_token": token(client, "/queue"), "x": "a" * 3_000_000},
    )
    assert response.status_code == 413
    assert "quá lớn" in response.text
    assert console.store.review_detail(story).state.status == "new"


def test_only_admins_see_accounts_and_audit(console: Console) -> None:
    for user in ("canbo", "dakpxi", "xem"):
        client = console.client(user)
        for path in ("/users", "/audit"):
            response = client.get(path)
            assert response.status_code == 403, (user, path)
            assert "không có quyền" in response.text
    admin = console.client("quantri")
    assert admin.get("/users").status_code == 200 and admin.get("/audit").status_code == 200


def test_admin_adds_an_account_that_can_log_in(console: Console) -> None:
    admin = console.client("quantri")
    response = admin.post(
        "/users",
        data={
            "name": "moi",
            "role": "staff",
            "unit": "",
            "password": "một mật khẩu mới",
            "csrf_token": token(admin, "/users"),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "moi" in admin.get("/users").text
    assert login(console.client(), "moi", "một mật khẩu mới").status_code == 303
    short = admin.post(
        "/users",
        data={"name": "ngan", "role": "staff", "password": "ngan", "csrf_token": token(admin)},
    )
    assert short.status_code == 400 and "ít nhất 10 ký tự" in short.text
    assert console.store.web_user_by_name("ngan") is None
    audit = admin.get("/audit").text
    assert "tạo tài khoản" in audit and "user:moi" in audit


def test_unknown_page_is_a_vietnamese_404(console: Console) -> None:
    client = console.client("canbo")
    response = client.get("/khong-co")
    assert response.status_code == 404 and "Không có trang này." in response.text
    missing = client.get("/items/999999")
    assert missing.status_code == 404 and "Không tìm thấy tin số 999999" in missing.text


def test_huge_streamed_body_is_refused(console: Console) -> None:
    client = console.client("canbo")
    story = f"cluster:{console.seeded.forest}"
    csrf = token(client, "/queue")

    def chunks():  # type: ignore[no-untyped-def]
        yield f"version=0&csrf_token={csrf}&x=".encode()
        for _ in range(40):
            yield b"a" * 100_000

    response = client.post(
        f"/items/{console.seeded.forest}/relevant",
        content=chunks(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert console.store.review_detail(story).state.status == "new"


def test_base_path_prefixes_links_redirects_and_cookie(console: Console) -> None:
    """Behind a proxy that serves the console under /duluan and strips that prefix."""
    web = console.config.web.model_copy(update={"base_path": "/duluan"})
    console.config = console.config.model_copy(update={"web": web})
    client = console.client()
    assert client.get("/queue", follow_redirects=False).headers["location"] == (
        "/duluan/login?next=%2Fqueue"
    )
    page = client.get("/login")
    assert 'action="/duluan/login"' in page.text
    assert "path=/duluan;" in page.headers["set-cookie"]


def test_login_page_warns_when_http_would_drop_the_session(console: Console) -> None:
    app = console.client().app
    plain = TestClient(app, base_url="http://192.168.1.20:8080").get("/login")
    assert "qua HTTP" in plain.text and 'id="cookie-warning"' in plain.text
    assert 'id="cookie-warning"' not in console.client().get("/login").text  # HTTPS
    local = TestClient(app, base_url="http://127.0.0.1:8080").get("/login")
    assert 'id="cookie-warning"' not in local.text  # browsers keep secure cookies on loopback
