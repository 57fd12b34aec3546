"""`Store`: the only door to the database for the rest of duluan."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import Engine, String, cast, delete, func, insert, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.base import IN_BATCH, chunks, require_aware
from storage.cases import CaseQueries
from storage.digests import DigestQueries
from storage.jobs import JobQueries
from storage.minhash import SLOT, lsh_bands, pack, unpack
from storage.models import (
    Article,
    ArticleBand,
    ArticleUnit,
    Mention,
    Review,
    Source,
    SourceRunRow,
    UrlValidator,
)
from storage.models.cases import Case, Evidence
from storage.models.pages import ArticlePage
from storage.outbox import OutboxQueries, enqueue
from storage.records import (
    ArticleDetail,
    ArticleRecord,
    ArticleSummary,
    ArticleText,
    MentionRecord,
    OutboxEntry,
    SaveOutcome,
    SourceHealth,
    SourceRun,
    StoredPage,
    TagRecord,
    UnitRecord,
    Validator,
)
from storage.reviews import ReviewQueries
from storage.vocabulary import STORY_PREFIX
from storage.web import WebQueries

log = logging.getLogger(__name__)

CLUSTER_MIN_SIMILARITY = 0.6
LSH_ROWS = 4
CLUSTER_WINDOW = timedelta(days=7)
MAX_CANDIDATES = 20
MAX_RUN_ERRORS = 50
UPSERT_BATCH = 200
KEEP_ALL_PAGES = timedelta(days=3)
KEEP_RELEVANT_PAGES = timedelta(days=90)

T = TypeVar("T")


def _now() -> datetime:
    return datetime.now(UTC)


class Store(OutboxQueries, ReviewQueries, JobQueries, DigestQueries, WebQueries, CaseQueries):
    """The one door to the database, SQLite or PostgreSQL: articles, sources' health and HTTP
    validators, tags and the outbox here; reviews, jobs, digests, the console's users and
    audit, and cases from the query classes it is made of (each on `StoreBase`)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self._source_ids: dict[str, int] = {}  # committed sources, filled by sync_sources

    def sync_sources(self, sources: Sequence[tuple[str, str]]) -> None:
        """Insert configured sources and refresh their titles; unlisted ones are kept."""

        def work(session: Session) -> None:
            wanted = dict(sources)
            if not wanted:
                return
            rows = session.scalars(select(Source).where(Source.name.in_(wanted))).all()
            by_name = {row.name: row for row in rows}
            now = _now()
            for name, title in wanted.items():
                row = by_name.get(name)
                if row is None:
                    session.add(_new_source(name, title, now))
                elif row.title != title:
                    row.title = title

        self._writing(work)
        with self._read() as session:
            rows = session.execute(
                select(Source.name, Source.id).where(Source.name.in_(dict(sources)))
            )
            self._source_ids.update({name: source_id for name, source_id in rows})

    def known_articles(self, urls: Iterable[str]) -> dict[str, datetime]:
        """For each given URL stored as an article's url or canonical_url: its last fetch time."""
        wanted = list(dict.fromkeys(urls))
        found: dict[str, datetime] = {}
        with self._read() as session:
            for batch in chunks(wanted, IN_BATCH):
                stmt = select(Article.url, Article.canonical_url, Article.last_fetched_at).where(
                    or_(Article.url.in_(batch), Article.canonical_url.in_(batch))
                )
                keys = set(batch)
                for url, canonical, fetched in session.execute(stmt):
                    for key in {url, canonical} & keys:
                        if key not in found or fetched > found[key]:
                            found[key] = fetched
        return found

    def save_article(self, rec: ArticleRecord) -> SaveOutcome:
        """Insert or update one article in one transaction, clustering new syndicated copies."""
        return self.save_articles([rec])[0]

    def save_articles(self, recs: Sequence[ArticleRecord]) -> list[SaveOutcome]:
        """`save_article` for several records in one transaction (one commit for a batch of a
        crawl); each record is written whole or not at all, in order, so later records of the
        batch cluster with earlier ones."""
        for rec in recs:
            require_aware(rec.published_at, "published_at")
            require_aware(rec.fetched_at, "fetched_at")
        packed = [pack(rec.fingerprint) for rec in recs]

        def work(session: Session) -> list[SaveOutcome]:
            known = self._existing(session, recs)
            inserted: set[str] = set()
            return [
                self._save_one(session, r, p, known, inserted)
                for r, p in zip(recs, packed, strict=True)
            ]

        return self._writing(work)

    def _save_one(
        self,
        session: Session,
        rec: ArticleRecord,
        packed: bytes,
        known: dict[str, Article],
        inserted: set[str],
    ) -> SaveOutcome:
        existing = known.get(rec.canonical_url) or known.get(rec.url)
        if existing is None and {rec.canonical_url, rec.url} & inserted:
            found = self._existing(session, [rec])
            existing = found.get(rec.canonical_url) or found.get(rec.url)
        if existing is not None:
            return _keep_page(session, _update(session, existing, rec, packed), rec)
        source_id = self._source_ids.get(rec.source) or _source_id(session, rec.source, _now())
        try:
            with session.begin_nested():
                outcome = _insert(session, source_id, rec, packed)
        except IntegrityError:
            log.info("Bài %s vừa được lưu song song; cập nhật thay vì thêm", rec.canonical_url)
            existing = self._existing(session, [rec]).get(rec.canonical_url)
            if existing is None:
                raise
            return _keep_page(session, _update(session, existing, rec, packed), rec)
        inserted.update((rec.canonical_url, rec.url))
        return _keep_page(session, outcome, rec)

    def _existing(self, session: Session, recs: Sequence[ArticleRecord]) -> dict[str, Article]:
        """Stored rows of the records, by URL: a record's row is the one with its canonical
        URL, else the oldest row sharing its canonical URL or its URL as either URL."""
        keys = list(dict.fromkeys(k for rec in recs for k in (rec.canonical_url, rec.url)))
        found: dict[str, Article] = {}
        for batch in chunks(keys, IN_BATCH):
            rows = session.scalars(
                select(Article)
                .where(or_(Article.canonical_url.in_(batch), Article.url.in_(batch)))
                .order_by(Article.id)
            ).all()
            for row in rows:
                found[row.canonical_url] = row
            for row in rows:
                found.setdefault(row.url, row)
        return found

    def article_pages(self, article_id: int) -> list[StoredPage]:
        """The pages kept of an article as the crawler fetched them, oldest first."""
        stmt = (
            select(ArticlePage)
            .where(ArticlePage.article_id == article_id)
            .order_by(ArticlePage.fetched_at, ArticlePage.id)
        )
        with self._read() as session:
            return [
                StoredPage(
                    id=row.id,
                    article_id=row.article_id,
                    fetched_at=row.fetched_at,
                    final_url=row.final_url,
                    status=row.status_code,
                    encoding=row.encoding,
                    sha256=row.sha256,
                    size=row.size,
                    content=row.content,
                )
                for row in session.scalars(stmt)
            ]

    def prune_pages(
        self,
        now: datetime,
        keep_all: timedelta = KEEP_ALL_PAGES,
        keep_relevant: timedelta = KEEP_RELEVANT_PAGES,
    ) -> int:
        """Delete crawl-time pages fetched more than `keep_all` ago, except those of relevant
        (tagged) articles fetched within `keep_relevant`, and never the pages of a story that
        was marked false, has a case, or whose page is already kept as evidence; returns how
        many were deleted."""
        require_aware(now, "now")
        story = literal(STORY_PREFIX, String) + cast(Article.cluster_id, String)
        doomed = (
            select(ArticlePage.id)
            .join(Article, Article.id == ArticlePage.article_id)
            .where(
                ArticlePage.fetched_at < now - keep_all,
                ~((Article.relevant.is_(True)) & (ArticlePage.fetched_at >= now - keep_relevant)),
                ~select(Case.id).where(Case.story == story).exists(),
                ~select(Review.id)
                .where(Review.story == story, Review.status == "false_info")
                .exists(),
                ~select(Evidence.id)
                .where(
                    Evidence.article_id == ArticlePage.article_id,
                    Evidence.sha256 == ArticlePage.sha256,
                )
                .exists(),
            )
        )

        def work(session: Session) -> int:
            ids = list(session.scalars(doomed))
            for batch in chunks(ids, IN_BATCH):
                session.execute(delete(ArticlePage).where(ArticlePage.id.in_(batch)))
            return len(ids)

        deleted = self._writing(work)
        log.info(
            "Dọn trang bài đã lưu: xóa %d trang (giữ %d ngày, bài liên quan %d ngày)",
            deleted,
            keep_all.days,
            keep_relevant.days,
        )
        return deleted

    def articles_to_tag(
        self, limit: int = 500, *, retag: bool = False, after_id: int = 0
    ) -> list[ArticleText]:
        """Articles not tagged yet (or all, with `retag`), oldest id first, from `after_id` on:
        page through them with the last id returned."""
        stmt = (
            select(Article.id, Source.name, Article.title, Article.lead, Article.text)
            .add_columns(
                Article.published_at,
                Article.url,
                Source.title,
                Article.first_seen_at,
                Article.backfill,
                Article.cluster_id,
                Article.published_precision,
            )
            .join(Source, Source.id == Article.source_id)
            .where(Article.id > after_id)
            .order_by(Article.id)
            .limit(limit)
        )
        if not retag:
            stmt = stmt.where(Article.tagged_at.is_(None))
        with self._read() as session:
            return [ArticleText(*row) for row in session.execute(stmt)]

    def save_tags(self, tags: Sequence[TagRecord], outbox: Sequence[OutboxEntry] = ()) -> int:
        """Store tagging results in one transaction, replacing an article's earlier ones, with
        the alerts they cause queued in the same transaction (so a crash loses neither or both).
        Returns how many outbox messages were queued (a story already queued for a chat is not
        queued again)."""
        for tag in tags:
            require_aware(tag.tagged_at, "tagged_at")
        queued_at = max((tag.tagged_at for tag in tags), default=_now())

        def work(session: Session) -> int:
            ids = [tag.article_id for tag in tags]
            for batch in chunks(ids, IN_BATCH):
                session.execute(delete(ArticleUnit).where(ArticleUnit.article_id.in_(batch)))
                session.execute(delete(Mention).where(Mention.article_id.in_(batch)))
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
            _align_story_tones(session, ids)
            return enqueue(session, outbox, queued_at)

        return self._writing(work)

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
            )

    def get_validators(self, urls: Iterable[str]) -> dict[str, Validator]:
        """Stored ETag / Last-Modified of the given URLs (absent URLs are left out)."""
        wanted = list(dict.fromkeys(urls))
        out: dict[str, Validator] = {}
        with self._read() as session:
            for batch in chunks(wanted, IN_BATCH):
                for row in session.scalars(select(UrlValidator).where(UrlValidator.url.in_(batch))):
                    out[row.url] = Validator(row.url, row.etag, row.last_modified)
        return out

    def save_validators(self, vals: Iterable[Validator]) -> None:
        """Insert or replace validators; the last one given for a URL wins."""
        latest = {v.url: v for v in vals}
        if not latest:
            return
        now = _now()
        rows: list[dict[str, Any]] = [
            {"url": v.url, "etag": v.etag, "last_modified": v.last_modified, "updated_at": now}
            for v in latest.values()
        ]
        dialect = self._engine.dialect.name

        def work(session: Session) -> None:
            for batch in chunks(rows, UPSERT_BATCH):
                if dialect == "postgresql":
                    pg = postgresql.insert(UrlValidator).values(list(batch))
                    session.execute(
                        pg.on_conflict_do_update(
                            index_elements=[UrlValidator.url],
                            set_={
                                "etag": pg.excluded.etag,
                                "last_modified": pg.excluded.last_modified,
                                "updated_at": pg.excluded.updated_at,
                            },
                        )
                    )
                elif dialect == "sqlite":
                    lite = sqlite.insert(UrlValidator).values(list(batch))
                    session.execute(
                        lite.on_conflict_do_update(
                            index_elements=[UrlValidator.url],
                            set_={
                                "etag": lite.excluded.etag,
                                "last_modified": lite.excluded.last_modified,
                                "updated_at": lite.excluded.updated_at,
                            },
                        )
                    )
                else:
                    for row in batch:
                        session.merge(UrlValidator(**row))

        self._writing(work)

    def record_run(self, run: SourceRun) -> None:
        """Store one crawl pass and update the source's health."""
        require_aware(run.started_at, "started_at")
        require_aware(run.finished_at, "finished_at")

        def work(session: Session) -> None:
            source_id = _source_id(session, run.source, _now())
            session.add(
                SourceRunRow(
                    source_id=source_id,
                    started_at=run.started_at,
                    finished_at=run.finished_at,
                    new=run.new,
                    updated=run.updated,
                    unchanged=run.unchanged,
                    failed=run.failed,
                    refused=run.refused,
                    ok=run.ok,
                    error_count=len(run.errors),
                    errors=[
                        {"url": e.url, "kind": e.kind, "message": e.message}
                        for e in run.errors[:MAX_RUN_ERRORS]
                    ],
                )
            )
            source = session.get_one(Source, source_id)
            source.last_run_at = run.finished_at
            source.items_last_run = run.new + run.updated + run.unchanged
            source.new_last_run = run.new
            if run.ok:
                source.consecutive_failures = 0
                source.last_success_at = run.finished_at
            else:
                source.consecutive_failures += 1
                source.last_error_at = run.finished_at
                source.last_error = (
                    run.errors[0].message if run.errors else "Nguồn không phản hồi (không rõ lỗi)"
                )

        self._writing(work)

    def health(self) -> list[SourceHealth]:
        """Every source's health, by name, with its article count and newest article time."""
        counts = (
            select(
                Article.source_id.label("source_id"),
                func.count(Article.id).label("total"),
                func.max(Article.first_seen_at).label("last_at"),
            )
            .group_by(Article.source_id)
            .subquery()
        )
        stmt = (
            select(Source, counts.c.total, counts.c.last_at)
            .outerjoin(counts, counts.c.source_id == Source.id)
            .order_by(Source.name)
        )
        with self._read() as session:
            out = []
            for src, total, last_at in session.execute(stmt).all():
                out.append(
                    SourceHealth(
                        name=src.name,
                        title=src.title,
                        last_run_at=src.last_run_at,
                        last_success_at=src.last_success_at,
                        last_error_at=src.last_error_at,
                        last_error=src.last_error,
                        consecutive_failures=src.consecutive_failures,
                        items_last_run=src.items_last_run,
                        new_last_run=src.new_last_run,
                        articles_total=int(total or 0),
                        last_article_at=last_at,
                    )
                )
        return out

    def list_articles(self, source: str | None = None, limit: int = 20) -> list[ArticleSummary]:
        """The newest stored articles (by first sighting), optionally of one source."""
        stmt = (
            select(Article, Source.name)
            .join(Source, Source.id == Article.source_id)
            .order_by(Article.first_seen_at.desc(), Article.id.desc())
            .limit(limit)
        )
        if source is not None:
            stmt = stmt.where(Source.name == source)
        with self._read() as session:
            return [
                ArticleSummary(
                    id=a.id,
                    source=name,
                    title=a.title,
                    url=a.url,
                    published_at=a.published_at,
                    first_seen_at=a.first_seen_at,
                    backfill=a.backfill,
                    cluster_id=a.cluster_id,
                    published_precision=a.published_precision,
                )
                for a, name in session.execute(stmt)
            ]

    def get_article(self, article_id: int) -> ArticleDetail | None:
        """Everything stored about one article, or None."""
        with self._read() as session:
            row = session.execute(
                select(Article, Source.name)
                .join(Source, Source.id == Article.source_id)
                .where(Article.id == article_id)
            ).first()
            if row is None:
                return None
            a, source_name = row
            others = tuple(
                session.scalars(
                    select(Article.id)
                    .where(Article.cluster_id == a.cluster_id, Article.id != a.id)
                    .order_by(Article.id)
                )
            )
        return ArticleDetail(
            id=a.id,
            source=source_name,
            url=a.url,
            canonical_url=a.canonical_url,
            title=a.title,
            lead=a.lead,
            text=a.text,
            author=a.author,
            section=a.section,
            language=a.language,
            published_at=a.published_at,
            first_seen_at=a.first_seen_at,
            last_fetched_at=a.last_fetched_at,
            updated_at=a.updated_at,
            tagged_at=a.tagged_at,
            content_hash=a.content_hash,
            fingerprint=unpack(a.fingerprint),
            via=a.via,
            extraction=a.extraction,
            backfill=a.backfill,
            cluster_id=a.cluster_id,
            cluster_size=len(others) + 1,
            cluster_others=others,
            alt_title=a.alt_title,
            published_precision=a.published_precision,
        )


TONE_RANK = {"negative": 2, "positive": 1, "neutral": 0}


def _align_story_tones(session: Session, article_ids: Sequence[int]) -> None:
    """Every tagged copy of a story gets the story's tone and needs-verification: negative when
    any copy reads negative (bad news is never lost to a milder copy), else positive when any
    reads positive; needs verification when any copy does. The digest and the leadership chat
    then count a story once, the same way whichever copy they read."""
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
            if stale:
                session.execute(
                    update(Article)
                    .where(Article.id.in_(stale))
                    .values(tone=tone, needs_verification=verify)
                )


def _new_source(name: str, title: str, now: datetime) -> Source:
    return Source(
        name=name,
        title=title,
        created_at=now,
        consecutive_failures=0,
        items_last_run=0,
        new_last_run=0,
    )


def _source_id(session: Session, name: str, now: datetime) -> int:
    """The id of source `name`, created (titled by its name) when sync_sources never saw it."""
    found = session.scalar(select(Source.id).where(Source.name == name))
    if found is not None:
        return found
    log.warning("Nguồn %r chưa được khai báo; tạo mới với tiêu đề tạm là tên nguồn", name)
    try:
        with session.begin_nested():
            row = _new_source(name, name, now)
            session.add(row)
            session.flush()
            return row.id
    except IntegrityError:
        return session.scalars(select(Source.id).where(Source.name == name)).one()


def _update(session: Session, row: Article, rec: ArticleRecord, packed: bytes) -> SaveOutcome:
    row.last_fetched_at = max(row.last_fetched_at, rec.fetched_at)
    if row.content_hash == rec.content_hash:
        return SaveOutcome(row.id, "unchanged", row.cluster_id)
    row.title = rec.title
    row.lead = rec.lead
    row.text = rec.text
    row.author = rec.author
    row.section = rec.section
    row.language = rec.language
    if rec.published_at is not None:
        row.published_at = rec.published_at
        row.published_precision = rec.published_precision
    row.alt_title = rec.alt_title
    row.content_hash = rec.content_hash
    row.fingerprint = packed
    session.execute(delete(ArticleBand).where(ArticleBand.article_id == row.id))
    _add_bands(session, row.id, rec.fingerprint)
    row.extraction = rec.extraction
    row.updated_at = rec.fetched_at
    return SaveOutcome(row.id, "updated", row.cluster_id)


def _keep_page(session: Session, outcome: SaveOutcome, rec: ArticleRecord) -> SaveOutcome:
    """Store the record's fetched page: always for a new or changed article, for an unchanged
    one only when none of its pages is kept (adverts alone change the HTML), never twice."""
    page = rec.page
    if page is None:
        return outcome
    if outcome.status != "new":
        kept = set(
            session.scalars(
                select(ArticlePage.sha256).where(ArticlePage.article_id == outcome.article_id)
            )
        )
        if page.sha256 in kept or (kept and outcome.status == "unchanged"):
            return outcome
    session.execute(
        insert(ArticlePage).values(
            article_id=outcome.article_id,
            fetched_at=rec.fetched_at,
            final_url=page.final_url,
            status_code=page.status,
            encoding=page.encoding,
            sha256=page.sha256,
            size=page.size,
            content=page.content,
        )
    )
    return outcome


def _insert(session: Session, source_id: int, rec: ArticleRecord, packed: bytes) -> SaveOutcome:
    cluster = _nearest_cluster(session, rec)
    statement = (
        insert(Article)
        .values(
            source_id=source_id,
            url=rec.url,
            canonical_url=rec.canonical_url,
            title=rec.title,
            lead=rec.lead,
            text=rec.text,
            author=rec.author,
            section=rec.section,
            language=rec.language,
            published_at=rec.published_at,
            published_precision=rec.published_precision if rec.published_at else "unknown",
            alt_title=rec.alt_title,
            first_seen_at=rec.fetched_at,
            last_fetched_at=rec.fetched_at,
            updated_at=rec.fetched_at,
            content_hash=rec.content_hash,
            fingerprint=packed,
            cluster_id=cluster or 0,
            backfill=rec.backfill,
            via=rec.via,
            extraction=rec.extraction,
        )
        .returning(Article.id)
    )
    article_id: int = session.connection().execute(statement).scalar_one()
    if cluster is None:
        cluster = article_id
        session.connection().execute(
            update(Article).where(Article.id == article_id).values(cluster_id=article_id)
        )
    _add_bands(session, article_id, rec.fingerprint)
    return SaveOutcome(article_id, "new", cluster)


def _add_bands(session: Session, article_id: int, fingerprint: tuple[int, ...]) -> None:
    rows = [
        {"article_id": article_id, "band": band, "value": value}
        for band, value in enumerate(lsh_bands(fingerprint, LSH_ROWS))
    ]
    if rows:
        session.connection().execute(insert(ArticleBand), rows)


def _nearest_cluster(session: Session, rec: ArticleRecord) -> int | None:
    """Cluster of the most similar stored article within 7 days, if similar enough.

    Candidates share an LSH band key (bands of `LSH_ROWS` slots: with 128 slots, 32 bands
    catch pairs at Jaccard 0.6 with probability 0.99 and at 0.1 with 0.003); the winner
    has the highest estimated Jaccard, at least `CLUSTER_MIN_SIMILARITY`, ties going to the
    oldest article. An empty fingerprint (no text) clusters with nothing.
    """
    keys = lsh_bands(rec.fingerprint, LSH_ROWS)
    if not keys:
        return None
    when = rec.published_at or rec.fetched_at
    seen = func.coalesce(Article.published_at, Article.first_seen_at)
    shared = func.count().label("shared")
    sharing = (
        select(ArticleBand.article_id, shared)
        .where(ArticleBand.value.in_(keys))
        .group_by(ArticleBand.article_id)
        .subquery()
    )
    # The candidates sharing the most bands: copies share many (17 of 32 for two real copies
    # of one dispatch), texts on the same topic a few; this bounds the work per article.
    stmt = (
        select(Article.id, Article.fingerprint, Article.cluster_id)
        .join(sharing, sharing.c.article_id == Article.id)
        .where(seen >= when - CLUSTER_WINDOW, seen <= when + CLUSTER_WINDOW)
        .order_by(sharing.c.shared.desc(), Article.id)
        .limit(MAX_CANDIDATES)
    )
    mine = np.asarray(rec.fingerprint, dtype=SLOT)
    rows = [row for row in session.execute(stmt) if len(row[1]) == mine.nbytes]
    if not rows:
        return None
    stored = np.frombuffer(b"".join(row[1] for row in rows), dtype=SLOT).reshape(len(rows), -1)
    scores = (stored == mine).mean(axis=1)
    best: tuple[float, int, int] | None = None
    for (art_id, _, cluster_id), score in zip(rows, scores.tolist(), strict=True):
        key = (-score, art_id, cluster_id)
        if score >= CLUSTER_MIN_SIMILARITY and (best is None or key < best):
            best = key
    return best[2] if best is not None else None
