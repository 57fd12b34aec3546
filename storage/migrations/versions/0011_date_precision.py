"""Articles keep how precise their publication date is, and an alternative headline.

A page that gives only a day is stored at local midnight with precision "day" (shown as a day,
never as 00:00); the og:title/JSON-LD headline is kept where it differs from the visible one.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(
            sa.Column("published_precision", sa.String(8), nullable=False, server_default="minute")
        )
        batch.add_column(sa.Column("alt_title", sa.Text(), nullable=True))
    op.execute("UPDATE articles SET published_precision = 'unknown' WHERE published_at IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("alt_title")
        batch.drop_column("published_precision")
