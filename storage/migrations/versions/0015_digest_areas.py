"""Digests per watch area: each area gets its own weekly digest, sent once per area and window.

`digests` gets an `area` column, and a window is unique per area instead of overall; digests
written before areas existed belong to the default area (`mac-dinh`).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# nlp.area.DEFAULT_AREA, written out: a migration keeps the value it was written with.
DEFAULT_AREA = "mac-dinh"
OLD_UNIQUE = "uq_digests_window_start_window_end"
NEW_UNIQUE = "uq_digests_area_window_start_window_end"


def upgrade() -> None:
    # Nothing hangs on `digests`, so SQLite's table rebuild loses no rows.
    with op.batch_alter_table("digests") as batch:
        batch.add_column(
            sa.Column("area", sa.String(length=64), nullable=False, server_default=DEFAULT_AREA)
        )
        batch.drop_constraint(OLD_UNIQUE, type_="unique")
        batch.create_unique_constraint(NEW_UNIQUE, ["area", "window_start", "window_end"])
        batch.create_index("ix_digests_area", ["area"], unique=False)
    with op.batch_alter_table("digests") as batch:
        batch.alter_column("area", server_default=None)


def downgrade() -> None:
    """Back to one area: the other areas' digests go (their files stay on disk)."""
    op.execute(sa.text("DELETE FROM digests WHERE area <> :area").bindparams(area=DEFAULT_AREA))
    with op.batch_alter_table("digests") as batch:
        batch.drop_index("ix_digests_area")
        batch.drop_constraint(NEW_UNIQUE, type_="unique")
        batch.create_unique_constraint(OLD_UNIQUE, ["window_start", "window_end"])
        batch.drop_column("area")
