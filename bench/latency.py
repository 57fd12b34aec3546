"""Alert latency benchmark: from a new article in a feed to its message on Telegram.

Runs `duluan start` (a real daemon process) against a local outlet (`LocalSite`) and the fake
Telegram Bot API, with one source polled every `--interval` seconds. New articles about a commune
of the watch area are published one after another, at spacings that do not follow the poll
rhythm, and for each the time until its message reaches the fake Telegram is measured.

Usage: `python bench/latency.py [--articles 20] [--interval 20]`. Prints the median and the worst
latency beside the poll interval (aim: worst < interval + 10 s); asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.site.generate import _paragraphs  # noqa: E402
from tests.site.server import LocalSite  # noqa: E402
from tests.telegram.fake_api import FakeTelegram  # noqa: E402

VIETNAM = timezone(timedelta(hours=7))
REVIEW_CHAT = -1001234567890

CONFIG = """
locality: {{province: Tỉnh Kon Tum, district: Huyện Đăk Hà}}
crawl:
  contact: bench@example.invalid
  delay: 0s
  autothrottle: false
  timeout: 10s
sources:
  - name: bench
    title: Báo Thử Nghiệm
    feeds: ['{base}/bench/rss/tin-moi.rss']
    interval: {interval}s
review: {{chat: '{chat}', reviewers: [1]}}
"""


def article_page(number: int, title: str, moment: datetime) -> str:
    """An article page about a commune of the watch area; its text differs from the others'."""
    rng = random.Random(number)
    lead = (
        f"Ngày {moment:%d/%m}, chính quyền xã Đăk Pxi, huyện Đăk Hà, tỉnh Kon Tum cho biết "
        f"vụ việc số {number} đang được kiểm tra."
    )
    body = "".join(f"<p>{escape(p)}</p>" for p in _paragraphs(rng, "xã Đăk Pxi", 1500))
    return (
        f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{escape(title)}'
        '</title><script type="application/ld+json">{"@type":"NewsArticle","headline":'
        f'"{escape(title)}","datePublished":"{moment.isoformat()}"}}</script></head><body>'
        f'<h1 class="title-detail">{escape(title)}</h1><p class="description">{escape(lead)}</p>'
        f'<article class="fck_detail">{body}</article></body></html>'
    )


def feed(items: list[tuple[str, str, datetime]]) -> str:
    entries = "".join(
        f"<item><title>{escape(title)}</title><link>{{{{BASE}}}}/bench/{slug}</link>"
        f"<pubDate>{format_datetime(moment)}</pubDate></item>"
        for slug, title, moment in reversed(items)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Báo Thử Nghiệm</title>{entries}</channel></rss>"
    )


class Outlet:
    """The bench outlet's feed and pages on the local site."""

    def __init__(self, site: LocalSite) -> None:
        self.site = site
        self.items: list[tuple[str, str, datetime]] = []

    def publish(self, number: int) -> str:
        moment = datetime.now(VIETNAM)
        title = f"Tin số {number}: xã Đăk Pxi {random.Random(number).choice(TOPICS)}"
        slug = f"tin-so-{number}-{1000 + number}.html"
        self.site.override(f"/bench/{slug}", article_page(number, title, moment))
        self.items.append((slug, title, moment))
        self.site.override("/bench/rss/tin-moi.rss", feed(self.items))
        return title


TOPICS = (
    "sạt lở đất sau mưa lớn",
    "khánh thành trường học mới",
    "người dân phản ánh ô nhiễm",
    "thu hoạch cà phê được mùa",
    "sửa chữa cầu treo hư hỏng",
    "phát hiện khai thác cát trái phép",
)


def arrived(fake: FakeTelegram, title: str) -> bool:
    return any(title in str(m.get("text", "")) for m in fake.sent(REVIEW_CHAT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--interval", type=int, default=20, help="poll interval in seconds")
    parser.add_argument("--timeout", type=float, default=120.0, help="give up on one article")
    args = parser.parse_args()
    rng = random.Random(42)
    with (
        tempfile.TemporaryDirectory(prefix="duluan-latency-") as tmp,
        LocalSite(Path(tmp)) as site,
        FakeTelegram(known_chats={REVIEW_CHAT}, max_poll=5.0) as fake,
    ):
        outlet = Outlet(site)
        warmup = outlet.publish(0)
        config = Path(tmp) / "config.yaml"
        config.write_text(
            CONFIG.format(base=site.base, interval=args.interval, chat=REVIEW_CHAT),
            encoding="utf-8",
        )
        env = {
            **os.environ,
            "DULUAN_CONFIG": str(config),
            "DULUAN_DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "PYTHONPATH": str(ROOT),
        }
        env.pop("DULUAN_NOW", None)
        log = (Path(tmp) / "daemon.log").open("wb")
        daemon = subprocess.Popen(
            [sys.executable, "-m", "duluan", "start"],
            stdout=subprocess.DEVNULL,
            stderr=log,
            env=env,
            cwd=tmp,
        )
        latencies: list[float] = []
        try:
            started = time.monotonic()
            if not fake.wait_for(lambda: arrived(fake, warmup), timeout=args.timeout):
                sys.exit("the daemon sent nothing for the first article: see its log")
            print(f"daemon up, first alert after {time.monotonic() - started:.1f}s (not counted)")
            waiting: dict[int, tuple[str, float]] = {}
            number = 0
            next_at = time.monotonic()
            while number < args.articles or waiting:
                moment = time.monotonic()
                if number < args.articles and moment >= next_at:
                    number += 1
                    waiting[number] = (outlet.publish(number), moment)
                    # Spacings unrelated to the poll rhythm: articles land anywhere in a cycle.
                    next_at = moment + rng.uniform(0.3, 0.8) * args.interval
                for n, (title, published) in list(waiting.items()):
                    if arrived(fake, title):
                        latencies.append(time.monotonic() - published)
                        print(f"article {n:2d}: {latencies[-1]:5.1f}s")
                        del waiting[n]
                    elif moment - published > args.timeout:
                        print(f"article {n:2d}: no message within {args.timeout:.0f}s")
                        del waiting[n]
                time.sleep(0.05)
        finally:
            daemon.send_signal(signal.SIGTERM)
            try:
                code = daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                daemon.kill()
                code = daemon.wait()
            log.close()
    if not latencies:
        sys.exit("no article reached the fake Telegram")
    missing = args.articles - len(latencies)
    worst = max(latencies)
    aim = args.interval + 10
    print(
        f"poll interval {args.interval}s | {len(latencies)} articles | "
        f"median {statistics.median(latencies):.1f}s | worst {worst:.1f}s | "
        f"aim worst < {aim}s: {'met' if worst < aim else 'NOT met'}"
        + (f" | {missing} never arrived" if missing else "")
    )
    print(f"daemon exit code after SIGTERM: {code}")


if __name__ == "__main__":
    main()
