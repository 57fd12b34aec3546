"""The console's review queue: stories to review with their filters and counts, a story's
messages and assignments, and the choices the filters offer."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    String,
    and_,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union,
)

from nlp.area import DEFAULT_AREA
from storage.base import StoreBase
from storage.models import (
    Article,
    ArticleArea,
    ArticleUnit,
    Assignment,
    Case,
    OutboxMessage,
    Review,
    RuleHitRow,
    Source,
)
from storage.records import TELEGRAM
from storage.reviews import AssignmentRecord, _assignment
from storage.vocabulary import STORY_PREFIX, story_key

log = logging.getLogger(__name__)

T = TypeVar("T")

QUEUE_SCAN = 3000
# A stored unit a filter finds: (level, province, old district or None, name), as the tagger
# stores it in `article_units` ("commune", "Tỉnh Kon Tum", "Huyện Đăk Hà", "Xã Đăk Long").
UnitKey = tuple[str, str, str | None, str]


@dataclass(frozen=True)
class QueueFilters:
    """What the queue shows: every field empty means no filter on it."""

    status: str = ""
    tone: str = ""
    communes: tuple[UnitKey, ...] | None = None  # None: no filter; (): nothing matches
    unit: str = ""
    outlet: str = ""
    topic: str = ""
    since: datetime | None = None
    until: datetime | None = None
    query: str = ""
    platform: str = ""  # crawler.platform.Platform of the story's first article
    verify: bool = False  # only stories the tagger says need verification
    overdue_on: date | None = None  # only stories with an open assignment due before this day
    rule: str = ""  # a watch rule some copy of the story matched
    # None: one watch area, every flagged story with its default-area review (as before areas);
    # names: a row per story and concerned area among them, each with that area's review.
    areas: tuple[str, ...] | None = None


@dataclass(frozen=True)
class QueueItem:
    """One flagged story in the queue: its first relevant article and its review status."""

    story: str
    cluster_id: int
    article_id: int
    title: str
    source: str
    outlet: str
    url: str
    when: datetime
    tone: str | None
    topics: tuple[str, ...]
    copies: int
    status: str
    version: int
    units: tuple[str, ...] = ()
    area: str = DEFAULT_AREA  # the watch area whose review `status` is
    platform: str = "news"  # crawler.platform.Platform of the first article
    needs_verification: bool = False


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    total: int
    counts: dict[str, int]


@dataclass(frozen=True)
class StoryMessageRow:
    """One outbox row of a story (alerts, edits, assignment messages): where (messenger and
    chat) and how it went."""

    id: int
    story: str
    chat: str
    kind: str
    status: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None
    messenger: str = TELEGRAM


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class QueueQueries(StoreBase):
    """The review queue part of `Store`."""

    def review_queue(
        self, filters: QueueFilters, offset: int = 0, limit: int = 50, scan: int = QUEUE_SCAN
    ) -> QueuePage:
        """Flagged stories (clusters with a relevant article), newest first, filtered, with the
        count of each status over every filter but the status itself. With `filters.areas`, a
        story appears once per area among them that it concerns (`article_areas`), with that
        area's review. Scans the newest `scan` rows that pass the database-side filters."""
        rep = (
            select(
                Article.cluster_id.label("cluster_id"),
                func.min(Article.id).label("article_id"),
                func.count().label("copies"),
            )
            .where(Article.relevant.is_(True))
            .group_by(Article.cluster_id)
            .subquery()
        )
        story = literal(STORY_PREFIX, String) + cast(rep.c.cluster_id, String)
        when = func.coalesce(Article.published_at, Article.first_seen_at)
        stmt: Any = (
            select(
                rep.c.cluster_id,
                rep.c.article_id,
                rep.c.copies,
                Article.title,
                Source.name,
                Source.title,
                Article.url,
                Article.published_at,
                Article.first_seen_at,
                Article.tone,
                Article.topics,
                Review.status,
                Review.version,
                Review.id,
            )
            .join(Article, Article.id == rep.c.article_id)
            .join(Source, Source.id == Article.source_id)
            .limit(scan)
        )
        if filters.areas is None:
            area: Any = literal(DEFAULT_AREA, String)
            stmt = stmt.add_columns(area).order_by(when.desc(), rep.c.article_id.desc())
        else:
            concerned = (
                select(Article.cluster_id.label("cluster_id"), ArticleArea.area.label("area"))
                .join(ArticleArea, ArticleArea.article_id == Article.id)
                .where(ArticleArea.area.in_(filters.areas))
                .distinct()
                .subquery()
            )
            area = concerned.c.area
            stmt = (
                stmt.add_columns(area)
                .join(concerned, concerned.c.cluster_id == rep.c.cluster_id)
                .order_by(when.desc(), rep.c.article_id.desc(), area)
            )
        stmt = stmt.add_columns(Article.platform, Article.needs_verification)
        stmt = stmt.outerjoin(Review, (Review.story == story) & (Review.area == area))
        if filters.platform:
            stmt = stmt.where(Article.platform == filters.platform)
        if filters.tone:
            stmt = stmt.where(Article.tone == filters.tone)
        if filters.verify:
            stmt = stmt.where(Article.needs_verification.is_(True))
        if filters.overdue_on is not None:
            stmt = stmt.where(
                exists().where(
                    Assignment.review_id == Review.id,
                    Assignment.status == "open",
                    Assignment.deadline < filters.overdue_on,
                )
            )
        if filters.outlet:
            stmt = stmt.where(Source.name == filters.outlet)
        if filters.since is not None:
            stmt = stmt.where(when >= filters.since)
        if filters.until is not None:
            stmt = stmt.where(when < filters.until)
        if filters.query:
            stmt = stmt.where(Article.title.ilike(_like(filters.query), escape="\\"))
        if filters.communes is not None:
            copy = Article.__table__.alias("copy")
            stmt = stmt.where(
                exists().where(
                    ArticleUnit.article_id == copy.c.id,
                    copy.c.cluster_id == rep.c.cluster_id,
                    or_(
                        false(),
                        *(
                            and_(
                                ArticleUnit.level == level,
                                ArticleUnit.province == province,
                                ArticleUnit.name == name,
                                true() if district is None else ArticleUnit.district == district,
                            )
                            for level, province, district, name in filters.communes
                        ),
                    ),
                )
            )
        if filters.unit:
            stmt = stmt.where(
                exists().where(Assignment.review_id == Review.id, Assignment.unit == filters.unit)
            )
        if filters.rule:
            hit = Article.__table__.alias("hit")
            stmt = stmt.where(
                exists().where(
                    RuleHitRow.article_id == hit.c.id,
                    hit.c.cluster_id == rep.c.cluster_id,
                    RuleHitRow.rule == filters.rule,
                )
            )
        with self._read() as session:
            rows = session.execute(stmt).all()
            review_ids = [r[13] for r in rows if r[13] is not None]
            assigned: dict[int, list[str]] = {}
            for start in range(0, len(review_ids), 400):
                batch = review_ids[start : start + 400]
                for review_id, unit in session.execute(
                    select(Assignment.review_id, Assignment.unit)
                    .where(Assignment.review_id.in_(batch))
                    .order_by(Assignment.id)
                ):
                    assigned.setdefault(review_id, []).append(unit)
        items: list[QueueItem] = []
        for r in rows:
            topics = tuple(r[10] or ())
            if filters.topic and filters.topic not in topics:
                continue
            items.append(
                QueueItem(
                    story=story_key(r[0]),
                    cluster_id=r[0],
                    article_id=r[1],
                    copies=r[2],
                    title=r[3],
                    source=r[4],
                    outlet=r[5],
                    url=r[6],
                    when=r[7] or r[8],
                    tone=r[9],
                    topics=topics,
                    status=r[11] or "new",
                    version=r[12] or 0,
                    units=tuple(dict.fromkeys(assigned.get(r[13], ()))) if r[13] else (),
                    area=r[14],
                    platform=r[15],
                    needs_verification=bool(r[16]),
                )
            )
        counts: dict[str, int] = {}
        for item in items:
            counts[item.status] = counts.get(item.status, 0) + 1
        if filters.status:
            items = [i for i in items if i.status == filters.status]
        return QueuePage(items[offset : offset + limit], len(items), counts)

    def story_units(self, cluster_ids: Sequence[int]) -> dict[int, set[UnitKey]]:
        """The stored units (as the commune filter finds them) that any article of each story
        names, for the dashboard's count per commune."""
        found: dict[int, set[UnitKey]] = {}
        ids = list(dict.fromkeys(cluster_ids))
        with self._read() as session:
            for start in range(0, len(ids), 400):
                rows = session.execute(
                    select(
                        Article.cluster_id,
                        ArticleUnit.level,
                        ArticleUnit.province,
                        ArticleUnit.district,
                        ArticleUnit.name,
                    )
                    .join(ArticleUnit, ArticleUnit.article_id == Article.id)
                    .where(Article.cluster_id.in_(ids[start : start + 400]))
                )
                for cluster, level, province, district, name in rows:
                    found.setdefault(cluster, set()).add((level, province or "", district, name))
        return found

    def story_areas(self, cluster_id: int) -> tuple[str, ...]:
        """The watch areas a story concerns: those its articles were tagged for, and those that
        reviewed it or opened a case on it; sorted."""
        story = story_key(cluster_id)
        with self._read() as session:
            tagged = select(ArticleArea.area).join(Article, Article.id == ArticleArea.article_id)
            found = session.scalars(
                union(
                    tagged.where(Article.cluster_id == cluster_id),
                    select(Review.area).where(Review.story == story),
                    select(Case.area).where(Case.story == story),
                )
            ).all()
        return tuple(sorted(found))

    def story_article(self, cluster_id: int, area: str = DEFAULT_AREA) -> int | None:
        """The article shown for a story: the one `area`'s review names, else its first relevant
        article, else its first article."""
        with self._read() as session:
            named = session.scalar(
                select(Review.article_id).where(
                    Review.area == area, Review.story == story_key(cluster_id)
                )
            )
            if named is not None:
                return named
            for only_relevant in (True, False):
                stmt = select(func.min(Article.id)).where(Article.cluster_id == cluster_id)
                if only_relevant:
                    stmt = stmt.where(Article.relevant.is_(True))
                found = session.scalar(stmt)
                if found is not None:
                    return int(found)
        return None

    def story_messages(self, story: str, area: str = DEFAULT_AREA) -> list[StoryMessageRow]:
        """The outbox rows of a story and of its assignments' messages in `area`'s review,
        oldest first (the story's alerts go to every concerned area's chats: the caller keeps
        an area's own)."""
        with self._read() as session:
            ids = session.scalars(
                select(Assignment.id)
                .join(Review, Review.id == Assignment.review_id)
                .where(Review.area == area, Review.story == story)
            ).all()
            stories = [story, *(f"assign:{i}" for i in ids)]
            rows = session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.story.in_(stories))
                .order_by(OutboxMessage.created_at, OutboxMessage.id)
            ).all()
            return [
                StoryMessageRow(
                    r.id,
                    r.story,
                    r.chat,
                    r.kind,
                    r.status,
                    r.attempts,
                    r.created_at,
                    r.sent_at,
                    r.last_error,
                    r.messenger,
                )
                for r in rows
            ]

    def list_assignments(
        self,
        unit: str | None = None,
        open_only: bool = False,
        limit: int = 500,
        areas: Sequence[str] | None = None,
    ) -> list[AssignmentRecord]:
        """Assignments, the nearest deadline first; of one unit, of the reviews of some watch
        areas (None: every area's), or only unanswered ones."""
        stmt = (
            select(Assignment, Review.story, Review.article_id, Review.area)
            .join(Review, Review.id == Assignment.review_id)
            .order_by(Assignment.deadline.desc(), Assignment.id.desc())
            .limit(limit)
        )
        if unit is not None:
            stmt = stmt.where(Assignment.unit == unit)
        if open_only:
            stmt = stmt.where(Assignment.status == "open")
        if areas is not None:
            stmt = stmt.where(Review.area.in_(areas))
        with self._read() as session:
            return [_assignment(*row) for row in session.execute(stmt)]

    def queue_outlets(self) -> list[tuple[str, str]]:
        """The outlets (name, title) for the queue's filter (its communes come from the watch
        area: `duluan.locality.commune_choices`)."""
        with self._read() as session:
            outlets = session.execute(select(Source.name, Source.title).order_by(Source.title))
            return [(n, t) for n, t in outlets]
