"""Drop the hand-rolled migrations' record: alembic_version replaces it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

On a fresh database there is nothing to drop. The downgrade writes the record back, so a
database taken down to 0001 is again one the release before Alembic can start on.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP TABLE IF EXISTS schema_migrations")


def downgrade() -> None:
    record = op.create_table(
        "schema_migrations",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )
    applied_at = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(record, [{"version": 1, "applied_at": applied_at}])
