"""The core every part of the store shares: the engine, a read session factory, one write
transaction with the user's errors told in Vietnamese, and opening a database (schema created
or upgraded). The query classes (reviews, jobs, digests, console, cases) build on it, and
`Store` is made of them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Self, TypeVar

from alembic.util.exc import CommandError
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from storage.db import (
    ENV_VAR,
    StorageError,
    is_locked,
    locked_message,
    make_engine,
    mask_url,
)
from storage.migrate import upgrade_to_head

log = logging.getLogger(__name__)

T = TypeVar("T")

# Ids per IN (...) clause: well under SQLite's and PostgreSQL's parameter limits.
IN_BATCH = 400


def chunks(items: Sequence[T], size: int = IN_BATCH) -> Iterator[Sequence[T]]:
    """`items` in consecutive slices of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def utc_now() -> datetime:
    """The time rows are stamped with when the caller gives none (sources, validators)."""
    return datetime.now(UTC)


def require_aware(value: datetime | None, field: str) -> None:
    """A naive datetime is a bug of the caller: every time the store keeps is aware."""
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"Trường {field} phải là datetime có múi giờ, nhận được {value!r}")


class StoreBase:
    """An open database: read sessions (`_read`) and write transactions (`_writing`)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._read = sessionmaker(engine, expire_on_commit=False)
        self._write = sessionmaker(
            engine.execution_options(sqlite_immediate=True), expire_on_commit=False
        )
        # Ids of the sources committed so far (sources.sync_sources fills it; articles read it).
        self._source_ids: dict[str, int] = {}

    @classmethod
    def open(cls, url: str) -> Self:
        """Connect to `url` and create or upgrade the schema."""
        engine = make_engine(url)
        try:
            upgrade_to_head(engine)
        except (OperationalError, DBAPIError) as exc:
            engine.dispose()
            reason = str(exc.orig) if exc.orig is not None else str(exc)
            if is_locked(reason):
                raise StorageError(locked_message(mask_url(engine.url))) from exc
            raise StorageError(
                f"Không truy cập được cơ sở dữ liệu {mask_url(engine.url)}: {reason.strip()}. "
                f"Hãy kiểm tra máy chủ cơ sở dữ liệu đang chạy, quyền truy cập, và biến môi "
                f"trường {ENV_VAR}."
            ) from exc
        except CommandError as exc:
            engine.dispose()
            raise StorageError(
                f"Lược đồ của cơ sở dữ liệu {mask_url(engine.url)} không khớp với phiên bản "
                f"duluan này ({exc}). Hãy cập nhật duluan hoặc dùng cơ sở dữ liệu khác."
            ) from exc
        log.debug("Đã mở cơ sở dữ liệu %s", mask_url(engine.url))
        return cls(engine)

    def close(self) -> None:
        """Release every pooled connection."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def url(self) -> str:
        """The database URL with the password masked."""
        return mask_url(self._engine.url)

    def _writing(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one write transaction. A lost or locked database is the user's to fix
        (StorageError, nothing written); any other database error is a bug and propagates."""
        try:
            with self._write() as session, session.begin():
                return work(session)
        except (OperationalError, InterfaceError) as exc:
            reason = str(exc.orig) if exc.orig is not None else str(exc)
            if is_locked(reason):
                raise StorageError(locked_message(self.url)) from exc
            raise StorageError(
                f"Không ghi được vào cơ sở dữ liệu {self.url}: {reason.strip()}. Không có gì "
                "được ghi dở; hãy kiểm tra máy chủ cơ sở dữ liệu rồi chạy lại."
            ) from exc
