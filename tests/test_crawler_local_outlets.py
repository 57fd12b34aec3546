"""`duluan crawl` on local copies of real outlets (tests/site/data/*/README.md say what each
serves): the real Scrapy crawl, the shipped config's per-site rules, assertions on the database."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from duluan.config import Config, Source, load_config
from storage import ArticleDetail
from tests.kit.crawl import FROZEN_NOW, by_source, crawl, stored, write_config
from tests.site.server import DATA_DIR, LocalSite

ROOT = Path(__file__).resolve().parent.parent
OUTLETS = ROOT / "tests" / "outlets"
SHIPPED = load_config(ROOT / "config.yaml", {}).config

# Entry points as on the real sites, under the local server; article patterns and per-site
# extraction rules come from the shipped config.yaml unless the local path prefix needs another.
SOURCES = """
  - name: vnexpress
    title: VnExpress
    feeds: ['{{BASE}}/vnexpress/rss/tin-moi-nhat.rss']
    sitemaps: ['{{BASE}}/vnexpress/google-news-sitemap.xml']
  - name: tuoitre
    title: Tuổi Trẻ
    feeds: ['{{BASE}}/tuoitre/rss/tin-moi-nhat.rss']
    sitemaps: ['{{BASE}}/tuoitre/sitemaps/index.rss']
  - name: dantri
    title: Dân trí
    feeds: ['{{BASE}}/dantri/rss/home.rss']
  - name: vietnamnet
    title: VietnamNet
    feeds: ['{{BASE}}/vietnamnet/thoi-su.rss']
    sitemaps: ['{{BASE}}/vietnamnet/sitemap.xml']
  - name: laodong
    title: Lao Động
    feeds: ['{{BASE}}/laodong/rss/home.rss']
  - name: baoquangngai
    title: Báo Quảng Ngãi
    listings:
      - url: '{{BASE}}/baoquangngai/xa-hoi'
        article_pattern: '(-\\d{4,}\\.htm|/\\d{6}/[a-z0-9-]+-[0-9a-f]{7}/)$'
        pages: 2
  - name: baokontum
    title: Báo Kon Tum
    listings:
      - url: '{{BASE}}/baokontum/xa-hoi-8.html'
        article_pattern: '/baokontum/[a-z0-9-]+/[a-z0-9-]+-\\d+\\.html$'
        page_url: '{{BASE}}/baokontum/xa-hoi-8.html?page={page}'
        pages: 3
  - name: youtube_baoquangngai
    title: Truyền hình Quảng Ngãi (YouTube)
    feeds: ['{{BASE}}/youtube/feeds/videos.xml?channel_id=UCEQs1oUkzcxQcEvee_LeFLw']
    fetch_pages: false
  - name: googlenews
    title: Google News
    search:
      url: '{{BASE}}/googlenews/rss/search?q={query}&hl=vi&gl=VN&ceid=VN:vi'
      queries: ['"Đăk Hà" OR "Đắk Hà"']
"""

SHIPPED_FIELDS = ("article_pattern", "exclude_pattern", "extract")


def local_config(tmp_path: Path, base: str) -> Config:
    config = write_config(tmp_path, base, SOURCES)
    sources: list[Source] = []
    for source in config.sources:
        real = SHIPPED.source(source.name)
        update = {f: getattr(real, f) for f in SHIPPED_FIELDS if f not in source.model_fields_set}
        sources.append(source.model_copy(update=update))
    return config.model_copy(update={"sources": sources})


def google_redirects() -> dict[str, str]:
    readme = (DATA_DIR / "googlenews" / "README.md").read_text(encoding="utf-8")
    pairs = re.findall(r"\| `(CBMi[\w-]+)` \| `\{\{BASE\}\}(/[^`]+)` \|", readme)
    assert len(pairs) == 4
    return {f"/googlenews/rss/articles/{gid}": target for gid, target in pairs}


@pytest.fixture
def site() -> Iterator[LocalSite]:
    with LocalSite(redirects=google_redirects()) as running:
        running.override(
            "/youtube/feeds/videos.xml",
            (OUTLETS / "youtube_baoquangngai" / "feed.xml").read_bytes(),
            "application/atom+xml; charset=utf-8",
        )
        yield running


def titles(articles: list[ArticleDetail], source: str) -> dict[str, ArticleDetail]:
    return {a.title: a for a in articles if a.source == source}


def test_crawl_fills_the_database_from_real_shaped_outlets(
    site: LocalSite, tmp_path: Path, db_url: str
) -> None:
    config = local_config(tmp_path, site.base)
    summary = by_source(crawl(config, db_url))
    for name in ("vnexpress", "tuoitre", "dantri", "vietnamnet", "laodong", "baoquangngai"):
        assert summary[name].ok, (name, summary[name].errors)
        assert summary[name].failed == 0, (name, summary[name].errors)
    articles = stored(db_url)
    paths = [h.path for h in site.requests]

    vne = titles(articles, "vnexpress")
    assert len(vne) == 4
    water = vne["Hơn 300 hộ dân ở xã Đăk Pxi thiếu nước sinh hoạt"]
    assert water.lead.startswith("Công trình cấp nước tự chảy hư hỏng")
    assert water.author == "Thành Nguyễn" and not water.text.endswith("Thành Nguyễn")
    assert vne["Cháy rừng thông trồng ở huyện Đăk Hà"].backfill
    assert sum(a.backfill for a in vne.values()) == 1
    assert not any("nghe-nhan-xo-dang" in p for p in paths), "old sitemap entry fetched"
    assert not any("video" in a.url for a in vne.values())

    tt = titles(articles, "tuoitre")
    assert len(tt) == 4
    landfill = tt["Bãi rác quá tải, dân xã Đắk Mar khốn khổ vì mùi hôi"]
    assert landfill.author == "THÁI THỊNH"  # served in NFD, stored in NFC
    assert landfill.published_at is not None
    assert landfill.published_at.isoformat() == "2026-11-25T08:42:00+00:00"
    assert tt["Kon Tum: Bắt nhóm khai thác cát trái phép trên sông Đắk Psi"].backfill
    assert not any("sitemaps-2026-10-1-5" in p for p in paths), "old shard fetched"
    assert not any("trung-mua-lua-nuoc" in p for p in paths)
    assert any("sitemaps-2026-11-26-30" in p for p in paths)

    vnn = titles(articles, "vietnamnet")
    assert len(vnn) == 4
    assert not any("sitemap-article-09-2026" in p for p in paths)
    dt = titles(articles, "dantri")
    assert len(dt) == 4
    copy_a = dt["Mưa lớn gây sạt lở, nhiều thôn ở xã Đăk Pxi bị chia cắt"]
    copy_b = vnn["Sạt lở nghiêm trọng, hơn 400 hộ dân ở xã Đăk Pxi bị chia cắt"]
    assert copy_a.cluster_id == copy_b.cluster_id, "syndicated copies not clustered"
    assert copy_a.id != copy_b.id
    others = [a for a in articles if a.cluster_id == copy_a.cluster_id]
    assert len(others) == 2

    ld = titles(articles, "laodong")
    assert len(ld) == 4, "the cookie challenge was not answered"
    assert any(h.path.startswith("/laodong/") and h.status == 200 for h in site.requests)
    challenged = [h for h in site.requests if h.path == "/laodong/rss/home.rss"]
    assert len(challenged) == 2  # the challenge, then the feed with the cookie

    bqn = titles(articles, "baoquangngai")
    old = bqn["Sơn Hà sẵn sàng vận hành chính quyền địa phương 2 cấp"]
    assert old.backfill and old.author == "Đinh Hương"
    assert len(old.text) > 300 and "Bài, ảnh" not in old.text  # body from the inline script
    assert all(not a.lead.startswith("(Báo Quảng Ngãi)") for a in bqn.values())

    bkt = titles(articles, "baokontum")
    assert len(bkt) == 4 and all(a.backfill for a in bkt.values())
    assert any(p.endswith("xa-hoi-8.html?page=2") for p in paths)

    # Google News links redirect to articles the provincial sources already hold: one row each.
    assert not titles(articles, "googlenews")
    assert len(bqn) == 4
    assert summary["googlenews"].failed == 0 and summary["googlenews"].ok
    videos = titles(articles, "youtube_baoquangngai")
    assert len(videos) == 4
    assert all(v.extraction == "feed" and v.lead and v.text == v.lead for v in videos.values())
    assert not any("youtube.com" in p for p in paths)
    # The platform: a channel feed's videos are YouTube's, everything else the press.
    assert {v.platform for v in videos.values()} == {"youtube"}
    assert {a.platform for a in articles if a.source != "youtube_baoquangngai"} == {"news"}
    urls = [a.canonical_url for a in articles]
    assert len(urls) == len(set(urls)) == 32
    assert all(a.text == a.text.strip() and "\u0301" not in a.text for a in articles)


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "duluan", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )


def test_cli_crawl_sources_and_articles(site: LocalSite, tmp_path: Path) -> None:
    config = tmp_path / "cli.yaml"
    data = local_config(tmp_path, site.base).model_dump(mode="json", exclude_defaults=True)
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    env = {
        **os.environ,
        "DULUAN_CONFIG": str(config),
        "DULUAN_DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite3",
        "DULUAN_NOW": FROZEN_NOW,
    }
    first = run_cli(env, "crawl", "--source", "vnexpress", "--source", "laodong")
    assert first.returncode == 0, first.stderr
    table = first.stdout.splitlines()
    assert table[0].split()[:5] == ["Nguồn", "Mới", "Cập", "nhật", "Không"]
    rows = {line.split()[0]: line.split() for line in table[2:] if line.strip()}
    assert rows["vnexpress"][1:5] == ["4", "0", "0", "0"]
    assert rows["laodong"][1:5] == ["4", "0", "0", "0"]
    assert "Tổng: 8 bài mới" in first.stdout

    again = run_cli(env, "crawl", "--source", "vnexpress")
    assert again.returncode == 0
    assert "Tổng: 0 bài mới" in again.stdout

    health = run_cli(env, "sources")
    assert health.returncode == 0
    lines = {line.split()[0]: line for line in health.stdout.splitlines()[2:]}
    assert "tốt" in lines["vnexpress"] and "chưa chạy" in lines["dantri"]

    listing = run_cli(env, "articles", "--source", "laodong", "--limit", "10")
    assert listing.returncode == 0
    assert "[cũ] Kon Tum: Hỗ trợ 120 hộ nghèo ở huyện Đăk Hà" in listing.stdout
    first_id = listing.stdout.splitlines()[2].split()[0]
    shown = run_cli(env, "articles", "show", first_id)
    assert shown.returncode == 0
    assert "Nguồn              laodong" in shown.stdout
    missing = run_cli(env, "articles", "show", "99999")
    assert missing.returncode == 1 and "Không có bài mã 99999" in missing.stderr

    unknown = run_cli(env, "crawl", "--source", "nosuch")
    assert unknown.returncode == 2 and "không có nguồn nosuch" in unknown.stderr
    bad_since = run_cli(env, "crawl", "--since", "hôm qua")
    assert bad_since.returncode == 2


def test_since_reaches_back_past_the_sitemap_horizon(site: LocalSite, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path}/since.sqlite3"
    config = local_config(tmp_path, site.base)
    recent = by_source(crawl(config, db_url, "vietnamnet"))["vietnamnet"]
    assert recent.new == 4
    assert not any("sitemap-article-09-2026" in h.path for h in site.requests)
    site.reset_log()
    back = by_source(crawl(config, db_url, "vietnamnet", since="2026-09-01"))["vietnamnet"]
    assert any("sitemap-article-09-2026" in h.path for h in site.requests)
    assert back.new == 1
    market = titles(stored(db_url), "vietnamnet")["Xã Ngọk Réo khai trương chợ phiên nông sản"]
    assert market.backfill


def test_changed_index_rereads_only_changed_shards(site: LocalSite, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path}/shards.sqlite3"
    config = local_config(tmp_path, site.base)
    assert by_source(crawl(config, db_url, "tuoitre"))["tuoitre"].new == 4
    index = (DATA_DIR / "tuoitre" / "sitemaps" / "index.rss").read_text(encoding="utf-8")
    site.override("/tuoitre/sitemaps/index.rss", index + "\n<!-- cập nhật -->\n")
    site.reset_log()
    again = by_source(crawl(config, db_url, "tuoitre"))["tuoitre"]
    assert (again.new, again.failed) == (0, 0)
    statuses = {h.path.rsplit("/", 1)[-1]: h.status for h in site.requests}
    assert statuses["index.rss"] == 200
    assert statuses["sitemaps-2026-11-26-30.xml"] == 304
    assert statuses["sitemaps-2026-11-21-25.xml"] == 304
    assert not [p for p in statuses if p.endswith(".htm")]


def test_forum_feed_threads_are_forum_items(site: LocalSite, tmp_path: Path) -> None:
    """The shipped `voz` source on its XenForo feed served locally: each thread is an item of
    platform `forum` made from the feed alone (no thread page is fetched), its closing "Read
    more" link dropped; a second pass stores nothing new."""
    site.override(
        "/voz/f/diem-bao.33/index.rss",
        (OUTLETS / "voz" / "feed.xml").read_bytes(),
        "application/rss+xml; charset=utf-8",
    )
    config = write_config(
        tmp_path,
        site.base,
        "  - name: voz\n    title: Diễn đàn VOZ\n"
        "    feeds: ['{{BASE}}/voz/f/diem-bao.33/index.rss']\n    fetch_pages: false\n",
    )
    shipped = SHIPPED.source("voz")
    assert shipped.feeds and not shipped.fetch_pages
    (source,) = config.sources
    source = source.model_copy(update={"article_pattern": shipped.article_pattern})
    config = config.model_copy(update={"sources": [source]})
    db_url = f"sqlite:///{tmp_path}/voz.sqlite3"
    now = "2026-12-02T12:00:00+07:00"
    summary = by_source(crawl(config, db_url, now=now))["voz"]
    assert summary.ok and summary.failed == 0, summary.errors
    threads = titles(stored(db_url), "voz")
    assert len(threads) == 3
    assert {t.platform for t in threads.values()} == {"forum"}
    assert all(t.url.startswith("https://voz.vn/t/") for t in threads.values())
    slide = threads["Đường vào thôn Kon Gu 2, xã Đăk Pxi sạt lở, học sinh phải lội bùn đến trường"]
    assert slide.author == "thocon_dakha" and slide.section == "Điểm báo"
    assert "Hơn 80 học sinh của thôn phải lội bùn" in slide.text
    assert not any("Read more" in t.text for t in threads.values())
    assert [h.path for h in site.requests if h.path.startswith("/voz/")] == [
        "/voz/f/diem-bao.33/index.rss"
    ]
    again = by_source(crawl(config, db_url, now=now))["voz"]
    assert (again.new, again.failed) == (0, 0)
