"""Spike episodes (issue 16): consecutive days an area's daily count of stories stayed far
above its usual rhythm, so that an episode alerts once, across restarts too.

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "spike_episodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=64), nullable=False),
        sa.Column("series", sa.String(length=200), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("last_on", sa.Date(), nullable=False),
        sa.Column("peak", sa.Integer(), nullable=False),
        sa.Column("expected", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spike_episodes")),
        sa.UniqueConstraint(
            "area",
            "series",
            "started_on",
            name=op.f("uq_spike_episodes_area_series_started_on"),
        ),
    )


def downgrade() -> None:
    op.drop_table("spike_episodes")
