"""Files (the weekly report) go through the same outbox and limits as the alerts."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest
import telegram

from alerts.delivery import ConsoleSender, Deliverer, Report, TelegramSender, Throttle
from alerts.message import AlertItem, article_message
from storage import OutboxEntry, Store
from tests.kit.articles import T0
from tests.kit.clock import NOW, FakeClock
from tests.telegram.fake_api import FakeTelegram

pytestmark = pytest.mark.sqlite_only  # no SQL of its own: see tests/kit/db.py

OFFICE = -1005555555555


def document(path: Path, story: str = "digest:2026-W48:docx") -> OutboxEntry:
    payload = {"document": str(path), "filename": path.name, "caption": "<b>Báo cáo tuần</b>"}
    return OutboxEntry(story, str(OFFICE), None, "document", json.dumps(payload))


def test_a_document_reaches_telegram_after_its_summary(store: Store, tmp_path: Path) -> None:
    report_file = tmp_path / "duluan-bao-cao-tuan-2026-W48.docx"
    report_file.write_bytes(b"PK\x03\x04 not really a docx")
    store.enqueue(
        [
            OutboxEntry("digest:2026-W48", str(OFFICE), None, "digest", "Tóm tắt tuần"),
            document(report_file),
        ],
        T0,
    )
    with FakeTelegram(known_chats={OFFICE}) as fake:

        async def run() -> Report:
            clock = FakeClock()
            async with telegram.Bot(fake.token, base_url=fake.base_url) as bot:
                deliverer = Deliverer(
                    store, TelegramSender(bot), lambda: NOW, Throttle(clock, clock.sleep)
                )
                return await deliverer.deliver_due()

        report = asyncio.run(run())
        sent = fake.sent(OFFICE)
        uploads = fake.calls_to("sendDocument")
    assert report.sent == 2
    assert [m.get("text") for m in sent] == ["Tóm tắt tuần", None]
    assert sent[1]["document"]["file_name"] == report_file.name
    assert sent[1]["caption"] == "Báo cáo tuần"
    assert uploads[0].files["document"] == report_file.read_bytes()
    assert store.due_outbox(NOW) == []


def test_console_mode_and_a_missing_file(store: Store, tmp_path: Path) -> None:
    present = tmp_path / "a.docx"
    present.write_bytes(b"x")
    store.enqueue([document(present), document(tmp_path / "gone.docx", "digest:x:docx")], T0)
    jsonl = tmp_path / "alerts.jsonl"
    clock = FakeClock()
    deliverer = Deliverer(
        store, ConsoleSender(jsonl, io.StringIO()), lambda: NOW, Throttle(clock, clock.sleep)
    )
    report = asyncio.run(deliverer.deliver_due())
    assert (report.sent, report.failed) == (1, 1)
    assert "gone.docx" in report.errors[0] and "tạo lại báo cáo" in report.errors[0]
    (line,) = [json.loads(x) for x in jsonl.read_text(encoding="utf-8").splitlines()]
    assert line["document"] == str(present)
    failed = [c for c in store.outbox_counts() if c.status == "failed"]
    assert failed and "gone.docx" in (failed[0].last_error or "")


def test_astral_text_and_captions_fit_telegram_utf16_limits(store: Store, tmp_path: Path) -> None:
    """Telegram counts UTF-16 code units: an emoji or 𝐀 is two of them."""
    report_file = tmp_path / "bao-cao.docx"
    report_file.write_bytes(b"PK\x03\x04 not really a docx")
    caption = "<b>Báo cáo tuần 😀</b> " + "𝐀😀 " * 400  # 2,000 code units
    payload = {"document": str(report_file), "filename": "bao-cao.docx", "caption": caption}
    body = "Người dân xã Đăk Pxi " + "phản ánh 😀𝐀 " * 600
    alert = article_message(
        AlertItem(
            "Báo Quảng Ngãi",
            "Tin 😀 " * 800,
            "https://baoquangngai.vn/a.htm",
            None,
            ("Xã Đăk Pxi",),
            "negative",
            body,
            (13, 20),
        )
    )
    store.enqueue(
        [
            OutboxEntry("cluster:1", str(OFFICE), None, "alert", alert),
            OutboxEntry("digest:x:docx", str(OFFICE), None, "document", json.dumps(payload)),
        ],
        T0,
    )
    with FakeTelegram(known_chats={OFFICE}) as fake:

        async def run() -> Report:
            clock = FakeClock()
            async with telegram.Bot(fake.token, base_url=fake.base_url) as bot:
                deliverer = Deliverer(
                    store, TelegramSender(bot), lambda: NOW, Throttle(clock, clock.sleep)
                )
                return await deliverer.deliver_due()

        report = asyncio.run(run())
        sent = fake.sent(OFFICE)
    assert (report.sent, report.failed) == (2, 0), report.errors
    text, document = sent
    assert 4000 < len(alert.encode("utf-16-le")) // 2 <= 4096
    assert 3800 < len(text["text"].encode("utf-16-le")) // 2 <= 4096
    assert 1000 < len(document["caption"].encode("utf-16-le")) // 2 <= 1024
    assert document["caption"].startswith("Báo cáo tuần 😀")
