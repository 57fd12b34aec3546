"""The outbox: queued with the tagging result, a story at most once per chat, never lost."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage import OutboxEntry, Store
from tests.kit.articles import T0, record, tag

LATER = T0 + timedelta(hours=3)


@pytest.fixture
def article(store: Store) -> int:
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    return store.save_article(record(1)).article_id


def alert(article_id: int, chat: str, topic: int | None = None) -> OutboxEntry:
    return OutboxEntry(
        f"cluster:{article_id}", chat, topic, "alert", f"Tin {article_id}", article_id
    )


def test_alerts_are_queued_with_the_tags_and_once_per_story(store: Store, article: int) -> None:
    queued = store.save_tags([tag(article)], [alert(article, "-1"), alert(article, "-2", 5)])
    assert queued == 2
    again = store.save_tags([tag(article)], [alert(article, "-1"), alert(article, "-2", 6)])
    assert again == 1  # same story, same chat and topic: not again; another topic: yes
    due = store.due_outbox(LATER)
    assert [(d.chat, d.topic, d.text) for d in due] == [
        ("-1", None, f"Tin {article}"),
        ("-2", 5, f"Tin {article}"),
        ("-2", 6, f"Tin {article}"),
    ]
    assert store.due_outbox(T0) == []  # not yet due before it was queued


def test_failed_tagging_queues_nothing(store: Store, article: int) -> None:
    with pytest.raises(KeyError):
        store.save_tags([tag(article), tag(99999)], [alert(article, "-1")])
    assert store.due_outbox(LATER) == []


def test_sent_retry_and_failed(store: Store, article: int) -> None:
    store.save_tags(
        [tag(article)], [alert(article, "-1"), alert(article, "-2"), alert(article, "-3")]
    )
    first, second, third = store.due_outbox(LATER)
    store.mark_sent(first.id, 777, LATER)
    store.mark_retry(second.id, "429 Too Many Requests", LATER + timedelta(seconds=30))
    store.mark_failed(third.id, "Bad Request: chat not found")
    assert store.due_outbox(LATER) == []
    (retry,) = store.due_outbox(LATER + timedelta(minutes=1))
    assert retry.id == second.id and retry.attempts == 1
    counts = {(c.chat, c.status): c for c in store.outbox_counts()}
    assert counts[("-1", "sent")].count == 1
    assert counts[("-3", "failed")].last_error == "Bad Request: chat not found"
    with pytest.raises(KeyError):
        store.mark_sent(424242, 1, LATER)


def test_enqueue_without_tags(store: Store) -> None:
    digest = OutboxEntry("digest:2026-W48", "-9", None, "digest", "Báo cáo tuần")
    assert store.enqueue([digest, digest], LATER) == 1
    assert [d.kind for d in store.due_outbox(LATER)] == ["digest"]


def test_one_row_per_story_messenger_and_chat(store: Store, article: int) -> None:
    zalo = OutboxEntry(f"cluster:{article}", "-1", None, "alert", "Tin", article, messenger="zalo")
    assert store.save_tags([tag(article)], [alert(article, "-1"), zalo]) == 2
    assert store.save_tags([tag(article)], [alert(article, "-1"), zalo]) == 0
    assert [d.messenger for d in store.due_outbox(LATER)] == ["telegram", "zalo"]
    (only,) = store.due_outbox(LATER, messenger="zalo")
    assert (only.chat, only.messenger) == ("-1", "zalo")
    store.mark_sent(only.id, None, LATER)  # Zalo's message ids are not kept: no edits there
    counts = {(c.messenger, c.chat, c.status) for c in store.outbox_counts()}
    assert counts == {("telegram", "-1", "pending"), ("zalo", "-1", "sent")}


def test_a_copy_edits_the_telegram_message_but_adds_nothing_on_zalo(store: Store) -> None:
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi"), ("tuoitre", "Tuổi Trẻ")])
    first = store.save_article(record(1)).article_id
    copy = store.save_article(record(2, source="tuoitre")).article_id
    story = "cluster:1"

    def entries(article_id: int) -> list[OutboxEntry]:
        return [
            OutboxEntry(story, "-1", None, "alert", "Tin", article_id),
            OutboxEntry(story, "z1", None, "alert", "Tin", article_id, messenger="zalo"),
        ]

    store.save_tags([tag(first)], entries(first))
    store.save_tags([tag(copy)], entries(copy))
    kinds = sorted((d.messenger, d.kind) for d in store.due_outbox(LATER))
    assert kinds == [("telegram", "alert"), ("telegram", "edit"), ("zalo", "alert")]
