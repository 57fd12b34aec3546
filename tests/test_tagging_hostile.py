"""A hostile article (megabytes of dense place names) in the store: the tag pass stays bounded,
saves and delivers what it tagged before going on, and the daemon keeps alerting meanwhile.
Nothing here asserts a duration: a pass that would never end shows as an alert never sent."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bench.locate import dense_text
from crawler.fingerprint import NUM_PERM
from duluan.config import Config, parse_config
from duluan.daemon import Daemon
from duluan.pipeline import TagReport, locator_for, tag_pending
from nlp.locate import Locator
from storage import ArticleRecord, OutboxEntry, Store

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
HOSTILE_BYTES = 3 * 1024 * 1024

CONFIG = """
locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}
sources:
  - {name: baoquangngai, title: Báo Quảng Ngãi, feeds: ['http://127.0.0.1:9/rss'], interval: 1h}
review: {chat: '-1001234567890', reviewers: [1]}
units: [{name: UBND xã Đăk Pxi, chat: '-1009876543210', communes: [Xã Đăk Pxi]}]
"""


def article(n: int, title: str, text: str) -> ArticleRecord:
    return ArticleRecord(
        source="baoquangngai",
        url=f"https://baoquangngai.vn/bai-{n}.htm",
        canonical_url=f"https://baoquangngai.vn/bai-{n}.htm",
        title=title,
        lead="",
        text=text,
        author=None,
        section=None,
        language="vi",
        published_at=NOW - timedelta(hours=1),
        fetched_at=NOW - timedelta(minutes=5),
        via="feed",
        extraction="page",
        content_hash=f"hash-{n}",
        fingerprint=tuple(n * 1000 + i for i in range(NUM_PERM)),
        backfill=False,
    )


NEWS = "Sạt lở ở xã Đăk Pxi", "Mưa lớn gây sạt lở ở xã Đăk Pxi, huyện Đăk Hà, tỉnh Kon Tum."
TITLES = (NEWS[0], "Cháy rừng ở xã Đăk Pxi")


@pytest.fixture(scope="module")
def config() -> Config:
    return parse_config(CONFIG, "test", {}).config


@pytest.fixture(scope="module")
def locator(config: Config) -> Locator:
    return locator_for(config)


@pytest.fixture(scope="module")
def hostile(locator: Locator) -> str:
    return dense_text(locator, HOSTILE_BYTES)


def fill(store: Store, hostile: str) -> None:
    """A hostile article between two ordinary relevant ones."""
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    store.save_article(article(1, *NEWS))
    store.save_article(article(2, "Danh sách địa danh", hostile))
    store.save_article(article(3, TITLES[1], NEWS[1].replace("sạt lở", "cháy rừng")))


def ticking(step: float) -> Callable[[], float]:
    """A clock that moves `step` seconds each time it is read."""
    moment = [0.0]

    def clock() -> float:
        moment[0] += step
        return moment[0]

    return clock


def test_a_pass_with_a_budget_saves_and_hands_the_rest_to_the_next(
    store: Store, config: Config, locator: Locator, hostile: str
) -> None:
    fill(store, hostile)
    clock = ticking(4.0)  # each article "takes" 4 s of a 6 s budget
    first = tag_pending(store, config, lambda: NOW, locator=locator, budget=6.0, clock=clock)
    assert first == TagReport(tagged=2, relevant=2, queued=4, more=True)
    assert store.get_tags(3) is None
    hostile_tags = store.get_tags(2)
    assert hostile_tags is not None
    assert any(r.startswith("Giới hạn: chỉ xét") for r in hostile_tags.reasons)
    second = tag_pending(store, config, lambda: NOW, locator=locator, budget=6.0, clock=clock)
    assert second == TagReport(tagged=1, relevant=1, queued=2, more=False)
    no_budget = tag_pending(store, config, lambda: NOW, locator=locator)
    assert no_budget == TagReport(0, 0, 0)


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path}/db.sqlite3"


def test_the_daemon_alerts_while_a_hostile_article_is_tagged(
    url: str, config: Config, hostile: str, tmp_path: Path
) -> None:
    alerts_path = tmp_path / "alerts.jsonl"
    with Store.open(url) as store:
        fill(store, hostile)
        store.record_job_run("crawl:baoquangngai", NOW)  # no crawl during the test
        store.enqueue(
            [OutboxEntry("story:old", "-1009876543210", None, "alert", "Tin đã xếp hàng")], NOW
        )

    def sent() -> list[str]:
        if not alerts_path.exists():
            return []
        lines = alerts_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line)["text"] for line in lines]

    async def run() -> tuple[list[str], bool]:
        daemon = Daemon(
            config,
            url,
            now=lambda: NOW,
            alerts_path=alerts_path,
            outbox_every=timedelta(seconds=1),
            tag_budget=0.0,  # one article a pass: delivery between every two
        )
        stop = asyncio.Event()
        task = asyncio.create_task(daemon.run(stop))
        deadline = time.monotonic() + 120
        with Store.open(url) as store:
            while time.monotonic() < deadline and not task.done():
                texts = sent()
                both = (sum(title in t for t in texts) for title in TITLES)  # unit, review group
                if "Tin đã xếp hàng" in texts and all(count >= 2 for count in both):
                    break
                await asyncio.sleep(0.2)
            tagged = all(store.get_tags(n) is not None for n in (1, 2, 3))
        stop.set()
        await asyncio.wait_for(task, 30)
        return sent(), tagged

    texts, tagged = asyncio.run(run())
    assert "Tin đã xếp hàng" in texts
    assert tagged
    for title in TITLES:
        assert sum(title in t for t in texts) == 2  # the unit and the review group
    with Store.open(url) as store:
        tags = store.get_tags(2)
    assert tags is not None and any(r.startswith("Giới hạn: chỉ xét") for r in tags.reasons)


ROOT = Path(__file__).resolve().parent.parent


def duluan(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "duluan", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )


def test_tag_explain_and_locate_say_what_the_caps_left_out(tmp_path: Path, hostile: str) -> None:
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    with Store.open(url) as store:
        fill(store, hostile)
    env = {**os.environ, "DULUAN_DATABASE_URL": url, "DULUAN_CONFIG": str(ROOT / "config.yaml")}
    tagged = duluan(env, "tag")
    assert tagged.returncode == 0, tagged.stderr
    assert "Bài 2: Giới hạn: chỉ xét" in tagged.stderr
    explained = duluan(env, "explain", "2")
    assert explained.returncode == 0
    lines = explained.stdout.splitlines()
    assert any(line.startswith("- Giới hạn: chỉ xét 1.000 địa danh đầu") for line in lines)
    assert any(line.startswith("- sắc thái: 'phá rừng'") for line in lines)
    path = tmp_path / "dense.txt"
    path.write_text(hostile, encoding="utf-8")
    located = duluan(env, "locate", str(path))
    assert located.returncode == 0, located.stderr
    result = json.loads(located.stdout)
    assert result["relevant"] and len(result["mentions"]) <= 1000
    assert any(r.startswith("Giới hạn: chỉ xét 99.99") for r in result["reasons"])
    assert "Văn bản: Giới hạn: chỉ xét" in located.stderr
