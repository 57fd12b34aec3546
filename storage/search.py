"""Article search for the console: accent-insensitive, phrases in quotes, best first.

Search keeps a folded copy (lowercase, no diacritics, đ → d, same length as the original) of
each article's title, lead and text in `article_search`, indexed by FTS5 on SQLite and by a GIN
tsvector index on PostgreSQL; queries are folded the same way, so "dak ha" finds "Đăk Hà".
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import String, TextClause, bindparam, delete, insert, or_, select, text
from sqlalchemy.orm import Session

from nlp.normalize import strip_text
from storage.base import StoreBase
from storage.models import Article, Source
from storage.models.cases import ArticleSearch
from storage.vocabulary import story_key

log = logging.getLogger(__name__)

SEARCH_BATCH = 500
PG_INDEX_LOCK = 0x64756C69  # "duli": one search-index write at a time across processes
MAX_QUERY_TERMS = 12
SNIPPET_BEFORE = 80
SNIPPET_AFTER = 200
_TOKEN = re.compile(r"[^\W_]+")
_NEWLINES = re.compile(r"\s*\n\s*")


@dataclass(frozen=True)
class SearchHit:
    """One article found; `snippet` is the text around the first match as (text, matched)
    pieces, in the original spelling."""

    article_id: int
    story: str
    source: str
    source_title: str
    title: str
    url: str
    published_at: datetime | None
    rank: float
    snippet: tuple[tuple[str, bool], ...]
    published_precision: str = "minute"


@dataclass(frozen=True)
class SearchPage:
    """One page of search results and the number of articles matching in all."""

    query: str
    hits: tuple[SearchHit, ...]
    total: int


def fold_search(value: str) -> str:
    """Lowercase without diacritics (đ → d), the same length as `value` once NFC."""
    composed = unicodedata.normalize("NFC", value)
    lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in composed)
    return strip_text(lowered)


def _document(title: str, lead: str, body: str) -> str:
    return "\n".join(unicodedata.normalize("NFC", part or "") for part in (title, lead, body))


def parse_query(query: str) -> list[tuple[str, ...]]:
    """The folded terms of a query: a quoted part is one phrase, every other word its own
    term; anything that is not a letter or digit (FTS syntax included) only separates."""
    parts = query.split('"')
    terms: list[tuple[str, ...]] = []
    for i, part in enumerate(parts):
        words = tuple(_TOKEN.findall(fold_search(part)))
        if not words:
            continue
        if i % 2 == 1 and i < len(parts) - 1:
            terms.append(words)
        else:
            terms.extend((word,) for word in words)
    return list(dict.fromkeys(terms))[:MAX_QUERY_TERMS]


def _fts5_query(terms: Sequence[tuple[str, ...]]) -> str:
    return " ".join('"' + " ".join(words) + '"' for words in terms)


def _tsquery(terms: Sequence[tuple[str, ...]]) -> str:
    return " & ".join("(" + " <-> ".join(words) + ")" for words in terms)


def snippet(
    original: str, folded: str, terms: Sequence[tuple[str, ...]], start_at: int = 0
) -> tuple[tuple[str, bool], ...]:
    """The original text around the first match of a term at or after `start_at` (else the
    first anywhere), every match inside marked."""
    patterns = [r"[\W_]+".join(re.escape(w) for w in words) for words in terms]
    if not patterns:
        return ((original[: SNIPPET_BEFORE + SNIPPET_AFTER], False),)
    matcher = re.compile(r"(?<![^\W_])(?:" + "|".join(patterns) + r")(?![^\W_])")
    first = matcher.search(folded, start_at) or matcher.search(folded)
    centre = first.start() if first else start_at
    floor = start_at if start_at <= centre else 0
    begin = max(floor, centre - SNIPPET_BEFORE)
    end = min(len(folded), centre + SNIPPET_AFTER)
    if begin > floor:
        space = folded.find(" ", begin)
        begin = space + 1 if 0 <= space < centre else begin
    if end < len(folded):
        space = folded.rfind(" ", centre, end)
        end = space if space > centre else end
    pieces: list[tuple[str, bool]] = []
    cursor = begin
    for m in matcher.finditer(folded, begin, end):
        gap = original[cursor : m.start()]
        if pieces and pieces[-1][1] and m.start() > begin and gap.isspace():
            pieces[-1] = (pieces[-1][0] + gap + original[m.start() : m.end()], True)
        else:
            if gap:
                pieces.append((gap, False))
            pieces.append((original[m.start() : m.end()], True))
        cursor = m.end()
    if cursor < end:
        pieces.append((original[cursor:end], False))
    cleaned = [(_NEWLINES.sub(" ", piece), hit) for piece, hit in pieces]
    if cleaned and not cleaned[0][1]:
        cleaned[0] = (cleaned[0][0].lstrip(), False)
    if begin > floor:
        cleaned.insert(0, ("…", False))
    if end < len(folded):
        cleaned.append(("…", False))
    return tuple(cleaned)


class SearchQueries(StoreBase):
    """The search index of articles and the queries on it."""

    def index_articles(self, batch: int = SEARCH_BATCH, at: datetime | None = None) -> int:
        """Index the articles not indexed yet, or changed since; returns how many."""
        stamp = at or datetime.now(UTC)
        done = 0
        after = 0
        while True:
            with self._read() as session:
                rows = session.execute(
                    select(
                        Article.id, Article.title, Article.lead, Article.text, Article.updated_at
                    )
                    .outerjoin(ArticleSearch, ArticleSearch.article_id == Article.id)
                    .where(
                        Article.id > after,
                        or_(
                            ArticleSearch.article_id.is_(None),
                            ArticleSearch.source_updated_at < Article.updated_at,
                        ),
                    )
                    .order_by(Article.id)
                    .limit(batch)
                ).all()
            if not rows:
                break
            after = rows[-1][0]
            values = [
                {
                    "article_id": a_id,
                    "folded": fold_search(_document(title, lead, body)),
                    "source_updated_at": updated,
                    "indexed_at": stamp,
                }
                for a_id, title, lead, body, updated in rows
            ]

            def work(session: Session, values: list[dict[str, object]] = values) -> None:
                if session.get_bind().dialect.name == "postgresql":  # two taggers indexing
                    session.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_INDEX_LOCK}
                    )
                ids = [v["article_id"] for v in values]
                session.execute(delete(ArticleSearch).where(ArticleSearch.article_id.in_(ids)))
                session.execute(insert(ArticleSearch), values)

            self._writing(work)
            done += len(values)
        if done:
            log.info("Đã đánh chỉ mục tìm kiếm cho %d bài", done)
        return done

    def search_articles(
        self,
        query: str,
        limit: int = 20,
        offset: int = 0,
        areas: Sequence[str] | None = None,
    ) -> SearchPage:
        """Articles matching every term of `query` (accent-insensitive; "quoted phrases"),
        best first; an empty query or one of only punctuation finds nothing. With `areas`, only
        the articles of stories that concern one of those watch areas (`article_areas`)."""
        terms = parse_query(query)
        if not terms:
            return SearchPage(query, (), 0)
        limit = max(1, min(limit, 200))
        offset = max(0, offset)
        params: dict[str, object] = {}
        if areas is not None:
            params["areas"] = list(areas)
        with self._read() as session:
            dialect = session.get_bind().dialect.name
            if dialect == "sqlite":
                match = _fts5_query(terms)
                where = "article_search_fts MATCH :q" + _in_areas("rowid", areas)
                total = session.execute(
                    _areas_bound(f"SELECT count(*) FROM article_search_fts WHERE {where}", areas),
                    {"q": match, **params},
                ).scalar_one()
                ranked = session.execute(
                    _areas_bound(
                        "SELECT rowid, bm25(article_search_fts) FROM article_search_fts "
                        f"WHERE {where} "
                        "ORDER BY bm25(article_search_fts), rowid DESC LIMIT :n OFFSET :o",
                        areas,
                    ),
                    {"q": match, "n": limit, "o": offset, **params},
                ).all()
                scores = [(a_id, -float(score)) for a_id, score in ranked]
            else:
                tsq = _tsquery(terms)
                where = "to_tsvector('simple', folded) @@ to_tsquery('simple', :q)" + _in_areas(
                    "article_id", areas
                )
                total = session.execute(
                    _areas_bound(f"SELECT count(*) FROM article_search WHERE {where}", areas),
                    {"q": tsq, **params},
                ).scalar_one()
                ranked = session.execute(
                    _areas_bound(
                        "SELECT article_id, ts_rank_cd(to_tsvector('simple', folded), "
                        f"to_tsquery('simple', :q)) AS r FROM article_search WHERE {where} "
                        "ORDER BY r DESC, article_id DESC LIMIT :n OFFSET :o",
                        areas,
                    ),
                    {"q": tsq, "n": limit, "o": offset, **params},
                ).all()
                scores = [(a_id, float(score)) for a_id, score in ranked]
            ids = [a_id for a_id, _ in scores]
            rows = {
                row[0]: row
                for row in session.execute(
                    select(
                        Article.id,
                        Article.cluster_id,
                        Source.name,
                        Source.title,
                        Article.title,
                        Article.lead,
                        Article.text,
                        Article.url,
                        Article.published_at,
                        Article.published_precision,
                        ArticleSearch.folded,
                    )
                    .join(Source, Source.id == Article.source_id)
                    .join(ArticleSearch, ArticleSearch.article_id == Article.id)
                    .where(Article.id.in_(ids))
                )
            }
        hits = []
        for a_id, score in scores:
            row = rows.get(a_id)
            if row is None:
                continue
            _, cluster, name, source_title, title, lead, body, url, published, precision, folded = (
                row
            )
            original = _document(title, lead, body)
            if len(original) != len(folded):
                folded = fold_search(original)
            hits.append(
                SearchHit(
                    article_id=a_id,
                    story=story_key(cluster or a_id),
                    source=name,
                    source_title=source_title,
                    title=title,
                    url=url,
                    published_at=published,
                    rank=score,
                    snippet=snippet(original, folded, terms, start_at=len(title) + 1),
                    published_precision=precision,
                )
            )
        log.debug("Tìm %r: %d kết quả", query, total)
        return SearchPage(query, tuple(hits), int(total))


def _in_areas(column: str, areas: Sequence[str] | None) -> str:
    """The SQL condition keeping the articles (`column`: their id) of stories that concern one
    of `areas` (bound as `:areas`); nothing without areas."""
    if areas is None:
        return ""
    return (
        f" AND {column} IN (SELECT a.id FROM articles a WHERE EXISTS (SELECT 1 FROM articles c "
        "JOIN article_areas aa ON aa.article_id = c.id WHERE (c.cluster_id = a.cluster_id "
        "OR c.id = a.id) AND aa.area IN :areas))"
    )


def _areas_bound(sql: str, areas: Sequence[str] | None) -> TextClause:
    """`sql` as a statement, with `:areas` expanded to a list when there are areas."""
    statement = text(sql)
    return (
        statement
        if areas is None
        else statement.bindparams(bindparam("areas", expanding=True, type_=String))
    )


__all__ = ["SearchHit", "SearchPage", "SearchQueries", "fold_search", "parse_query", "snippet"]
