"""Daemon bookkeeping and health reads: when each job last ran, how extraction does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.base import StoreBase
from storage.models import Article, JobRun, Source

T = TypeVar("T")


@dataclass(frozen=True)
class JobRunInfo:
    """When a daemon job last ran and what it did."""

    name: str
    last_run_at: datetime
    last_result: str | None


@dataclass(frozen=True)
class ArticleQuality:
    """What the health check needs of one stored article: when, dated or not, body or not."""

    id: int
    first_seen_at: datetime
    published_at: datetime | None
    body_chars: int
    extraction: str


class JobQueries(StoreBase):
    """Mixed into `Store`."""

    def job_runs(self) -> dict[str, JobRunInfo]:
        """Every daemon job's last run, by job name."""
        with self._read() as session:
            rows = session.scalars(select(JobRun)).all()
            return {r.name: JobRunInfo(r.name, r.last_run_at, r.last_result) for r in rows}

    def record_job_run(self, name: str, at: datetime, result: str | None = None) -> None:
        """Remember that job `name` ran at `at` (replacing its earlier record)."""
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"Trường at phải là datetime có múi giờ, nhận được {at!r}")

        def work(session: Session) -> None:
            row = session.get(JobRun, name)
            if row is None:
                session.add(JobRun(name=name, last_run_at=at, last_result=result))
            else:
                row.last_run_at = at
                row.last_result = result

        self._writing(work)

    def recent_articles(self, source: str, limit: int = 50) -> list[ArticleQuality]:
        """A source's most recently first-seen articles, newest first, without their text."""
        stmt = (
            select(
                Article.id,
                Article.first_seen_at,
                Article.published_at,
                func.length(Article.text),
                Article.extraction,
            )
            .join(Source, Source.id == Article.source_id)
            .where(Source.name == source)
            .order_by(Article.first_seen_at.desc(), Article.id.desc())
            .limit(limit)
        )
        with self._read() as session:
            return [
                ArticleQuality(row[0], row[1], row[2], int(row[3] or 0), row[4])
                for row in session.execute(stmt)
            ]
