"""The watch areas each article concerns (a deployment may serve several, tagged at once).

Articles tagged relevant before areas existed concern the one area of their deployment, stored
under the default area's name (`mac-dinh`); `duluan tag --retag` recomputes them for the
configured areas.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# storage.vocabulary.DEFAULT_AREA, written out: a migration keeps the value it was written with.
DEFAULT_AREA = "mac-dinh"


def upgrade() -> None:
    op.create_table(
        "article_areas",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_areas_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "area", name=op.f("pk_article_areas")),
    )
    op.create_index(op.f("ix_article_areas_area"), "article_areas", ["area"], unique=False)
    op.execute(
        sa.text(
            "INSERT INTO article_areas (article_id, area) "
            "SELECT id, :area FROM articles WHERE relevant = :yes"
        ).bindparams(area=DEFAULT_AREA, yes=True)
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_article_areas_area"), table_name="article_areas")
    op.drop_table("article_areas")
