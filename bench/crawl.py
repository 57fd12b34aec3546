"""Crawl benchmark: the full pipeline against trafilatura alone, and the cost of an idle poll.

Generates a local outlet of N articles (default 2,000) in real outlet markup, serves it on
127.0.0.1, then measures side by side in one run:

- articles per second for fetch + extract + store (`duluan`'s crawl pass, SQLite);
- articles per second for `trafilatura.bare_extraction` alone on the same pages, read from disk;
- CPU seconds per article of each (the crawl process and its extraction workers against
  trafilatura alone): on a shared machine a steadier figure than the rates;
- the bytes a second, idle poll transfers as a share of the first, full one.

Usage: `python bench/crawl.py [--articles 2000] [--database URL]`. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.runner import run_pass  # noqa: E402
from duluan.clock import Clock  # noqa: E402
from duluan.config import parse_config  # noqa: E402
from tests.site.generate import generate_site  # noqa: E402
from tests.site.server import LocalSite  # noqa: E402

CONFIG = """
locality: {{province: Tỉnh Kon Tum, district: Huyện Đăk Hà}}
crawl:
  contact: bench@example.invalid
  delay: 0s
  autothrottle: false
  concurrency_per_domain: 8
  workers: {workers}
  timeout: 30s
sources:
  - name: bench
    title: Báo Thử Nghiệm
    feeds: ['{base}/bench/rss/tin-moi-nhat.rss']
"""


def children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes so far: a crawl pass and
    its extraction workers."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def trafilatura_alone(root: Path, paths: list[str], base: str) -> tuple[float, float]:
    """Seconds and CPU seconds trafilatura alone needs for the same pages (HTML already in
    memory)."""
    import trafilatura

    pages = [
        ((root / "bench" / p).read_text(encoding="utf-8").replace("{{BASE}}", base), p)
        for p in paths
    ]
    started, cpu = time.perf_counter(), time.process_time()
    for html, path in pages:
        trafilatura.bare_extraction(html, url=f"{base}/bench/{path}", with_metadata=True)
    return time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--database", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--workers", type=int, default=1, help="extraction worker processes")
    args = parser.parse_args()
    clock = Clock.parse("2026-11-26T10:00:00+07:00")
    with tempfile.TemporaryDirectory(prefix="duluan-bench-") as tmp:
        root = Path(tmp) / "site"
        started = time.perf_counter()
        paths = generate_site(root, args.articles)
        print(f"generated {len(paths)} articles in {time.perf_counter() - started:.1f}s")
        database = args.database or f"sqlite:///{tmp}/bench.sqlite3"
        with LocalSite(root) as site:
            config = parse_config(
                CONFIG.format(base=site.base, workers=args.workers), "bench", {}
            ).config
            cpu = children_cpu()
            first = run_pass(config, database, clock=clock)
            pipeline_cpu = children_cpu() - cpu
            full_bytes = site.bytes_sent
            site.reset_log()
            second = run_pass(config, database, clock=clock)
            idle_bytes = site.bytes_sent
            alone, alone_cpu = trafilatura_alone(
                root, [p.split("/bench/", 1)[-1] for p in paths], site.base
            )
    stored = first.sources[0]
    pipeline_rate = stored.new / first.seconds
    alone_rate = len(paths) / alone
    print(
        f"pipeline (fetch+extract+store): {stored.new} new, {stored.failed} failed, "
        f"{first.seconds:.1f}s, {pipeline_rate:.1f} articles/s"
    )
    print(f"trafilatura alone (same pages):  {alone:.1f}s, {alone_rate:.1f} articles/s")
    print(f"ratio pipeline / trafilatura alone: {pipeline_rate / alone_rate:.2f} (aim >= 0.6)")
    pipeline_ms = pipeline_cpu / max(stored.new, 1) * 1000
    alone_ms = alone_cpu / len(paths) * 1000
    print(
        f"CPU ms per article: pipeline {pipeline_ms:.2f} (crawl process and extraction workers, "
        f"start-up included), trafilatura alone {alone_ms:.2f}; ratio {alone_ms / pipeline_ms:.2f}"
    )
    print(
        f"first poll {full_bytes:,} bytes; idle second poll {idle_bytes:,} bytes "
        f"({second.sources[0].new} new) = {idle_bytes / full_bytes:.2%} (aim < 5%)"
    )


if __name__ == "__main__":
    main()
