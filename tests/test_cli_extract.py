"""`duluan extract` and `duluan try` against the local copies of real outlets: what the crawler
would store of one page or one source, each field with the rule that decided it, nothing stored,
every fetch through the guard."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kit.crawl import FROZEN_NOW
from tests.site.server import LocalSite

ROOT = Path(__file__).resolve().parent.parent
VNEXPRESS = "/vnexpress/hon-300-ho-dan-o-xa-dak-pxi-thieu-nuoc-sinh-hoat-5150214.html"

CONFIG = """
locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}
crawl: {contact: test@example.invalid, timeout: 5s, retries: 0}
sources:
  - name: vnexpress
    title: VnExpress
    feeds: ['{{BASE}}/vnexpress/rss/tin-moi-nhat.rss']
    sitemaps: ['{{BASE}}/vnexpress/google-news-sitemap.xml']
    article_pattern: '-\\d{7}\\.html$'
    exclude_pattern: 'video\\.vnexpress'
  - name: hong
    title: Nguồn hỏng
    feeds: ['{{BASE}}/bad/not-xml.rss']
  - name: yt
    title: YouTube
    youtube_search: {key: env:DULUAN_TEST_YT_KEY, api_url: 'http://127.0.0.1:9/youtube/v3'}
"""


@pytest.fixture(scope="module")
def site() -> Iterator[LocalSite]:
    with LocalSite() as running:
        yield running


@pytest.fixture
def env(site: LocalSite, tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.replace("{{BASE}}", site.base), encoding="utf-8")
    return {
        **os.environ,
        "DULUAN_CONFIG": str(config),
        "DULUAN_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DULUAN_NOW": FROZEN_NOW,
        "DULUAN_TEST_YT_KEY": "AIzaSy-test-key-for-duluan-try",
    }


def duluan(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "duluan", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def test_extract_a_stored_page_to_its_expected_json(env: dict[str, str]) -> None:
    folder = ROOT / "tests" / "outlets" / "tuoitre"
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    run = duluan(env, "extract", str(folder / "page.html"), "--url", expected["url"], "--json")
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)
    assert got["url"] == expected["url"] and got["title"] == expected["title"]
    assert got["published_at"] == expected["published_at"]
    assert got["published_precision"] == "minute"
    assert set(got["rules"]) >= {"title", "lead", "text", "published"}


def test_extract_fetches_a_page_and_names_each_rule(env: dict[str, str], site: LocalSite) -> None:
    run = duluan(env, "extract", site.url(VNEXPRESS), "--source", "vnexpress")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "Tiêu đề:" in out and "Đăng lúc:" in out and "(đến phút)" in out
    assert "[json-ld]" in out or "[h1]" in out
    assert "Nội dung (" in out and not (Path(env["DULUAN_DATABASE_URL"][10:])).exists()


def test_extract_refuses_an_internal_address_and_bad_usage(env: dict[str, str]) -> None:
    with LocalSite() as other:  # another port of this machine, not in the config
        run = duluan(env, "extract", other.url(VNEXPRESS))
        assert other.requests == []
    assert run.returncode == 1 and "nội bộ" in run.stderr
    run = duluan(env, "extract", "trang.html")
    assert run.returncode == 2 and "--url" in run.stderr
    run = duluan(env, "extract", "http://127.0.0.1:9/x.html", "--source", "khong-co")
    assert run.returncode == 2 and "khong-co" in run.stderr


def test_try_a_source_stores_nothing(env: dict[str, str]) -> None:
    run = duluan(env, "try", "vnexpress", "--articles", "2")
    assert run.returncode == 0, run.stderr + run.stdout
    out = run.stdout
    assert "[feed]" in out and "[sitemap]" in out and "liên kết khớp" in out
    assert out.count("Tiêu đề:") == 2 and "không lưu gì" in out
    assert not Path(env["DULUAN_DATABASE_URL"][10:]).exists()


def test_try_a_broken_source_says_why(env: dict[str, str]) -> None:
    run = duluan(env, "try", "hong")
    assert run.returncode == 1
    assert "LỖI" in run.stdout and "không liên kết nào khớp" in run.stdout


def test_try_an_api_source_says_to_crawl_it(env: dict[str, str]) -> None:
    """A dry run calls no paid API: it says how to try the source instead."""
    run = duluan(env, "try", "yt")
    assert run.returncode == 1
    assert "duluan try chưa chạy thử nguồn kiểu youtube_search" in run.stdout
    assert "duluan crawl --source yt" in run.stdout
    assert "AIzaSy-test-key" not in run.stdout + run.stderr
