"""The submissions table, exactly as the hand-rolled migrations' version 1 built it.

Revision ID: 0001
Revises:
Create Date: 2026-11-30

Frozen DDL: every column, type, nullability and index is written out here, never taken from
app.store.schema, so later revisions alter this same table on fresh databases and on databases
made before Alembic (which are stamped at this revision). No column has a server default: the
defaults of the table definition are applied by SQLAlchemy when it inserts.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("widget_id", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("lead_type", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("email_digest", sa.String(length=64), nullable=True),
        sa.Column("attribution", sa.Text(), nullable=False),
        sa.Column("consent", sa.Text(), nullable=False),
        sa.Column("slots", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("valuation", sa.Text(), nullable=True),
        sa.Column("rejection", sa.Text(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("maybe_sent_before", sa.Boolean(create_constraint=False), nullable=False),
        sa.Column("personal_data_removed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_submissions_email_digest", "submissions", ["email_digest"])
    op.create_index("ix_submissions_due", "submissions", ["state", "next_attempt_at"])
    op.create_index("ix_submissions_created", "submissions", ["created_at"])


def downgrade() -> None:
    op.drop_table("submissions")
