"""The Zalo chats of a console watch rule (issue 17 §1): a rule made in the console alerts
Zalo chats as a config rule's `zalo_chats` do; rules stored before alert none.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN on both engines; the default fills the rules already stored.
    op.add_column(
        "watch_rules",
        sa.Column("zalo_chats", sa.JSON(), server_default="[]", nullable=False),
    )


def downgrade() -> None:
    # SQLite drops a column in place since 3.35: no table rebuild.
    op.drop_column("watch_rules", "zalo_chats")
