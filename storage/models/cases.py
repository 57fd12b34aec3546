"""SQLAlchemy models of the review console (cases); imported by `storage.models`."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class Case(Base):
    """False or inaccurate reporting on one story, followed until the outlet corrects it; one
    per watch area, as its review (the pages kept, `Evidence`, are the story's, shared)."""

    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("area", "story"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area: Mapped[str] = mapped_column(String(64), index=True)
    story: Mapped[str] = mapped_column(String(64), index=True)
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(24), index=True)
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class CaseStep(Base):
    """One link of a case's chain: who recorded it, when, and its particulars."""

    __tablename__ = "case_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    user_name: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]
    on_date: Mapped[date | None] = mapped_column(Date)
    unit: Mapped[str | None] = mapped_column(String(200))
    number: Mapped[str | None] = mapped_column(String(100))
    signer: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)


class Evidence(Base):
    """A page as fetched when its story was flagged or re-checked: gzip HTML and its hashes."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story: Mapped[str] = mapped_column(String(64), index=True)
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str | None] = mapped_column(Text)
    status_code: Mapped[int | None] = mapped_column(Integer)
    fetched_at: Mapped[datetime] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(String(24))
    change: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    text_sha256: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    # A reported screenshot (reason "reported"): its image type and who sent it.
    media_type: Mapped[str | None] = mapped_column(String(64))
    submitted_by: Mapped[str | None] = mapped_column(String(200))


class ArticleSearch(Base):
    """The folded (diacritic-free, lowercase) title, lead and text of an article, for search.

    SQLite indexes `folded` in the FTS5 table `article_search_fts` (kept by triggers); PostgreSQL
    through a GIN index on its `simple` tsvector."""

    __tablename__ = "article_search"
    __table_args__ = (
        Index(
            "ix_article_search_tsv",
            text("to_tsvector('simple', folded)"),
            postgresql_using="gin",
        ).ddl_if(dialect="postgresql"),
    )
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    folded: Mapped[str] = mapped_column(Text)
    source_updated_at: Mapped[datetime]
    indexed_at: Mapped[datetime]


FTS_TABLE = "article_search_fts"


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic `include_name` filter: SQLite's FTS5 table and its shadow tables are made by
    migration 0007 with raw SQL and have no model, so autogenerate must not compare them."""
    return not (type_ == "table" and name is not None and name.startswith(FTS_TABLE))
