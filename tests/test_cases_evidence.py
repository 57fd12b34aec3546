"""Evidence: snapshots of flagged pages against the local web server, and the daily re-fetch
of open cases recording edits and takedowns with the before and after kept."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from cases.evidence import Fetched, before_after, capture, http_fetcher, refetch_open_cases
from crawler.fingerprint import NUM_PERM
from crawler.guard import Guard
from storage import ArticleRecord, Store
from tests.site.server import DATA_DIR, LocalSite

pytestmark = pytest.mark.sqlite_only  # no SQL of its own: see tests/kit/db.py

ICT = timezone(timedelta(hours=7))
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=ICT)
PAGE = "/baoquangngai/xa-dak-pxi-dua-nuoc-sach-ve-4-thon-vung-sau-71248.htm"
ORIGINAL = (Path(DATA_DIR) / PAGE.lstrip("/")).read_text(encoding="utf-8")
SENTENCE = "Công trình có tổng mức đầu tư hơn 14,6 tỷ đồng"


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture(scope="module")
def site() -> Iterator[LocalSite]:
    with LocalSite(redirects={"/baoquangngai/moved.htm": "/"}) as server:
        yield server


def article(url: str, n: int = 1) -> ArticleRecord:
    return ArticleRecord(
        source="baoquangngai",
        url=url,
        canonical_url=url,
        title="Xã Đăk Pxi đưa nước sạch về 4 thôn vùng sâu",
        lead="",
        text="Nội dung",
        author=None,
        section=None,
        language="vi",
        published_at=T0,
        fetched_at=T0,
        via="feed",
        extraction="page",
        content_hash=f"h{n}",
        fingerprint=tuple(n * 1000 + i for i in range(NUM_PERM)),
        backfill=False,
    )


@pytest.fixture
def flagged(store: Store, site: LocalSite) -> Iterator[tuple[Store, int]]:
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    art = store.save_article(article(site.url(PAGE))).article_id
    case = store.open_case(f"cluster:{art}", "Lan", T0)
    yield store, case.id
    site.override(PAGE, ORIGINAL)


def test_snapshot_keeps_gzip_html_hash_status_and_text(
    flagged: tuple[Store, int], site: LocalSite
) -> None:
    store, case_id = flagged
    clock = Clock()
    [record] = refetch_open_cases(
        store, clock, http_fetcher("duluan-test", Guard.trusting([site.base]))
    )
    assert record.case_id == case_id and record.status_code == 200
    assert record.reason == "ok" and record.change == "first"
    assert record.final_url == site.url(PAGE) and record.fetched_at == T0
    found = store.evidence_content(record.id)
    assert found is not None and found[1] is not None
    html = gzip.decompress(found[1])
    assert hashlib.sha256(html).hexdigest() == record.sha256 and record.size == len(html)
    assert html.decode() == ORIGINAL.replace("{{BASE}}", site.base)
    assert record.text is not None and SENTENCE in record.text
    assert len(found[1]) < len(html)


def test_daily_refetch_records_unchanged_edit_and_takedown(
    flagged: tuple[Store, int], site: LocalSite
) -> None:
    store, case_id = flagged
    clock = Clock()
    fetch = http_fetcher("duluan-test", Guard.trusting([site.base]))
    refetch_open_cases(store, clock, fetch)
    clock.at += timedelta(hours=3)
    assert refetch_open_cases(store, clock, fetch) == []
    clock.at += timedelta(days=1)
    [same] = refetch_open_cases(store, clock, fetch)
    assert same.change == "unchanged"

    site.override(PAGE, ORIGINAL.replace("hơn 14,6 tỷ đồng", "hơn 9 tỷ đồng"))
    clock.at += timedelta(days=1)
    [edited] = refetch_open_cases(store, clock, fetch)
    assert edited.change == "changed" and edited.reason == "ok"

    site.remove(PAGE)
    clock.at += timedelta(days=1)
    [gone] = refetch_open_cases(store, clock, fetch)
    assert (gone.status_code, gone.reason, gone.change) == (404, "gone", "removed")

    records = store.list_evidence(case_id=case_id)
    assert [r.change for r in records] == ["first", "unchanged", "changed", "removed"]
    pairs = before_after(records)
    assert [(b.change, a.change) for b, a in pairs] == [
        ("unchanged", "changed"),
        ("changed", "removed"),
    ]
    before, after = pairs[0]
    assert before.text is not None and after.text is not None
    assert SENTENCE in before.text and "hơn 9 tỷ đồng" in after.text


def test_redirect_to_home_is_a_takedown(store: Store, site: LocalSite) -> None:
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    site.override("/", "<html><body><h1>Trang chủ</h1></body></html>")
    url = site.url("/baoquangngai/moved.htm")
    clock = Clock()
    fetch_first = lambda _url: Fetched(  # noqa: E731
        _url, 200, _url, ORIGINAL.encode(), "utf-8"
    )
    first = capture(store, "cluster:9", url, fetch_first, clock)
    assert first.change == "first"
    moved = capture(
        store, "cluster:9", url, http_fetcher("duluan-test", Guard.trusting([site.base])), clock
    )
    assert moved.final_url == site.url("/") and moved.reason == "redirected_home"
    assert moved.change == "removed"


def test_network_error_is_recorded_not_a_takedown(store: Store) -> None:
    clock = Clock()
    fetch = http_fetcher("duluan-test", Guard.trusting(["http://127.0.0.1:1/"]), timeout=2)
    record = capture(store, "cluster:7", "http://127.0.0.1:1/bai.htm", fetch, clock)
    assert record.status_code is None and record.reason == "error" and record.change == "error"
    assert record.error and not record.has_content
    assert store.evidence_content(record.id) == (record, None)


def test_server_error_and_closed_cases(flagged: tuple[Store, int], site: LocalSite) -> None:
    store, case_id = flagged
    clock = Clock()
    record = capture(
        store,
        "cluster:5",
        site.url("/bad/500"),
        http_fetcher("t", Guard.trusting([site.base])),
        clock,
    )
    assert (record.status_code, record.change) == (500, "error")
    store.case_step(case_id, "verified", "Lan", T0, unit="X")
    store.case_step(case_id, "document", "Lan", T0, number="1", on_date=T0.date(), signer="B")
    store.case_step(case_id, "sent", "Lan", T0, on_date=T0.date())
    store.case_step(case_id, "corrected", "Lan", T0, on_date=T0.date())
    assert refetch_open_cases(store, clock, http_fetcher("t", Guard.trusting([site.base]))) == []


def test_a_fetch_that_raises_does_not_stop_the_others(flagged: tuple[Store, int]) -> None:
    store, _ = flagged

    def broken(url: str) -> Fetched:
        raise RuntimeError("hỏng")

    assert refetch_open_cases(store, Clock(), broken) == []
    assert store.list_evidence() == []


def test_story_marked_false_from_telegram_is_snapshotted_once(
    store: Store, site: LocalSite
) -> None:
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    art = store.save_article(article(site.url(PAGE))).article_id
    copy = store.save_article(article(site.url("/baoquangngai/moved.htm"), n=1)).article_id
    story = f"cluster:{art}"
    store.review_action(
        story,
        expected_version=0,
        action="false_info",
        user_id=42,
        user_name="Lan",
        at=T0,
        article_id=art,
    )
    clock = Clock()
    down = refetch_open_cases(store, clock, lambda url: Fetched(url, None, None, b"", error="x"))
    assert [r.change for r in down] == ["error", "error"]
    records = refetch_open_cases(
        store, clock, http_fetcher("duluan-test", Guard.trusting([site.base]))
    )
    assert {(r.article_id, r.case_id) for r in records} == {(art, None), (copy, None)}
    assert [r.reason for r in records if r.article_id == art] == ["ok"]
    assert (
        refetch_open_cases(store, clock, http_fetcher("duluan-test", Guard.trusting([site.base])))
        == []
    )
