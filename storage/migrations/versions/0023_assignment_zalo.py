"""The unit's Zalo chat on an assignment (issue 17): the assignment keeps the chat its message
went to, on Zalo as on Telegram, so the overdue reminders reach the same chats even after the
config changes. Assignments stored before had no Zalo chat.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN on both engines: no SQLite table rebuild, which would cascade to the
    # review history hanging on `assignments`.
    op.add_column("assignments", sa.Column("zalo", sa.String(length=64), nullable=True))


def downgrade() -> None:
    # SQLite drops a column in place since 3.35: again no rebuild.
    op.drop_column("assignments", "zalo")
