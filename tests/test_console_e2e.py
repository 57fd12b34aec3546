"""The console in a real headless Chromium: log in, filter the queue, open an item, assign it,
log in as that unit, record the report, see it in the centre's view. Screenshots of each step
are kept in `test-artifacts/` (or $DULUAN_TEST_ARTIFACTS). Needs Debian's `chromium` (`.ci/run`
installs it) and the `playwright` package; where either is absent the tests say so and skip."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storage import Store
from tests.kit.console import CONFIG, PASSWORD, PXI_UNIT, Clock, add_users, seed

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright = pytest.importorskip(
    "playwright.sync_api", reason="playwright chưa được cài: bỏ qua kiểm thử trên trình duyệt"
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium chưa được cài (apt-get install chromium): bỏ qua"
)
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("DULUAN_TEST_ARTIFACTS", ROOT / "test-artifacts"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def console_url(tmp_path: Path) -> Iterator[tuple[str, int]]:
    import uvicorn

    from duluan.config import parse_config
    from duluan.console.app import build_app

    config = parse_config(
        CONFIG.replace("secure_cookies: true", "secure_cookies: false"), "e2e.yaml", {}
    ).config
    store = Store.open(f"sqlite:///{tmp_path}/console.sqlite3")
    seeded = seed(store)
    add_users(store)
    store.index_articles(at=Clock()())  # what the daemon's tagging pass does
    app = build_app(config, store, Clock(), "e2e-secret-" * 4, data_dir=tmp_path)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "máy chủ giao diện không khởi động được"
    try:
        yield f"http://127.0.0.1:{port}", seeded.forest
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _login(page: Any, base: str, user: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state()


def test_assign_then_unit_reports_then_centre_sees_it(console_url: tuple[str, int]) -> None:
    base, forest = console_url
    sync_playwright = playwright.sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(locale="vi-VN", viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/queue")
            assert "/login" in page.url  # nothing without login
            _login(page, base, "canbo")
            page.goto(f"{base}/queue")
            page.select_option("#f-tone", "negative")
            page.click("#filter-submit")
            page.wait_for_load_state()
            rows = page.locator("#queue tbody tr")
            assert rows.count() == 1 and "Phá rừng" in rows.first.inner_text()
            assert "Chợ phiên" not in page.inner_text("#queue")
            _shot(page, "1-queue-filtered")
            rows.first.locator("a").first.click()
            page.wait_for_load_state()
            assert page.url.endswith(f"/items/{forest}")
            assert "Đăk Pxi" in page.inner_text("#body")
            page.select_option("#unit", label=PXI_UNIT)
            page.click("#act-assign")
            page.wait_for_load_state()
            assert "Đã giao đơn vị xác minh" in page.inner_text("#status")
            assert PXI_UNIT in page.inner_text("#assignments")
            _shot(page, "2-item-assigned")
            page.click("#logout")
            page.wait_for_load_state()

            _login(page, base, "dakpxi")
            page.goto(f"{base}/items/{forest}")
            page.fill("#report", "Đã kiểm tra: có phá rừng 0,3 ha, đã lập biên bản.")
            page.click("#act-report")
            page.wait_for_load_state()
            _shot(page, "3-unit-reported")
            page.click("#logout")
            page.wait_for_load_state()

            _login(page, base, "canbo")
            page.goto(f"{base}/items/{forest}")
            assert "đã lập biên bản" in page.inner_text("#assignments")
            _shot(page, "4-centre-sees-report")
        finally:
            browser.close()


def test_a_unit_officer_cannot_open_another_units_item(console_url: tuple[str, int]) -> None:
    base, forest = console_url
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            _login(page, base, "phongtn")
            response = page.goto(f"{base}/items/{forest}")
            assert response is not None and response.status == 403
            assert "quyền" in page.inner_text("body")
            _shot(page, "5-unit-forbidden")
        finally:
            browser.close()


def test_false_reporting_opens_a_case_with_its_letter_and_search_finds_it(
    console_url: tuple[str, int],
) -> None:
    base, forest = console_url
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(accept_downloads=True)
            _login(page, base, "canbo")
            page.goto(f"{base}/items/{forest}")
            page.click("#act-false")
            page.wait_for_load_state()
            page.click("#case-link")
            page.wait_for_load_state()
            assert "/cases/" in page.url
            assert page.locator("#timeline li").count() >= 1
            with page.expect_download() as download:
                page.click("#letter")
            saved = download.value.path()
            assert saved is not None and Path(saved).read_bytes()[:2] == b"PK"  # a DOCX (zip)
            _shot(page, "6-case")
            page.goto(f"{base}/search?q=pha+rung+dak+pxi")
            assert "Phá rừng" in page.inner_text("#results")
            _shot(page, "7-search-without-accents")
        finally:
            browser.close()


def test_add_an_item_with_a_screenshot_from_the_browser(console_url: tuple[str, int]) -> None:
    """Thêm tin in Chromium: a refused link keeps what was typed; an image over the limit is cut
    off and the form comes back with the text; then the report with its screenshot becomes an
    item whose page names the reporter and the screenshot."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    image = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + chunk(b"IEND", b"")
    )
    note = "Người dân xã Đăk Pxi phản ánh đường thôn 3 sạt lở."
    base, _ = console_url
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(locale="vi-VN", viewport={"width": 1280, "height": 900})
            _login(page, base, "canbo")
            page.goto(f"{base}/queue")
            page.click("#nav-submit")
            page.wait_for_load_state()
            page.fill("#submit-link", "javascript:alert(1)")
            page.fill("#submit-text", note)
            page.click("#submit-send")
            page.wait_for_load_state()
            assert "không phải địa chỉ trang web" in page.inner_text("#submit-error")
            assert page.input_value("#submit-text") == note
            _shot(page, "8-add-refused-link")
            page.fill("#submit-link", "https://www.facebook.com/ubnd.dakpxi/posts/pfbid02abc")
            big = image + b"\x00" * (11 * 1000**2)
            page.set_input_files(
                "#submit-file", {"name": "lon.png", "mimeType": "image/png", "buffer": big}
            )
            page.click("#submit-send")
            page.wait_for_load_state()
            assert "quá lớn" in page.inner_text("#submit-error")
            assert page.input_value("#submit-text") == note
            _shot(page, "9-add-too-big")
            page.set_input_files(
                "#submit-file", {"name": "anh.png", "mimeType": "image/png", "buffer": image}
            )
            page.click("#submit-send")
            page.wait_for_load_state()
            assert "/items/" in page.url, page.inner_text("body")[:300]
            assert "tin mới" in page.inner_text(".flash")
            assert "canbo" in page.inner_text("#reports")
            assert "image/png" in page.inner_text("#screenshots")
            _shot(page, "10-added-item")
        finally:
            browser.close()


def test_dashboard_on_a_desktop_and_a_phone_leads_to_the_queue(
    console_url: tuple[str, int],
) -> None:
    """Staff land on the dashboard after logging in; a figure and a chart's bar each open the
    queue on what they count; on a 390 px phone nothing is wider than the screen."""
    base, _ = console_url
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(locale="vi-VN", viewport={"width": 1280, "height": 900})
            _login(page, base, "canbo")
            assert page.url.endswith("/dashboard")
            assert page.inner_text("#fig-negative") == "1"
            assert page.locator("#chart-tones svg rect.part-negative").count() == 1
            _shot(page, "11-dashboard")
            page.click("#fig-negative")
            page.wait_for_load_state()
            assert "/queue?" in page.url and "tone=negative" in page.url
            rows = page.locator("#queue tbody tr")
            assert rows.count() == 1 and "Phá rừng" in rows.first.inner_text()

            phone = browser.new_page(
                locale="vi-VN", viewport={"width": 390, "height": 844}, is_mobile=True
            )
            _login(phone, base, "canbo")
            width = phone.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"trang rộng {width} px trên màn hình 390 px"
            _shot(phone, "12-dashboard-phone")
            phone.locator("#chart-outlets a").first.click()
            phone.wait_for_load_state()
            assert "outlet=" in phone.url
            assert phone.locator("#queue tbody tr").count() == 1
        finally:
            browser.close()
