"""Sources, their runs, articles, their near-duplicate bands and URL validators."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


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
    # crawler.platform.Platform: "news", "facebook", "telegram", "forum"…
    platform: Mapped[str] = mapped_column(
        String(16), default="news", server_default="news", index=True
    )
    views: Mapped[int | None] = mapped_column(Integer)  # as last seen (a Telegram post's)
    tagged_at: Mapped[datetime | None]
    relevant: Mapped[bool | None] = mapped_column(Boolean, index=True)
    relevance: Mapped[float | None] = mapped_column(Float)
    tone: Mapped[str | None] = mapped_column(String(16))
    needs_verification: Mapped[bool | None] = mapped_column(Boolean)
    topics: Mapped[list[str] | None] = mapped_column(JSON)
    reasons: Mapped[list[str] | None] = mapped_column(JSON)
    tagger_version: Mapped[str | None] = mapped_column(String(32))


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
