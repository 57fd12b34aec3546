"""Article search: accent-insensitive, Vietnamese-aware (đ is a letter), FTS5 and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from crawler.fingerprint import NUM_PERM
from storage import ArticleRecord, Store
from storage.db import make_engine
from storage.migrate import alembic_config
from storage.models import Base
from storage.models.cases import FTS_TABLE, include_name
from storage.search import fold_search, parse_query, snippet

ICT = timezone(timedelta(hours=7))
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=ICT)

TEXTS = {
    1: ("Đăk Hà: sạt lở đường vào xã Đăk Pxi", "Mưa lớn gây sạt lở tại huyện Đăk Hà."),
    2: ("Hội chợ nông sản Kon Tum", "Nhiều nông sản của Đắk Hà được giới thiệu, nhất là cà phê."),
    3: ("Dak Ha farmers", "Cà phê Đăk Hà được mùa, giá cà phê tăng mạnh ở xã Hà Mòn."),
    4: ("Thời tiết", "Hà Nội mưa rào, Đà Lạt se lạnh; không nói gì về huyện."),
}


def article(n: int, title: str, body: str) -> ArticleRecord:
    return ArticleRecord(
        source="baoquangngai",
        url=f"https://baoquangngai.vn/bai-{n}.htm",
        canonical_url=f"https://baoquangngai.vn/bai-{n}.htm",
        title=title,
        lead="",
        text=body,
        author=None,
        section=None,
        language="vi",
        published_at=T0 + timedelta(hours=n),
        fetched_at=T0 + timedelta(hours=n),
        via="feed",
        extraction="page",
        content_hash=f"hash-{n}",
        fingerprint=tuple(n * 1000 + i for i in range(NUM_PERM)),
        backfill=False,
    )


@pytest.fixture
def indexed(store: Store) -> Store:
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    store.save_articles([article(n, *TEXTS[n]) for n in TEXTS])
    assert store.index_articles(at=T0) == 4
    assert store.index_articles(at=T0) == 0
    return store


def ids(store: Store, query: str) -> set[int]:
    return {hit.article_id for hit in store.search_articles(query).hits}


def test_folding_keeps_length_and_turns_d_bar_into_d() -> None:
    assert fold_search("Đăk Hà, ĐẮK PXI") == "dak ha, dak pxi"
    assert len(fold_search("Sạt lở Đăk Hà")) == len("Sạt lở Đăk Hà")
    assert parse_query('"Đăk Hà" cà-phê OR ("x" AND y*') == [
        ("dak", "ha"),
        ("ca",),
        ("phe",),
        ("or",),
        ("x",),
        ("and",),
        ("y",),
    ]


@pytest.mark.parametrize("query", ["dak ha", "Đăk Hà", "ĐẮK HÀ", "Đak Ha"])
def test_accented_and_plain_queries_find_the_same(indexed: Store, query: str) -> None:
    assert ids(indexed, query) == {1, 2, 3}


def test_phrase_query_needs_the_words_together(indexed: Store) -> None:
    assert ids(indexed, "ha ca") == {2, 3}
    assert ids(indexed, '"ca phe dak ha"') == {3}
    assert ids(indexed, '"ha noi"') == {4}
    assert ids(indexed, "pxi") == {1}


@pytest.mark.parametrize(
    "query", ['"', "dak AND", "NOT ha", "(*)", "ha:*", "dak' OR 1=1 --", "NEAR(dak ha)", "!!", ""]
)
def test_fts_syntax_characters_never_error(indexed: Store, query: str) -> None:
    page = indexed.search_articles(query)
    assert page.total == len(page.hits) or page.total > len(page.hits)
    if query in ("(*)", "!!", ""):
        assert page.hits == () and page.total == 0


def test_ranking_snippet_and_paging(indexed: Store) -> None:
    page = indexed.search_articles("ca phe", limit=1)
    assert page.total == 2
    assert page.hits[0].article_id == 3  # "cà phê" twice
    hit = page.hits[0]
    assert hit.story == "cluster:3" and hit.source_title == "Báo Quảng Ngãi"
    marked = [text for text, on in hit.snippet if on]
    assert marked == ["Cà phê", "cà phê"]
    assert "".join(text for text, _ in hit.snippet).startswith("Cà phê Đăk Hà được mùa")
    second = indexed.search_articles("ca phe", limit=1, offset=1)
    assert [h.article_id for h in second.hits] == [2]


def test_changed_article_is_reindexed(indexed: Store) -> None:
    rec = replace(
        article(4, "Thời tiết", "Đăk Hà nắng ráo."),
        content_hash="hash-4b",
        fetched_at=T0 + timedelta(days=1),
    )
    indexed.save_article(rec)
    assert ids(indexed, "nang rao") == set()
    assert indexed.index_articles(at=T0 + timedelta(days=1)) == 1
    assert ids(indexed, "nang rao") == {4}
    assert ids(indexed, '"ha noi"') == set()


def test_snippet_marks_in_original_spelling() -> None:
    original = "Tiêu đề\n\n" + "Lời mở đầu dài. " * 20 + "Tại xã Đăk Pxi, huyện Đăk Hà có mưa."
    pieces = snippet(original, fold_search(original), [("dak", "ha")], start_at=8)
    assert [t for t, on in pieces if on] == ["Đăk Hà"]
    assert pieces[0] == ("…", False)


def test_search_schema_matches_models_and_downgrades(db_url: str) -> None:
    Store.open(db_url).close()
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            context = MigrationContext.configure(conn, opts={"include_name": include_name})
            assert compare_metadata(context, Base.metadata) == []
            tables = set(inspect(conn).get_table_names())
            assert (FTS_TABLE in tables) == (conn.dialect.name == "sqlite")
            command.downgrade(alembic_config(conn), "0006")
            assert not {"cases", "evidence", "article_search", FTS_TABLE} & set(
                inspect(conn).get_table_names()
            )
            command.upgrade(alembic_config(conn), "head")
            assert "article_search" in inspect(conn).get_table_names()
    finally:
        engine.dispose()
