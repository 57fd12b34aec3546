"""Reported items (issue 15): who reported which item, and reported screenshots as evidence.

`submissions` holds one row per (item, reporter); `evidence` gets the image type and the
sender of a reported screenshot (rows of reason "reported"); earlier rows are fetched pages,
so both stay empty for them.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("evidence", sa.Column("media_type", sa.String(length=64), nullable=True))
    op.add_column("evidence", sa.Column("submitted_by", sa.String(length=200), nullable=True))
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("reporter", sa.String(length=200), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("area", sa.String(length=64), nullable=True),
        sa.Column("submitted_at", WHEN, nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_submissions_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence.id"],
            name=op.f("fk_submissions_evidence_id_evidence"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint(
            "article_id", "reporter", name=op.f("uq_submissions_article_id_reporter")
        ),
    )
    op.create_index(op.f("ix_submissions_article_id"), "submissions", ["article_id"], unique=False)
    op.create_index(
        op.f("ix_submissions_submitted_at"), "submissions", ["submitted_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_submissions_submitted_at"), table_name="submissions")
    op.drop_index(op.f("ix_submissions_article_id"), table_name="submissions")
    op.drop_table("submissions")
    with op.batch_alter_table("evidence") as batch:
        batch.drop_column("submitted_by")
        batch.drop_column("media_type")
