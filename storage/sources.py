"""Sources: the configured outlets, their crawl runs and health, and the HTTP validators (ETag,
Last-Modified) that let a second poll cost nothing."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.base import IN_BATCH, StoreBase, chunks, require_aware, utc_now
from storage.models import (
    Article,
    Source,
    SourceRunRow,
    UrlValidator,
)
from storage.records import (
    SourceHealth,
    SourceRun,
    Validator,
)

log = logging.getLogger(__name__)

MAX_RUN_ERRORS = 50
UPSERT_BATCH = 200


class SourceQueries(StoreBase):
    """The sources part of `Store`: outlets, their runs and health, HTTP validators."""

    def sync_sources(self, sources: Sequence[tuple[str, str]]) -> None:
        """Insert configured sources and refresh their titles; unlisted ones are kept."""

        def work(session: Session) -> None:
            wanted = dict(sources)
            if not wanted:
                return
            rows = session.scalars(select(Source).where(Source.name.in_(wanted))).all()
            by_name = {row.name: row for row in rows}
            now = utc_now()
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
        now = utc_now()
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
            source_id = source_row_id(session, run.source, utc_now())
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


def _new_source(name: str, title: str, now: datetime) -> Source:
    return Source(
        name=name,
        title=title,
        created_at=now,
        consecutive_failures=0,
        items_last_run=0,
        new_last_run=0,
    )


def source_row_id(session: Session, name: str, now: datetime) -> int:
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
