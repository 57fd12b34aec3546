"""Reads for the weekly digest, and the record of digests written and sent, per watch area."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from nlp.area import DEFAULT_AREA
from storage.base import StoreBase, chunks
from storage.models import (
    Article,
    ArticleArea,
    ArticleUnit,
    Assignment,
    Digest,
    Review,
    Source,
    SourceRunRow,
)
from storage.records import UnitRecord
from storage.vocabulary import story_cluster, story_key

T = TypeVar("T")

OPEN = "open"


@dataclass(frozen=True)
class DigestAssignment:
    """The latest assignment of a story: which unit verifies it, by when, and its answer."""

    id: int
    unit: str
    deadline: date
    status: str
    report: str | None
    answered_at: datetime | None


@dataclass(frozen=True)
class DigestArticle:
    """What the digest shows of one tagged article, with its story's review and assignment."""

    id: int
    cluster_id: int
    source: str
    outlet: str
    title: str
    url: str
    published_at: datetime | None
    first_seen_at: datetime
    backfill: bool
    relevant: bool
    tone: str
    needs_verification: bool
    topics: tuple[str, ...]
    units: tuple[UnitRecord, ...]
    review_status: str
    assignment: DigestAssignment | None
    platform: str = "news"  # crawler.platform.Platform
    author: str | None = None  # the byline, where the outlet gives one
    lead: str = ""  # the article's standfirst

    @property
    def story(self) -> str:
        return story_key(self.cluster_id)


@dataclass(frozen=True)
class SourceCoverage:
    """How one source was crawled over a window: runs, failures, articles first seen."""

    name: str
    title: str
    runs: int
    ok_runs: int
    articles: int
    last_success_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class DigestRecord:
    """A digest written for a watch area and window: its files and when it was queued to be
    sent."""

    id: int
    label: str
    window_start: datetime
    window_end: datetime
    generated_at: datetime
    files: tuple[str, ...]
    sent_at: datetime | None
    area: str = DEFAULT_AREA


def _record(row: Digest) -> DigestRecord:
    return DigestRecord(
        row.id,
        row.label,
        row.window_start,
        row.window_end,
        row.generated_at,
        tuple(row.files),
        row.sent_at,
        row.area,
    )


class DigestQueries(StoreBase):
    """Mixed into `Store`."""

    def digest_articles(
        self,
        start: datetime,
        end: datetime,
        area: str = DEFAULT_AREA,
        *,
        concerning: bool = False,
    ) -> list[DigestArticle]:
        """Tagged articles first seen in [start, end) that the tagger found relevant, by first
        sighting then id; with their units, and `area`'s review status and latest assignment of
        their story. `concerning`: only the articles the tagger found about `area`
        (`article_areas`), as a deployment of several areas needs."""
        where = [
            Article.first_seen_at >= start,
            Article.first_seen_at < end,
            Article.relevant.is_(True),
        ]
        if concerning:
            where.append(
                Article.id.in_(select(ArticleArea.article_id).where(ArticleArea.area == area))
            )
        with self._read() as session:
            return _articles(session, where, area)

    def digest_untagged(self, start: datetime, end: datetime) -> int:
        """Articles first seen in [start, end) not tagged yet: the report must say so."""
        stmt = select(func.count(Article.id)).where(
            Article.first_seen_at >= start, Article.first_seen_at < end, Article.tagged_at.is_(None)
        )
        with self._read() as session:
            return int(session.scalar(stmt) or 0)

    def digest_overdue(self, as_of: date, area: str = DEFAULT_AREA) -> list[DigestArticle]:
        """Stories of `area`'s reviews whose unit has not answered an assignment due before
        `as_of`, whatever week they were first seen in; one article per story (the review's,
        else the cluster's first)."""
        stmt = (
            select(Review.story, Review.article_id)
            .join(Assignment, Assignment.review_id == Review.id)
            .where(
                Review.area == area,
                Assignment.status == OPEN,
                Assignment.deadline < as_of,
            )
            .distinct()
        )
        with self._read() as session:
            ids: set[int] = set()
            for story, article_id in session.execute(stmt):
                cluster = story_cluster(story)
                if article_id is None and cluster is not None:
                    article_id = session.scalar(
                        select(func.min(Article.id)).where(Article.cluster_id == cluster)
                    )
                if article_id is not None:
                    ids.add(article_id)
            found: list[DigestArticle] = []
            for batch in chunks(sorted(ids)):
                found.extend(_articles(session, [Article.id.in_(batch)], area))
        return found

    def source_coverage(self, start: datetime, end: datetime) -> list[SourceCoverage]:
        """Every known source's crawl runs and new articles over [start, end), by name."""
        in_window = (SourceRunRow.finished_at >= start, SourceRunRow.finished_at < end)
        runs = (
            select(
                SourceRunRow.source_id,
                func.count(SourceRunRow.id),
                func.count(SourceRunRow.id).filter(SourceRunRow.ok.is_(True)),
                func.max(SourceRunRow.finished_at).filter(SourceRunRow.ok.is_(True)),
            )
            .where(*in_window)
            .group_by(SourceRunRow.source_id)
        )
        seen = (
            select(Article.source_id, func.count(Article.id))
            .where(Article.first_seen_at >= start, Article.first_seen_at < end)
            .group_by(Article.source_id)
        )
        failures = (
            select(SourceRunRow.source_id, SourceRunRow.errors)
            .where(*in_window, SourceRunRow.ok.is_(False))
            .order_by(SourceRunRow.finished_at, SourceRunRow.id)
        )
        with self._read() as session:
            sources = session.execute(select(Source.id, Source.name, Source.title)).all()
            run_counts = {sid: (n, ok, last) for sid, n, ok, last in session.execute(runs)}
            articles = {sid: n for sid, n in session.execute(seen)}
            errors: dict[int, str] = {}
            for sid, listed in session.execute(failures):
                errors[sid] = (listed or [{}])[0].get("message") or "Nguồn không phản hồi"
        out = []
        for sid, name, title in sources:
            n, ok, last = run_counts.get(sid, (0, 0, None))
            out.append(
                SourceCoverage(
                    name, title, int(n), int(ok), int(articles.get(sid, 0)), last, errors.get(sid)
                )
            )
        return sorted(out, key=lambda s: s.name)

    def save_digest(
        self,
        label: str,
        start: datetime,
        end: datetime,
        generated_at: datetime,
        files: Sequence[str],
        area: str = DEFAULT_AREA,
    ) -> DigestRecord:
        """Record (or replace the files of) `area`'s digest of [start, end); `sent_at` is
        kept."""

        def work(session: Session) -> DigestRecord:
            row = session.scalars(_one(area, start, end)).first()
            if row is None:
                row = Digest(area=area, window_start=start, window_end=end, sent_at=None)
                session.add(row)
            row.label = label
            row.generated_at = generated_at
            row.files = list(files)
            session.flush()
            return _record(row)

        return self._writing(work)

    def mark_digest_sent(
        self, start: datetime, end: datetime, at: datetime, area: str = DEFAULT_AREA
    ) -> None:
        """`area`'s digest of [start, end) was queued for delivery at `at`."""

        def work(session: Session) -> None:
            row = session.scalars(_one(area, start, end)).first()
            if row is None:
                raise KeyError(f"chưa có báo cáo cho kỳ {start.isoformat()} – {end.isoformat()}")
            row.sent_at = at

        self._writing(work)

    def get_digest(
        self, start: datetime, end: datetime, area: str = DEFAULT_AREA
    ) -> DigestRecord | None:
        """`area`'s digest recorded for exactly [start, end), if any."""
        with self._read() as session:
            row = session.scalars(_one(area, start, end)).first()
            return None if row is None else _record(row)

    def list_digests(self, limit: int = 20, area: str | None = None) -> list[DigestRecord]:
        """The digests recorded (of `area`, or of every area when None), latest window first,
        then by area."""
        stmt = select(Digest)
        if area is not None:
            stmt = stmt.where(Digest.area == area)
        stmt = stmt.order_by(Digest.window_end.desc(), Digest.area, Digest.id.desc()).limit(limit)
        with self._read() as session:
            return [_record(row) for row in session.scalars(stmt)]

    def last_digest_end(
        self, sent_only: bool = True, area: str = DEFAULT_AREA, *, weekly: bool = False
    ) -> datetime | None:
        """The end of the latest window whose digest of `area` was sent (or written,
        `sent_only` False); `weekly`: of a weekly window only ("2026-W48"), so that a monthly
        report or a range built by hand never stands for a week's."""
        stmt = select(func.max(Digest.window_end)).where(Digest.area == area)
        if weekly:
            stmt = stmt.where(Digest.label.like("%-W%"))
        if sent_only:
            stmt = stmt.where(Digest.sent_at.is_not(None))
        with self._read() as session:
            value = session.scalar(stmt)
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def _one(area: str, start: datetime, end: datetime) -> Select[Digest]:
    """The digest of `area` for exactly [start, end)."""
    return select(Digest).where(
        Digest.area == area, Digest.window_start == start, Digest.window_end == end
    )


def _articles(session: Session, where: list[Any], area: str) -> list[DigestArticle]:
    stmt = (
        select(
            Article.id,
            Article.cluster_id,
            Source.name,
            Source.title,
            Article.title,
            Article.url,
            Article.published_at,
            Article.first_seen_at,
            Article.backfill,
            Article.relevant,
            Article.tone,
            Article.needs_verification,
            Article.topics,
            Article.platform,
            Article.author,
            Article.lead,
        )
        .join(Source, Source.id == Article.source_id)
        .where(*where)
        .order_by(Article.first_seen_at, Article.id)
    )
    rows = session.execute(stmt).all()
    ids = [row[0] for row in rows]
    units: dict[int, list[UnitRecord]] = {}
    for batch in chunks(ids):
        for u in session.scalars(
            select(ArticleUnit)
            .where(ArticleUnit.article_id.in_(batch))
            .order_by(ArticleUnit.article_id, ArticleUnit.position)
        ):
            units.setdefault(u.article_id, []).append(
                UnitRecord(
                    u.level,
                    u.name,
                    u.province,
                    u.district,
                    u.new_name,
                    u.new_province,
                    u.in_watch_area,
                )
            )
    stories = sorted({story_key(row[1]) for row in rows})
    reviews: dict[str, tuple[int, str]] = {}
    for names in chunks(stories):
        for rid, story, status in session.execute(
            select(Review.id, Review.story, Review.status).where(
                Review.area == area, Review.story.in_(names)
            )
        ):
            reviews[story] = (rid, status)
    latest: dict[int, DigestAssignment] = {}
    review_ids = sorted(rid for rid, _ in reviews.values())
    for batch in chunks(review_ids):
        for job in session.scalars(
            select(Assignment).where(Assignment.review_id.in_(batch)).order_by(Assignment.id)
        ):
            latest[job.review_id] = DigestAssignment(
                job.id, job.unit, job.deadline, job.status, job.report, job.answered_at
            )
    out = []
    for row in rows:
        story = story_key(row[1])
        rid, status = reviews.get(story, (0, "new"))
        out.append(
            DigestArticle(
                id=row[0],
                cluster_id=row[1],
                source=row[2],
                outlet=row[3],
                title=row[4],
                url=row[5],
                published_at=row[6],
                first_seen_at=row[7],
                backfill=bool(row[8]),
                relevant=bool(row[9]),
                tone=row[10] or "neutral",
                needs_verification=bool(row[11]),
                topics=tuple(row[12] or ()),
                units=tuple(units.get(row[0], ())),
                review_status=status,
                assignment=latest.get(rid),
                platform=row[13],
                author=(row[14] or "").strip() or None,
                lead=row[15] or "",
            )
        )
    return out
