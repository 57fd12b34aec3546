"""The outbox's messenger (issue 17): a destination may be a Telegram chat or a Zalo chat, so a
message is kept once per (story, messenger, chat, topic); every row already stored is Telegram's.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(
            sa.Column("messenger", sa.String(length=16), server_default="telegram", nullable=False)
        )
        batch.drop_constraint("uq_outbox_story_chat_topic_key", type_="unique")
        batch.create_unique_constraint(
            "uq_outbox_story_messenger_chat_topic_key", ["story", "messenger", "chat", "topic_key"]
        )


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE messenger <> 'telegram'")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint("uq_outbox_story_messenger_chat_topic_key", type_="unique")
        batch.create_unique_constraint(
            "uq_outbox_story_chat_topic_key", ["story", "chat", "topic_key"]
        )
        batch.drop_column("messenger")
