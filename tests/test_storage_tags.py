"""Tagging results in storage: which articles still need tagging, and what the tagger found."""

from __future__ import annotations

import pytest

from storage import Store
from tests.kit.articles import DAK_HA, record, tag


@pytest.fixture
def articles(store: Store) -> list[int]:
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    return [store.save_article(record(n)).article_id for n in range(1, 6)]


def test_untagged_articles_are_paged_and_tagged_ones_left_out(
    store: Store, articles: list[int]
) -> None:
    first = store.articles_to_tag(limit=2)
    assert [a.id for a in first] == articles[:2]
    assert first[0].source == "baoquangngai" and first[0].text.startswith("Nội dung bài 1")
    rest = store.articles_to_tag(limit=10, after_id=first[-1].id)
    assert [a.id for a in rest] == articles[2:]
    store.save_tags([tag(articles[0]), tag(articles[3], relevant=False, units=(), mentions=())])
    assert [a.id for a in store.articles_to_tag()] == [articles[1], articles[2], articles[4]]
    assert [a.id for a in store.articles_to_tag(retag=True)] == articles


def test_tags_round_trip_and_replace(store: Store, articles: list[int]) -> None:
    stored = tag(articles[1])
    store.save_tags([stored])
    assert store.get_tags(articles[1]) == stored
    assert store.get_tags(articles[0]) is None
    again = tag(articles[1], tone="neutral", units=(DAK_HA,), mentions=(), topics=())
    store.save_tags([again])
    assert store.get_tags(articles[1]) == again


def test_tagging_an_unknown_article_changes_nothing(store: Store, articles: list[int]) -> None:
    with pytest.raises(KeyError, match="99999"):
        store.save_tags([tag(articles[0]), tag(99999)])
    assert store.get_tags(articles[0]) is None


def test_copies_of_one_story_share_its_tone(store: Store, articles: list[int]) -> None:
    """A syndicated copy that reads milder does not hide the story's bad news: every tagged
    copy takes the story's tone (negative first) and needs-verification (any copy)."""
    copy = store.save_article(
        record(
            1,
            url="https://vnexpress.net/ban-sao-1.html",
            canonical_url="https://vnexpress.net/ban-sao-1.html",
            content_hash="other",
        )
    )
    first = store.get_article(articles[0])
    assert first is not None and copy.cluster_id == first.cluster_id
    store.save_tags([tag(articles[0], tone="neutral", needs_verification=False)])
    assert store.get_tags(articles[0]).tone == "neutral"  # type: ignore[union-attr]
    store.save_tags([tag(copy.article_id, tone="negative", needs_verification=True)])
    for article_id in (articles[0], copy.article_id):
        got = store.get_tags(article_id)
        assert got is not None and (got.tone, got.needs_verification) == ("negative", True)
    other = store.get_tags(articles[1])
    assert other is None  # another story is untouched


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_aligning_a_story_s_tone_skips_a_copy_another_tagger_holds(
    store: Store, articles: list[int], db_url: str
) -> None:
    """Issue 18: a copy locked by another transaction (a tagger re-tagging it, holding its row
    while it waits for the save lock this save holds) is left to that tagger, not waited for:
    waiting was a deadlock between two tag processes."""
    import threading

    from sqlalchemy import create_engine, text

    copy = store.save_article(
        record(
            1,
            url="https://vnexpress.net/ban-sao-1.html",
            canonical_url="https://vnexpress.net/ban-sao-1.html",
            content_hash="other",
        )
    )
    store.save_tags([tag(articles[0], tone="neutral", needs_verification=False)])
    other = create_engine(db_url)
    done = threading.Event()
    with other.connect() as holder:
        holder.execute(
            text("SELECT id FROM articles WHERE id = :id FOR UPDATE"), {"id": articles[0]}
        )
        saving = threading.Thread(
            target=lambda: (
                store.save_tags([tag(copy.article_id, tone="negative")]),
                done.set(),
            )
        )
        saving.start()
        finished = done.wait(20)
        holder.rollback()
    saving.join()
    other.dispose()
    assert finished, "the save waited for the copy another transaction holds"
    assert store.get_tags(copy.article_id).tone == "negative"  # type: ignore[union-attr]
    assert store.get_tags(articles[0]).tone == "neutral"  # type: ignore[union-attr]
    # Its holder's own save then aligns the story.
    store.save_tags([tag(articles[0], tone="neutral")])
    assert store.get_tags(articles[0]).tone == "negative"  # type: ignore[union-attr]
