"""Receiving Zalo updates by webhook as well as by long polling (config `zalo_bot:`): the
settings and their checks, `ZaloReceiver` against the fake Zalo (a stale webhook deleted before
polling, the webhook served and set, a port taken), and `duluan start` run as a process with the
Zalo bot in webhook mode, its secret checked, and beside a Telegram that keeps running."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from alerts.zalo import WEBHOOK_SECRET_HEADER, Update, ZaloBot
from duluan.config import ConfigError, ZaloBotSettings, masked_dump, parse_config
from duluan.runtime import Runtime
from review.zalo_bot import ZaloListener, ZaloReceiver
from tests.kit.crawl import ITEMS, article, feed, write_config
from tests.kit.daemon import log_text, start, stop, wait_until
from tests.site.server import LocalSite
from tests.zalo.fake_api import FakeZalo

MINIMAL = """
locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}
sources:
  - name: vnexpress
    title: VnExpress
    feeds: [https://vnexpress.net/rss/tin-moi-nhat.rss]
"""
SECRET = "Zq8_vN3-kLwP5xR2tY7uB4cD9eF1gH6j"  # 32 random characters
HOOK = "https://duluan.example.vn/zalo/hook"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def problems(text: str, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "t.yaml", environ or {})
    return caught.value.problems


# --- settings --------------------------------------------------------------------------------


def test_polling_is_the_default_and_the_port_is_not_telegrams() -> None:
    config = parse_config(MINIMAL, "t.yaml", {}).config
    assert config.zalo_bot == ZaloBotSettings()
    assert (config.zalo_bot.mode, config.zalo_bot.listen) == ("polling", "127.0.0.1")
    assert config.zalo_bot.port == 8444 != config.telegram.port
    assert config.zalo_bot.secret_token is None


def test_webhook_settings_with_the_secret_in_the_environment() -> None:
    text = MINIMAL + (
        f"zalo_bot: {{mode: webhook, webhook_url: '{HOOK}', listen: 0.0.0.0, port: 9000,"
        " secret_token: 'env:ZALO_SECRET'}\n"
    )
    loaded = parse_config(text, "t.yaml", {"ZALO_SECRET": SECRET})
    settings = loaded.config.zalo_bot
    assert (settings.mode, settings.webhook_url, settings.listen, settings.port) == (
        "webhook",
        HOOK,
        "0.0.0.0",
        9000,
    )
    assert settings.secret_token is not None
    assert settings.secret_token.get_secret_value() == SECRET
    assert SECRET not in repr(loaded.config) and not loaded.warnings
    assert SECRET not in masked_dump(loaded, Runtime().describe())


def test_a_secret_written_in_the_file_is_accepted_with_a_warning() -> None:
    text = MINIMAL + f"zalo_bot: {{mode: webhook, webhook_url: '{HOOK}', secret_token: {SECRET}}}\n"
    loaded = parse_config(text, "t.yaml", {})
    (warning,) = loaded.warnings
    assert warning.startswith("zalo_bot.secret_token: mã bí mật ghi thẳng trong tệp cấu hình")
    assert SECRET not in warning


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ("{mode: webhook, secret_token: 'env:S'}", "chế độ webhook cần webhook_url"),
        ("{mode: webhook, webhook_url: '" + HOOK + "'}", "chế độ webhook cần secret_token"),
        (
            "{mode: webhook, webhook_url: 'http://duluan.example.vn/z', secret_token: 'env:S'}",
            "https://",
        ),
        ("{mode: webhook, webhook_url: 'duluan.example.vn/z', secret_token: 'env:S'}", "http"),
        ("{mode: push}", "polling"),
        ("{port: 0}", "zalo_bot.port"),
        ("{port: 70000}", "zalo_bot.port"),
        ("{mode: polling, extra: 1}", "zalo_bot.extra"),
    ],
)
def test_webhook_mode_needs_an_https_url_and_a_secret(settings: str, expected: str) -> None:
    (message,) = problems(MINIMAL + f"zalo_bot: {settings}\n", {"S": SECRET})
    assert message.startswith("zalo_bot"), message
    assert expected in message, message


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        ("bi-mat-123", "quá ngắn (10 ký tự), cần ít nhất 32"),  # Zalo's 8 is not enough
        ("a" * 40, "không ngẫu nhiên"),
        ("aB3_9xZ-" * 5, "không ngẫu nhiên"),
        (SECRET + "!", "A-Z a-z 0-9 _ -"),
        (SECRET * 9, "1–256 ký tự"),
        ("", "biến môi trường S chưa được đặt"),
    ],
)
def test_a_weak_secret_is_refused_and_never_echoed(secret: str, expected: str) -> None:
    text = MINIMAL + f"zalo_bot: {{mode: webhook, webhook_url: '{HOOK}', secret_token: 'env:S'}}\n"
    (message,) = problems(text, {"S": secret})
    assert message.startswith(("zalo_bot: ", "zalo_bot.secret_token: ")), message
    assert expected in message
    assert not secret or secret[:20] not in message


# --- the receiver ----------------------------------------------------------------------------


def settings(**fields: Any) -> ZaloBotSettings:
    return ZaloBotSettings.model_validate(fields)


class Echo:
    """A handler that records what it got and answers "đã nhận"."""

    def __init__(self) -> None:
        self.seen: list[Update] = []

    async def __call__(self, update: Update) -> str | None:
        self.seen.append(update)
        return "đã nhận"


async def until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the Zalo receiver")
        await asyncio.sleep(0.02)


def methods(fake: FakeZalo) -> list[str]:
    return [call.method for call in fake.calls]


def test_polling_deletes_a_stale_webhook_first(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    handle = Echo()

    async def scenario() -> None:
        with FakeZalo(max_poll=0.5) as fake:
            fake.webhook = {"url": "https://old.example.vn/hook", "updated_at": 1}
            bot = ZaloBot(fake.token, fake.base_url)
            receiver = ZaloReceiver(ZaloListener(bot, handle, bot_id="own"), settings())
            running = asyncio.create_task(receiver.run())
            fake.push_text("c1", "u1", "xin chào")
            await until(lambda: len(fake.sent) == 1)
            await receiver.stop()
            await asyncio.wait_for(running, 5)
            await bot.aclose()
            assert methods(fake)[:3] == ["getWebhookInfo", "deleteWebhook", "getUpdates"]
            assert fake.webhook["url"] == "" and fake.sent[0]["chat_id"] == "c1"

    asyncio.run(scenario())
    assert [u.message.text for u in handle.seen if u.message] == ["xin chào"]
    logged = [r.getMessage() for r in caplog.records]
    assert any("đã xóa webhook cũ" in line for line in logged)


def test_polling_without_a_webhook_deletes_nothing_and_a_failed_check_still_polls(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def scenario(fail: bool) -> list[str]:
        with FakeZalo(max_poll=0.2) as fake:
            if fail:
                fake.fail("getWebhookInfo", 502, "Bad Gateway")
            bot = ZaloBot(fake.token, fake.base_url)
            receiver = ZaloReceiver(ZaloListener(bot, Echo(), bot_id="own"), settings())
            running = asyncio.create_task(receiver.run())
            await until(lambda: "getUpdates" in methods(fake))
            await receiver.stop()
            await asyncio.wait_for(running, 5)
            await bot.aclose()
            return methods(fake)

    assert "deleteWebhook" not in asyncio.run(scenario(False))
    assert "deleteWebhook" not in asyncio.run(scenario(True))
    assert any("không kiểm tra/xóa được webhook cũ" in r.getMessage() for r in caplog.records)


def test_webhook_mode_serves_sets_the_webhook_and_leaves_it_at_the_stop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    port = free_port()
    handle = Echo()

    async def scenario() -> list[int]:
        with FakeZalo() as fake:
            fake.fail("setWebhook", 502, "Bad Gateway")  # Zalo unreachable once: tried again
            bot = ZaloBot(fake.token, fake.base_url)
            listener = ZaloListener(bot, handle, min_backoff=0.05, bot_id="own")
            hook = settings(mode="webhook", webhook_url=HOOK, port=port, secret_token=SECRET)
            receiver = ZaloReceiver(listener, hook)
            running = asyncio.create_task(receiver.run())
            await until(lambda: fake.webhook["url"] == HOOK)
            assert fake.webhook["secret"] == SECRET
            update = fake.text_update("c1", "u1", "qua webhook")
            url = f"http://127.0.0.1:{port}/zalo/hook"
            codes = []
            async with httpx.AsyncClient() as client:
                for headers in ({}, {WEBHOOK_SECRET_HEADER: SECRET[:-1] + "x"}):
                    codes.append((await client.post(url, json=update, headers=headers)).status_code)
                codes.append((await client.post(url + "x", json=update)).status_code)
                await asyncio.sleep(0.3)
                assert not fake.sent and not handle.seen
                good = {WEBHOOK_SECRET_HEADER: SECRET}
                codes.append((await client.post(url, json=update, headers=good)).status_code)
                await until(lambda: len(fake.sent) == 1)
            await receiver.stop()
            await asyncio.wait_for(running, 8)
            await bot.aclose()
            assert "getUpdates" not in methods(fake) and "deleteWebhook" not in methods(fake)
            assert fake.webhook["url"] == HOOK  # left in place, as Telegram's is
            with pytest.raises(httpx.ConnectError):  # the server is down
                async with httpx.AsyncClient() as client:
                    await client.post(url, json=update, headers=good)
            return codes

    assert asyncio.run(scenario()) == [401, 401, 404, 200]
    assert [u.message.text for u in handle.seen if u.message] == ["qua webhook"]
    logged = [r.getMessage() for r in caplog.records]
    assert any("chưa đặt được webhook" in line for line in logged)
    assert any(f"qua webhook tại 127.0.0.1:{port}/zalo/hook" in line for line in logged)
    assert not any(SECRET in line for line in logged)


def test_a_port_taken_is_a_clear_error_and_ends_only_the_zalo_side(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def scenario() -> list[str]:
        with FakeZalo() as fake, socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            bot = ZaloBot(fake.token, fake.base_url)
            hook = settings(mode="webhook", webhook_url=HOOK, port=port, secret_token=SECRET)
            receiver = ZaloReceiver(ZaloListener(bot, Echo(), bot_id="own"), hook)
            await asyncio.wait_for(receiver.run(), 12)  # returns: nothing left running
            await bot.aclose()
            assert receiver.server is None
            return methods(fake)

    assert asyncio.run(scenario()) == []  # no setWebhook to an address nobody serves
    (line,) = [
        r.getMessage() for r in caplog.records if "không mở được webhook Zalo" in r.getMessage()
    ]
    assert "zalo_bot.port" in line and "Telegram vẫn chạy" in line


# --- the daemon ------------------------------------------------------------------------------

SOURCE = """
  - name: thu
    title: Báo Thử
    feeds: ['{{BASE}}/thu/rss/home.rss']
    article_pattern: '-\\d+\\.html$'
    interval: 3s
"""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[LocalSite]:
    root = tmp_path / "site"
    (root / "thu" / "rss").mkdir(parents=True)
    (root / "thu" / "rss" / "home.rss").write_text(feed(ITEMS), encoding="utf-8")
    dates = ["2026-11-25T08:00:00+07:00", "2026-11-24T16:30:00+07:00", "2025-11-05T09:00:00+07:00"]
    for (slug, title, _), date in zip(ITEMS, dates, strict=True):
        (root / "thu" / slug).write_text(article(title, date), encoding="utf-8")
    with LocalSite(root) as running:
        yield running


def zalo_config(tmp_path: Path, base: str, port: int, mode: str = "webhook") -> None:
    write_config(tmp_path, base, SOURCE)
    with (tmp_path / "config.yaml").open("a", encoding="utf-8") as out:
        out.write(
            "review: {chat: '-1001234567890', reviewers: [1], zalo: zalo-review-chat, "
            "zalo_reviewers: [lan01]}\n"
            f"zalo_bot: {{mode: {mode}, webhook_url: '{HOOK}', listen: 127.0.0.1, port: {port}, "
            "secret_token: 'env:ZALO_WEBHOOK_SECRET'}\n"
        )


def test_daemon_in_webhook_mode_answers_only_updates_with_the_secret(
    site: LocalSite, tmp_path: Path
) -> None:
    port = free_port()
    zalo_config(tmp_path, site.base, port)
    with FakeZalo(known_chats={"zalo-review-chat", "lan01", "la-mat"}) as zalo:
        process = start(
            tmp_path,
            {
                "ZALO_BOT_TOKEN": zalo.token,
                "ZALO_API_BASE_URL": zalo.base_url,
                "ZALO_WEBHOOK_SECRET": SECRET,
            },
        )
        try:
            assert wait_until(lambda: zalo.webhook["url"] == HOOK, 60), log_text(tmp_path)[-3000:]
            assert zalo.webhook["secret"] == SECRET
            url = f"http://127.0.0.1:{port}/zalo/hook"
            link = "https://www.facebook.com/groups/xadakpxi/posts/123 bà con xem"
            update = zalo.text_update("la-mat", "la-mat", link, name="Người lạ")
            codes = [
                httpx.post(url, json=update, headers=headers, timeout=10).status_code
                for headers in ({}, {WEBHOOK_SECRET_HEADER: "sai-" + SECRET[4:]})
            ]
            time.sleep(1.0)  # a forged update, had it been taken, is answered by now
            forged = [m for m in zalo.sent if m["chat_id"] == "la-mat"]
            good = {WEBHOOK_SECRET_HEADER: SECRET}
            codes.append(httpx.post(url, json=update, headers=good, timeout=10).status_code)
            assert wait_until(lambda: any(m["chat_id"] == "la-mat" for m in zalo.sent), 30)
        finally:
            code, out, err = stop(process, tmp_path, signal.SIGINT)
        assert code == 0, err[-3000:]
        assert codes == [401, 401, 200] and forged == []
        (refusal,) = [m for m in zalo.sent if m["chat_id"] == "la-mat"]
        assert "chưa được ghi nhận" in refusal["text"] and "la-mat" in refusal["text"]
        called = [c.method for c in zalo.calls]
        assert "getUpdates" not in called and "deleteWebhook" not in called
        assert zalo.webhook["url"] == HOOK  # the stop leaves the webhook set
    assert "Bot Zalo nhận mã rà soát và tin báo qua webhook" in err
    assert "không có đúng mã bí mật" in err
    assert SECRET not in out + err and zalo.token not in out + err
    with pytest.raises(httpx.ConnectError):  # the webhook's server stopped with the daemon
        httpx.post(url, json=update, headers=good, timeout=5)


def test_daemon_in_polling_mode_deletes_a_stale_webhook(site: LocalSite, tmp_path: Path) -> None:
    zalo_config(tmp_path, site.base, free_port(), mode="polling")
    with FakeZalo(known_chats={"zalo-review-chat", "lan01"}, max_poll=1.0) as zalo:
        zalo.webhook = {"url": "https://old.example.vn/hook", "updated_at": 1}
        process = start(
            tmp_path,
            {
                "ZALO_BOT_TOKEN": zalo.token,
                "ZALO_API_BASE_URL": zalo.base_url,
                "ZALO_WEBHOOK_SECRET": SECRET,
            },
        )
        try:
            assert wait_until(lambda: any(c.method == "getUpdates" for c in zalo.calls), 60)
            zalo.push_text("lan01", "lan01", "giúp với", name="Chị Lan")
            assert wait_until(lambda: any(m["chat_id"] == "lan01" for m in zalo.sent), 30)
        finally:
            code, _, err = stop(process, tmp_path, signal.SIGINT)
        called = [c.method for c in zalo.calls]
    assert code == 0, err[-3000:]
    assert called.index("deleteWebhook") < called.index("getUpdates")
    assert "setWebhook" not in called and zalo.webhook["url"] == ""
    assert "đã xóa webhook cũ" in err and "long polling" in err


def test_a_zalo_port_taken_never_stops_telegram(site: LocalSite, tmp_path: Path) -> None:
    from tests.telegram.fake_api import FakeTelegram

    with (
        socket.socket() as taken,
        FakeTelegram(known_chats={-1001234567890}, max_poll=1.0) as telegram,
        FakeZalo(known_chats={"zalo-review-chat", "lan01"}) as zalo,
    ):
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        zalo_config(tmp_path, site.base, port)
        process = start(
            tmp_path,
            {
                "TELEGRAM_BOT_TOKEN": telegram.token,
                "TELEGRAM_API_BASE_URL": telegram.base_url,
                "ZALO_BOT_TOKEN": zalo.token,
                "ZALO_API_BASE_URL": zalo.base_url,
                "ZALO_WEBHOOK_SECRET": SECRET,
            },
        )
        try:
            assert wait_until(lambda: len(telegram.sent(-1001234567890)) >= 1), "nothing sent"
            assert wait_until(lambda: len(zalo.sent) >= 1, 30), "Zalo's delivery stopped too"
        finally:
            code, _, err = stop(process, tmp_path, signal.SIGINT)
        called = [c.method for c in zalo.calls]
    assert code == 0, err[-3000:]
    assert "setWebhook" not in called and "getUpdates" not in called
    assert f"không mở được webhook Zalo tại 127.0.0.1:{port}" in err and "zalo_bot.port" in err
    assert "Chương trình chạy nền đã sẵn sàng" in err


@pytest.mark.parametrize(
    ("other", "key"),
    [
        (
            f"telegram: {{mode: webhook, webhook_url: '{HOOK}', port: 8444, secret_token: S2}}",
            "telegram.port",
        ),
        ("web: {enabled: true, port: 8444}", "web.port"),
    ],
)
def test_the_zalo_webhook_port_differs_from_telegrams_and_the_consoles(
    other: str, key: str
) -> None:
    zalo = f"zalo_bot: {{mode: webhook, webhook_url: '{HOOK}', secret_token: 'env:S'}}\n"
    text = MINIMAL + zalo + other.replace("S2", SECRET[::-1]) + "\n"
    (message,) = problems(text, {"S": SECRET})
    assert f"zalo_bot.port 8444 trùng với {key}" in message, message
    polling = MINIMAL + other.replace("S2", SECRET[::-1]) + "\n"  # Zalo polling: no clash
    assert parse_config(polling, "t.yaml", {}).config.zalo_bot.mode == "polling"
