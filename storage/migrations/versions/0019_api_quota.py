"""Daily API quotas (issue 15): units a credential spent per quota day (the YouTube Data API's
10,000 a day), so the budget holds across restarts and processes.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_quota",
        sa.Column("api", sa.String(length=100), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("exhausted", sa.Boolean(), nullable=False),
        sa.Column("noted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("api", "day", name=op.f("pk_api_quota")),
    )


def downgrade() -> None:
    op.drop_table("api_quota")
