"""The cycle's steps as functions (shared by `duluan tag/alert/cycle` and the daemon)."""

from __future__ import annotations

import asyncio
import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alerts.delivery import ConsoleSender
from duluan.config import parse_config
from duluan.pipeline import TagReport, deliver, review_chat, search_queries_for, tag_pending
from storage import Store
from tests.kit.articles import record

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)

CONFIG = """
locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}
sources:
  - {name: baoquangngai, title: Báo Quảng Ngãi, feeds: ['https://baoquangngai.vn/rss']}
  - name: googlenews
    title: Google News
    search: {url: 'https://news.google.com/rss/search?q={query}', queries: auto}
  - name: fixed
    title: Cố định
    search: {url: 'https://news.google.com/rss/search?q={query}', queries: [Đăk Hà]}
review: {chat: '-1001234567890', reviewers: [1]}
units: [{name: UBND xã Đăk Pxi, chat: '-1009876543210', communes: [Xã Đăk Pxi]}]
"""


def test_tag_pending_queues_alerts_once_and_deliver_sends_them(
    store: Store, tmp_path: Path
) -> None:
    config = parse_config(CONFIG, "test", {}).config
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    fresh = NOW - timedelta(hours=2)
    store.save_article(
        replace(
            record(1, published_at=fresh, fetched_at=fresh),
            title="Sạt lở ở xã Đăk Pxi",
            lead="Mưa lớn gây sạt lở ở xã Đăk Pxi, huyện Đăk Hà, tỉnh Kon Tum.",
            text="Nhiều hộ dân phải di dời khẩn cấp.",
        )
    )
    store.save_article(
        replace(record(2), title="Giá vàng tăng", lead="Giá vàng tăng.", text="Vàng.")
    )
    assert tag_pending(store, config, lambda: NOW, console=False) == TagReport(2, 1, 2)
    assert tag_pending(store, config, lambda: NOW, console=False) == TagReport(0, 0, 0)
    found = store.search_articles("sat lo dak pxi")  # indexed by the tagging pass
    assert [hit.title for hit in found.hits] == ["Sạt lở ở xã Đăk Pxi"]

    stream = io.StringIO()
    sender = ConsoleSender(tmp_path / "alerts.jsonl", stream)
    report = asyncio.run(deliver(store, sender, lambda: NOW))
    assert (report.sent, report.failed) == (2, 0)
    lines = (tmp_path / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line)["chat"] for line in lines) == [
        "-1001234567890",
        "-1009876543210",
    ]
    assert "Sạt lở ở xã Đăk Pxi" in stream.getvalue()
    assert asyncio.run(deliver(store, sender, lambda: NOW)).sent == 0


def test_review_chat_and_search_queries() -> None:
    config = parse_config(CONFIG, "test", {}).config
    assert review_chat(config, console=True) == "-1001234567890"
    bare = config.model_copy(update={"review": config.review.model_copy(update={"chat": None})})
    assert review_chat(bare, console=True) == "console"
    assert review_chat(bare, console=False) is None
    queries = search_queries_for(config, ["baoquangngai", "googlenews", "fixed"])
    assert list(queries) == ["googlenews"]
    assert any("Đăk Pxi" in q for q in queries["googlenews"])
    assert search_queries_for(config, ["baoquangngai"]) == {}
