"""The submissions table as the code sees it today: states, columns, indexes.

This is the live definition the repository queries. The database itself is built and changed only
by the Alembic revisions in `migrations/versions/`, which carry their own frozen copy of each
change; `tests/delivery/test_migrations.py` fails when the two disagree.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

PENDING, DELIVERED, REJECTED, DEAD = "pending", "delivered", "rejected", "dead"
HELD = "held"  # the trap field was filled: stored, not sent unless an operator releases it
STATES = (PENDING, DELIVERED, REJECTED, DEAD, HELD)

metadata = sa.MetaData()

submissions = sa.Table(
    "submissions",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("widget_id", sa.String(40), nullable=False),
    sa.Column("state", sa.String(12), nullable=False),
    sa.Column("lead_type", sa.String(12), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    # Personal data: the Lead API body and the lookup digest of the email, removed after retention.
    sa.Column("payload", sa.Text, nullable=True),
    sa.Column("email_digest", sa.String(64), nullable=True, index=True),
    # Kept for the life of the row: no personal data.
    sa.Column("attribution", sa.Text, nullable=False, default="{}"),
    sa.Column("consent", sa.Text, nullable=False, default="{}"),
    sa.Column("slots", sa.Text, nullable=False, default="[]"),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", sa.DateTime, nullable=False),
    sa.Column("claimed_by", sa.String(64), nullable=True),
    sa.Column("claimed_until", sa.DateTime, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("valuation", sa.Text, nullable=True),
    sa.Column("rejection", sa.Text, nullable=True),
    sa.Column("delivered_at", sa.DateTime, nullable=True),
    sa.Column("maybe_sent_before", sa.Boolean, nullable=False, default=False),
    sa.Column("personal_data_removed_at", sa.DateTime, nullable=True),
    sa.Index("ix_submissions_due", "state", "next_attempt_at"),
    sa.Index("ix_submissions_created", "created_at"),
)


def utcnow() -> datetime:
    """Naive UTC: stored the same way on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)
