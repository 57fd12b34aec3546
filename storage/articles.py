"""Articles: saving crawled articles (new, updated or unchanged; near-duplicates clustered into
stories by MinHash), the pages kept as fetched, and reading articles back."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import String, cast, delete, func, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.base import IN_BATCH, StoreBase, chunks, require_aware, utc_now
from storage.minhash import SLOT, lsh_bands, pack, unpack
from storage.models import (
    Article,
    ArticleArea,
    ArticleBand,
    Review,
    Source,
)
from storage.models.cases import Case, Evidence
from storage.models.pages import ArticlePage
from storage.records import (
    ArticleDetail,
    ArticleRecord,
    ArticleSummary,
    SaveOutcome,
    StoredPage,
)
from storage.sources import source_row_id
from storage.vocabulary import STORY_PREFIX

log = logging.getLogger(__name__)

CLUSTER_MIN_SIMILARITY = 0.6
LSH_ROWS = 4
CLUSTER_WINDOW = timedelta(days=7)
MAX_CANDIDATES = 20
KEEP_ALL_PAGES = timedelta(days=3)
KEEP_RELEVANT_PAGES = timedelta(days=90)


class ArticleQueries(StoreBase):
    """The articles part of `Store`."""

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
        source_id = self._source_ids.get(rec.source) or source_row_id(
            session, rec.source, utc_now()
        )
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

    def list_articles(
        self, source: str | None = None, limit: int = 20, area: str | None = None
    ) -> list[ArticleSummary]:
        """The newest stored articles (by first sighting), optionally of one source, or only
        those concerning one watch area (`article_areas`), each with the areas it concerns."""
        stmt = (
            select(Article, Source.name)
            .join(Source, Source.id == Article.source_id)
            .order_by(Article.first_seen_at.desc(), Article.id.desc())
            .limit(limit)
        )
        if source is not None:
            stmt = stmt.where(Source.name == source)
        if area is not None:
            stmt = stmt.where(
                Article.id.in_(select(ArticleArea.article_id).where(ArticleArea.area == area))
            )
        with self._read() as session:
            rows = session.execute(stmt).all()
            areas: dict[int, list[str]] = {}
            for batch in chunks([a.id for a, _ in rows], IN_BATCH):
                for article_id, name in session.execute(
                    select(ArticleArea.article_id, ArticleArea.area)
                    .where(ArticleArea.article_id.in_(batch))
                    .order_by(ArticleArea.area)
                ):
                    areas.setdefault(article_id, []).append(name)
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
                    areas=tuple(areas.get(a.id, ())),
                )
                for a, name in rows
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
            platform=a.platform,
            views=a.views,
        )


def _update(session: Session, row: Article, rec: ArticleRecord, packed: bytes) -> SaveOutcome:
    row.last_fetched_at = max(row.last_fetched_at, rec.fetched_at)
    if rec.views is not None:
        row.views = rec.views
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
            platform=rec.platform,
            views=rec.views,
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
