"""Review of stories from Telegram: verdicts, their history, assignments to units; daemon job runs.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("story", sa.String(length=64), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_reviews_article_id_articles"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("story", name=op.f("uq_reviews_story")),
    )
    op.create_index(op.f("ix_reviews_article_id"), "reviews", ["article_id"], unique=False)
    op.create_index(op.f("ix_reviews_status"), "reviews", ["status"], unique=False)
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("chat", sa.String(length=64), nullable=True),
        sa.Column("topic_key", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("assigned_by", sa.BigInteger(), nullable=False),
        sa.Column("assigned_at", WHEN, nullable=False),
        sa.Column("answered_by", sa.BigInteger(), nullable=True),
        sa.Column("answered_at", WHEN, nullable=True),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_assignments_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
    )
    op.create_index(op.f("ix_assignments_review_id"), "assignments", ["review_id"], unique=False)
    op.create_index(op.f("ix_assignments_deadline"), "assignments", ["deadline"], unique=False)
    op.create_index(op.f("ix_assignments_status"), "assignments", ["status"], unique=False)
    op.create_table(
        "review_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("from_status", sa.String(length=24), nullable=False),
        sa.Column("to_status", sa.String(length=24), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_review_actions_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_review_actions_assignment_id_assignments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_actions")),
    )
    op.create_index(
        op.f("ix_review_actions_review_id"), "review_actions", ["review_id"], unique=False
    )
    op.create_index(
        op.f("ix_review_actions_assignment_id"), "review_actions", ["assignment_id"], unique=False
    )
    op.create_table(
        "job_runs",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("last_run_at", WHEN, nullable=False),
        sa.Column("last_result", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_runs")),
    )


def downgrade() -> None:
    op.drop_table("job_runs")
    op.drop_index(op.f("ix_review_actions_assignment_id"), table_name="review_actions")
    op.drop_index(op.f("ix_review_actions_review_id"), table_name="review_actions")
    op.drop_table("review_actions")
    op.drop_index(op.f("ix_assignments_status"), table_name="assignments")
    op.drop_index(op.f("ix_assignments_deadline"), table_name="assignments")
    op.drop_index(op.f("ix_assignments_review_id"), table_name="assignments")
    op.drop_table("assignments")
    op.drop_index(op.f("ix_reviews_status"), table_name="reviews")
    op.drop_index(op.f("ix_reviews_article_id"), table_name="reviews")
    op.drop_table("reviews")
