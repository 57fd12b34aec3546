"""SQLAlchemy model of the crawl-time pages of articles; imported by `storage.models`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class ArticlePage(Base):
    """An article page as the crawler fetched it (gzip body), one row per distinct body.

    Kept a few days for every article and longer for relevant ones (`Store.prune_pages`), so
    that a story flagged later still has the page as it was when it was crawled."""

    __tablename__ = "article_pages"
    __table_args__ = (UniqueConstraint("article_id", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    fetched_at: Mapped[datetime] = mapped_column(index=True)
    final_url: Mapped[str] = mapped_column(Text)
    status_code: Mapped[int] = mapped_column(Integer)
    encoding: Mapped[str | None] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
