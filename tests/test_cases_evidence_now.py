"""Evidence kept the moment an item is flagged: a false verdict in the console or from the
Telegram button, and the case page's "Lưu lại trang bài ngay", start the snapshot in the
background against the local web server; the request or the bot answers without waiting, and
a failing fetch is logged with the story and changes nothing else."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager

import pytest
from starlette.testclient import TestClient

from cases.evidence import Fetch, Fetched, http_fetcher, refetch_open_cases
from crawler.guard import Guard
from duluan.console.app import build_app
from review.bot import ReviewBot, build_application
from storage import Store
from storage.cases import EvidenceRecord
from tests.kit.console import NOW, Console, console, login, token
from tests.kit.review import (
    FROZEN,
    OTHER,
    REVIEW,
    REVIEWER,
    UNIT,
    answers,
    buttons,
    deliver,
    make_config,
    press,
    seed_alert,
)
from tests.site.server import LocalSite
from tests.telegram.fake_api import FakeTelegram

pytestmark = pytest.mark.sqlite_only  # no SQL of its own: see tests/kit/db.py

__all__ = ["console"]

PAGE = "/baoquangngai/xa-dak-pxi-dua-nuoc-sach-ve-4-thon-vung-sau-71248.htm"
SENTENCE = "Công trình có tổng mức đầu tư hơn 14,6 tỷ đồng"
FALSE_BUTTON = "Thông tin sai sự thật – cần phản hồi"
WAIT = 10.0


@pytest.fixture(scope="module")
def site() -> Iterator[LocalSite]:
    with LocalSite() as server:
        yield server


def local_fetch(site: LocalSite) -> Fetch:
    """`http_fetcher` with every outlet's URL answered by the local site's article page."""
    fetch = http_fetcher("duluan-test", Guard.trusting([site.base]), timeout=5)
    return lambda url: fetch(site.url(PAGE))


class Gated:
    """A fetch held until the test opens the gate, recording the URLs asked for."""

    def __init__(self, inner: Fetch) -> None:
        self.inner = inner
        self.gate = threading.Event()
        self.urls: list[str] = []

    def __call__(self, url: str) -> Fetched:
        self.urls.append(url)
        if not self.gate.wait(WAIT):
            raise TimeoutError("cổng chưa mở")
        return self.inner(url)


def broken(url: str) -> Fetched:
    raise RuntimeError(f"mạng hỏng khi tải {url}")


def eventually(predicate: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def kept(store: Store, story: str, count: int) -> list[EvidenceRecord]:
    assert eventually(lambda: len(store.list_evidence(story=story)) >= count)
    return store.list_evidence(story=story)


def logged(caplog: pytest.LogCaptureFixture, *parts: str) -> bool:
    return eventually(
        lambda: any(all(part in record.getMessage() for part in parts) for record in caplog.records)
    )


def client_for(console: Console, user: str, fetch: Fetch | None) -> TestClient:
    app = build_app(
        console.config, console.store, console.clock, "s" * 40, data_dir=console.tmp, fetch=fetch
    )
    client = TestClient(app, base_url="https://testserver")
    assert getattr(login(client, user), "status_code", 0) == 303
    return client


def mark_false(console: Console, client: TestClient) -> object:
    cluster = console.seeded.forest
    version = console.store.review_detail(f"cluster:{cluster}").state.version
    form = {"version": str(version), "csrf_token": token(client, "/queue")}
    return client.post(f"/items/{cluster}/false", data=form, follow_redirects=False)


def test_false_verdict_in_the_console_keeps_the_pages_without_waiting(
    console: Console, site: LocalSite
) -> None:
    story = f"cluster:{console.seeded.forest}"
    fetch = Gated(local_fetch(site))
    client = client_for(console, "canbo", fetch)
    response = mark_false(console, client)
    assert getattr(response, "status_code", 0) == 303
    assert eventually(lambda: len(fetch.urls) == 1)
    assert console.store.list_evidence(story=story) == []  # answered while the fetch waits
    fetch.gate.set()
    records = kept(console.store, story, 2)
    case = console.store.case_for_story(story)
    assert case is not None and case.status == "detected"
    assert sorted(r.url for r in records) == [
        "https://baoquangngai.vn/forest.htm",
        "https://dantri.vn/forest-copy.htm",
    ]
    for record in records:
        assert (record.case_id, record.status_code, record.reason) == (case.id, 200, "ok")
        assert record.change == "first" and record.fetched_at == NOW
        assert record.text is not None and SENTENCE in record.text
    page = client.get(f"/items/{console.seeded.forest}").text
    assert "Đang lưu lại trang bài làm bằng chứng." in page
    assert refetch_open_cases(console.store, console.clock, fetch) == []  # not repeated


def test_failing_fetch_in_the_console_is_logged_and_changes_nothing_else(
    console: Console, caplog: pytest.LogCaptureFixture
) -> None:
    story = f"cluster:{console.seeded.forest}"
    client = client_for(console, "canbo", broken)
    with caplog.at_level(logging.INFO):
        response = mark_false(console, client)
        assert getattr(response, "status_code", 0) == 303
        assert logged(caplog, story, "lỗi khi lưu ngay trang bài", "web, canbo")
    assert console.store.list_evidence(story=story) == []
    assert console.store.review_detail(story).state.status == "false_info"
    case = console.store.case_for_story(story)
    assert case is not None and case.is_open and case.status == "detected"
    assert client.get(f"/items/{console.seeded.forest}").status_code == 200


def test_without_a_fetch_the_console_leaves_evidence_to_the_daemon(console: Console) -> None:
    story = f"cluster:{console.seeded.forest}"
    client = client_for(console, "canbo", None)
    assert getattr(mark_false(console, client), "status_code", 0) == 303
    case = console.store.case_for_story(story)
    assert case is not None
    assert "Lưu lại trang bài ngay" not in client.get(f"/cases/{case.id}").text
    refused = client.post(f"/cases/{case.id}/capture", data={"csrf_token": token(client, "/cases")})
    assert refused.status_code == 503 and "Chưa lưu được" in refused.text
    assert console.store.list_evidence(story=story) == []


def test_case_page_button_keeps_the_pages_for_staff_only(console: Console, site: LocalSite) -> None:
    story = f"cluster:{console.seeded.forest}"
    fetch = Gated(local_fetch(site))
    staff = client_for(console, "canbo", fetch)
    case = console.store.open_case(story, "canbo (trang web)", NOW)

    for user in ("xem", "dakpxi"):
        other = client_for(console, user, fetch)
        assert 'id="capture"' not in other.get(f"/cases/{case.id}").text
        form = {"csrf_token": token(other, "/cases")}
        assert other.post(f"/cases/{case.id}/capture", data=form).status_code == 403
    assert staff.post(f"/cases/{case.id}/capture", data={"csrf_token": "forged"}).status_code == 400
    assert fetch.urls == []

    page = staff.get(f"/cases/{case.id}").text
    assert 'id="capture"' in page and "Lưu lại trang bài ngay" in page
    form = {"csrf_token": token(staff, f"/cases/{case.id}")}
    response = staff.post(f"/cases/{case.id}/capture", data=form, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith(
        f"/cases/{case.id}"
    )
    assert eventually(lambda: len(fetch.urls) == 1)
    fetch.gate.set()
    records = kept(console.store, story, 2)
    assert {(r.case_id, r.reason) for r in records} == {(case.id, "ok")}
    shown = staff.get(f"/cases/{case.id}").text
    assert "Đã bắt đầu lưu lại trang bài" in shown
    assert any(a.action == "lưu lại trang bài" for a in console.store.list_audit(limit=20))


@asynccontextmanager
async def running_bot(fake: FakeTelegram, store: Store, fetch: Fetch) -> AsyncIterator[None]:
    config = make_config()
    bot = ReviewBot(
        build_application(fake.token, fake.base_url, store, config, lambda: FROZEN, fetch=fetch),
        config,
    )
    await bot.start()
    try:
        yield
    finally:
        await bot.stop()


def press_false(store: Store, fetch: Fetch) -> list[str | None]:
    """Deliver the story's alert, press "false" as the reviewer, return the bot's answers."""
    config = make_config()
    with FakeTelegram(known_chats={REVIEW, UNIT, OTHER}) as fake:

        async def scenario() -> None:
            await deliver(fake, store, config)
            [alert] = fake.sent(REVIEW)
            async with running_bot(fake, store, fetch):
                await press(
                    fake, REVIEWER, REVIEW, alert["message_id"], buttons(alert)[FALSE_BUTTON]
                )

        asyncio.run(scenario())
        return answers(fake)


def test_false_button_in_telegram_keeps_the_page_without_waiting(
    store: Store, site: LocalSite
) -> None:
    story = seed_alert(store)
    fetch = Gated(local_fetch(site))
    said = press_false(store, fetch)
    assert len(said) == 1 and "đã mở hồ sơ vụ việc số" in (said[0] or "")
    assert eventually(lambda: len(fetch.urls) == 1)
    assert store.list_evidence(story=story) == []  # the press was answered first
    fetch.gate.set()
    [record] = kept(store, story, 1)
    case = store.case_for_story(story)
    assert case is not None and record.case_id == case.id
    assert (record.url, record.reason, record.fetched_at) == (
        "https://baoquangngai.vn/bai-1.htm",
        "ok",
        FROZEN,
    )
    assert store.open_case(story, "ai đó", FROZEN).id == case.id


def test_failing_fetch_from_telegram_is_logged_and_changes_nothing_else(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    story = seed_alert(store)
    with caplog.at_level(logging.INFO):
        said = press_false(store, broken)
        assert logged(caplog, story, "lỗi khi lưu ngay trang bài", "Telegram")
    assert len(said) == 1 and "đã mở hồ sơ vụ việc số" in (said[0] or "")
    assert store.list_evidence(story=story) == []
    assert store.review_detail(story).state.status == "false_info"
    case = store.case_for_story(story)
    assert case is not None and case.is_open
