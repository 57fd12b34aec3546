"""Queueing messages in the outbox, shared by every part of the store that queues one (tags,
reviews, digests): one message per story, chat and topic; a copy of a story already alerted
becomes an edit of the first message."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from storage.models import OutboxMessage
from storage.records import OutboxEntry


def enqueue(session: Session, entries: Sequence[OutboxEntry], at: datetime) -> int:
    """Insert the entries whose (story, chat, topic) is not queued yet; returns how many.

    An alert for a story already queued to a chat, about another article (a syndicated copy),
    is not sent again: an "edit" entry is queued instead, to add the copy's outlet to the first
    message ("cũng đăng trên")."""
    if not entries:
        return 0
    keys = {(e.story, e.chat, e.topic or 0) for e in entries}
    found = session.execute(
        select(
            OutboxMessage.story,
            OutboxMessage.chat,
            OutboxMessage.topic_key,
            OutboxMessage.kind,
            OutboxMessage.article_id,
        ).where(OutboxMessage.story.in_({story for story, _, _ in keys}))
    )
    existing: dict[tuple[str, str, int], tuple[str, int | None]] = {
        (story, chat, topic): (kind, article) for story, chat, topic, kind, article in found
    }
    copies = []
    for e in entries:
        kind, first = existing.get((e.story, e.chat, e.topic or 0), ("", None))
        if e.kind == "alert" and kind in ("alert", "burst") and first not in (None, e.article_id):
            edit = f"edit:{e.story}:{e.article_id}"[:64]
            copies.append(OutboxEntry(edit, e.chat, e.topic, "edit", "", e.article_id))
    if copies:
        edit_keys = session.execute(
            select(OutboxMessage.story, OutboxMessage.chat, OutboxMessage.topic_key).where(
                OutboxMessage.story.in_({c.story for c in copies})
            )
        )
        existing.update({(st, ch, tp): ("edit", None) for st, ch, tp in edit_keys})
    rows = []
    for entry in [*entries, *copies]:
        key = (entry.story, entry.chat, entry.topic or 0)
        if key in existing:
            continue
        existing[key] = (entry.kind, entry.article_id)
        rows.append(
            {
                "article_id": entry.article_id,
                "story": entry.story,
                "chat": entry.chat,
                "topic_key": entry.topic or 0,
                "kind": entry.kind,
                "text": entry.text,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": at,
                "created_at": at,
            }
        )
    if rows:
        session.connection().execute(insert(OutboxMessage), rows)
    return len(rows)
