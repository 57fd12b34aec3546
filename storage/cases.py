"""Cases of false or inaccurate reporting and the evidence kept for them.

A case follows one story (a cluster of syndicated copies) through the chain detected →
verified → response document → sent to the outlet → corrected or not corrected; every step is
a row with who recorded it and when. Evidence rows keep the page as fetched (gzip HTML, its
SHA-256, the extracted text) each time the story is flagged or re-checked.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nlp.area import DEFAULT_AREA
from storage.base import StoreBase
from storage.models import Article, Assignment, Review, Source
from storage.models.cases import Case, CaseStep, Evidence
from storage.submissions import REPORTED
from storage.vocabulary import STEP_LABELS, story_cluster

log = logging.getLogger(__name__)

T = TypeVar("T")

CLOSING = frozenset({"corrected", "not_corrected"})
# Each step and the statuses a case may be in to record it (a step may be recorded again to
# correct it; an outlet refusing may still correct later).
AFTER = {
    "verified": frozenset({"detected", "verified"}),
    "document": frozenset({"verified", "document"}),
    "sent": frozenset({"document", "sent"}),
    "corrected": frozenset({"sent", "not_corrected", "corrected"}),
    "not_corrected": frozenset({"sent", "not_corrected"}),
}


class CaseError(ValueError):
    """A case step that cannot be recorded, explained in Vietnamese."""


@dataclass(frozen=True)
class CaseStepRecord:
    """One recorded step: `on_date` is the date of the event itself (document signed, letter
    sent, correction published), `at` when it was recorded."""

    id: int
    kind: str
    user_name: str
    at: datetime
    on_date: date | None
    unit: str | None
    number: str | None
    signer: str | None
    note: str | None

    @property
    def label(self) -> str:
        return STEP_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class CaseRecord:
    """A case with its article and its steps (oldest first); `units` were asked to verify."""

    id: int
    story: str
    article_id: int | None
    status: str
    opened_by: str
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    title: str | None
    url: str | None
    source: str | None
    source_title: str | None
    published_at: datetime | None
    steps: tuple[CaseStepRecord, ...]
    units: tuple[str, ...]
    published_precision: str = "minute"
    area: str = DEFAULT_AREA  # the watch area whose review opened it
    platform: str = "news"  # of its article (crawler.platform.Platform)

    @property
    def status_label(self) -> str:
        return STEP_LABELS.get(self.status, self.status)

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def last(self, kind: str) -> CaseStepRecord | None:
        """The latest step of `kind`, if recorded."""
        found = [step for step in self.steps if step.kind == kind]
        return found[-1] if found else None


@dataclass(frozen=True)
class EvidenceSnapshot:
    """A fetch of a flagged page, to store: `content` is the gzip-compressed body, `sha256` the
    hash of the uncompressed body; `reason` is ok, removed, redirected_home or error, and
    `change` first, unchanged, changed, removed or error (against the previous snapshot)."""

    story: str
    article_id: int | None
    case_id: int | None
    url: str
    final_url: str | None
    status_code: int | None
    fetched_at: datetime
    reason: str
    change: str
    sha256: str | None
    size: int
    content: bytes | None
    text_sha256: str | None
    text: str | None
    error: str | None = None


@dataclass(frozen=True)
class EvidenceRecord:
    """A stored snapshot without its content (see `evidence_content`)."""

    id: int
    story: str
    article_id: int | None
    case_id: int | None
    url: str
    final_url: str | None
    status_code: int | None
    fetched_at: datetime
    reason: str
    change: str
    sha256: str | None
    size: int
    has_content: bool
    text_sha256: str | None
    text: str | None
    error: str | None
    media_type: str | None = None  # a reported screenshot's image type
    submitted_by: str | None = None  # who sent that screenshot


def _step(row: CaseStep) -> CaseStepRecord:
    return CaseStepRecord(
        row.id,
        row.kind,
        row.user_name,
        row.at,
        row.on_date,
        row.unit,
        row.number,
        row.signer,
        row.note,
    )


def _evidence(row: Evidence) -> EvidenceRecord:
    return EvidenceRecord(
        id=row.id,
        story=row.story,
        article_id=row.article_id,
        case_id=row.case_id,
        url=row.url,
        final_url=row.final_url,
        status_code=row.status_code,
        fetched_at=row.fetched_at,
        reason=row.reason,
        change=row.change,
        sha256=row.sha256,
        size=row.size,
        has_content=row.content is not None,
        text_sha256=row.text_sha256,
        text=row.text,
        error=row.error,
        media_type=row.media_type,
        submitted_by=row.submitted_by,
    )


class CaseQueries(StoreBase):
    """Mixed into `Store`."""

    # --- cases ---------------------------------------------------------------------------

    def open_case(
        self,
        story: str,
        user_name: str,
        at: datetime,
        article_id: int | None = None,
        area: str = DEFAULT_AREA,
    ) -> CaseRecord:
        """Open `area`'s case of `story` (step "detected"), or return the one already open."""
        mine = (Case.area == area, Case.story == story)

        def work(session: Session) -> tuple[int, bool]:
            found = session.scalar(select(Case.id).where(*mine))
            if found is not None:
                return found, False
            # A story `cluster:N` is named after its first article, N.
            article = article_id or _review_article(session, story, area) or story_cluster(story)
            if article is not None and session.get(Article, article) is None:
                article = None
            try:
                with session.begin_nested():
                    row = Case(
                        area=area,
                        story=story,
                        article_id=article,
                        status="detected",
                        opened_by=user_name,
                        opened_at=at,
                        updated_at=at,
                    )
                    session.add(row)
                    session.flush()
                    session.add(
                        CaseStep(case_id=row.id, kind="detected", user_name=user_name, at=at)
                    )
                    session.flush()
                    return row.id, True
            except IntegrityError:
                return session.scalars(select(Case.id).where(*mine)).one(), False

        case_id, created = self._writing(work)
        if created:
            log.info("[%s] %s mở hồ sơ sai sự thật %d", story, user_name, case_id)
        case = self.get_case(case_id)
        assert case is not None
        return case

    def case_step(
        self,
        case_id: int,
        kind: str,
        user_name: str,
        at: datetime,
        *,
        on_date: date | None = None,
        unit: str | None = None,
        number: str | None = None,
        signer: str | None = None,
        note: str | None = None,
    ) -> CaseRecord:
        """Record the next link of the chain; `CaseError` (nothing stored) when it does not
        follow the case's status or lacks what it needs (the verifying unit; the document's
        number, date and signer; the date a letter was sent or a correction published)."""
        allowed = AFTER.get(kind)
        if allowed is None:
            raise CaseError(f"Bước hồ sơ không hợp lệ: {kind!r}")
        unit, number, signer, note = (_blank(v) for v in (unit, number, signer, note))
        _require_fields(kind, on_date=on_date, unit=unit, number=number, signer=signer)

        def work(session: Session) -> str:
            row = session.get(Case, case_id, with_for_update=True)
            if row is None:
                raise CaseError(f"Không có hồ sơ số {case_id}")
            if row.status not in allowed:
                raise CaseError(
                    f"Hồ sơ số {case_id} đang ở bước “{STEP_LABELS.get(row.status, row.status)}”: "
                    f"chưa thể ghi “{STEP_LABELS[kind]}”"
                )
            session.add(
                CaseStep(
                    case_id=row.id,
                    kind=kind,
                    user_name=user_name,
                    at=at,
                    on_date=on_date,
                    unit=unit,
                    number=number,
                    signer=signer,
                    note=note,
                )
            )
            row.status = kind
            row.updated_at = at
            row.closed_at = at if kind in CLOSING else None
            return row.story

        story = self._writing(work)
        log.info("[%s] hồ sơ %d: %s ghi bước %s", story, case_id, user_name, kind)
        case = self.get_case(case_id)
        assert case is not None
        return case

    def get_case(self, case_id: int) -> CaseRecord | None:
        """One case with its steps, or None."""
        found = self._cases(select(Case).where(Case.id == case_id))
        return found[0] if found else None

    def case_for_story(self, story: str, area: str = DEFAULT_AREA) -> CaseRecord | None:
        """`area`'s case opened for `story`, or None."""
        found = self._cases(select(Case).where(Case.area == area, Case.story == story))
        return found[0] if found else None

    def list_cases(
        self,
        open_only: bool = False,
        unit: str | None = None,
        limit: int = 200,
        areas: Sequence[str] | None = None,
    ) -> list[CaseRecord]:
        """Cases, open ones first, each group most recently changed first; `unit` keeps the
        cases whose area's review assigned the story to that unit; `areas` the cases of those
        watch areas (None: every area's)."""
        stmt = select(Case).order_by(
            Case.closed_at.is_not(None), Case.updated_at.desc(), Case.id.desc()
        )
        if open_only:
            stmt = stmt.where(Case.closed_at.is_(None))
        if areas is not None:
            stmt = stmt.where(Case.area.in_(areas))
        if unit is not None:
            assigned = (
                select(Assignment.id)
                .join(Review, Review.id == Assignment.review_id)
                .where(
                    Review.story == Case.story, Review.area == Case.area, Assignment.unit == unit
                )
                .exists()
            )
            stmt = stmt.where(assigned)
        return self._cases(stmt.limit(limit))

    def _cases(self, stmt: object) -> list[CaseRecord]:
        with self._read() as session:
            rows = list(session.scalars(stmt))  # type: ignore[call-overload]
            if not rows:
                return []
            ids = [row.id for row in rows]
            steps: dict[int, list[CaseStepRecord]] = {i: [] for i in ids}
            for step in session.scalars(
                select(CaseStep).where(CaseStep.case_id.in_(ids)).order_by(CaseStep.at, CaseStep.id)
            ):
                steps[step.case_id].append(_step(step))
            stories = [row.story for row in rows]
            units: dict[tuple[str, str], list[str]] = {(r.area, r.story): [] for r in rows}
            for area, story, unit in session.execute(
                select(Review.area, Review.story, Assignment.unit)
                .join(Assignment, Assignment.review_id == Review.id)
                .where(Review.story.in_(stories))
                .order_by(Assignment.id)
            ):
                kept = units.get((area, story))
                if kept is not None and unit not in kept:
                    kept.append(unit)
            articles = [row.article_id for row in rows if row.article_id is not None]
            info: dict[int, Any] = {}
            if articles:
                for found in session.execute(
                    select(
                        Article.id,
                        Article.title,
                        Article.url,
                        Source.name,
                        Source.title.label("source_title"),
                        Article.published_at,
                        Article.published_precision,
                        Article.platform,
                    )
                    .join(Source, Source.id == Article.source_id)
                    .where(Article.id.in_(articles))
                ):
                    info[found.id] = found
        out = []
        for row in rows:
            known = info.get(row.article_id or 0)
            out.append(
                CaseRecord(
                    id=row.id,
                    story=row.story,
                    article_id=row.article_id,
                    status=row.status,
                    opened_by=row.opened_by,
                    opened_at=row.opened_at,
                    updated_at=row.updated_at,
                    closed_at=row.closed_at,
                    title=known.title if known else None,
                    url=known.url if known else None,
                    source=known.name if known else None,
                    source_title=known.source_title if known else None,
                    published_at=known.published_at if known else None,
                    steps=tuple(steps[row.id]),
                    units=tuple(units[(row.area, row.story)]),
                    area=row.area,
                    published_precision=known.published_precision if known else "minute",
                    platform=known.platform if known else "news",
                )
            )
        return out

    # --- evidence ------------------------------------------------------------------------

    def add_evidence(self, snap: EvidenceSnapshot) -> EvidenceRecord:
        """Store one snapshot."""

        def work(session: Session) -> EvidenceRecord:
            row = Evidence(
                story=snap.story,
                article_id=snap.article_id,
                case_id=snap.case_id,
                url=snap.url,
                final_url=snap.final_url,
                status_code=snap.status_code,
                fetched_at=snap.fetched_at,
                reason=snap.reason,
                change=snap.change,
                sha256=snap.sha256,
                size=snap.size,
                content=snap.content,
                text_sha256=snap.text_sha256,
                text=snap.text,
                error=snap.error,
            )
            session.add(row)
            session.flush()
            return _evidence(row)

        record = self._writing(work)
        log.info(
            "[%s] lưu bằng chứng %d của %s (%s, %s)",
            snap.story,
            record.id,
            snap.url,
            snap.reason,
            snap.change,
        )
        return record

    def list_evidence(
        self, story: str | None = None, case_id: int | None = None
    ) -> list[EvidenceRecord]:
        """Snapshots of a story and/or case, oldest first."""
        stmt = select(Evidence).order_by(Evidence.fetched_at, Evidence.id)
        if story is not None:
            stmt = stmt.where(Evidence.story == story)
        if case_id is not None:
            stmt = stmt.where(Evidence.case_id == case_id)
        with self._read() as session:
            return [_evidence(row) for row in session.scalars(stmt)]

    def latest_evidence(
        self, story: str, url: str | None = None, *, checks_only: bool = False
    ) -> EvidenceRecord | None:
        """The newest snapshot of a story (of one URL if given); with `checks_only`, the newest
        the system took itself (a reporter's screenshot is no check of the page)."""
        stmt = select(Evidence).where(Evidence.story == story)
        if url is not None:
            stmt = stmt.where(Evidence.url == url)
        if checks_only:
            stmt = stmt.where(Evidence.reason != REPORTED)
        stmt = stmt.order_by(Evidence.fetched_at.desc(), Evidence.id.desc()).limit(1)
        with self._read() as session:
            row = session.scalar(stmt)
            return None if row is None else _evidence(row)

    def last_readable_evidence(self, story: str, url: str) -> EvidenceRecord | None:
        """The newest snapshot of `url` whose article text could be read (the "before")."""
        stmt = (
            select(Evidence)
            .where(Evidence.story == story, Evidence.url == url, Evidence.text_sha256.is_not(None))
            .order_by(Evidence.fetched_at.desc(), Evidence.id.desc())
            .limit(1)
        )
        with self._read() as session:
            row = session.scalar(stmt)
            return None if row is None else _evidence(row)

    def flagged_without_evidence(
        self, limit: int = 100, skip_platforms: Collection[str] = ()
    ) -> list[tuple[str, int | None]]:
        """Stories marked false information (review status `false_info`) with no case and no
        page kept yet (only failed fetches, or none), with their article. A story two areas
        both marked comes once: its pages are kept per story, for every area. Stories whose
        article is on one of `skip_platforms` (never fetched: Facebook, Zalo) are left out, so
        they do not hold the others back."""
        stmt = (
            select(Review.story, func.min(Review.article_id))
            .where(
                Review.status == "false_info",
                ~select(Article.id)
                .where(Article.id == Review.article_id, Article.platform.in_(list(skip_platforms)))
                .exists(),
                ~select(Evidence.id)
                .where(Evidence.story == Review.story, Evidence.status_code.is_not(None))
                .exists(),
                ~select(Case.id).where(Case.story == Review.story).exists(),
            )
            .group_by(Review.story)
            .order_by(func.min(Review.updated_at), func.min(Review.id))
            .limit(limit)
        )
        with self._read() as session:
            return [(story, article) for story, article in session.execute(stmt)]

    def evidence_content(self, evidence_id: int) -> tuple[EvidenceRecord, bytes | None] | None:
        """A snapshot and its gzip-compressed body, or None."""
        with self._read() as session:
            row = session.get(Evidence, evidence_id)
            return None if row is None else (_evidence(row), row.content)


def _review_article(session: Session, story: str, area: str) -> int | None:
    return session.scalar(
        select(Review.article_id).where(Review.area == area, Review.story == story)
    )


def _blank(value: str | None) -> str | None:
    stripped = (value or "").strip()
    return stripped or None


def _require_fields(
    kind: str,
    *,
    on_date: date | None,
    unit: str | None,
    number: str | None,
    signer: str | None,
) -> None:
    missing = []
    if kind == "verified" and unit is None:
        missing.append("đơn vị xác minh")
    if kind == "document":
        if number is None:
            missing.append("số văn bản")
        if on_date is None:
            missing.append("ngày văn bản")
        if signer is None:
            missing.append("người ký")
    if kind == "sent" and on_date is None:
        missing.append("ngày gửi")
    if kind in CLOSING and on_date is None:
        missing.append("ngày ghi nhận")
    if missing:
        raise CaseError(f"Bước “{STEP_LABELS[kind]}” còn thiếu: {', '.join(missing)}")


__all__ = [
    "CaseError",
    "CaseRecord",
    "CaseStepRecord",
    "EvidenceRecord",
    "EvidenceSnapshot",
]
