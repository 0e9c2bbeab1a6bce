"""Durable submissions: one table, one code path for SQLite and PostgreSQL (SQLAlchemy Core).

A submission is written before the Lead API is called. Its state moves
pending → delivered | rejected | dead; the delivery path never deletes a row. A submission whose
trap field was filled is stored `held` instead: never claimed, so never sent, until an operator
releases it (held → pending).
Work is claimed with a compare-and-set on `claimed_until`, so two processes (or two instances)
never deliver the same submission at once, and a claim left by a crashed process lapses.

Longer than this project's usual 350 lines on purpose: `Store` is the one place every write to
the table lives (each method one transaction), and splitting it would spread the state rules.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.store import migrate, statements
from app.store.schema import DEAD, DELIVERED, HELD, PENDING, STATES, submissions, utcnow
from app.store.sqlite import SQLiteRunner, ensure_sqlite_folder, sqlite_pragmas
from app.store.statements import CLAIM_VALUES, CLAIMABLE, param
from app.store.submission import NewSubmission, Submission

_T = TypeVar("_T")


class Store:
    """The submissions table. Every operation is one transaction, run by `_run`.

    `engine` is an AsyncEngine on the same database for ad-hoc queries (tests, tools). On SQLite
    the Store's own operations go through `SQLiteRunner` instead; on PostgreSQL through `engine`
    (asyncpg).
    """

    def __init__(self, engine: AsyncEngine, secret: str, sqlite: SQLiteRunner | None = None):
        self.engine = engine
        self._secret = secret.encode()
        self._sqlite = sqlite
        dialect_insert = postgresql.insert if self.is_postgres else sqlite_dialect.insert
        self._insert = dialect_insert(submissions).on_conflict_do_nothing(index_elements=["id"])

    @classmethod
    def connect(cls, url: str, secret: str) -> Store:
        """A Store on `url` (sqlite+aiosqlite:///… or postgresql+asyncpg://…); `secret` keys the
        email digest. Nothing is opened until the first operation."""
        if url.startswith("sqlite"):
            ensure_sqlite_folder(url)
            # hide_parameters: a database error must not carry the homeowner's data into the log.
            engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
            sa.event.listen(engine.sync_engine, "connect", sqlite_pragmas)
            return cls(engine, secret, SQLiteRunner(sa.make_url(url).set(drivername="sqlite")))
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

    async def _run(self, work: Callable[[sa.Connection], _T], quick: bool = False) -> _T:
        """Run `work` in one transaction: committed if it returns, rolled back if it raises.

        `quick`: a short statement on one row or a few (see `SQLiteRunner`).
        """
        if self._sqlite is not None:
            return await self._sqlite.run(work, quick)
        async with self.engine.begin() as conn:
            return await conn.run_sync(work)

    async def close(self) -> None:
        if self._sqlite is not None:
            await self._sqlite.close()
        await self.engine.dispose()

    async def migrate(self) -> migrate.SchemaUpgrade:
        """Bring the schema to the newest Alembic revision; safe when several processes start
        at once (they take turns on a lock), and a no-op when it is up to date.

        Raises migrate.SchemaNotRecognised for a database this service did not make.
        """
        return await self._run(migrate.upgrade)

    async def ping(self) -> None:
        await self._run(lambda conn: conn.execute(sa.text("SELECT 1")), quick=True)

    def email_digest(self, email: str) -> str:
        """A keyed digest of the email, so erasure can find rows without a plain-text index."""
        return hmac.new(self._secret, email.strip().lower().encode(), hashlib.sha256).hexdigest()

    # Writing submissions

    async def add(
        self, new: NewSubmission, owner: str | None = None, hold: timedelta | None = None
    ) -> Submission | None:
        """Store a submission for delivery and return it; None when one with this id exists (a
        re-submit).

        With `owner`, the row is stored already claimed by it for `hold`, so the request that
        stored it sends it, not a background worker that polls in between.
        """
        now = utcnow()
        claimed_until = now + hold if owner and hold else None
        return await self._insert_new(new, PENDING, now, owner, claimed_until)

    async def add_held(self, new: NewSubmission) -> Submission | None:
        """Store a submission `held`: kept, counted and listed, but never claimed or sent until
        `release_held` moves it to pending. None when one with this id exists (a re-submit).
        """
        return await self._insert_new(new, HELD, utcnow(), None, None)

    async def _insert_new(
        self,
        new: NewSubmission,
        state: str,
        now: datetime,
        owner: str | None,
        claimed_until: datetime | None,
    ) -> Submission | None:
        values = {
            "id": new.id,
            "widget_id": new.widget_id,
            "state": state,
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
            "claimed_until": claimed_until,
        }
        insert = self._insert
        created = await self._run(
            lambda conn: conn.execute(insert, values).rowcount == 1, quick=True
        )
        if not created:
            return None
        # Exactly what was written: the caller needs no second round trip to read it back.
        return new.as_stored(now, claimed_until, state)

    async def get(self, submission_id: str) -> Submission | None:
        return await self._one(statements.FIND, {"p_id": submission_id})

    async def _one(self, statement: sa.Executable, params: dict[str, Any]) -> Submission | None:
        """The row `statement` selects or returns, if any."""
        row = await self._run(lambda conn: conn.execute(statement, params).first(), quick=True)
        return Submission.from_row(row) if row else None

    # Claiming work

    async def claim(self, submission_id: str, owner: str, hold: timedelta) -> Submission | None:
        """Take one pending submission for delivery (or renew our own claim on it).

        None when someone else holds it, or it is no longer pending.
        """
        now = utcnow()
        params = {"p_id": submission_id, "p_owner": owner, "p_until": now + hold, "p_now": now}
        return await self._one(statements.CLAIM, params)

    async def claim_due(self, owner: str, hold: timedelta, limit: int) -> list[Submission]:
        """Claim up to `limit` submissions whose next attempt is due, in one statement.

        PostgreSQL: the rows are picked FOR UPDATE SKIP LOCKED, so instances never wait on or
        take each other's rows. SQLite: one UPDATE is atomic (the database has one writer).
        Either way the UPDATE checks the claim again, so nothing is claimed twice.
        """
        now = utcnow()
        due = (
            sa.select(submissions.c.id)
            .where(CLAIMABLE, submissions.c.next_attempt_at <= param("p_now"))
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
            .where(chosen, CLAIMABLE)
            .values(**CLAIM_VALUES)
            .returning(*submissions.c)
        )
        params = {"p_owner": owner, "p_until": now + hold, "p_now": now}
        rows = await self._run(lambda conn: conn.execute(statement, params).all(), quick=True)
        return sorted((Submission.from_row(row) for row in rows), key=lambda s: s.created_at)

    # Recording what happened. Each applies only while `owner` holds the claim, and returns the
    # row as it left it (None when the claim was lost, or the submission is no longer pending).

    async def _record(
        self, statement: sa.Executable, submission_id: str, owner: str, **params: Any
    ) -> Submission | None:
        params |= {"p_id": submission_id, "p_owner": owner, "p_now": utcnow()}
        return await self._one(statement, params)

    async def mark_delivered(
        self, submission_id: str, owner: str, valuation: dict[str, Any]
    ) -> Submission | None:
        return await self._record(
            statements.MARK_DELIVERED, submission_id, owner, p_valuation=json.dumps(valuation)
        )

    async def mark_rejected(
        self, submission_id: str, owner: str, reasons: dict[str, Any]
    ) -> Submission | None:
        return await self._record(
            statements.MARK_REJECTED, submission_id, owner, p_rejection=json.dumps(reasons)
        )

    async def schedule_retry(
        self, submission_id: str, owner: str, at: datetime, error: str, maybe_sent: bool
    ) -> Submission | None:
        statement = statements.RETRY_MAYBE_SENT if maybe_sent else statements.RETRY
        return await self._record(statement, submission_id, owner, p_at=at, p_error=error[:500])

    async def mark_dead(self, submission_id: str, owner: str, error: str) -> Submission | None:
        return await self._record(statements.MARK_DEAD, submission_id, owner, p_error=error[:500])

    async def note_maybe_sent(self, submission_id: str) -> None:
        """Flag a submission the Lead API may have received, whoever holds it now."""
        params = {"p_id": submission_id}
        await self._run(lambda conn: conn.execute(statements.NOTE_MAYBE_SENT, params), quick=True)

    async def release(self, submission_id: str, owner: str) -> None:
        """Give a claim back untouched (nothing was sent), so it is retried at once."""
        params = {"p_id": submission_id, "p_owner": owner}
        await self._run(lambda conn: conn.execute(statements.RELEASE, params), quick=True)

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
        rows = await self._run(lambda conn: conn.execute(query).all())
        return [dict(row._mapping) for row in rows]

    async def counts(self) -> dict[str, int]:
        query = sa.select(submissions.c.state, sa.func.count()).group_by(submissions.c.state)
        rows = await self._run(lambda conn: conn.execute(query).all())
        found: dict[str, int] = {row[0]: row[1] for row in rows}
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
        oldest, possible_duplicates, attempts, after_retry, stripped = await self._run(
            lambda conn: conn.execute(query).one()
        )
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
        query = query.values(
            state=PENDING,
            attempts=0,
            next_attempt_at=now,
            updated_at=now,
            last_error=None,
            claimed_by=None,
            claimed_until=None,
        )
        return await self._run(lambda conn: conn.execute(query).rowcount)

    async def release_held(self, submission_id: str) -> int:
        """Send a held submission after all: it becomes pending, due now, and the worker
        delivers it like any other (once: a second release finds nothing held). Returns 1, or 0
        when no held submission with this id still has its personal data.
        """
        now = utcnow()
        query = (
            submissions.update()
            .where(
                submissions.c.id == submission_id,
                submissions.c.state == HELD,
                # Past retention or erased: nothing left to send.
                submissions.c.payload.is_not(None),
            )
            .values(state=PENDING, attempts=0, next_attempt_at=now, updated_at=now)
        )
        return await self._run(lambda conn: conn.execute(query).rowcount)

    def _strip_personal_data(self, conn: sa.Connection, where: sa.ColumnElement[bool]) -> int:
        now = utcnow()
        return conn.execute(
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
        ).rowcount

    async def remove_personal_data(self, where: sa.ColumnElement[bool]) -> int:
        """Strip personal fields; keep ids, times, states, widget, attribution and consent."""
        return await self._run(lambda conn: self._strip_personal_data(conn, where))

    async def apply_retention(self, days: int) -> int:
        """Strip personal data from submissions older than `days` that are finished or held
        (never pending: those are still being delivered). A held one can then not be released.
        """
        cutoff = utcnow() - timedelta(days=days)
        return await self.remove_personal_data(
            sa.and_(submissions.c.state != PENDING, submissions.c.created_at < cutoff)
        )

    async def erase_email(self, email: str) -> int:
        """Erase one person's data (UK GDPR right to erasure), whatever the state."""
        digest = self.email_digest(email)
        now = utcnow()

        def work(conn: sa.Connection) -> int:
            # A pending or held lead for someone who asked to be forgotten must not be sent later.
            conn.execute(
                submissions.update()
                .where(
                    submissions.c.email_digest == digest,
                    submissions.c.state.in_((PENDING, HELD)),
                )
                .values(
                    state=DEAD,
                    last_error="erased on request",
                    updated_at=now,
                    claimed_by=None,
                    claimed_until=None,
                )
            )
            return self._strip_personal_data(conn, submissions.c.email_digest == digest)

        return await self._run(work)
