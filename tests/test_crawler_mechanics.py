"""The real Scrapy crawl against a small local site: politeness, conditional GET, updates, and
sources that misbehave failing alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import Store
from tests.kit.crawl import FROZEN_NOW, ITEMS, article, by_source, crawl, feed, stored, write_config
from tests.site.server import LocalSite


@pytest.fixture
def site(tmp_path: Path) -> Iterator[LocalSite]:
    root = tmp_path / "site"
    (root / "thu" / "rss").mkdir(parents=True)
    (root / "thu" / "rss" / "home.rss").write_text(feed(ITEMS), encoding="utf-8")
    dates = ["2026-11-25T08:00:00+07:00", "2026-11-24T16:30:00+07:00", "2025-11-05T09:00:00+07:00"]
    for (slug, title, _), date in zip(ITEMS, dates, strict=True):
        (root / "thu" / slug).write_text(article(title, date), encoding="utf-8")
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /thu/private/\n", encoding="utf-8")
    with LocalSite(root, slow_seconds=3.0) as running:
        yield running


GOOD = """
  - name: thu
    title: Báo Thử
    feeds: ['{{BASE}}/thu/rss/home.rss']
    article_pattern: '-\\d+\\.html$'
"""


def test_crawl_stores_articles_with_fields_and_backfill(
    site: LocalSite, tmp_path: Path, db_url: str
) -> None:
    config = write_config(tmp_path, site.base, GOOD)
    summary = by_source(crawl(config, db_url))["thu"]
    assert (summary.new, summary.failed, summary.ok) == (3, 0, True)
    articles = {a.title: a for a in stored(db_url)}
    assert set(articles) == {t for _, t, _ in ITEMS}
    fresh = articles["Cầu treo mới ở Đăk Pxi"]
    assert fresh.lead == "Tóm tắt: Cầu treo mới ở Đăk Pxi."
    assert fresh.text.startswith("0. Người dân xã Đăk Pxi")
    assert "Trang chủ" not in fresh.text and "© Báo Thử" not in fresh.text
    assert fresh.author == "Minh Anh"
    assert fresh.published_at is not None and fresh.published_at.isoformat().startswith(
        "2026-11-25T01:00:00"
    )
    assert fresh.backfill is False
    assert articles["Bài cũ năm 2025"].backfill is True
    agents = {h.headers.get("User-Agent", "") for h in site.requests}
    assert all(a.startswith("duluan/") and "test@example.invalid" in a for a in agents)
    assert site.requests[0].path == "/robots.txt"


def test_second_poll_is_conditional_and_cheap(site: LocalSite, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path}/db.sqlite3"
    config = write_config(tmp_path, site.base, GOOD)
    crawl(config, db_url)
    first_bytes = site.bytes_sent
    site.reset_log()
    again = by_source(crawl(config, db_url))["thu"]
    assert (again.new, again.updated, again.failed, again.ok) == (0, 0, 0, True)
    feed_hits = [h for h in site.requests if h.path.endswith("home.rss")]
    assert [h.status for h in feed_hits] == [304]
    assert not [h for h in site.requests if h.path.endswith(".html")]
    assert site.bytes_sent < 0.2 * first_bytes

    new_item = ("le-hoi-ngok-reo-1004.html", "Lễ hội ở Ngọk Réo", "Thu, 26 Nov 2026 07:00:00 +0700")
    site.override("/thu/rss/home.rss", feed([new_item, *ITEMS]))
    (site.root / "thu" / new_item[0]).write_text(
        article(new_item[1], "2026-11-26T07:00:00+07:00"), encoding="utf-8"
    )
    site.reset_log()
    third = by_source(crawl(config, db_url))["thu"]
    assert (third.new, third.unchanged) == (1, 3)
    fetched = [h.path for h in site.requests if h.path.endswith(".html")]
    assert fetched == ["/thu/le-hoi-ngok-reo-1004.html"]
    assert len(stored(db_url)) == 4


def test_updated_article_is_an_update_not_a_duplicate(site: LocalSite, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path}/db.sqlite3"
    config = write_config(tmp_path, site.base, GOOD)
    crawl(config, db_url)
    slug, title, _ = ITEMS[0]
    site.override(
        f"/thu/{slug}",
        article(title, "2026-11-25T08:00:00+07:00", "<p>Cập nhật: đã thông xe hoàn toàn.</p>"),
    )
    rss = feed(ITEMS).replace(
        "</pubDate></item>",
        "</pubDate><atom:updated>2026-11-26T11:00:00+07:00</atom:updated></item>",
        1,
    )
    atom = 'xmlns:atom="http://www.w3.org/2005/Atom"'
    site.override(
        "/thu/rss/home.rss", rss.replace('<rss version="2.0">', f'<rss version="2.0" {atom}>')
    )
    summary = by_source(crawl(config, db_url, now="2026-11-26T12:00:00+07:00"))["thu"]
    articles = stored(db_url)
    assert len(articles) == 3
    assert (summary.updated, summary.new, summary.unchanged) == (1, 0, 2)
    changed = next(a for a in articles if a.title == title)
    assert changed.text.endswith("Cập nhật: đã thông xe hoàn toàn.")
    assert changed.first_seen_at.isoformat().startswith("2026-11-26T03:00:00")


def test_robots_txt_is_obeyed(site: LocalSite, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path}/db.sqlite3"
    private = ("private/mat-1009.html", "Bài bị chặn", "Wed, 25 Nov 2026 08:00:00 +0700")
    site.override("/thu/rss/home.rss", feed([private, *ITEMS]))
    config = write_config(tmp_path, site.base, GOOD)
    summary = by_source(crawl(config, db_url))["thu"]
    assert summary.new == 3
    assert "/thu/private/mat-1009.html" not in {h.path for h in site.requests}
    assert any(e.kind == "robots" for e in summary.errors)

    (site.root / "thu" / "private").mkdir()
    (site.root / "thu" / "private" / "mat-1009.html").write_text(
        article("Bài bị chặn", "2026-11-25T08:00:00+07:00"), encoding="utf-8"
    )
    ignoring = write_config(tmp_path, site.base, GOOD + "    obey_robots: false\n")
    again = by_source(crawl(ignoring, f"sqlite:///{tmp_path}/fresh.sqlite3"))["thu"]
    assert again.new == 4 and not again.errors
    assert "/thu/private/mat-1009.html" in {h.path for h in site.requests}


BAD = """
  - name: down
    title: Máy chủ tắt
    feeds: ['http://127.0.0.1:9/rss/home.rss']
  - name: err500
    title: Lỗi 500
    feeds: ['{{BASE}}/bad/500']
  - name: forbidden
    title: Bị chặn 403
    sitemaps: ['{{BASE}}/bad/403']
  - name: slow
    title: Chậm
    feeds: ['{{BASE}}/bad/slow.rss']
  - name: loop
    title: Chuyển hướng vòng
    listings: [{url: '{{BASE}}/bad/redirect-loop', article_pattern: 'x'}]
  - name: notxml
    title: Không phải XML
    feeds: ['{{BASE}}/bad/not-xml.rss']
  - name: scripted
    title: Chuyển hướng bằng script (kiểu VOV)
    listings: [{url: '{{BASE}}/bad/js-redirect.html', article_pattern: '-\\d+\\.html$'}]
  - name: junk
    title: Trang hỏng
    feeds: ['{{BASE}}/junk/rss/home.rss']
"""

JUNK = [
    "/bad/huge.html",
    "/bad/huge-stream.html",
    "/bad/gzip-bomb.html",
    "/bad/no-article.html",
    "/bad/reset",
]


def test_each_source_fails_alone(site: LocalSite, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path}/db.sqlite3"
    junk_feed = "".join(
        f"<item><title>Junk {i}</title><link>{{{{BASE}}}}{path}</link>"
        "<pubDate>Wed, 25 Nov 2026 08:00:00 +0700</pubDate></item>"
        for i, path in enumerate([*JUNK, "/bad/broken-encoding.html"])
    )
    site.override(
        "/junk/rss/home.rss",
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>J</title>{junk_feed}'
        "</channel></rss>",
    )
    config = write_config(tmp_path, site.base, GOOD + BAD)
    summary = by_source(crawl(config, db_url))
    assert summary["thu"].new == 3 and summary["thu"].ok
    kinds = {name: {e.kind for e in s.errors} for name, s in summary.items()}
    assert kinds["down"] == {"connection"}
    assert kinds["err500"] == {"http"} and "HTTP 500" in summary["err500"].errors[0].message
    assert [h.status for h in site.requests if h.path == "/bad/500"] == [500, 500]  # 1 retry
    assert len([h for h in site.requests if h.path == "/bad/403"]) == 1  # no retry
    assert kinds["forbidden"] == {"http"}
    assert kinds["slow"] == {"timeout"}
    assert kinds["loop"] == {"redirect"}
    assert kinds["notxml"] == {"feed"}
    for name in ("down", "err500", "forbidden", "slow", "loop", "notxml"):
        assert not summary[name].ok and summary[name].failed >= 1, name
    assert summary["scripted"].ok, summary["scripted"].errors
    hops = [h.path for h in site.requests]
    assert hops.count("/bad/no-article.html") == 2  # the junk feed's link, and the script redirect
    junk = summary["junk"]
    assert junk.ok
    assert {"too-large", "no-article", "connection", "encoding"} <= kinds["junk"]
    assert junk.failed == 5
    by_url = {e.url.rsplit("/", 1)[-1]: e.kind for e in junk.errors}
    assert by_url["huge-stream.html"] == "too-large"  # streamed, no Content-Length
    assert by_url["huge.html"] == "too-large" and by_url["gzip-bomb.html"] == "too-large"
    stored_junk = stored(db_url, "junk")
    assert [a.url.rsplit("/", 1)[-1] for a in stored_junk] == ["broken-encoding.html"]
    with Store.open(db_url) as store:
        health = {h.name: h for h in store.health()}
    assert health["thu"].consecutive_failures == 0 and health["thu"].articles_total == 3
    assert health["err500"].consecutive_failures == 1
    assert health["err500"].last_error == "HTTP 500"


def test_cli_exit_code_when_no_source_answers(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    write_config(tmp_path, "http://127.0.0.1:9", BAD.split("  - name: err500")[0])
    env = {
        **os.environ,
        "DULUAN_CONFIG": str(tmp_path / "config.yaml"),
        "DULUAN_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
    }
    done = subprocess.run(
        [sys.executable, "-m", "duluan", "crawl"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 1
    assert "Không nguồn nào trả lời" in done.stderr
    assert "down" in done.stdout and "lỗi kết nối" in done.stdout


def test_only_transient_failures_make_the_next_poll_unconditional(
    site: LocalSite, tmp_path: Path
) -> None:
    db_url = f"sqlite:///{tmp_path}/db.sqlite3"
    gone = ("bai-da-go-1005.html", "Bài đã gỡ", "Wed, 25 Nov 2026 09:00:00 +0700")
    site.override("/thu/rss/home.rss", feed([gone, *ITEMS]))
    config = write_config(tmp_path, site.base, GOOD)
    first = by_source(crawl(config, db_url))["thu"]
    assert (first.new, first.failed) == (3, 1)
    assert [e.kind for e in first.errors] == ["gone"]
    site.reset_log()
    crawl(config, db_url)
    assert [h.status for h in site.requests if h.path.endswith("home.rss")] == [304]

    broken = ("loi-may-chu-1006.html", "Lỗi máy chủ", "Wed, 25 Nov 2026 09:30:00 +0700")
    site.override(
        "/thu/rss/home.rss",
        feed([broken, gone, *ITEMS]).replace(
            "{{BASE}}/thu/loi-may-chu-1006.html", "{{BASE}}/bad/500"
        ),
    )
    config = write_config(tmp_path, site.base, GOOD.replace("\\.html$", "\\.html$|/bad/500$"))
    third = by_source(crawl(config, db_url))["thu"]
    assert sorted(e.kind for e in third.errors) == ["gone", "http"]
    site.reset_log()
    crawl(config, db_url)
    assert [h.status for h in site.requests if h.path.endswith("home.rss")] == [200]


def test_cycle_crawls_tags_and_alerts_on_the_console(site: LocalSite, tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    write_config(tmp_path, site.base, GOOD)
    root = Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "DULUAN_CONFIG": str(tmp_path / "config.yaml"),
        "DULUAN_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "DULUAN_NOW": FROZEN_NOW,
        "PYTHONPATH": str(root),
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-m", "duluan", "cycle"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Tổng: 3 bài mới" in done.stdout
    assert "Đã gắn nhãn 3 bài; 3 bài liên quan" in done.stdout
    # The 2025 article is backfill (never alerted); the two recent ones share one body: one story.
    assert "Đã gửi 1 cảnh báo" in done.stdout
    alerts = [json.loads(line) for line in (tmp_path / "data" / "alerts.jsonl").open()]
    assert len(alerts) == 1 and "Bài cũ" not in alerts[0]["text"]
