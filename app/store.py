"""Durable submissions: one table, one code path for SQLite and PostgreSQL (SQLAlchemy Core).

A submission is written before the Lead API is called. Its state moves
pending → delivered | rejected | dead; the delivery path never deletes a row.
Work is claimed with a compare-and-set on `claimed_until`, so two processes (or two instances)
never deliver the same submission at once, and a claim left by a crashed process lapses.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

PENDING, DELIVERED, REJECTED, DEAD = "pending", "delivered", "rejected", "dead"
STATES = (PENDING, DELIVERED, REJECTED, DEAD)

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

schema_migrations = sa.Table(
    "schema_migrations",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", sa.DateTime, nullable=False),
)


def _create_v1(connection: sa.Connection) -> None:
    submissions.create(connection, checkfirst=True)


# Append new migrations here; each runs once, in order, inside a transaction.
MIGRATIONS = ((1, _create_v1),)


def utcnow() -> datetime:
    """Naive UTC: stored the same way on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class Submission:
    id: str
    widget_id: str
    state: str
    lead_type: str
    created_at: datetime
    payload: dict[str, Any] | None
    attribution: dict[str, str]
    consent: dict[str, Any]
    slots: list[str]
    attempts: int
    last_error: str | None
    valuation: dict[str, Any] | None
    rejection: dict[str, Any] | None
    delivered_at: datetime | None
    maybe_sent_before: bool
    claimed_until: datetime | None = None

    def attempt_under_way(self, now: datetime | None = None) -> bool:
        """Someone holds a live claim: an attempt may be in flight right now."""
        return self.claimed_until is not None and self.claimed_until > (now or utcnow())

    @classmethod
    def from_row(cls, row: sa.Row) -> Submission:
        def loads(value: str | None) -> Any:
            return json.loads(value) if value else None

        return cls(
            id=row.id,
            widget_id=row.widget_id,
            state=row.state,
            lead_type=row.lead_type,
            created_at=row.created_at,
            payload=loads(row.payload),
            attribution=loads(row.attribution) or {},
            consent=loads(row.consent) or {},
            slots=loads(row.slots) or [],
            attempts=row.attempts,
            last_error=row.last_error,
            valuation=loads(row.valuation),
            rejection=loads(row.rejection),
            delivered_at=row.delivered_at,
            maybe_sent_before=bool(row.maybe_sent_before),
            claimed_until=row.claimed_until,
        )


@dataclass(frozen=True)
class NewSubmission:
    id: str
    widget_id: str
    lead_type: str
    payload: dict[str, Any]
    email: str
    attribution: dict[str, str]
    consent: dict[str, Any]
    slots: list[str]


class Store:
    def __init__(self, engine: AsyncEngine, secret: str):
        self.engine = engine
        self._secret = secret.encode()

    @classmethod
    def connect(cls, url: str, secret: str) -> Store:
        if url.startswith("sqlite"):
            _ensure_sqlite_folder(url)
            # hide_parameters: a database error must not carry the homeowner's data into the log.
            engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
            sa.event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            engine = create_async_engine(
                url,
                pool_size=10,
                max_overflow=10,
                pool_pre_ping=True,
                pool_timeout=10,
                hide_parameters=True,
            )
        return cls(engine, secret)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    async def close(self) -> None:
        await self.engine.dispose()

    async def migrate(self) -> None:
        """Bring the schema up to date; safe when several processes start at once."""
        async with self.engine.begin() as conn:
            if self.is_postgres:
                # Instances starting together must not migrate twice: the second waits here.
                await conn.execute(sa.text("SELECT pg_advisory_xact_lock(74657301)"))
            else:
                # The SQLite twin of that lock: take the write lock before looking.
                await conn.exec_driver_sql("BEGIN IMMEDIATE")
            await conn.run_sync(lambda sync: schema_migrations.create(sync, checkfirst=True))
            done = set((await conn.execute(sa.select(schema_migrations.c.version))).scalars())
            for version, step in MIGRATIONS:
                if version not in done:
                    await conn.run_sync(step)
                    await conn.execute(
                        schema_migrations.insert().values(version=version, applied_at=utcnow())
                    )

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    def email_digest(self, email: str) -> str:
        """A keyed digest of the email, so erasure can find rows without a plain-text index."""
        return hmac.new(self._secret, email.strip().lower().encode(), hashlib.sha256).hexdigest()

    # Writing submissions

    async def add(
        self, new: NewSubmission, owner: str | None = None, hold: timedelta | None = None
    ) -> bool:
        """Store a submission; False when one with this id exists already (a re-submit).

        With `owner`, the row is stored already claimed by it for `hold`, so the request that
        stored it sends it, not a background worker that polls in between.
        """
        now = utcnow()
        values = {
            "id": new.id,
            "widget_id": new.widget_id,
            "state": PENDING,
            "lead_type": new.lead_type,
            "created_at": now,
            "updated_at": now,
            "payload": json.dumps(new.payload),
            "email_digest": self.email_digest(new.email),
            "attribution": json.dumps(new.attribution),
            "consent": json.dumps(new.consent),
            "slots": json.dumps(new.slots),
            "attempts": 0,
            "next_attempt_at": now,
            "maybe_sent_before": False,
            "claimed_by": owner,
            "claimed_until": now + hold if owner and hold else None,
        }
        insert = (postgresql.insert if self.is_postgres else sqlite.insert)(submissions)
        statement = insert.values(**values).on_conflict_do_nothing(index_elements=["id"])
        async with self.engine.begin() as conn:
            result = await conn.execute(statement)
        return result.rowcount == 1

    async def get(self, submission_id: str) -> Submission | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(sa.select(submissions).where(submissions.c.id == submission_id))
            ).first()
        return Submission.from_row(row) if row else None

    # Claiming work

    def _claimable(self, now: datetime) -> sa.ColumnElement[bool]:
        return sa.and_(
            submissions.c.state == PENDING,
            sa.or_(submissions.c.claimed_until.is_(None), submissions.c.claimed_until < now),
        )

    def _claim_values(self, owner: str, until: datetime, now: datetime) -> dict[str, Any]:
        # Taking over a claim that lapsed: its holder died, maybe after the Lead API got the lead.
        taken_over = sa.and_(
            submissions.c.claimed_by.is_not(None), submissions.c.claimed_by != owner
        )
        return {
            "claimed_by": owner,
            "claimed_until": until,
            "updated_at": now,
            "maybe_sent_before": sa.case(
                (taken_over, sa.true()), else_=submissions.c.maybe_sent_before
            ),
        }

    async def claim(self, submission_id: str, owner: str, hold: timedelta) -> Submission | None:
        """Take one pending submission for delivery (or renew our own claim on it).

        None when someone else holds it, or it is no longer pending.
        """
        now = utcnow()
        ours = sa.and_(submissions.c.state == PENDING, submissions.c.claimed_by == owner)
        statement = (
            submissions.update()
            .where(submissions.c.id == submission_id, sa.or_(self._claimable(now), ours))
            .values(**self._claim_values(owner, now + hold, now))
            .returning(*submissions.c)
        )
        async with self.engine.begin() as conn:
            row = (await conn.execute(statement)).first()
        return Submission.from_row(row) if row else None

    async def claim_due(self, owner: str, hold: timedelta, limit: int) -> list[Submission]:
        """Claim up to `limit` submissions whose next attempt is due, in one statement.

        PostgreSQL: the rows are picked FOR UPDATE SKIP LOCKED, so instances never wait on or
        take each other's rows. SQLite: one UPDATE is atomic (the database has one writer).
        Either way the UPDATE checks the claim again, so nothing is claimed twice.
        """
        now = utcnow()
        due = (
            sa.select(submissions.c.id)
            .where(self._claimable(now), submissions.c.next_attempt_at <= now)
            .order_by(submissions.c.next_attempt_at)
            .limit(limit)
        )
        if self.is_postgres:
            # A MATERIALIZED CTE runs once: as an IN (subquery) PostgreSQL may rescan it, and
            # with SKIP LOCKED each rescan finds more rows, so one claim could take far more
            # than `limit`.
            picked = due.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
            chosen: sa.ColumnElement[bool] = submissions.c.id == picked.c.id
        else:
            chosen = submissions.c.id.in_(due.scalar_subquery())
        statement = (
            submissions.update()
            .where(chosen, self._claimable(now))
            .values(**self._claim_values(owner, now + hold, now))
            .returning(*submissions.c)
        )
        async with self.engine.begin() as conn:
            rows = (await conn.execute(statement)).all()
        return sorted((Submission.from_row(row) for row in rows), key=lambda s: s.created_at)

    # Recording what happened; each only applies while `owner` holds the claim.

    async def _finish(self, submission_id: str, owner: str, **values: Any) -> bool:
        now = utcnow()
        async with self.engine.begin() as conn:
            result = await conn.execute(
                submissions.update()
                .where(
                    submissions.c.id == submission_id,
                    submissions.c.state == PENDING,
                    submissions.c.claimed_by == owner,
                )
                .values(updated_at=now, claimed_by=None, claimed_until=None, **values)
            )
        return result.rowcount == 1

    async def mark_delivered(self, submission_id: str, owner: str, valuation: dict) -> bool:
        return await self._finish(
            submission_id,
            owner,
            state=DELIVERED,
            valuation=json.dumps(valuation),
            delivered_at=utcnow(),
            attempts=submissions.c.attempts + 1,
            last_error=None,
        )

    async def mark_rejected(self, submission_id: str, owner: str, reasons: dict) -> bool:
        return await self._finish(
            submission_id,
            owner,
            state=REJECTED,
            rejection=json.dumps(reasons),
            attempts=submissions.c.attempts + 1,
        )

    async def schedule_retry(
        self, submission_id: str, owner: str, at: datetime, error: str, maybe_sent: bool
    ) -> bool:
        values: dict[str, Any] = {
            "next_attempt_at": at,
            "last_error": error[:500],
            "attempts": submissions.c.attempts + 1,
        }
        if maybe_sent:
            values["maybe_sent_before"] = True
        return await self._finish(submission_id, owner, **values)

    async def mark_dead(self, submission_id: str, owner: str, error: str) -> bool:
        return await self._finish(
            submission_id,
            owner,
            state=DEAD,
            last_error=error[:500],
            attempts=submissions.c.attempts + 1,
        )

    async def note_maybe_sent(self, submission_id: str) -> None:
        """Flag a submission the Lead API may have received, whoever holds it now."""
        async with self.engine.begin() as conn:
            await conn.execute(
                submissions.update()
                .where(submissions.c.id == submission_id)
                .values(maybe_sent_before=True)
            )

    async def release(self, submission_id: str, owner: str) -> None:
        """Give a claim back untouched (nothing was sent), so it is retried at once."""
        async with self.engine.begin() as conn:
            await conn.execute(
                submissions.update()
                .where(submissions.c.id == submission_id, submissions.c.claimed_by == owner)
                .values(claimed_by=None, claimed_until=None)
            )

    # Operations

    async def list_by_state(self, state: str | None, limit: int = 100) -> list[dict[str, Any]]:
        """Ids, widget, times and state only: no personal data."""
        columns = (
            submissions.c.id,
            submissions.c.widget_id,
            submissions.c.state,
            submissions.c.created_at,
            submissions.c.attempts,
            submissions.c.next_attempt_at,
        )
        query = sa.select(*columns).order_by(submissions.c.created_at.desc()).limit(limit)
        if state:
            query = query.where(submissions.c.state == state)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [dict(row._mapping) for row in rows]

    async def counts(self) -> dict[str, int]:
        query = sa.select(submissions.c.state, sa.func.count()).group_by(submissions.c.state)
        async with self.engine.connect() as conn:
            found = dict((await conn.execute(query)).tuples().all())
        return {state: int(found.get(state, 0)) for state in STATES}

    async def delivery_stats(self) -> dict[str, Any]:
        """Counts by state and delivery figures; nothing personal, unchanged by retention."""
        counts = await self.counts()
        count = sa.func.count()
        delivered = submissions.c.state == DELIVERED
        query = sa.select(
            sa.func.min(submissions.c.created_at).filter(submissions.c.state == PENDING),
            count.filter(delivered, submissions.c.maybe_sent_before),
            sa.func.sum(submissions.c.attempts),
            count.filter(delivered, submissions.c.attempts > 1),
            count.filter(submissions.c.personal_data_removed_at.is_not(None)),
        )
        async with self.engine.connect() as conn:
            oldest, possible_duplicates, attempts, after_retry, stripped = (
                await conn.execute(query)
            ).one()
        return {
            "accepted": sum(counts.values()),
            **counts,
            "oldest_pending_seconds": (utcnow() - oldest).total_seconds() if oldest else 0.0,
            "possible_duplicates": int(possible_duplicates or 0),
            "delivered_after_retry": int(after_retry or 0),
            "attempts": int(attempts or 0),
            "personal_data_removed": int(stripped or 0),
        }

    async def retry_dead(self, submission_id: str | None = None) -> int:
        """Put dead submissions (one, or all) back in the queue for an attempt now."""
        # Erased rows have nothing left to send.
        query = submissions.update().where(
            submissions.c.state == DEAD, submissions.c.payload.is_not(None)
        )
        if submission_id:
            query = query.where(submissions.c.id == submission_id)
        now = utcnow()
        async with self.engine.begin() as conn:
            result = await conn.execute(
                query.values(
                    state=PENDING,
                    attempts=0,
                    next_attempt_at=now,
                    updated_at=now,
                    last_error=None,
                    claimed_by=None,
                    claimed_until=None,
                )
            )
        return result.rowcount

    async def remove_personal_data(self, where: sa.ColumnElement[bool]) -> int:
        """Strip personal fields; keep ids, times, states, widget, attribution and consent."""
        now = utcnow()
        async with self.engine.begin() as conn:
            result = await conn.execute(
                submissions.update()
                .where(where, submissions.c.payload.is_not(None))
                .values(
                    payload=None,
                    email_digest=None,
                    rejection=None,
                    slots="[]",
                    personal_data_removed_at=now,
                    updated_at=now,
                )
            )
        return result.rowcount

    async def apply_retention(self, days: int) -> int:
        """Strip personal data from finished submissions older than `days` (never pending)."""
        cutoff = utcnow() - timedelta(days=days)
        return await self.remove_personal_data(
            sa.and_(submissions.c.state != PENDING, submissions.c.created_at < cutoff)
        )

    async def erase_email(self, email: str) -> int:
        """Erase one person's data (UK GDPR right to erasure), whatever the state."""
        digest = self.email_digest(email)
        now = utcnow()
        async with self.engine.begin() as conn:
            # A pending lead for someone who asked to be forgotten must not be sent later.
            await conn.execute(
                submissions.update()
                .where(submissions.c.email_digest == digest, submissions.c.state == PENDING)
                .values(
                    state=DEAD,
                    last_error="erased on request",
                    updated_at=now,
                    claimed_by=None,
                    claimed_until=None,
                )
            )
        return await self.remove_personal_data(submissions.c.email_digest == digest)

    async def ids_in_state(self, states: Sequence[str]) -> list[str]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(submissions.c.id).where(submissions.c.state.in_(states))
            )
            return list(rows.scalars())


def _ensure_sqlite_folder(url: str) -> None:
    from pathlib import Path

    path = url.split(":///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers carry on while the worker writes; busy_timeout rides out short locks.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
