"""Helpers for tests that run the real crawl against the local site: a config for it, a pass,
what it stored, and a small outlet (`article`, `feed`, `ITEMS`) to serve from a `LocalSite`."""

from __future__ import annotations

from pathlib import Path

from crawler.runner import PassSummary, SourceSummary, run_pass
from duluan.clock import Clock
from duluan.config import Config, load_config
from duluan.locality import search_queries
from storage import ArticleDetail, Store

FROZEN_NOW = "2026-11-26T10:00:00+07:00"

CRAWL = """
locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}
crawl:
  contact: test@example.invalid
  delay: 0s
  autothrottle: false
  retries: 1
  retry_backoff: 0.05s
  timeout: 1s
  max_page_size: 5MB
  concurrency_per_domain: 8
"""


def write_config(
    tmp_path: Path,
    base: str,
    sources_yaml: str,
    environ: dict[str, str] | None = None,
    crawl_yaml: str = "",
) -> Config:
    """A config with the test crawl settings (plus `crawl_yaml`, lines of the `crawl:` block)
    and the given `sources:` block ({{BASE}} filled), its `env:` references read from
    `environ`."""
    path = tmp_path / "config.yaml"
    text = CRAWL + crawl_yaml + "sources:\n" + sources_yaml
    path.write_text(text.replace("{{BASE}}", base), encoding="utf-8")
    return load_config(path, environ or {}).config


def crawl(
    config: Config,
    db_url: str,
    *sources: str,
    since: str | None = None,
    now: str = FROZEN_NOW,
) -> PassSummary:
    """One crawl pass over the given sources (all when none), with the search queries of the
    locality, its child process's clock frozen at `now`."""
    from crawler.dates import parse_date

    queries = {
        s.name: search_queries(config.locality)
        for s in config.sources
        if s.search or s.youtube_search
    }
    return run_pass(
        config,
        db_url,
        clock=Clock.parse(now),
        sources=list(sources) or None,
        since=parse_date(since) if since else None,
        search_queries=queries,
    )


def by_source(summary: PassSummary) -> dict[str, SourceSummary]:
    """A pass's summaries by source name."""
    return {s.name: s for s in summary.sources}


def stored(db_url: str, source: str | None = None) -> list[ArticleDetail]:
    """Every stored article (of one source, when given), in full."""
    with Store.open(db_url) as store:
        items = store.list_articles(source=source, limit=10_000)
        details = [store.get_article(item.id) for item in items]
    return [d for d in details if d is not None]


PARAGRAPH = (
    "Người dân xã Đăk Pxi, huyện Đăk Hà phấn khởi khi cây cầu treo mới được đưa vào sử dụng, "
    "giúp hơn 300 học sinh đến trường an toàn trong mùa mưa lũ năm nay."
)


def article(title: str, published: str, extra: str = "") -> str:
    """An article page of the test outlet "Báo Thử": JSON-LD, title, lead and six paragraphs."""
    body = "".join(f"<p class='Normal'>{i}. {PARAGRAPH}</p>" for i in range(6))
    return f"""<!DOCTYPE html><html lang="vi"><head><title>{title} - Báo Thử</title>
<script type="application/ld+json">{{"@type":"NewsArticle","headline":"{title}",
"datePublished":"{published}","author":{{"@type":"Person","name":"Minh Anh"}}}}</script>
</head><body><nav><a href="/">Trang chủ</a> <a href="/thoi-su">Thời sự</a></nav>
<h1 class="title-detail">{title}</h1><p class="description">(Báo Thử) - Tóm tắt: {title}.</p>
<article class="fck_detail">{body}{extra}</article><footer>© Báo Thử 2026</footer></body></html>"""


def feed(items: list[tuple[str, str, str]]) -> str:
    """The outlet's RSS feed of (slug, title, date) items, links under {{BASE}}/thu/."""
    entries = "".join(
        f"<item><title>{t}</title><link>{{{{BASE}}}}/thu/{slug}</link><pubDate>{d}</pubDate></item>"
        for slug, t, d in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Báo Thử'
        f"</title>{entries}</channel></rss>"
    )


ITEMS = [
    ("cau-treo-dak-pxi-1001.html", "Cầu treo mới ở Đăk Pxi", "Wed, 25 Nov 2026 08:00:00 +0700"),
    ("truong-hoc-dak-ha-1002.html", "Trường học mới ở Đăk Hà", "Tue, 24 Nov 2026 16:30:00 +0700"),
    ("bai-cu-2025-1003.html", "Bài cũ năm 2025", "Wed, 05 Nov 2025 09:00:00 +0700"),
]
