"""Saving a batch of articles: a few statements whatever its size, and the same stories as
saving them one at a time (each test runs on SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from storage import ArticleRecord, Store
from storage.models import Article
from storage.records import PageRecord
from tests.kit.articles import T0, edited, record, signature


@pytest.fixture
def sources(store: Store) -> Store:
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    return store


def _with_page(rec: ArticleRecord) -> ArticleRecord:
    page = PageRecord(b"gzip", f"sha-{rec.url}", 4, rec.url, 200, "utf-8")
    return replace(rec, page=page)


def _statements(store: Store, recs: list[ArticleRecord]) -> list[str]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(store._engine, "before_cursor_execute", count)
    try:
        outcomes = store.save_articles(recs)
    finally:
        event.remove(store._engine, "before_cursor_execute", count)
    assert [o.status for o in outcomes] == ["new"] * len(recs)
    return seen


def test_new_articles_of_a_batch_take_a_bounded_number_of_statements(sources: Store) -> None:
    """50 new articles with their pages: the look-ups, one insert of the articles, one update
    of their clusters, one insert of their bands, one of their pages — not five per article."""
    first = _statements(sources, [_with_page(record(n)) for n in range(1, 51)])
    copies = [
        _with_page(record(n, fingerprint=edited(signature(n - 100), range(10))))
        for n in range(101, 151)
    ]
    again = _statements(sources, copies)
    assert len(first) < 10, first
    assert len(again) < 10, again  # with stored articles to compare with
    assert len(sources.list_articles(limit=200)) == 100
    assert {a.cluster_id for a in sources.list_articles(limit=200)} == set(range(1, 51))
    assert len(sources.article_pages(sources.list_articles(limit=1)[0].id)) == 1


def test_a_batch_clusters_as_its_records_would_one_at_a_time(sources: Store) -> None:
    stored = sources.save_articles(
        [
            record(1, fingerprint=signature(0)),
            record(2, fingerprint=edited(signature(8), range(40))),
            record(3, fingerprint=signature(11)),
        ]
    )
    a, p, u = stored
    batch = [
        record(10, fingerprint=edited(signature(0), range(20))),  # copy of stored a
        record(11, fingerprint=signature(5)),  # new story
        record(12, fingerprint=edited(signature(5), range(10))),  # copy of 11, same batch
        record(13, fingerprint=edited(signature(5), range(5)), published_at=T0 + timedelta(days=1)),
        record(14, fingerprint=edited(signature(8), range(88, 128))),  # 0.375 to p: own story
        record(15, fingerprint=signature(8)),  # 0.6875 to p and to 14: the oldest, p, wins
        record(16, fingerprint=signature(9)),
        record(17, fingerprint=signature(9), published_at=T0 + timedelta(days=8)),  # too late
        record(3, fingerprint=signature(12), content_hash="v2"),  # stored u, changed
        record(18, fingerprint=signature(12)),  # copy of u as just updated
        record(11, content_hash="v2", fingerprint=signature(5)),  # 11 again: an update
        record(19, text="", fingerprint=()),
        record(20, text="", fingerprint=()),
    ]
    out = sources.save_articles(batch)
    by_n = dict(zip([10, 11, 12, 13, 14, 15, 16, 17, 3, 18, "11b", 19, 20], out, strict=True))
    assert [o.status for o in out] == ["new"] * 8 + ["updated", "new", "updated", "new", "new"]
    assert by_n[10].cluster_id == a.cluster_id
    assert by_n[11].cluster_id == by_n[11].article_id
    assert by_n[12].cluster_id == by_n[13].cluster_id == by_n[11].article_id
    assert by_n["11b"].article_id == by_n[11].article_id
    assert by_n[14].cluster_id == by_n[14].article_id
    assert by_n[15].cluster_id == p.cluster_id
    assert by_n[16].cluster_id == by_n[16].article_id
    assert by_n[17].cluster_id == by_n[17].article_id
    assert by_n[3].article_id == u.article_id
    assert by_n[18].cluster_id == u.cluster_id
    assert by_n[19].cluster_id == by_n[19].article_id
    assert by_n[20].cluster_id == by_n[20].article_id
    detail = sources.get_article(by_n[12].article_id)
    assert detail is not None and detail.cluster_size == 3


def test_a_clash_with_a_parallel_crawler_saves_the_batch_one_record_at_a_time(
    sources: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A parallel crawler stored one article of the batch after the batch's look-up: nothing of
    the batch is half-written; saved again one at a time, the clashing one is an update."""
    first = sources.save_article(record(2))
    real = Store._existing
    calls = {"n": 0}

    def blind_once(self: Store, session: object, recs: list[ArticleRecord]) -> dict[str, Article]:
        calls["n"] += 1
        return {} if calls["n"] == 1 else real(self, session, recs)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "_existing", blind_once)
    out = sources.save_articles(
        [
            record(1, fingerprint=signature(1)),
            record(2, content_hash="changed"),
            record(3, fingerprint=edited(signature(1), range(10))),
        ]
    )
    assert [o.status for o in out] == ["new", "updated", "new"]
    assert out[1].article_id == first.article_id
    assert out[2].cluster_id == out[0].article_id
    assert len(sources.list_articles(limit=100)) == 3
