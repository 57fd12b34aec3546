"""The platform of an item: news outlets, social networks, forums (issue 15).

`articles` gets a `platform` column (`crawler.platform.Platform`); every article stored before
came from a configured news outlet, so existing rows are `news`. And `views`, how many have
seen an item where its platform shows it (a Telegram post's views), unknown before.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN with a default on both engines: no SQLite table rebuild, so nothing
    # hanging on `articles` (bands, pages, tags, areas) is touched.
    op.add_column(
        "articles",
        sa.Column("platform", sa.String(length=16), nullable=False, server_default="news"),
    )
    op.create_index("ix_articles_platform", "articles", ["platform"], unique=False)
    op.add_column("articles", sa.Column("views", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_index("ix_articles_platform", table_name="articles")
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("views")
        batch.drop_column("platform")
