"""SQLAlchemy models: private to the storage package, reached only through `Store`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A datetime stored in UTC and always returned timezone-aware (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"Thời điểm thiếu múi giờ (cần datetime có tzinfo): {value!r}")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"Giá trị thời điểm không hợp lệ trong cơ sở dữ liệu: {value!r}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with constraint names that Alembic batch mode can rely on."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class Source(Base):
    """A news outlet from config.yaml, with its crawl health."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    last_run_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    items_last_run: Mapped[int] = mapped_column(Integer, default=0)
    new_last_run: Mapped[int] = mapped_column(Integer, default=0)


class SourceRunRow(Base):
    """One crawl pass of one source."""

    __tablename__ = "source_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime] = mapped_column(index=True)
    new: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    refused: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    ok: Mapped[bool] = mapped_column(Boolean)
    error_count: Mapped[int] = mapped_column(Integer)
    errors: Mapped[list[dict[str, str]]] = mapped_column(JSON)


class Article(Base):
    """A stored article; syndicated copies share a `cluster_id`, none is dropped."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text, index=True)
    canonical_url: Mapped[str] = mapped_column(Text, unique=True)
    title: Mapped[str] = mapped_column(Text)
    lead: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    section: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    # "minute", "day" (only the day is known: never shown as 00:00) or "unknown"
    published_precision: Mapped[str] = mapped_column(
        String(8), default="minute", server_default="minute"
    )
    alt_title: Mapped[str | None] = mapped_column(Text)  # og:title/JSON-LD when not the h1
    first_seen_at: Mapped[datetime] = mapped_column(index=True)
    last_fetched_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    content_hash: Mapped[str] = mapped_column(String(128))
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary)
    cluster_id: Mapped[int] = mapped_column(Integer, index=True)
    backfill: Mapped[bool] = mapped_column(Boolean)
    via: Mapped[str] = mapped_column(String(16))
    extraction: Mapped[str] = mapped_column(String(16))
    tagged_at: Mapped[datetime | None]
    relevant: Mapped[bool | None] = mapped_column(Boolean, index=True)
    relevance: Mapped[float | None] = mapped_column(Float)
    tone: Mapped[str | None] = mapped_column(String(16))
    needs_verification: Mapped[bool | None] = mapped_column(Boolean)
    topics: Mapped[list[str] | None] = mapped_column(JSON)
    reasons: Mapped[list[str] | None] = mapped_column(JSON)
    tagger_version: Mapped[str | None] = mapped_column(String(32))


class ArticleUnit(Base):
    """An administrative unit an article is about, as the tagger named it."""

    __tablename__ = "article_units"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200), index=True)
    province: Mapped[str | None] = mapped_column(String(200))
    district: Mapped[str | None] = mapped_column(String(200))
    new_name: Mapped[str | None] = mapped_column(String(200))
    new_province: Mapped[str | None] = mapped_column(String(200))
    in_watch_area: Mapped[bool] = mapped_column(Boolean)


class OutboxMessage(Base):
    """One message to deliver to one chat; (story, chat, topic) is delivered at most once."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("story", "chat", "topic_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )
    story: Mapped[str] = mapped_column(String(64))
    chat: Mapped[str] = mapped_column(String(64))
    topic_key: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(index=True)
    message_id: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class Mention(Base):
    """One place name found in an article, with the evidence that resolved it."""

    __tablename__ = "mentions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(8))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str] = mapped_column(String(32))
    confidence: Mapped[float] = mapped_column(Float)


class ArticleBand(Base):
    """One LSH band key of an article's MinHash signature; near copies share at least one."""

    __tablename__ = "article_bands"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, index=True)


class UrlValidator(Base):
    """ETag / Last-Modified last answered for a URL."""

    __tablename__ = "url_validators"

    url: Mapped[str] = mapped_column(Text, primary_key=True)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]


class Review(Base):
    """The centre's verdict on one story (a cluster of copies); created at its first action."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story: Mapped[str] = mapped_column(String(64), unique=True)
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(24), index=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ReviewAction(Base):
    """One button pressed (or report written): who, when, what, from which status."""

    __tablename__ = "review_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger)
    user_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    unit: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]


class Assignment(Base):
    """A story handed to a unit to verify by a deadline (a local date), and its answer."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    unit: Mapped[str] = mapped_column(String(200))
    chat: Mapped[str | None] = mapped_column(String(64))
    topic_key: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(24), index=True)
    report: Mapped[str | None] = mapped_column(Text)
    assigned_by: Mapped[int] = mapped_column(BigInteger)
    assigned_at: Mapped[datetime]
    answered_by: Mapped[int | None] = mapped_column(BigInteger)
    answered_at: Mapped[datetime | None]
    reminded_on: Mapped[date | None] = mapped_column(Date)


class JobRun(Base):
    """When a daemon job last ran, so a job missed while the daemon was down runs once on start."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    last_run_at: Mapped[datetime]
    last_result: Mapped[str | None] = mapped_column(Text)


class Digest(Base):
    """A weekly report written for one window: its files, and when it was queued to be sent."""

    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("window_start", "window_end"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(32))
    window_start: Mapped[datetime]
    window_end: Mapped[datetime] = mapped_column(index=True)
    generated_at: Mapped[datetime]
    files: Mapped[list[str]] = mapped_column(JSON)
    sent_at: Mapped[datetime | None]


# The review console's tables live in their own modules; importing them registers them on Base.
from storage import models_cases, models_pages, models_web  # noqa: E402, F401
