"""Crawl frontier benchmark: two crawl processes with and without the shared Redis frontier.

Two generated outlets on two loopback hosts (127.0.0.1 and 127.0.0.2), each listed twice (its
feed and its sitemap, two sources). Runs, one after the other, on fresh SQLite databases:
- one process polling the four sources (no frontier);
- two processes splitting the sources, no frontier;
- the same two processes sharing the frontier on Redis.
Prints for each the wall time, article fetches (duplicates) and the most requests each host
answered at once. Usage: `python bench/frontier.py [--articles 150] [--redis URL]`. Asserts
nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.runner import run_pass  # noqa: E402
from duluan.clock import Clock  # noqa: E402
from duluan.config import Config, parse_config  # noqa: E402
from storage import Store  # noqa: E402
from tests.site.generate import generate_site  # noqa: E402
from tests.site.server import LocalSite  # noqa: E402

CONFIG = """
locality: {{province: Tỉnh Kon Tum, district: Huyện Đăk Hà}}
crawl:
  contact: bench@example.invalid
  delay: 0s
  autothrottle: false
  concurrency_per_domain: 1
  timeout: 30s
  sitemap_horizon: 30d
{frontier}
sources:
  - name: a-rss
    title: A (RSS)
    feeds: ['{a}/a/rss/tin-moi-nhat.rss']
  - name: a-sitemap
    title: A (sitemap)
    sitemaps: ['{a}/a/google-news-sitemap.xml']
  - name: b-rss
    title: B (RSS)
    feeds: ['{b}/b/rss/tin-moi-nhat.rss']
  - name: b-sitemap
    title: B (sitemap)
    sitemaps: ['{b}/b/google-news-sitemap.xml']
"""


def scenario(sites: list[LocalSite], config: Config, database: str, groups: list[list[str]]) -> str:
    clock = Clock.parse("2026-11-26T10:00:00+07:00")
    for site in sites:
        site.reset_log()
    Store.open(database).close()
    started = time.perf_counter()
    with ThreadPoolExecutor(len(groups)) as pool:
        futures = [pool.submit(run_pass, config, database, clock=clock, sources=g) for g in groups]
        for future in futures:
            future.result()
    seconds = time.perf_counter() - started
    with Store.open(database) as store:
        stored = len(store.list_articles(limit=100_000))
    hits = Counter(
        (site.host, h.path) for site in sites for h in site.requests if h.path.endswith(".html")
    )
    fetches = sum(hits.values())
    peaks = ", ".join(f"{s.host}: {s.peak_in_flight}" for s in sites)
    return (
        f"{seconds:6.1f}s  {fetches} article fetches ({fetches - len(hits)} duplicates), "
        f"{stored} stored, most requests in flight per host: {peaks}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=150, help="per outlet")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="duluan-bench-") as tmp:
        root = Path(tmp) / "site"
        generate_site(root, args.articles, name="a", seed=1)
        generate_site(root, args.articles, name="b", seed=2)
        with LocalSite(root, host="127.0.0.1") as a, LocalSite(root, host="127.0.0.2") as b:
            namespace = f"bench{uuid.uuid4().hex[:8]}"
            frontier = f"  frontier: '{args.redis}'\n  frontier_namespace: {namespace}"
            plain = parse_config(CONFIG.format(a=a.base, b=b.base, frontier=""), "bench", {})
            shared = parse_config(
                CONFIG.format(a=a.base, b=b.base, frontier=frontier), "bench", {}
            ).config
            one = [["a-rss", "a-sitemap", "b-rss", "b-sitemap"]]
            two = [["a-rss", "b-rss"], ["a-sitemap", "b-sitemap"]]
            for label, config, groups in (
                ("1 process, no frontier  ", plain.config, one),
                ("2 processes, no frontier", plain.config, two),
                ("2 processes, frontier   ", shared, two),
            ):
                database = f"sqlite:///{tmp}/{uuid.uuid4().hex[:8]}.sqlite3"
                print(label, scenario([a, b], config, database, groups), flush=True)
            client = redis.Redis.from_url(args.redis)
            keys = list(client.scan_iter(f"duluan:{namespace}:*"))
            if keys:
                client.delete(*keys)  # this run's keys only
            client.close()


if __name__ == "__main__":
    main()
