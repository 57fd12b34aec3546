"""Reviews and cases per watch area: a story about two areas is reviewed in each, separately.

`reviews` and `cases` get an `area` column, and their story is unique per area instead of
overall; rows written before areas existed belong to the default area (`mac-dinh`).
Assignments and review history hang on a review, so they follow its area.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# nlp.area.DEFAULT_AREA, written out: a migration keeps the value it was written with.
DEFAULT_AREA = "mac-dinh"
TABLES = ("reviews", "cases")


# On SQLite, batch mode rebuilds a table (copy, drop, rename) to change its constraints, and with
# foreign keys on (duluan's connections; the pragma cannot change inside the migration's
# transaction) dropping the old table cascades to the rows that hang on it: they are kept aside
# and put back. Child tables by parent, in the order they are restored; evidence's link to its
# case is SET NULL rather than deleted.
CHILDREN = {"reviews": ("assignments", "review_actions"), "cases": ("case_steps",)}


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for child in (*CHILDREN["reviews"], *CHILDREN["cases"], "evidence"):
            op.execute(f"CREATE TEMP TABLE keep_{child} AS SELECT * FROM {child}")
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("area", sa.String(length=64), nullable=False, server_default=DEFAULT_AREA)
            )
            batch.drop_constraint(f"uq_{table}_story", type_="unique")
            batch.create_unique_constraint(f"uq_{table}_area_story", ["area", "story"])
            batch.create_index(f"ix_{table}_area", ["area"], unique=False)
            batch.create_index(f"ix_{table}_story", ["story"], unique=False)
        with op.batch_alter_table(table) as batch:
            batch.alter_column("area", server_default=None)
    if sqlite:
        _restore()


def _restore() -> None:
    """Put back the rows that SQLite's table rebuilds deleted (see `CHILDREN`)."""
    for child in (*CHILDREN["reviews"], *CHILDREN["cases"]):
        op.execute(
            f"INSERT INTO {child} SELECT * FROM keep_{child} "
            f"WHERE id NOT IN (SELECT id FROM {child})"
        )
        op.execute(f"DROP TABLE keep_{child}")
    op.execute(
        "UPDATE evidence SET case_id = (SELECT k.case_id FROM keep_evidence k "
        "WHERE k.id = evidence.id) WHERE case_id IS NULL"
    )
    op.execute("DROP TABLE keep_evidence")


def downgrade() -> None:
    """Back to one area: the other areas' reviews and cases (and what hangs on them) go."""
    for table in TABLES:
        op.execute(
            sa.text(f"DELETE FROM {table} WHERE area <> :area").bindparams(area=DEFAULT_AREA)
        )
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for child in (*CHILDREN["reviews"], *CHILDREN["cases"], "evidence"):
            op.execute(f"CREATE TEMP TABLE keep_{child} AS SELECT * FROM {child}")
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_story")
            batch.drop_index(f"ix_{table}_area")
            batch.drop_constraint(f"uq_{table}_area_story", type_="unique")
            batch.create_unique_constraint(f"uq_{table}_story", ["story"])
            batch.drop_column("area")
    if sqlite:
        _restore()
