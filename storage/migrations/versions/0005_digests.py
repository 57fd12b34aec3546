"""The record of weekly digests: one row per window, its files and when it was sent.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.Column("window_start", WHEN, nullable=False),
        sa.Column("window_end", WHEN, nullable=False),
        sa.Column("generated_at", WHEN, nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("sent_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests")),
        sa.UniqueConstraint(
            "window_start", "window_end", name=op.f("uq_digests_window_start_window_end")
        ),
    )
    op.create_index(op.f("ix_digests_window_end"), "digests", ["window_end"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_digests_window_end"), table_name="digests")
    op.drop_table("digests")
