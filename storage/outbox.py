"""The outbox: queueing messages (one per story, chat and topic; a copy of a story already
alerted becomes an edit of the first message), claiming the due ones for delivery, and what
became of each (sent, retried, uncertain, failed). `enqueue` is shared by every part of the
store that queues a message in its own transaction (tags, reviews)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from storage.base import IN_BATCH, StoreBase, chunks, require_aware
from storage.models import Article, OutboxMessage, Source
from storage.records import (
    OUTBOX_WAITING,
    TELEGRAM,
    AlertBrief,
    OutboxCount,
    OutboxEntry,
    OutboxItem,
    StoryMessage,
)


def enqueue(session: Session, entries: Sequence[OutboxEntry], at: datetime) -> int:
    """Insert the entries whose (story, messenger, chat, topic) is not queued yet; returns how
    many.

    An alert for a story already queued to a Telegram chat, about another article (a syndicated
    copy), is not sent again: an "edit" entry is queued instead, to add the copy's outlet to the
    first message ("cũng đăng trên"). Zalo cannot edit a sent message, so there a copy adds
    nothing."""
    if not entries:
        return 0
    found = session.execute(
        select(
            OutboxMessage.story,
            OutboxMessage.messenger,
            OutboxMessage.chat,
            OutboxMessage.topic_key,
            OutboxMessage.kind,
            OutboxMessage.article_id,
        ).where(OutboxMessage.story.in_({e.story for e in entries}))
    )
    existing: dict[tuple[str, str, str, int], tuple[str, int | None]] = {
        (story, messenger, chat, topic): (kind, article)
        for story, messenger, chat, topic, kind, article in found
    }
    copies = []
    for e in entries:
        kind, first = existing.get(_key(e), ("", None))
        copy = (
            e.kind == "alert" and kind in ("alert", "burst") and first not in (None, e.article_id)
        )
        if copy and e.messenger == TELEGRAM:
            edit = f"edit:{e.story}:{e.article_id}"[:64]
            copies.append(OutboxEntry(edit, e.chat, e.topic, "edit", "", e.article_id))
    if copies:
        edit_keys = session.execute(
            select(
                OutboxMessage.story,
                OutboxMessage.messenger,
                OutboxMessage.chat,
                OutboxMessage.topic_key,
            ).where(OutboxMessage.story.in_({c.story for c in copies}))
        )
        existing.update({(st, ms, ch, tp): ("edit", None) for st, ms, ch, tp in edit_keys})
    rows = []
    for entry in [*entries, *copies]:
        key = _key(entry)
        if key in existing:
            continue
        existing[key] = (entry.kind, entry.article_id)
        rows.append(
            {
                "article_id": entry.article_id,
                "story": entry.story,
                "messenger": entry.messenger,
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


def _key(entry: OutboxEntry) -> tuple[str, str, str, int]:
    return (entry.story, entry.messenger, entry.chat, entry.topic or 0)


STALE_CLAIM = (
    "lần gửi trước bị ngắt (chương trình dừng hoặc mất cơ sở dữ liệu) trước khi ghi kết quả"
)


class OutboxQueries(StoreBase):
    """The outbox's part of `Store`."""

    def enqueue(self, entries: Sequence[OutboxEntry], at: datetime) -> int:
        """Queue messages (digests, summaries); returns how many were new."""
        require_aware(at, "at")
        return self._writing(lambda session: enqueue(session, entries, at))

    def due_outbox(
        self, now: datetime, limit: int = 50, messenger: str | None = None
    ) -> list[OutboxItem]:
        """Messages still to send whose time has come, oldest first (of one `messenger`, or of
        all); a row claimed by a send that never finished (`claim_outbox`) comes back as a
        resend once its hold is over."""
        require_aware(now, "now")
        which = [OutboxMessage.status.in_(OUTBOX_WAITING), OutboxMessage.next_attempt_at <= now]
        if messenger is not None:
            which.append(OutboxMessage.messenger == messenger)
        stmt = (
            select(OutboxMessage)
            .where(*which)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        with self._read() as session:
            return [
                OutboxItem(
                    row.id,
                    row.story,
                    row.chat,
                    row.topic_key or None,
                    row.kind,
                    row.text,
                    row.article_id,
                    row.attempts,
                    resend=row.status != "pending",
                    messenger=row.messenger,
                )
                for row in session.scalars(stmt)
            ]

    def claim_outbox(self, item_ids: Sequence[int], now: datetime, hold: datetime) -> list[int]:
        """Mark due messages "sending" just before their Telegram call, held until `hold`;
        returns the ids claimed (a row another worker claimed first, or already sent, is left
        out). A process that dies during the call leaves the row "sending": once `hold` passes
        it is sent again, as a resend that says so."""
        require_aware(now, "now")
        require_aware(hold, "hold")

        stale = OutboxMessage.status == "sending"  # its process died during the call
        waiting = OutboxMessage.status.in_(("pending", "uncertain"))

        def work(session: Session) -> list[int]:
            claimed = []
            for item_id in item_ids:
                for which, why in ((stale, {"last_error": STALE_CLAIM}), (waiting, {})):
                    done = session.connection().execute(
                        update(OutboxMessage)
                        .where(
                            OutboxMessage.id == item_id, which, OutboxMessage.next_attempt_at <= now
                        )
                        .values(status="sending", next_attempt_at=hold, **why)
                    )
                    if done.rowcount == 1:
                        claimed.append(item_id)
                        break
            return claimed

        return self._writing(work)

    def mark_sent(self, item_id: int, message_id: int | None, at: datetime) -> None:
        """The messenger accepted the message: never send it again (`message_id`: Telegram's,
        for later edits; None for Zalo, whose messages cannot be edited)."""
        self._outbox_update(item_id, status="sent", message_id=message_id, sent_at=at)

    def mark_sent_together(
        self, item_ids: Sequence[int], message_id: int | None, at: datetime
    ) -> None:
        """Several alerts went out in one summary message: sent, as kind "burst" (a later
        "cũng đăng trên" edit must not rewrite the summary)."""

        def work(session: Session) -> None:
            for batch in chunks(list(item_ids), IN_BATCH):
                session.connection().execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(batch))
                    .values(status="sent", kind="burst", message_id=message_id, sent_at=at)
                )

        self._writing(work)

    def story_message(
        self, story: str, chat: str, topic: int | None, messenger: str = TELEGRAM
    ) -> StoryMessage | None:
        """How `story` was alerted to `chat` (and topic) of `messenger`, with the outlets of its
        later copies."""
        with self._read() as session:
            row = session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.story == story,
                    OutboxMessage.messenger == messenger,
                    OutboxMessage.chat == chat,
                    OutboxMessage.topic_key == (topic or 0),
                )
            ).first()
            if row is None:
                return None
            return StoryMessage(
                outbox_id=row.id,
                story=row.story,
                chat=row.chat,
                topic=row.topic_key or None,
                kind=row.kind,
                status=row.status,
                message_id=row.message_id,
                text=row.text,
                article_id=row.article_id,
                also_in=_also_in(session, row.article_id),
                messenger=row.messenger,
            )

    def alert_briefs(self, article_ids: Iterable[int]) -> dict[int, AlertBrief]:
        """Outlet, headline, link and flag of articles, for burst summaries."""
        ids = list(set(article_ids))
        out: dict[int, AlertBrief] = {}
        with self._read() as session:
            for batch in chunks(ids, IN_BATCH):
                rows = session.execute(
                    select(Article, Source.title)
                    .join(Source, Source.id == Article.source_id)
                    .where(Article.id.in_(batch))
                )
                for article, outlet in rows:
                    out[article.id] = AlertBrief(
                        article.id,
                        outlet,
                        article.title,
                        article.url,
                        bool(article.needs_verification),
                        article.platform,
                    )
        return out

    def mark_retry(
        self, item_id: int, error: str, next_attempt_at: datetime, uncertain: bool = False
    ) -> None:
        """A transient failure that delivered nothing: try again at `next_attempt_at`. An
        `uncertain` row (an earlier copy may have arrived) stays so: it goes out with the note."""
        self._outbox_update(
            item_id,
            status="uncertain" if uncertain else "pending",
            last_error=error,
            next_attempt_at=next_attempt_at,
            attempts=OutboxMessage.attempts + 1,
        )

    def mark_uncertain(self, item_id: int, error: str, next_attempt_at: datetime) -> None:
        """Telegram may have delivered it but its answer never came: send it again at
        `next_attempt_at`, as a resend that says so."""
        self._outbox_update(
            item_id,
            status="uncertain",
            last_error=error,
            next_attempt_at=next_attempt_at,
            attempts=OutboxMessage.attempts + 1,
        )

    def mark_failed(self, item_id: int, error: str) -> None:
        """A permanent failure (chat not found, bot removed): stop trying, keep the reason."""
        self._outbox_update(
            item_id, status="failed", last_error=error, attempts=OutboxMessage.attempts + 1
        )

    def _outbox_update(self, item_id: int, **values: Any) -> None:
        def work(session: Session) -> None:
            done = session.connection().execute(
                update(OutboxMessage).where(OutboxMessage.id == item_id).values(**values)
            )
            if done.rowcount != 1:
                raise KeyError(f"không có tin nhắn mã {item_id} trong hàng đợi")

        self._writing(work)

    def outbox_counts(self) -> list[OutboxCount]:
        """Messages per chat and status, with an error of the rows not sent (a row retried
        and sent since keeps its old error, which is history, not a problem): for `duluan
        alerts status`."""
        stmt = (
            select(
                OutboxMessage.messenger,
                OutboxMessage.chat,
                OutboxMessage.status,
                func.count(),
                func.max(OutboxMessage.last_error),
            )
            .group_by(OutboxMessage.messenger, OutboxMessage.chat, OutboxMessage.status)
            .order_by(OutboxMessage.messenger, OutboxMessage.chat, OutboxMessage.status)
        )
        with self._read() as session:
            return [
                OutboxCount(chat, status, count, None if status == "sent" else error, messenger)
                for messenger, chat, status, count, error in session.execute(stmt)
            ]


def _also_in(session: Session, article_id: int | None) -> tuple[str, ...]:
    """The other outlets in an article's cluster, in the order they ran it."""
    if article_id is None:
        return ()
    first = session.execute(
        select(Article.cluster_id, Article.source_id).where(Article.id == article_id)
    ).first()
    if first is None:
        return ()
    cluster_id, source_id = first
    rows = session.execute(
        select(Source.title)
        .join(Article, Article.source_id == Source.id)
        .where(Article.cluster_id == cluster_id, Article.source_id != source_id)
        .order_by(Article.first_seen_at, Article.id)
    )
    return tuple(dict.fromkeys(title for (title,) in rows))
