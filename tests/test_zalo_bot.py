"""The Zalo bot's incoming side (issue 17 §2, §3), driven against the local Zalo stand-in: a link
or a captioned screenshot from a registered official becomes an item through the same
`duluan.submit.submit` as Telegram's; strangers are refused with nothing stored or downloaded;
the photo is fetched through the guard; bots and the bot itself are ignored; a failing handler,
5xx, 429 and hostile updates never end the loop, a refused token does; and a Zalo that hangs
never delays another coroutine (Telegram's delivery in the daemon's loop)."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from alerts.zalo import Update, ZaloBot, parse_update, zalo_text
from cases.evidence import Fetched, http_fetcher
from crawler.guard import Guard
from duluan.config import Config, parse_config
from duluan.pipeline import locator_for
from duluan.submit import MAX_FILE_BYTES, zalo_reporter
from nlp.locate import Locator
from review.zalo_bot import (
    HELP,
    ZaloIntake,
    ZaloListener,
    dispatcher,
    first_link,
    from_bot,
    image_fetcher,
    webhook_app,
)
from storage import Store
from tests.kit.pages import Pages
from tests.zalo.fake_api import FakeZalo

pytestmark = pytest.mark.sqlite_only  # no SQL of its own: see tests/kit/db.py

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
MEMBER, OTHER_MEMBER, REVIEWER, STRANGER = "e4ea2cd5189df1c3a88c", "a1b2c3", "0f0f0f", "dead01"
UNIT_GROUP, REVIEW_GROUP = "g-unit-77", "g-review-55"
CONFIG = f"""
locality: {{province: Tỉnh Kon Tum, district: Huyện Đăk Hà}}
crawl: {{contact: ttvh.dakha@example.invalid}}
sources:
  - {{name: baoquangngai, title: Báo Quảng Ngãi, feeds: ['https://baoquangngai.vn/rss']}}
units:
  - name: UBND xã Đăk Pxi
    chat: "-1001"
    zalo: "{UNIT_GROUP}"
    communes: [Xã Đăk Pxi]
    members: [501]
    zalo_members: ["{MEMBER}", "{OTHER_MEMBER}"]
review: {{chat: "-1009", reviewers: [1], zalo: "{REVIEW_GROUP}", zalo_reviewers: ["{REVIEWER}"]}}
"""
POST = "https://www.facebook.com/ubnd.dakpxi/posts/pfbid02abc"
PAGE = """<html><head>
<meta property="og:title" content="Tin tức xã Đăk Pxi">
<meta property="og:description" content="Người dân xã Đăk Pxi phản ánh đường sạt lở.
Đường thôn 3 sạt lở.">
</head><body>Đăng nhập Facebook</body></html>"""
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def clock() -> datetime:
    return NOW


@pytest.fixture(scope="module")
def config() -> Config:
    return parse_config(CONFIG, "test.yaml", {}).config


@pytest.fixture(scope="module")
def locator(config: Config) -> Locator:
    return locator_for(config)


class Images:
    """A local image host (Zalo's CDN stand-in) counting the requests it got."""

    def __init__(self, body: bytes = PNG) -> None:
        self.body = body
        self.hits: list[str] = []

    @contextmanager
    def serving(self) -> Iterator[str]:
        images = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                images.hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(images.body)))
                self.end_headers()
                self.wfile.write(images.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            host, port = server.server_address[:2]
            yield f"http://{host!s}:{port}"
        finally:
            server.shutdown()
            server.server_close()


async def until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the Zalo bot")
        await asyncio.sleep(0.02)


class Sleeps:
    """A sleep that records what it was asked and returns at once (frozen back-off)."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        await asyncio.sleep(0)


@asynccontextmanager
async def listening(
    fake: FakeZalo,
    handle: Callable[[Update], Awaitable[str | None]],
    sleep: Callable[[float], Awaitable[Any]] | None = None,
) -> AsyncIterator[ZaloListener]:
    bot = ZaloBot(fake.token, fake.base_url)
    listener = ZaloListener(bot, handle, sleep or Sleeps(), poll_timeout=1)
    task = asyncio.create_task(listener.run(lambda: False))
    try:
        yield listener
    finally:
        await listener.stop()
        await asyncio.wait_for(task, 5)
        await bot.aclose()


def intake_for(
    store: Store,
    config: Config,
    fetch: Callable[[str], Fetched] | None = None,
    locator: Locator | None = None,
) -> ZaloIntake:
    return ZaloIntake(store, config, clock, fetch, locator=lambda: locator)


def handler(store: Store, config: Config, **kwargs: Any) -> Callable[[Update], Awaitable[Any]]:
    return dispatcher(None, intake_for(store, config, **kwargs))


async def reply_to(fake: FakeZalo, chat: str, push: Callable[[], None]) -> str:
    before = len(fake.sent)
    push()
    await until(lambda: len(fake.sent) > before)
    sent = fake.sent[-1]
    assert sent["chat_id"] == chat
    return str(sent["text"])


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(scenario())


# --- reports ---------------------------------------------------------------------------------


def test_link_from_a_member_becomes_an_item_as_on_telegram(
    store: Store, config: Config, locator: Locator
) -> None:
    pages = Pages({POST: PAGE})
    text = f"Anh em xem {POST}?fbclid=x."

    async def scenario() -> None:
        with FakeZalo(max_poll=0.2) as fake:
            handle = handler(store, config, fetch=pages, locator=locator)
            async with listening(fake, handle):
                got = await reply_to(fake, MEMBER, lambda: fake.push_text(MEMBER, MEMBER, text))
        assert "Đã nhận tin mới" in got and "Nền tảng: Facebook" in got
        assert "Người dân xã Đăk Pxi phản ánh đường sạt lở" in got
        assert "Địa danh: Huyện Đăk Hà, Xã Đăk Pxi" in got and "Sắc thái: Tiêu cực" in got
        assert POST in got  # the link on its own line: Zalo shows no markup
        assert "<" not in got and "&amp;" not in got

    run(scenario)
    assert pages.asked == [POST]
    [item] = store.list_articles()
    detail = store.get_article(item.id)
    assert detail is not None and (detail.url, detail.platform) == (POST, "facebook")
    [sub] = store.submissions_of([item.id])[item.id]
    assert (sub.reporter, sub.via, sub.telegram_id, sub.note, sub.url, sub.area) == (
        "Cán bộ",
        "zalo",
        None,
        text,
        POST,
        None,
    )
    assert {e.chat for e in store.due_outbox(NOW)} >= {"-1009", "-1001"}


def test_the_same_link_from_two_members_is_one_item_with_two_reporters(
    store: Store, config: Config
) -> None:
    async def scenario() -> None:
        with FakeZalo(max_poll=0.2) as fake:
            async with listening(fake, handler(store, config)):
                first = await reply_to(
                    fake, MEMBER, lambda: fake.push_text(MEMBER, MEMBER, POST, name="Chị Lan")
                )
                assert "Đã nhận tin mới" in first and "sẽ được phân tích" in first
                second = await reply_to(
                    fake,
                    OTHER_MEMBER,
                    lambda: fake.push_text(
                        OTHER_MEMBER, OTHER_MEMBER, "xem " + POST, name="Anh Hà"
                    ),
                )
                assert "Tin này đã có" in second and "2 người báo" in second

    run(scenario)
    [item] = store.list_articles()
    reports = store.submissions_of([item.id])[item.id]
    assert [(s.reporter, s.via) for s in reports] == [("Chị Lan", "zalo"), ("Anh Hà", "zalo")]


def test_photo_with_caption_is_a_screenshot_item_downloaded_through_the_guard(
    store: Store, config: Config
) -> None:
    images = Images()

    async def scenario() -> None:
        with images.serving() as base, FakeZalo(max_poll=0.2) as fake:
            fetch = http_fetcher("duluan-test", Guard.trusting([base]), timeout=5)
            async with listening(fake, handler(store, config, fetch=fetch)):
                got = await reply_to(
                    fake,
                    MEMBER,
                    lambda: fake.push_photo(MEMBER, MEMBER, f"{base}/p/anh.jpg", "Sạt lở thôn 3"),
                )
        assert "Đã nhận tin mới" in got and "Sạt lở thôn 3" in got

    run(scenario)
    assert images.hits == ["/p/anh.jpg"]
    [item] = store.list_articles()
    detail = store.get_article(item.id)
    assert detail is not None and detail.url.startswith("duluan:bao-tin:")
    [evidence] = store.list_evidence()
    assert evidence.article_id == item.id and evidence.media_type == "image/png"
    assert evidence.size == len(PNG)
    [sub] = store.submissions_of([item.id])[item.id]
    assert (sub.via, sub.note, sub.evidence_id) == ("zalo", "Sạt lở thôn 3", evidence.id)


def test_photo_on_an_internal_address_is_refused_by_the_guard(store: Store, config: Config) -> None:
    """The production download (`image_fetcher`: the configured sources' guard) never fetches
    127.0.0.1: a forged `photo_url` pointing inside the network stores nothing, reaches
    nothing."""
    images = Images()

    async def scenario() -> None:
        with images.serving() as base, FakeZalo(max_poll=0.2) as fake:
            intake = ZaloIntake(store, config, clock, image_fetch=image_fetcher(config))
            async with listening(fake, dispatcher(None, intake)):
                got = await reply_to(
                    fake, MEMBER, lambda: fake.push_photo(MEMBER, MEMBER, f"{base}/admin", "x")
                )
        assert "không tải được ảnh" in got

    run(scenario)
    assert images.hits == [] and store.list_articles() == [] and store.list_evidence() == []


@pytest.mark.parametrize("body", [b"%PDF-1.7\n", PNG + b"\x00" * MAX_FILE_BYTES])
def test_a_file_not_an_image_or_too_large_is_refused(
    store: Store, config: Config, body: bytes
) -> None:
    images = Images(body)

    async def scenario() -> None:
        with images.serving() as base, FakeZalo(max_poll=0.2) as fake:
            fetch = http_fetcher(
                "t", Guard.trusting([base]), timeout=5, max_bytes=2 * MAX_FILE_BYTES
            )
            async with listening(fake, handler(store, config, fetch=fetch)):
                got = await reply_to(
                    fake, MEMBER, lambda: fake.push_photo(MEMBER, MEMBER, f"{base}/a.jpg", "x")
                )
        assert ("không phải ảnh" in got) if body.startswith(b"%PDF") else ("quá lớn" in got)

    run(scenario)
    assert store.list_articles() == []


def test_a_cut_download_counts_as_too_large(store: Store, config: Config) -> None:
    def cut(url: str) -> Fetched:
        return Fetched(url, 200, url, PNG, truncated=True)

    async def scenario() -> None:
        intake = ZaloIntake(store, config, clock, image_fetch=cut)
        update = photo_update(MEMBER, "https://zalo.example/a.jpg")
        assert "quá lớn" in (await intake.handle(update) or "")

    run(scenario)
    assert store.list_articles() == []


def test_a_group_report_needs_the_marker_and_keeps_the_groups_area(
    store: Store, config: Config
) -> None:
    async def scenario() -> None:
        with FakeZalo(max_poll=0.2) as fake:
            async with listening(fake, handler(store, config)):
                fake.push_text(UNIT_GROUP, MEMBER, f"bàn chuyện {POST}", group=True)
                fake.push_text(UNIT_GROUP, STRANGER, f"ai đó {POST}", group=True)
                got = await reply_to(
                    fake,
                    UNIT_GROUP,
                    lambda: fake.push_text(UNIT_GROUP, MEMBER, f"#baotin {POST}", group=True),
                )
                assert "Đã nhận tin mới" in got
        assert [m["chat_id"] for m in fake.sent] == [UNIT_GROUP]  # the others: no answer

    run(scenario)
    [item] = store.list_articles()
    [sub] = store.submissions_of([item.id])[item.id]
    assert sub.note == POST and sub.via == "zalo"


# --- who may report --------------------------------------------------------------------------


def test_a_stranger_is_refused_with_their_id_and_nothing_is_stored_or_downloaded(
    store: Store, config: Config
) -> None:
    images = Images()
    pages = Pages({POST: PAGE})

    async def scenario() -> None:
        with images.serving() as base, FakeZalo(max_poll=0.2) as fake:
            fetch = http_fetcher("t", Guard.trusting([base]), timeout=5)
            handle = dispatcher(None, ZaloIntake(store, config, clock, pages, image_fetch=fetch))
            async with listening(fake, handle):
                link = await reply_to(
                    fake, STRANGER, lambda: fake.push_text(STRANGER, STRANGER, POST)
                )
                photo = await reply_to(
                    fake,
                    STRANGER,
                    lambda: fake.push_photo(STRANGER, STRANGER, f"{base}/a.jpg", "x"),
                )
                hello = await reply_to(
                    fake, STRANGER, lambda: fake.push_text(STRANGER, STRANGER, "xin chào")
                )
        for got in (link, photo, hello):
            assert "chưa được ghi nhận" in got and f"Mã Zalo của bạn là {STRANGER}" in got
            assert "zalo_members" in got

    run(scenario)
    assert images.hits == [] and pages.asked == []
    assert store.list_articles() == []


def test_zalo_reporter_takes_string_ids_only() -> None:
    config = parse_config(CONFIG, "test.yaml", {}).config
    found = zalo_reporter(config, MEMBER, "  Chị\x00 Lan ")
    assert found is not None and (found.name, found.via, found.telegram_id) == (
        "Chị Lan",
        "zalo",
        None,
    )
    reviewer = zalo_reporter(config, REVIEWER, "")
    assert reviewer is not None and reviewer.name == f"Zalo {REVIEWER}"
    assert zalo_reporter(config, "501", "Telegram's member id") is None
    assert zalo_reporter(config, "", "x") is None
    assert zalo_reporter(config, STRANGER, "x") is None


# --- the loop --------------------------------------------------------------------------------


def test_messages_from_bots_and_from_the_bot_itself_are_ignored(
    store: Store, config: Config
) -> None:
    async def scenario() -> None:
        with FakeZalo(max_poll=0.2) as fake:
            own = fake.token.split(":", 1)[0]
            async with listening(fake, handler(store, config)):
                fake.push_text(MEMBER, MEMBER, POST, is_bot=True)
                fake.push_text(own, own, POST)
                got = await reply_to(fake, MEMBER, lambda: fake.push_text(MEMBER, MEMBER, "?"))
                assert got.startswith(zalo_text(HELP)) and "«G12 đã báo cáo <nội dung>»" in got
                assert got.endswith(f"Mã Zalo của bạn: {MEMBER}")
                assert "#baotin" in got and "A17 liên quan" in got
            assert len(fake.sent) == 1

    run(scenario)
    assert store.list_articles() == []


def test_from_bot_reads_the_flag_leniently() -> None:
    def update(flag: Any) -> Update:
        return parse_update({"message": {"chat": {"id": "c"}, "from": {"id": "u", "is_bot": flag}}})

    assert from_bot(update(True)) and from_bot(update("true"))
    assert not from_bot(update(False)) and not from_bot(update(None))
    assert not from_bot(parse_update({"message": {"from": "x"}}))


def test_a_failing_handler_skips_its_update_and_the_loop_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def handle(update: Update) -> str | None:
        assert update.message is not None
        if update.message.text == "boom":
            raise RuntimeError("handler bug")
        return f"<b>ok</b> {update.message.text}"

    async def scenario() -> None:
        with FakeZalo(max_poll=0.2) as fake:
            async with listening(fake, handle):
                fake.push_text("c1", "u1", "boom")
                got = await reply_to(fake, "c2", lambda: fake.push_text("c2", "u2", "sau"))
                assert got == "ok sau"
            assert [m["chat_id"] for m in fake.sent] == ["c2"]

    with caplog.at_level(logging.ERROR, logger="review.zalo_bot"):
        run(scenario)
    assert any("RuntimeError" in r.getMessage() for r in caplog.records)


def test_5xx_and_429_back_off_then_the_loop_recovers() -> None:
    sleeps = Sleeps()

    async def handle(update: Update) -> str | None:
        return "đã nhận"

    async def scenario() -> None:
        with FakeZalo(max_poll=0.2) as fake:
            fake.fail("getUpdates", 502, "Bad Gateway", times=8)
            fake.fail("getMe", 503, "Service Unavailable")
            async with listening(fake, handle, sleeps):
                await until(lambda: len(sleeps.asked) >= 8)
                fake.fail("getUpdates", 429, "Too Many Requests", retry_after=7)
                await until(lambda: 7 in sleeps.asked)  # waits as told, not the back-off
                got = await reply_to(fake, "c", lambda: fake.push_text("c", "u", "x"))
                assert got == "đã nhận"
                sleeps.asked.clear()
                fake.fail("getUpdates", 500, "Internal", times=1)
                await until(lambda: len(sleeps.asked) >= 1)

    run(scenario)
    assert sleeps.asked[0] == 1.0  # recovered: the back-off starts over


def test_backoff_doubles_and_is_capped() -> None:
    sleeps = Sleeps()

    async def handle(update: Update) -> str | None:
        return None

    async def scenario() -> None:
        with FakeZalo(max_poll=0.2) as fake:
            fake.fail("getUpdates", 502, "Bad Gateway", times=9)
            async with listening(fake, handle, sleeps):
                await until(lambda: len(sleeps.asked) >= 9)
                fake.fail("getUpdates", 429, "Too Many Requests", retry_after=7)
                await until(lambda: 7 in sleeps.asked)

    run(scenario)
    assert sleeps.asked[:9] == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]


def test_a_connection_refused_backs_off_and_never_ends_the_loop() -> None:
    sleeps = Sleeps()

    async def handle(update: Update) -> str | None:
        return None

    async def scenario() -> None:
        bot = ZaloBot("123:abc", "http://127.0.0.1:1")
        listener = ZaloListener(bot, handle, sleeps, poll_timeout=1)
        task = asyncio.create_task(listener.run(lambda: len(sleeps.asked) >= 4))
        await asyncio.wait_for(task, 10)
        await bot.aclose()
        assert not task.exception()

    run(scenario)
    assert sleeps.asked[:4] == [1.0, 2.0, 4.0, 8.0]


@pytest.mark.parametrize("method", ["getMe", "getUpdates"])
def test_a_refused_token_logs_once_and_ends_the_loop(
    method: str, caplog: pytest.LogCaptureFixture
) -> None:
    sleeps = Sleeps()

    async def handle(update: Update) -> str | None:
        return None

    async def scenario() -> None:
        with FakeZalo(max_poll=0.2) as fake:
            fake.fail(method, 401, "Unauthorized", times=5)
            bot = ZaloBot(fake.token, fake.base_url)
            listener = ZaloListener(bot, handle, sleeps, poll_timeout=1)
            await asyncio.wait_for(listener.run(lambda: False), 5)
            await bot.aclose()
            assert listener.stopped
            assert [c.method for c in fake.calls].count(method) == 1

    with caplog.at_level(logging.ERROR, logger="review.zalo_bot"):
        run(scenario)
    refused = [r for r in caplog.records if "ZALO_BOT_TOKEN" in r.getMessage()]
    assert len(refused) == 1 and sleeps.asked == []


def photo_update(user: str, url: str, caption: str = "ảnh") -> Update:
    return parse_update(
        {
            "message": {
                "chat": {"id": user, "chat_type": "PRIVATE"},
                "from": {"id": user, "display_name": "Cán bộ"},
                "photo_url": url,
                "caption": caption,
            }
        }
    )


HOSTILE: list[Any] = [
    {},
    {"message": None},
    {"message": "text"},
    {"message": {"text": POST}},  # no chat, no sender
    {"message": {"chat": {"id": MEMBER}, "text": POST}},  # no sender
    {"message": {"chat": "x", "from": "y", "text": POST}},
    {"message": {"chat": {"id": ["a"]}, "from": {"id": {"x": 1}}, "text": 5, "date": True}},
    {"message": {"chat": {"id": STRANGER}, "from": {"id": STRANGER}, "text": "x" * 500_000}},
    {"message": {"chat": {"id": STRANGER}, "from": {"id": STRANGER}, "photo_url": "file:///etc"}},
    {"message": {"chat": {"id": MEMBER}, "from": {"id": MEMBER}, "text": "ư" * 300_000}},
    {"message": {"chat": {"id": MEMBER}, "from": {"id": MEMBER}, "text": "javascript:alert(1)"}},
    {"message": {"chat": {"id": MEMBER}, "from": {"id": MEMBER}, "text": "<b>&#0; \u202e"}},
    {"event_name": 7, "message": {"chat": {"id": 3.5}, "from": {"id": None}, "caption": []}},
    [1, 2],
    "update",
    42,
]


def test_hostile_updates_neither_crash_nor_store(store: Store, config: Config) -> None:
    pages = Pages({POST: PAGE})

    async def scenario() -> None:
        with FakeZalo(max_poll=0.2) as fake:
            handle = handler(store, config, fetch=pages)
            async with listening(fake, handle) as listener:
                for update in HOSTILE:
                    fake.push_raw(update)
                fake.push_text("last", STRANGER, "?")
                await until(lambda: any(m["chat_id"] == "last" for m in fake.sent))
                [got] = [m["text"] for m in fake.sent if m["chat_id"] == "last"]
                assert "chưa được ghi nhận" in got
                assert not listener.stopped
            assert all(0 < len(m["text"]) <= 2000 for m in fake.sent)

    run(scenario)
    assert store.list_articles() == [] and pages.asked == []


# --- Zalo never delays Telegram --------------------------------------------------------------


async def ticker(ticks: int, every: float) -> float:
    """Stands for Telegram's delivery in the same loop: the longest gap between its ticks."""
    worst = 0.0
    last = time.monotonic()
    for _ in range(ticks):
        await asyncio.sleep(every)
        now = time.monotonic()
        worst, last = max(worst, now - last), now
    return worst


@pytest.mark.parametrize("method", ["getUpdates", "sendMessage", "getMe"])
def test_a_hanging_zalo_never_delays_another_coroutine(
    method: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def handle(update: Update) -> str | None:
        return "trả lời"

    async def scenario() -> None:
        with FakeZalo(max_poll=0.2) as fake:
            fake.delay(method, 60, times=100)
            async with listening(fake, handle) as listener:
                fake.push_text("c", "u", "x")
                await until(lambda: any(c.method == method for c in fake.calls))
                started = time.monotonic()
                worst = await asyncio.wait_for(ticker(20, 0.05), 5)
                assert time.monotonic() - started < 3 and worst < 0.8
                assert not listener.stopped  # stuck, not dead
                stopping = time.monotonic()
            assert time.monotonic() - stopping < 2  # stop() cuts the hanging call short

    with caplog.at_level(logging.WARNING, logger="review.zalo_bot"):
        run(scenario)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_a_slow_report_runs_off_the_event_loop(store: Store, config: Config) -> None:
    """The page read and the store work of a report run in worker threads: a fetch taking a
    two seconds leaves the loop free for Telegram's delivery."""

    def slow(url: str) -> Fetched:
        time.sleep(2.0)
        return Pages({POST: PAGE})(url)

    async def scenario() -> None:
        with FakeZalo(max_poll=0.2) as fake:
            async with listening(fake, handler(store, config, fetch=slow)):
                await until(lambda: any(c.method == "getUpdates" for c in fake.calls))
                ticking = asyncio.create_task(ticker(50, 0.05))
                await asyncio.sleep(0.1)
                fake.push_text(MEMBER, MEMBER, POST)
                worst = await ticking
                await until(lambda: len(fake.sent) == 1)
        assert worst < 0.8

    run(scenario)
    assert len(store.list_articles()) == 1


# --- the dispatcher --------------------------------------------------------------------------


class Codes:
    """A stand-in of `review.zalo.ZaloReview`: answers texts starting with "A1"."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def answer(self, update: Update) -> str | None:
        assert update.message is not None
        self.seen.append(update.message.text)
        if update.message.text.startswith("A2"):
            return "Hãy viết: A2 giao <đơn vị> & hạn"  # plain text with markup characters
        return "Đã ghi: liên quan" if update.message.text.startswith("A1") else None


def test_dispatcher_tries_codes_then_reports_then_help(store: Store, config: Config) -> None:
    codes = Codes()
    handle = dispatcher(codes, intake_for(store, config))

    def text(chat: str, user: str, body: str, group: bool = False) -> Update:
        kind = "GROUP" if group else "PRIVATE"
        return parse_update(
            {
                "message": {
                    "chat": {"id": chat, "chat_type": kind},
                    "from": {"id": user},
                    "text": body,
                }
            }
        )

    async def scenario() -> None:
        assert await handle(text(REVIEWER, REVIEWER, "A1 liên quan")) == "Đã ghi: liên quan"
        shown = await handle(text(REVIEWER, REVIEWER, "A2"))  # the listener renders it as HTML
        assert shown is not None and zalo_text(shown) == "Hãy viết: A2 giao <đơn vị> & hạn"
        helped = await handle(text(REVIEWER, REVIEWER, "cảm ơn"))
        assert helped == f"{HELP}\n\n🆔 Mã Zalo của bạn: {REVIEWER}"
        assert await handle(text(REVIEW_GROUP, REVIEWER, "cảm ơn", group=True)) is None
        assert await handle(text(REVIEW_GROUP, STRANGER, POST, group=True)) is None
        got = await handle(text(REVIEWER, REVIEWER, POST))
        assert got is not None and "Đã nhận tin mới" in got

    run(scenario)
    assert codes.seen == ["A1 liên quan", "A2", "cảm ơn", "cảm ơn", POST, POST]
    assert len(store.list_articles()) == 1


@pytest.mark.parametrize(
    ("text", "link"),
    [
        (f"xem {POST}.", POST),
        (f"({POST})", POST),
        ("fb.watch/abcDEF nhé", "fb.watch/abcDEF"),
        ("vào www.baomoi.vn/a-b.html, xem", "www.baomoi.vn/a-b.html"),
        ("không có liên kết", None),
        ("javascript:alert(1)", None),
        ("ftp://x.vn/a", None),
    ],
)
def test_first_link(text: str, link: str | None) -> None:
    assert first_link(text) == link


# --- the webhook -----------------------------------------------------------------------------


def test_webhook_checks_the_secret_and_survives_bad_bodies() -> None:
    secret = "a-webhook-secret-1234"
    seen: list[Update] = []

    async def handle(update: Update) -> str | None:
        seen.append(update)
        return "đã nhận"

    async def scenario() -> None:
        with FakeZalo() as fake:
            bot = ZaloBot(fake.token, fake.base_url)
            listener = ZaloListener(bot, handle, bot_id="own")
            app = webhook_app(listener, "zalo/hook", secret)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                update = {"message": {"chat": {"id": "c"}, "from": {"id": "u"}, "text": "x"}}
                header = "X-Bot-Api-Secret-Token"
                assert (await client.post("/zalo/hook", json=update)).status_code == 401
                wrong = {header: secret + "x"}
                assert (
                    await client.post("/zalo/hook", json=update, headers=wrong)
                ).status_code == 401
                odd = {header: "bí mật".encode()}
                assert (
                    await client.post("/zalo/hook", json=update, headers=odd)
                ).status_code == 401
                right = {header: secret}
                for body in (b"{", b"[1]", b"\xff\xfe", b"null"):
                    answer = await client.post("/zalo/hook", content=body, headers=right)
                    assert answer.status_code == 400
                huge = b'{"a": "' + b"x" * 1_100_000 + b'"}'
                assert (
                    await client.post("/zalo/hook", content=huge, headers=right)
                ).status_code == 413
                assert (
                    await client.post("/zalo/hook", json=update, headers=right)
                ).status_code == 200
                await until(lambda: len(fake.sent) == 1)
            await bot.aclose()
            assert fake.sent[0]["text"] == "đã nhận" and fake.sent[0]["chat_id"] == "c"
        assert len(seen) == 1

    run(scenario)


def test_webhook_with_an_empty_secret_refuses_everything() -> None:
    async def handle(update: Update) -> str | None:
        raise AssertionError("never called")

    async def scenario() -> None:
        bot = ZaloBot("123:abc", "http://127.0.0.1:1")
        app = webhook_app(ZaloListener(bot, handle), "hook", "")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            headers = {"X-Bot-Api-Secret-Token": ""}
            assert (await client.post("/hook", json={}, headers=headers)).status_code == 401
        await bot.aclose()

    run(scenario)


def test_the_code_answer_runs_off_the_event_loop(store: Store, config: Config) -> None:
    """`ZaloReview.answer` is synchronous store work: the dispatcher runs it in a thread."""

    class Slow:
        def answer(self, update: Update) -> str | None:
            time.sleep(2.0)
            return "Đã ghi"

    handle = dispatcher(Slow(), intake_for(store, config))
    update = parse_update({"message": {"chat": {"id": "c"}, "from": {"id": "u"}, "text": "A1"}})

    async def scenario() -> None:
        ticking = asyncio.create_task(ticker(50, 0.05))
        await asyncio.sleep(0.1)
        assert await handle(update) == "Đã ghi"
        assert await ticking < 0.8

    run(scenario)


def test_the_zalo_side_does_not_load_python_telegram_bot() -> None:
    """The Zalo bot runs without Telegram's library (a deployment may use Zalo alone)."""
    import subprocess
    import sys

    code = "import sys, review.zalo_bot; print('telegram' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "False"


TWO_AREAS = f"""
locality: {{aliases: {{}}}}
crawl: {{contact: ttvh.dakha@example.invalid}}
sources:
  - {{name: baoquangngai, title: Báo Quảng Ngãi, feeds: ['https://baoquangngai.vn/rss']}}
areas:
  - name: dak-pxi
    title: Xã Đăk Pxi
    places: [Xã Đăk Pxi, Tỉnh Quảng Ngãi]
    review: {{chat: "-1009", zalo: "{REVIEW_GROUP}", zalo_reviewers: ["{REVIEWER}"]}}
    units: [{{name: Công an Đăk Pxi, zalo: "{UNIT_GROUP}", zalo_members: ["{MEMBER}"]}}]
  - name: dak-mar
    title: Xã Đăk Mar
    places: [Xã Đăk Mar, Tỉnh Quảng Ngãi]
    review: {{chat: "-1019", zalo: "g-review-mar"}}
    units: [{{name: Công an Đăk Mar, zalo: "g-unit-mar", zalo_members: ["{MEMBER}"]}}]
"""


def test_the_group_a_report_comes_from_picks_the_area(store: Store) -> None:
    """A member of two areas' units: a report in one area's Zalo group is for that area; in a
    private chat it is for both (no area); a stranger addressing the bot in a group is told."""
    config = parse_config(TWO_AREAS, "test.yaml", {}).config
    intake = intake_for(store, config)

    def message(chat: str, user: str, text: str, group: bool) -> Update:
        kind = "GROUP" if group else "PRIVATE"
        return parse_update(
            {
                "message": {
                    "chat": {"id": chat, "chat_type": kind},
                    "from": {"id": user},
                    "text": text,
                }
            }
        )

    async def scenario() -> None:
        got = await intake.handle(message("g-unit-mar", MEMBER, f"#baotin {POST}", True))
        assert got is not None and "Đã nhận tin mới" in got
        other = "https://www.tiktok.com/@dakha/video/1"
        assert "Đã nhận tin mới" in (
            await intake.handle(message(MEMBER, MEMBER, other, False)) or ""
        )
        told = await intake.handle(message("g-unit-mar", STRANGER, f"#baotin {POST}", True))
        assert told is not None and f"<code>{STRANGER}</code>" in told

    run(scenario)
    areas = {
        detail.url: sub.area
        for item in store.list_articles()
        for sub in store.submissions_of([item.id])[item.id]
        if (detail := store.get_article(item.id)) is not None
    }
    assert areas == {POST: "dak-mar", "https://www.tiktok.com/@dakha/video/1": None}
