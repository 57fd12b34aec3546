"""Articles: saving crawled articles (new, updated or unchanged; near-duplicates clustered into
stories by MinHash), the pages kept as fetched, and reading articles back."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import (
    String,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
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
KEYS_BATCH = 4000  # band keys (or ids) per look-up: 125 articles' keys in one statement
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
        batch cluster with earlier ones.

        New records are written a run at a time in a few statements whatever their number
        (`_insert_new`). When a parallel crawler saved one of them between our look-up and our
        insert, nothing of the batch is kept and the batch is saved again one record at a
        time, each in a savepoint, the clashing one becoming an update.
        """
        for rec in recs:
            require_aware(rec.published_at, "published_at")
            require_aware(rec.fetched_at, "fetched_at")
        packed = [pack(rec.fingerprint) for rec in recs]
        try:
            return self._writing(lambda session: self._save_all(session, recs, packed, False))
        except IntegrityError:
            log.info("Một bài trong lô vừa được lưu song song; lưu lại lô từng bài một")
            return self._writing(lambda session: self._save_all(session, recs, packed, True))

    def _save_all(
        self,
        session: Session,
        recs: Sequence[ArticleRecord],
        packed: Sequence[bytes],
        one_by_one: bool,
    ) -> list[SaveOutcome]:
        """Save the records in order: consecutive new ones together (or each in a savepoint
        when `one_by_one`), a stored one by updating it once the new ones before it are in."""
        known = self._existing(session, recs)
        outcomes: dict[int, SaveOutcome] = {}
        inserted: set[str] = set()
        run: list[int] = []
        run_urls: set[str] = set()

        def write_run() -> None:
            if run:
                saved = _insert_new(
                    session,
                    [recs[i] for i in run],
                    [packed[i] for i in run],
                    [self._source_id(session, recs[i].source) for i in run],
                )
                outcomes.update(zip(run, saved, strict=True))
                inserted.update(run_urls)
                run.clear()
                run_urls.clear()

        for i, rec in enumerate(recs):
            urls = {rec.canonical_url, rec.url}
            existing = known.get(rec.canonical_url) or known.get(rec.url)
            if existing is None and urls & run_urls:
                write_run()
            if existing is None and urls & inserted:
                found = self._existing(session, [rec])
                existing = found.get(rec.canonical_url) or found.get(rec.url)
            if existing is not None:
                write_run()
                outcomes[i] = _keep_page(session, _update(session, existing, rec, packed[i]), rec)
            elif one_by_one:
                outcomes[i] = self._insert_one(session, rec, packed[i])
                inserted.update(urls)
            else:
                run.append(i)
                run_urls.update(urls)
        write_run()
        return [outcomes[i] for i in range(len(recs))]

    def _insert_one(self, session: Session, rec: ArticleRecord, packed: bytes) -> SaveOutcome:
        """Insert one new record in a savepoint; if a parallel crawler stored it meanwhile,
        update that row instead."""
        source_id = self._source_id(session, rec.source)
        try:
            with session.begin_nested():
                return _insert_new(session, [rec], [packed], [source_id])[0]
        except IntegrityError:
            log.info("Bài %s vừa được lưu song song; cập nhật thay vì thêm", rec.canonical_url)
            existing = self._existing(session, [rec]).get(rec.canonical_url)
            if existing is None:
                raise
            return _keep_page(session, _update(session, existing, rec, packed), rec)

    def _source_id(self, session: Session, name: str) -> int:
        return self._source_ids.get(name) or source_row_id(session, name, utc_now())

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
    _add_bands(session, [(row.id, lsh_bands(rec.fingerprint, LSH_ROWS))])
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
    session.connection().execute(insert(ArticlePage), [_page_row(outcome.article_id, rec)])
    return outcome


def _page_row(article_id: int, rec: ArticleRecord) -> dict[str, Any]:
    page = rec.page
    assert page is not None
    return {
        "article_id": article_id,
        "fetched_at": rec.fetched_at,
        "final_url": page.final_url,
        "status_code": page.status,
        "encoding": page.encoding,
        "sha256": page.sha256,
        "size": page.size,
        "content": page.content,
    }


def _insert_new(
    session: Session,
    recs: Sequence[ArticleRecord],
    packed: Sequence[bytes],
    source_ids: Sequence[int],
) -> list[SaveOutcome]:
    """Insert new articles, clustered, with their bands and pages, in a handful of statements
    whatever their number: the candidate look-ups, one multi-row insert, one update of the
    clusters that are the new rows' own ids, one insert of all bands, one of all pages."""
    keys = [lsh_bands(rec.fingerprint, LSH_ROWS) for rec in recs]
    nearest = _nearest_clusters(session, recs, packed, keys)
    # A record's cluster: a stored one, or that of the earlier record of the batch it copies,
    # or (the root of its chain) its own id, known only once inserted.
    stored: list[int | None] = []
    root: list[int] = []
    for i, near in enumerate(nearest):
        if isinstance(near, Stored):
            stored.append(near.cluster)
            root.append(i)
        elif near is None:
            stored.append(None)
            root.append(i)
        else:
            stored.append(stored[near])
            root.append(root[near])
    rows = [
        {
            "source_id": source_id,
            "url": rec.url,
            "canonical_url": rec.canonical_url,
            "title": rec.title,
            "lead": rec.lead,
            "text": rec.text,
            "author": rec.author,
            "section": rec.section,
            "language": rec.language,
            "published_at": rec.published_at,
            "published_precision": rec.published_precision if rec.published_at else "unknown",
            "alt_title": rec.alt_title,
            "first_seen_at": rec.fetched_at,
            "last_fetched_at": rec.fetched_at,
            "updated_at": rec.fetched_at,
            "content_hash": rec.content_hash,
            "fingerprint": fingerprint,
            "cluster_id": cluster or 0,
            "backfill": rec.backfill,
            "via": rec.via,
            "extraction": rec.extraction,
            "platform": rec.platform,
            "views": rec.views,
        }
        for rec, fingerprint, source_id, cluster in zip(
            recs, packed, source_ids, stored, strict=True
        )
    ]
    connection = session.connection()
    # Matched by the (unique) canonical URL: SQLite cannot sort RETURNING rows by parameter
    # order in one statement (SQLAlchemy would then insert one row at a time).
    returned = connection.execute(
        insert(Article).returning(Article.canonical_url, Article.id), rows
    )
    id_of: dict[str, int] = {url: article_id for url, article_id in returned}
    ids = [id_of[rec.canonical_url] for rec in recs]
    clusters = [c if c is not None else ids[r] for c, r in zip(stored, root, strict=True)]
    own = [
        {"row_id": article_id, "own_cluster": cluster}
        for article_id, cluster, c in zip(ids, clusters, stored, strict=True)
        if c is None
    ]
    if own:
        connection.execute(
            update(Article)
            .where(Article.id == bindparam("row_id"))
            .values(cluster_id=bindparam("own_cluster")),
            own,
        )
    _add_bands(session, list(zip(ids, keys, strict=True)))
    pages = [_page_row(i, rec) for i, rec in zip(ids, recs, strict=True) if rec.page is not None]
    if pages:
        connection.execute(insert(ArticlePage), pages)
    return [SaveOutcome(i, "new", c) for i, c in zip(ids, clusters, strict=True)]


def _add_bands(session: Session, articles: Sequence[tuple[int, tuple[int, ...]]]) -> None:
    """Insert the LSH band keys of the given (article id, keys) pairs in one statement."""
    rows = [
        {"article_id": article_id, "band": band, "value": value}
        for article_id, keys in articles
        for band, value in enumerate(keys)
    ]
    if rows:
        session.connection().execute(insert(ArticleBand), rows)


@dataclass(frozen=True)
class Stored:
    """The cluster of a stored article a new record joins."""

    cluster: int


def _nearest_clusters(
    session: Session,
    recs: Sequence[ArticleRecord],
    packed: Sequence[bytes],
    keys: Sequence[tuple[int, ...]],
) -> list[Stored | int | None]:
    """For each new record: the cluster of the most similar article within 7 days, if
    similar enough — a stored one (`Stored`), an earlier record of the same batch (its
    index) or none.

    Candidates share an LSH band key (bands of `LSH_ROWS` slots: with 128 slots, 32 bands
    catch pairs at Jaccard 0.6 with probability 0.99 and at 0.1 with 0.003); only the
    `MAX_CANDIDATES` sharing the most bands are compared (copies share many, 17 of 32 for two
    real copies of one dispatch, texts on the same topic a few), ties going to the oldest.
    The winner has the highest estimated Jaccard, at least `CLUSTER_MIN_SIMILARITY`, ties
    going to the oldest article; the earlier records of the batch count as younger than any
    stored article, in their order. An empty fingerprint (no text) clusters with nothing.

    Three look-ups for the whole batch: the stored articles sharing any band key of any
    record, their dates, then the fingerprints of those that made some record's candidates.
    """
    whens = [rec.published_at or rec.fetched_at for rec in recs]
    wanted = sorted({k for ks in keys for k in ks})
    # The band keys alone first (their index), then the dates of the articles found: joined
    # in one query, PostgreSQL misjudges the date window and walks every article in it.
    hits: list[tuple[int, int]] = []
    for batch in chunks(wanted, KEYS_BATCH):
        found_keys = select(ArticleBand.value, ArticleBand.article_id).where(
            ArticleBand.value.in_(batch)
        )
        hits.extend((value, article_id) for value, article_id in session.execute(found_keys))
    seen_at: dict[int, datetime] = {}
    seen = func.coalesce(Article.published_at, Article.first_seen_at)
    for batch in chunks(sorted({article_id for _, article_id in hits}), KEYS_BATCH):
        dates = select(Article.id, seen).where(
            Article.id.in_(batch),
            seen >= min(whens) - CLUSTER_WINDOW,
            seen <= max(whens) + CLUSTER_WINDOW,
        )
        seen_at.update((article_id, when) for article_id, when in session.execute(dates))
    holders: dict[int, list[int]] = {}  # band key -> stored articles in the window having it
    for value, article_id in hits:
        if article_id in seen_at:
            holders.setdefault(value, []).append(article_id)
    # Candidates of each record, best first: stored ones by (0, id), the batch's by (1, index).
    ranked: list[list[tuple[int, int]]] = []
    batch_holders: dict[int, list[int]] = {}
    for i, rec_keys in enumerate(keys):
        low, high = whens[i] - CLUSTER_WINDOW, whens[i] + CLUSTER_WINDOW
        shared: dict[tuple[int, int], int] = {}
        for key in set(rec_keys):
            for article_id in holders.get(key, ()):
                if low <= seen_at[article_id] <= high:
                    shared[(0, article_id)] = shared.get((0, article_id), 0) + 1
            for j in batch_holders.get(key, ()):
                if low <= whens[j] <= high:
                    shared[(1, j)] = shared.get((1, j), 0) + 1
        ranked.append(sorted(shared, key=lambda c: (-shared[c], c))[:MAX_CANDIDATES])
        for key in rec_keys:
            batch_holders.setdefault(key, []).append(i)
    stored_ids = sorted({c[1] for cs in ranked for c in cs if c[0] == 0})
    found: dict[int, tuple[bytes, int]] = {}
    for batch in chunks(stored_ids, KEYS_BATCH):
        prints = select(Article.id, Article.fingerprint, Article.cluster_id).where(
            Article.id.in_(batch)
        )
        found.update(
            (article_id, (fp, cluster)) for article_id, fp, cluster in session.execute(prints)
        )
    result: list[Stored | int | None] = []
    for i, candidates in enumerate(ranked):
        mine = np.asarray(recs[i].fingerprint, dtype=SLOT)
        compared = [(c, found[c[1]][0] if c[0] == 0 else packed[c[1]]) for c in candidates]
        compared = [(c, fp) for c, fp in compared if len(fp) == mine.nbytes]
        if not compared:
            result.append(None)
            continue
        stored = np.frombuffer(b"".join(fp for _, fp in compared), dtype=SLOT).reshape(
            len(compared), -1
        )
        scores = (stored == mine).mean(axis=1)
        best: tuple[float, tuple[int, int]] | None = None
        for (c, _), score in zip(compared, scores.tolist(), strict=True):
            if score >= CLUSTER_MIN_SIMILARITY and (best is None or (-score, c) < best):
                best = (-score, c)
        if best is None:
            result.append(None)
        elif best[1][0] == 0:
            result.append(Stored(found[best[1][1]][1]))
        else:
            result.append(best[1][1])
    return result
