"""The database as the release before Alembic made it: a frozen copy of its create path.

Copied from that release's store (its table definition, its `schema_migrations` record and its
`migrate()`, run the way it ran them), so the migration tests start from exactly what a deployed
instance holds, whatever the live table definition becomes. Do not edit to follow app/store/.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from tests.delivery.support import async_url, new_submission
from tests.support.apps import TEST_SECRET

_T = TypeVar("_T")

release_metadata = sa.MetaData()

release_submissions = sa.Table(
    "submissions",
    release_metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("widget_id", sa.String(40), nullable=False),
    sa.Column("state", sa.String(12), nullable=False),
    sa.Column("lead_type", sa.String(12), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("payload", sa.Text, nullable=True),
    sa.Column("email_digest", sa.String(64), nullable=True, index=True),
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

release_schema_migrations = sa.Table(
    "schema_migrations",
    release_metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", sa.DateTime, nullable=False),
)


def _create_v1(connection: sa.Connection) -> None:
    release_submissions.create(connection, checkfirst=True)


RELEASE_MIGRATIONS = ((1, _create_v1),)


def release_migrate(conn: sa.Connection) -> None:
    """The release's `Store.migrate()` body, run in one transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(74657301)"))
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    release_schema_migrations.create(conn, checkfirst=True)
    done = set(conn.execute(sa.select(release_schema_migrations.c.version)).scalars())
    for version, step in RELEASE_MIGRATIONS:
        if version not in done:
            step(conn)
            conn.execute(
                release_schema_migrations.insert().values(
                    version=version, applied_at=datetime(2026, 10, 1, 8, 0, 0, 1)
                )
            )


def _release_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def run_in_transaction(database_url: str, work: Callable[[sa.Connection], _T]) -> _T:
    """`work(connection)` in one transaction, the way the release ran its migrations: SQLite
    through a plain pysqlite connection (its worker thread), PostgreSQL through asyncpg."""
    if database_url.startswith("sqlite"):
        engine = sa.create_engine(database_url, poolclass=sa.NullPool)
        sa.event.listen(engine, "connect", _release_sqlite_pragmas)
        try:
            with engine.connect() as conn, conn.begin():
                return work(conn)
        finally:
            engine.dispose()

    async def on_postgres() -> _T:
        engine = create_async_engine(async_url(database_url))
        try:
            async with engine.begin() as conn:
                return await conn.run_sync(work)
        finally:
            await engine.dispose()

    return asyncio.run(on_postgres())


def release_email_digest(email: str) -> str:
    return hmac.new(
        TEST_SECRET.encode(), email.strip().lower().encode(), hashlib.sha256
    ).hexdigest()


# Microseconds included: they must survive too.
WRITTEN_AT = datetime(2026, 10, 14, 9, 30, 15, 123456)


def release_rows() -> list[dict[str, Any]]:
    """One row in each state the release wrote, with every column set as it set them."""
    rows = []
    for number, state in enumerate(("pending", "delivered", "rejected", "dead", "erased")):
        new = new_submission()
        at = WRITTEN_AT + timedelta(minutes=number)
        rows.append(
            {
                "id": new.id,
                "widget_id": "default" if number % 2 else "second-agency",
                "state": "delivered" if state == "erased" else state,
                "lead_type": "landlord" if number == 2 else "vendor",
                "created_at": at,
                "updated_at": at + timedelta(seconds=4, microseconds=7),
                "payload": None if state == "erased" else json.dumps(new.payload),
                "email_digest": None if state == "erased" else release_email_digest(new.email),
                "attribution": json.dumps(new.attribution),
                "consent": json.dumps(new.consent),
                "slots": "[]" if state == "erased" else json.dumps(new.slots),
                "attempts": number,
                "next_attempt_at": at + timedelta(minutes=5),
                # The pending one was claimed by an instance that then stopped.
                "claimed_by": "web-1:4242" if state == "pending" else None,
                "claimed_until": at + timedelta(seconds=30) if state == "pending" else None,
                "last_error": {"pending": "HTTP 503", "dead": "timeout"}.get(state),
                "valuation": json.dumps({"valuation_status": "Success", "average": 325000})
                if state in ("delivered", "erased")
                else None,
                "rejection": json.dumps({"status": 422, "errors": {"postcode": ["invalid"]}})
                if state == "rejected"
                else None,
                "delivered_at": at + timedelta(seconds=2)
                if state in ("delivered", "erased")
                else None,
                "maybe_sent_before": state == "pending",
                "personal_data_removed_at": at + timedelta(days=90) if state == "erased" else None,
            }
        )
    return rows


def create_release_database(database_url: str, rows: list[dict[str, Any]]) -> None:
    """Build the database as the release did at its first start, then store `rows` in it."""
    run_in_transaction(database_url, release_migrate)
    if rows:
        insert = release_submissions.insert()
        run_in_transaction(database_url, lambda conn: conn.execute(insert, rows))


def read_rows(database_url: str) -> list[dict[str, Any]]:
    """Every submission, every column, in id order."""
    query = sa.select(release_submissions).order_by(release_submissions.c.id)
    return run_in_transaction(
        database_url, lambda conn: [dict(row._mapping) for row in conn.execute(query)]
    )
