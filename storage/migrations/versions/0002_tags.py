"""Tagging results: relevance, tone, topics on articles; the units and mentions found.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("relevant", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("relevance", sa.Float(), nullable=True))
        batch.add_column(sa.Column("tone", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("needs_verification", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("topics", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("reasons", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("tagger_version", sa.String(length=32), nullable=True))
        batch.create_index(batch.f("ix_articles_relevant"), ["relevant"], unique=False)
    op.create_table(
        "article_units",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("province", sa.String(length=200), nullable=True),
        sa.Column("district", sa.String(length=200), nullable=True),
        sa.Column("new_name", sa.String(length=200), nullable=True),
        sa.Column("new_province", sa.String(length=200), nullable=True),
        sa.Column("in_watch_area", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_units_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "position", name=op.f("pk_article_units")),
    )
    op.create_index(op.f("ix_article_units_name"), "article_units", ["name"], unique=False)
    op.create_table(
        "mentions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=8), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_mentions_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentions")),
    )
    op.create_index(op.f("ix_mentions_article_id"), "mentions", ["article_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_mentions_article_id"), table_name="mentions")
    op.drop_table("mentions")
    op.drop_index(op.f("ix_article_units_name"), table_name="article_units")
    op.drop_table("article_units")
    with op.batch_alter_table("articles") as batch:
        batch.drop_index(batch.f("ix_articles_relevant"))
        for column in (
            "tagger_version",
            "reasons",
            "topics",
            "needs_verification",
            "tone",
            "relevance",
            "relevant",
        ):
            batch.drop_column(column)
