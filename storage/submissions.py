"""Reported items: the people who reported an item, and the screenshots they sent.

An item reported by staff is an article like a crawled one (source `_reported` unless the link
was crawled already); who reported it is one `submissions` row per person, and a screenshot is
kept as an evidence row of reason `reported` (the image gzip-compressed like every snapshot,
its SHA-256, size, type, sender and time), so that a case shows it beside fetched pages.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from storage.base import IN_BATCH, StoreBase, chunks, require_aware
from storage.models import Article, Evidence, Submission

REPORTED = "reported"  # the evidence reason of a reported screenshot


@dataclass(frozen=True)
class Screenshot:
    """An image a reporter sent: checked by the caller (type and size) before it gets here."""

    name: str
    media_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class SubmissionRecord:
    """One person's report of an item, to store or as stored."""

    article_id: int
    reporter: str
    via: str
    submitted_at: datetime
    note: str = ""
    url: str | None = None
    telegram_id: int | None = None
    area: str | None = None
    evidence_id: int | None = None


@dataclass(frozen=True)
class SubmissionOutcome:
    """What `add_submission` did: `added` is False when that person had already reported the
    item (a new screenshot is still kept); `reporters` are everyone who reported it."""

    added: bool
    evidence_id: int | None
    reporters: tuple[str, ...]


@dataclass(frozen=True)
class KnownItem:
    """A stored item a reported link already names."""

    article_id: int
    cluster_id: int
    title: str
    url: str
    platform: str


class SubmissionQueries(StoreBase):
    def find_item(self, urls: Iterable[str]) -> KnownItem | None:
        """The oldest stored item whose URL or canonical URL is one of `urls`."""
        wanted = [u for u in dict.fromkeys(urls) if u]
        if not wanted:
            return None
        stmt = (
            select(Article.id, Article.cluster_id, Article.title, Article.url, Article.platform)
            .where(or_(Article.url.in_(wanted), Article.canonical_url.in_(wanted)))
            .order_by(Article.id)
            .limit(1)
        )
        with self._read() as session:
            row = session.execute(stmt).first()
        return None if row is None else KnownItem(*row)

    def add_submission(
        self, record: SubmissionRecord, story: str, screenshot: Screenshot | None = None
    ) -> SubmissionOutcome:
        """Store one report of an item and its screenshot in one transaction."""
        require_aware(record.submitted_at, "submitted_at")

        def work(session: Session) -> SubmissionOutcome:
            evidence_id = None
            if screenshot is not None:
                evidence_id = _keep_screenshot(session, record, story, screenshot)
            existing = session.scalar(
                select(Submission).where(
                    Submission.article_id == record.article_id,
                    Submission.reporter == record.reporter,
                )
            )
            added = existing is None
            if existing is None:
                session.add(
                    Submission(
                        article_id=record.article_id,
                        reporter=record.reporter,
                        telegram_id=record.telegram_id,
                        via=record.via,
                        area=record.area,
                        submitted_at=record.submitted_at,
                        url=record.url,
                        note=record.note,
                        evidence_id=evidence_id,
                    )
                )
            elif evidence_id is not None and existing.evidence_id is None:
                existing.evidence_id = evidence_id
            session.flush()
            reporters = session.scalars(
                select(Submission.reporter)
                .where(Submission.article_id == record.article_id)
                .order_by(Submission.submitted_at, Submission.id)
            ).all()
            return SubmissionOutcome(added, evidence_id, tuple(reporters))

        return self._writing(work)

    def submissions_of(self, article_ids: Sequence[int]) -> dict[int, list[SubmissionRecord]]:
        """The reports of these items, oldest first, by item."""
        found: dict[int, list[SubmissionRecord]] = {}
        with self._read() as session:
            for batch in chunks(list(dict.fromkeys(article_ids)), IN_BATCH):
                rows = session.scalars(
                    select(Submission)
                    .where(Submission.article_id.in_(batch))
                    .order_by(Submission.submitted_at, Submission.id)
                )
                for row in rows:
                    found.setdefault(row.article_id, []).append(_record(row))
        return found

    def reported_areas(self, article_ids: Sequence[int]) -> dict[int, tuple[str | None, ...]]:
        """The areas each reported item was reported for (None: every area of its reporter)."""
        with self._read() as session:
            return reported_areas(session, article_ids)


def reported_areas(
    session: Session, article_ids: Sequence[int]
) -> dict[int, tuple[str | None, ...]]:
    """`SubmissionQueries.reported_areas` inside a session (the tagger's read of a batch)."""
    found: dict[int, list[str | None]] = {}
    for batch in chunks(list(dict.fromkeys(article_ids)), IN_BATCH):
        rows = session.execute(
            select(Submission.article_id, Submission.area)
            .where(Submission.article_id.in_(batch))
            .order_by(Submission.id)
        )
        for article_id, area in rows:
            if area not in found.setdefault(article_id, []):
                found[article_id].append(area)
    return {k: tuple(v) for k, v in found.items()}


def _keep_screenshot(
    session: Session, record: SubmissionRecord, story: str, screenshot: Screenshot
) -> int:
    row = Evidence(
        story=story,
        article_id=record.article_id,
        case_id=None,
        url=record.url or "",
        final_url=None,
        status_code=None,
        fetched_at=record.submitted_at,
        reason=REPORTED,
        change="first",
        sha256=screenshot.sha256,
        size=len(screenshot.content),
        content=gzip.compress(screenshot.content, mtime=0),
        text_sha256=None,
        text=record.note or None,
        error=None,
        media_type=screenshot.media_type,
        submitted_by=record.reporter,
    )
    session.add(row)
    session.flush()
    return row.id


def _record(row: Submission) -> SubmissionRecord:
    return SubmissionRecord(
        article_id=row.article_id,
        reporter=row.reporter,
        via=row.via,
        submitted_at=row.submitted_at,
        note=row.note,
        url=row.url,
        telegram_id=row.telegram_id,
        area=row.area,
        evidence_id=row.evidence_id,
    )
