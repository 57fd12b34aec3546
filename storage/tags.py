"""Tags: what the tagger found in each article (units, mentions, tone, topics), saved with the
alerts to queue in one transaction; copies of one story share its tone."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, insert, select, text, update
from sqlalchemy.orm import Session

from storage.base import IN_BATCH, StoreBase, chunks, require_aware, utc_now
from storage.corrections import corrections
from storage.models import (
    Article,
    ArticleArea,
    ArticleUnit,
    Mention,
    Source,
)
from storage.outbox import enqueue
from storage.records import (
    ArticleText,
    MentionRecord,
    OutboxEntry,
    TagRecord,
    UnitRecord,
)
from storage.rules import rule_hits_of, save_rule_hits
from storage.submissions import reported_areas

log = logging.getLogger(__name__)

TONE_RANK = {"negative": 2, "positive": 1, "neutral": 0}
# PostgreSQL: one tagger's save at a time across processes (issue 18): two saves queueing
# alerts for one story, or aligning one story's tones, would otherwise collide.
PG_TAG_SAVE_LOCK = 0x64756C74  # "dult"

# What a claimed tag pass computes from the articles it locked: tags and the alerts they cause.
TagWork = Callable[[list[ArticleText]], tuple[Sequence[TagRecord], Sequence[OutboxEntry]]]


class TagQueries(StoreBase):
    """The tags part of `Store`: articles to tag, their tags, and the story's tone."""

    def articles_to_tag(
        self,
        limit: int = 500,
        *,
        retag: bool = False,
        after_id: int = 0,
        ids: Sequence[int] | None = None,
        newest: bool = False,
    ) -> list[ArticleText]:
        """Articles not tagged yet (or all, with `retag`), oldest id first, from `after_id` on:
        page through them with the last id returned. `ids` keeps only those articles (a
        reported item, tagged as soon as it is stored). Reported items carry the areas they
        were reported for. `newest`: the newest `limit` instead (a watch rule tried in the
        console)."""
        stmt = (
            _texts()
            .where(Article.id > after_id)
            .order_by(Article.id.desc() if newest else Article.id)
            .limit(limit)
        )
        if not retag:
            stmt = stmt.where(Article.tagged_at.is_(None))
        if ids is not None:
            stmt = stmt.where(Article.id.in_(list(ids)[:IN_BATCH]))
        with self._read() as session:
            return _read_texts(session, stmt)

    def tag_claimed(self, limit: int, work: TagWork) -> tuple[list[TagRecord], int]:
        """One batch of a tagger sharing the work with other processes (issue 18): lock up to
        `limit` untagged articles no other tagger holds (PostgreSQL's `FOR UPDATE SKIP LOCKED`),
        tag them with `work` and save what it returns in the same transaction, so no article is
        tagged by two processes. `work` may tag only the first ones (its budget spent): the
        rest are let go at the commit. Returns the tags saved and how many alerts were queued;
        no tags: nothing was left to claim."""

        def claim(session: Session) -> tuple[list[TagRecord], int]:
            ids = session.scalars(
                select(Article.id)
                .where(Article.tagged_at.is_(None))
                .order_by(Article.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            if not ids:
                return [], 0
            found = _read_texts(session, _texts().where(Article.id.in_(ids)).order_by(Article.id))
            tags, outbox = work(found)
            if not tags:
                return [], 0
            return list(tags), _save_tags(session, tags, outbox)

        return self._writing(claim)

    def save_tags(self, tags: Sequence[TagRecord], outbox: Sequence[OutboxEntry] = ()) -> int:
        """Store tagging results in one transaction, replacing an article's earlier ones, with
        the alerts they cause queued in the same transaction (so a crash loses neither or both).
        Returns how many outbox messages were queued (a story already queued for a chat is not
        queued again)."""
        return self._writing(lambda session: _save_tags(session, tags, outbox))

    def places_and_topics(
        self, article_ids: Sequence[int]
    ) -> dict[int, tuple[tuple[str, ...], tuple[str, ...]]]:
        """The places (old and new names) and topics the tagger stored for these articles, as a
        watch rule reads them (a query tried in the console)."""
        out: dict[int, tuple[list[str], tuple[str, ...]]] = {}
        with self._read() as session:
            for batch in chunks(list(dict.fromkeys(article_ids)), IN_BATCH):
                for article_id, topics in session.execute(
                    select(Article.id, Article.topics).where(
                        Article.id.in_(batch), Article.tagged_at.is_not(None)
                    )
                ):
                    out[article_id] = ([], tuple(topics or ()))
                for article_id, name, new_name in session.execute(
                    select(ArticleUnit.article_id, ArticleUnit.name, ArticleUnit.new_name)
                    .where(ArticleUnit.article_id.in_(batch))
                    .order_by(ArticleUnit.article_id, ArticleUnit.position)
                ):
                    if article_id in out:
                        out[article_id][0].extend(n for n in (name, new_name) if n)
        return {k: (tuple(dict.fromkeys(p)), t) for k, (p, t) in out.items()}

    def get_tags(self, article_id: int) -> TagRecord | None:
        """The stored tagging result of an article, or None if it was never tagged."""
        with self._read() as session:
            row = session.get(Article, article_id)
            if row is None or row.tagged_at is None:
                return None
            units = session.scalars(
                select(ArticleUnit)
                .where(ArticleUnit.article_id == article_id)
                .order_by(ArticleUnit.position)
            ).all()
            mentions = session.scalars(
                select(Mention).where(Mention.article_id == article_id).order_by(Mention.id)
            ).all()
            areas = session.scalars(
                select(ArticleArea.area)
                .where(ArticleArea.article_id == article_id)
                .order_by(ArticleArea.area)
            ).all()
            return TagRecord(
                article_id=row.id,
                relevant=bool(row.relevant),
                relevance=row.relevance or 0.0,
                tone=row.tone or "neutral",
                needs_verification=bool(row.needs_verification),
                topics=tuple(row.topics or ()),
                reasons=tuple(row.reasons or ()),
                units=tuple(
                    UnitRecord(
                        u.level,
                        u.name,
                        u.province,
                        u.district,
                        u.new_name,
                        u.new_province,
                        u.in_watch_area,
                    )
                    for u in units
                ),
                mentions=tuple(
                    MentionRecord(
                        m.field, m.start, m.end, m.text, m.unit, m.level, m.rule, m.confidence
                    )
                    for m in mentions
                ),
                tagged_at=row.tagged_at,
                tagger_version=row.tagger_version or "",
                areas=tuple(areas),
                rules=tuple(rule_hits_of(session, [article_id]).get(article_id, ())),
            )


def _align_story_tones(session: Session, article_ids: Sequence[int]) -> None:
    """Every tagged copy of a story gets the story's tone and needs-verification: negative when
    any copy reads negative (bad news is never lost to a milder copy), else positive when any
    reads positive; needs verification when any copy does. The digest and the leadership chat
    then count a story once, the same way whichever copy they read."""
    postgres = session.get_bind().dialect.name == "postgresql"
    clusters: set[int] = set()
    for batch in chunks(list(article_ids), IN_BATCH):
        clusters.update(
            session.scalars(select(Article.cluster_id).where(Article.id.in_(batch))).all()
        )
    for batch in chunks(sorted(clusters), IN_BATCH):
        rows = session.execute(
            select(Article.id, Article.cluster_id, Article.tone, Article.needs_verification).where(
                Article.cluster_id.in_(batch), Article.tagged_at.is_not(None)
            )
        ).all()
        by_story: dict[int, list[Any]] = {}
        for row in rows:
            by_story.setdefault(row.cluster_id, []).append(row)
        for copies in by_story.values():
            if len(copies) < 2:
                continue
            tones = [c.tone for c in copies if c.tone in TONE_RANK]
            if not tones:
                continue
            tone = max(tones, key=lambda t: TONE_RANK[t])
            verify = any(bool(c.needs_verification) for c in copies)
            stale = [c.id for c in copies if c.tone != tone or bool(c.needs_verification) != verify]
            if stale and postgres:
                # A copy another tagger (or the crawler) holds is left to it: that tagger
                # aligns the story at its own save, after ours. Waiting for it here, holding
                # the save lock it waits for, was a deadlock.
                stale = list(
                    session.scalars(
                        select(Article.id)
                        .where(Article.id.in_(stale))
                        .order_by(Article.id)
                        .with_for_update(skip_locked=True)
                    )
                )
            if stale:
                session.execute(
                    update(Article)
                    .where(Article.id.in_(stale))
                    .values(tone=tone, needs_verification=verify)
                )


def _texts() -> Select[Any]:
    """What the tagger reads of an article, with its source."""
    return (
        select(Article.id, Source.name, Article.title, Article.lead, Article.text)
        .add_columns(
            Article.published_at,
            Article.url,
            Source.title,
            Article.first_seen_at,
            Article.backfill,
            Article.cluster_id,
            Article.published_precision,
            Article.platform,
        )
        .join(Source, Source.id == Article.source_id)
    )


def _read_texts(session: Session, stmt: Select[Any]) -> list[ArticleText]:
    """The articles `stmt` selects, with the areas they were reported for and their fixes."""
    found = [ArticleText(*row) for row in session.execute(stmt)]
    reported = reported_areas(session, [a.id for a in found])
    fixed = corrections(session, [a.id for a in found])
    return [
        replace(a, reported_areas=reported.get(a.id, ()), corrected=fixed.get(a.id)) for a in found
    ]


def _save_tags(session: Session, tags: Sequence[TagRecord], outbox: Sequence[OutboxEntry]) -> int:
    """`save_tags` in `session`'s transaction."""
    for tag in tags:
        require_aware(tag.tagged_at, "tagged_at")
    queued_at: datetime = max((tag.tagged_at for tag in tags), default=utc_now())
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_TAG_SAVE_LOCK})
    ids = [tag.article_id for tag in tags]
    for batch in chunks(ids, IN_BATCH):
        session.execute(delete(ArticleUnit).where(ArticleUnit.article_id.in_(batch)))
        session.execute(delete(Mention).where(Mention.article_id.in_(batch)))
        session.execute(delete(ArticleArea).where(ArticleArea.article_id.in_(batch)))
    connection = session.connection()
    for tag in tags:
        updated = connection.execute(
            update(Article)
            .where(Article.id == tag.article_id)
            .values(
                relevant=tag.relevant,
                relevance=tag.relevance,
                tone=tag.tone,
                needs_verification=tag.needs_verification,
                topics=list(tag.topics),
                reasons=list(tag.reasons),
                tagger_version=tag.tagger_version,
                tagged_at=tag.tagged_at,
            )
        )
        if updated.rowcount != 1:
            raise KeyError(f"không có bài mã {tag.article_id}")
        units = [
            {"article_id": tag.article_id, "position": i, **asdict(unit)}
            for i, unit in enumerate(tag.units)
        ]
        mentions = [{"article_id": tag.article_id, **asdict(m)} for m in tag.mentions]
        if units:
            connection.execute(insert(ArticleUnit), units)
        if mentions:
            connection.execute(insert(Mention), mentions)
        areas = [{"article_id": tag.article_id, "area": area} for area in dict.fromkeys(tag.areas)]
        if areas:
            connection.execute(insert(ArticleArea), areas)
    save_rule_hits(session, tags)
    _align_story_tones(session, ids)
    return enqueue(session, outbox, queued_at)
