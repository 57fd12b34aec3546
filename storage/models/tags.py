"""What the tagger found in an article: the units it is about and its mentions."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


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


class ArticleArea(Base):
    """A watch area an article concerns (one tagging of a deployment's areas decides each)."""

    __tablename__ = "article_areas"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    area: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
