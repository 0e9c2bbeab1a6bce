"""Durable submissions: one table, one code path for SQLite and PostgreSQL (SQLAlchemy Core).

A submission is written before the Lead API is called. Its state moves
pending → delivered | rejected | dead; the delivery path never deletes a row.
Work is claimed with a compare-and-set on `claimed_until`, so two processes (or two instances)
never deliver the same submission at once, and a claim left by a crashed process lapses.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

_T = TypeVar("_T")
log = logging.getLogger(__name__)

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
    def from_row(cls, row: sa.Row[Any]) -> Submission:
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


# Statements built once: building a SQLAlchemy statement costs more CPU than SQLite takes to run
# it. Values arrive as bound parameters (p_…, so they never clash with column names), typed so
# that SQLite stores times in SQLAlchemy's format whatever the statement.
_TYPES: dict[str, sa.types.TypeEngine[Any]] = {
    "p_id": sa.String(),
    "p_owner": sa.String(),
    "p_now": sa.DateTime(),
    "p_until": sa.DateTime(),
    "p_at": sa.DateTime(),
}


def _P(name: str) -> sa.BindParameter[Any]:
    return sa.bindparam(name, type_=_TYPES.get(name, sa.Text()))


_FIND = sa.select(submissions).where(submissions.c.id == _P("p_id"))
_CLAIMABLE = sa.and_(
    submissions.c.state == PENDING,
    sa.or_(submissions.c.claimed_until.is_(None), submissions.c.claimed_until < _P("p_now")),
)
_CLAIM_VALUES: dict[str, Any] = {
    "claimed_by": _P("p_owner"),
    "claimed_until": _P("p_until"),
    "updated_at": _P("p_now"),
    # Taking over a claim that lapsed: its holder died, maybe after the Lead API got the lead.
    "maybe_sent_before": sa.case(
        (
            sa.and_(
                submissions.c.claimed_by.is_not(None), submissions.c.claimed_by != _P("p_owner")
            ),
            sa.true(),
        ),
        else_=submissions.c.maybe_sent_before,
    ),
}
_CLAIM = (
    submissions.update()
    .where(
        submissions.c.id == _P("p_id"),
        sa.or_(
            _CLAIMABLE,
            sa.and_(submissions.c.state == PENDING, submissions.c.claimed_by == _P("p_owner")),
        ),
    )
    .values(**_CLAIM_VALUES)
    .returning(*submissions.c)
)


def _finish(**values: Any) -> sa.Update:
    """An outcome, recorded only while the owner holds the claim; returns the row it left."""
    return (
        submissions.update()
        .where(
            submissions.c.id == _P("p_id"),
            submissions.c.state == PENDING,
            submissions.c.claimed_by == _P("p_owner"),
        )
        .values(updated_at=_P("p_now"), claimed_by=None, claimed_until=None, **values)
        .returning(*submissions.c)
    )


_ONE_MORE = submissions.c.attempts + 1
_DELIVERED = _finish(
    state=DELIVERED,
    valuation=_P("p_valuation"),
    delivered_at=_P("p_now"),
    attempts=_ONE_MORE,
    last_error=None,
)
_REJECTED = _finish(state=REJECTED, rejection=_P("p_rejection"), attempts=_ONE_MORE)
_DEAD = _finish(state=DEAD, last_error=_P("p_error"), attempts=_ONE_MORE)
_RETRY = _finish(next_attempt_at=_P("p_at"), last_error=_P("p_error"), attempts=_ONE_MORE)
_RETRY_MAYBE_SENT = _finish(
    next_attempt_at=_P("p_at"),
    last_error=_P("p_error"),
    attempts=_ONE_MORE,
    maybe_sent_before=True,
)
_NOTE_MAYBE_SENT = (
    submissions.update().where(submissions.c.id == _P("p_id")).values(maybe_sent_before=True)
)
_RELEASE = (
    submissions.update()
    .where(submissions.c.id == _P("p_id"), submissions.c.claimed_by == _P("p_owner"))
    .values(claimed_by=None, claimed_until=None)
)


class _SQLite:
    """How the Store reaches SQLite: quick statements on the caller's thread, the rest in one
    worker thread.

    The Store's hot statements (store, claim, record an outcome, read one row) take tens of
    microseconds in SQLite. Through SQLAlchemy's asyncio adapter each one cost about a
    millisecond of CPU (every cursor, execute, fetch and commit is a hop to aiosqlite's thread
    and back), and even one hop per operation to a worker thread cost more than the statement,
    mostly in contention for the GIL. So they run right on the event loop's thread, on a
    connection that never waits for a lock: `busy_timeout` is 0, and if another process holds
    the write lock (SQLITE_BUSY) the operation is rolled back and run again in the worker
    thread, whose connection does wait (up to 30 s) without holding up the event loop.
    Slow or rare work (migrations, retention, erasure, statistics) and WAL checkpoints, which
    fsync, always run in the worker thread.
    """

    # A PASSIVE checkpoint in the worker thread after this many operations on the loop.
    checkpoint_every = 500

    def __init__(self, url: sa.URL):
        # NullPool: each connection below is opened once and kept, by its one thread.
        # hide_parameters: a database error must not carry the homeowner's data into the log.
        self._quick_engine = sa.create_engine(
            url,
            poolclass=sa.NullPool,
            connect_args={"timeout": 0, "check_same_thread": False},
            hide_parameters=True,
        )
        sa.event.listen(self._quick_engine, "connect", _sqlite_pragmas_never_wait)
        self._thread_engine = sa.create_engine(
            url, poolclass=sa.NullPool, connect_args={"timeout": 30}, hide_parameters=True
        )
        sa.event.listen(self._thread_engine, "connect", _sqlite_pragmas)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        # One quick connection per thread that runs an event loop (normally just one).
        self._local = threading.local()
        self._opened: list[sa.Connection] = []
        self._thread_conn: sa.Connection | None = None
        self._quick_runs = 0
        self._checkpoint: asyncio.Future[None] | None = None

    async def run(self, work: Callable[[sa.Connection], _T], quick: bool) -> _T:
        if quick:
            try:
                result = self._quick(work)
            except sa.exc.OperationalError as exc:
                if not _sqlite_busy(exc):
                    raise
                # Another process is writing: wait for the lock in the worker thread, not here.
                # (Retrying here after short pauses instead measured 10-15% slower.)
            else:
                self._quick_runs += 1
                if self._quick_runs % self.checkpoint_every == 0:
                    self._start_checkpoint()
                return result
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, self._in_thread, work)

    def _quick(self, work: Callable[[sa.Connection], _T]) -> _T:
        conn: sa.Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self._local.conn = self._quick_engine.connect()
            self._opened.append(conn)
        return _transaction(conn, work)

    def _in_thread(self, work: Callable[[sa.Connection], _T]) -> _T:
        if self._thread_conn is None or self._thread_conn.closed:
            self._thread_conn = self._thread_engine.connect()
        return _transaction(self._thread_conn, work)

    def _start_checkpoint(self) -> None:
        if self._checkpoint is None or self._checkpoint.done():
            loop = asyncio.get_running_loop()
            self._checkpoint = loop.run_in_executor(self._thread, self._in_thread, _checkpoint)
            self._checkpoint.add_done_callback(_log_checkpoint_failure)

    def _dispose(self) -> None:
        for conn in [*self._opened, self._thread_conn]:
            if conn is not None:
                conn.close()
        self._opened.clear()
        self._thread_conn = None
        self._quick_engine.dispose()
        self._thread_engine.dispose()

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._thread, self._dispose)
        self._thread.shutdown(wait=True)


def _transaction(conn: sa.Connection, work: Callable[[sa.Connection], _T]) -> _T:
    """`work` in one transaction on a connection kept open (a check-out costs a third)."""
    try:
        with conn.begin():
            return work(conn)
    except BaseException:
        if conn.invalidated:
            conn.close()  # the next operation opens a fresh one
        raise


def _checkpoint(conn: sa.Connection) -> None:
    # PASSIVE: copies what it can without waiting for, or blocking, readers and writers.
    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")


def _log_checkpoint_failure(future: asyncio.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("store.checkpoint_failed", exc_info=future.exception())


def _sqlite_busy(exc: sa.exc.OperationalError) -> bool:
    """SQLITE_BUSY in any of its forms (the extended codes share the low byte)."""
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == sqlite3.SQLITE_BUSY


class Store:
    """The submissions table. Every operation is one transaction, run by `_run`.

    `engine` is an AsyncEngine on the same database for ad-hoc queries (tests, tools). On SQLite
    the Store's own operations go through `_SQLite` instead; on PostgreSQL through `engine`
    (asyncpg).
    """

    def __init__(self, engine: AsyncEngine, secret: str, sqlite: _SQLite | None = None):
        self.engine = engine
        self._secret = secret.encode()
        self._sqlite = sqlite
        dialect_insert = postgresql.insert if self.is_postgres else sqlite_dialect.insert
        self._insert = dialect_insert(submissions).on_conflict_do_nothing(index_elements=["id"])

    @classmethod
    def connect(cls, url: str, secret: str) -> Store:
        if url.startswith("sqlite"):
            _ensure_sqlite_folder(url)
            # hide_parameters: a database error must not carry the homeowner's data into the log.
            engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
            sa.event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
            return cls(engine, secret, _SQLite(sa.make_url(url).set(drivername="sqlite")))
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

        `quick`: a short statement on one row or a few (see `_SQLite`).
        """
        if self._sqlite is not None:
            return await self._sqlite.run(work, quick)
        async with self.engine.begin() as conn:
            return await conn.run_sync(work)

    async def close(self) -> None:
        if self._sqlite is not None:
            await self._sqlite.close()
        await self.engine.dispose()

    async def migrate(self) -> None:
        """Bring the schema up to date; safe when several processes start at once."""
        postgres = self.is_postgres

        def work(conn: sa.Connection) -> None:
            if postgres:
                # Instances starting together must not migrate twice: the second waits here.
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(74657301)"))
            else:
                # The SQLite twin of that lock: take the write lock before looking.
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            schema_migrations.create(conn, checkfirst=True)
            done = set(conn.execute(sa.select(schema_migrations.c.version)).scalars())
            for version, step in MIGRATIONS:
                if version not in done:
                    step(conn)
                    conn.execute(
                        schema_migrations.insert().values(version=version, applied_at=utcnow())
                    )

        await self._run(work)

    async def ping(self) -> None:
        await self._run(lambda conn: conn.execute(sa.text("SELECT 1")), quick=True)

    def email_digest(self, email: str) -> str:
        """A keyed digest of the email, so erasure can find rows without a plain-text index."""
        return hmac.new(self._secret, email.strip().lower().encode(), hashlib.sha256).hexdigest()

    # Writing submissions

    async def add(
        self, new: NewSubmission, owner: str | None = None, hold: timedelta | None = None
    ) -> Submission | None:
        """Store a submission and return it; None when one with this id exists (a re-submit).

        With `owner`, the row is stored already claimed by it for `hold`, so the request that
        stored it sends it, not a background worker that polls in between.
        """
        now = utcnow()
        claimed_until = now + hold if owner and hold else None
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
            "claimed_until": claimed_until,
        }
        insert = self._insert
        created = await self._run(
            lambda conn: conn.execute(insert, values).rowcount == 1, quick=True
        )
        if not created:
            return None
        # Exactly what was written: the caller needs no second round trip to read it back.
        return Submission(
            id=new.id,
            widget_id=new.widget_id,
            state=PENDING,
            lead_type=new.lead_type,
            created_at=now,
            payload=new.payload,
            attribution=new.attribution,
            consent=new.consent,
            slots=new.slots,
            attempts=0,
            last_error=None,
            valuation=None,
            rejection=None,
            delivered_at=None,
            maybe_sent_before=False,
            claimed_until=claimed_until,
        )

    async def get(self, submission_id: str) -> Submission | None:
        return await self._one(_FIND, {"p_id": submission_id})

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
        return await self._one(_CLAIM, params)

    async def claim_due(self, owner: str, hold: timedelta, limit: int) -> list[Submission]:
        """Claim up to `limit` submissions whose next attempt is due, in one statement.

        PostgreSQL: the rows are picked FOR UPDATE SKIP LOCKED, so instances never wait on or
        take each other's rows. SQLite: one UPDATE is atomic (the database has one writer).
        Either way the UPDATE checks the claim again, so nothing is claimed twice.
        """
        now = utcnow()
        due = (
            sa.select(submissions.c.id)
            .where(_CLAIMABLE, submissions.c.next_attempt_at <= _P("p_now"))
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
            .where(chosen, _CLAIMABLE)
            .values(**_CLAIM_VALUES)
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
            _DELIVERED, submission_id, owner, p_valuation=json.dumps(valuation)
        )

    async def mark_rejected(
        self, submission_id: str, owner: str, reasons: dict[str, Any]
    ) -> Submission | None:
        return await self._record(_REJECTED, submission_id, owner, p_rejection=json.dumps(reasons))

    async def schedule_retry(
        self, submission_id: str, owner: str, at: datetime, error: str, maybe_sent: bool
    ) -> Submission | None:
        statement = _RETRY_MAYBE_SENT if maybe_sent else _RETRY
        return await self._record(statement, submission_id, owner, p_at=at, p_error=error[:500])

    async def mark_dead(self, submission_id: str, owner: str, error: str) -> Submission | None:
        return await self._record(_DEAD, submission_id, owner, p_error=error[:500])

    async def note_maybe_sent(self, submission_id: str) -> None:
        """Flag a submission the Lead API may have received, whoever holds it now."""
        params = {"p_id": submission_id}
        await self._run(lambda conn: conn.execute(_NOTE_MAYBE_SENT, params), quick=True)

    async def release(self, submission_id: str, owner: str) -> None:
        """Give a claim back untouched (nothing was sent), so it is retried at once."""
        params = {"p_id": submission_id, "p_owner": owner}
        await self._run(lambda conn: conn.execute(_RELEASE, params), quick=True)

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
        found: dict[str, int] = dict(rows)  # each row is a (state, count) pair
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
        """Strip personal data from finished submissions older than `days` (never pending)."""
        cutoff = utcnow() - timedelta(days=days)
        return await self.remove_personal_data(
            sa.and_(submissions.c.state != PENDING, submissions.c.created_at < cutoff)
        )

    async def erase_email(self, email: str) -> int:
        """Erase one person's data (UK GDPR right to erasure), whatever the state."""
        digest = self.email_digest(email)
        now = utcnow()

        def work(conn: sa.Connection) -> int:
            # A pending lead for someone who asked to be forgotten must not be sent later.
            conn.execute(
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
            return self._strip_personal_data(conn, submissions.c.email_digest == digest)

        return await self._run(work)



def _ensure_sqlite_folder(url: str) -> None:
    from pathlib import Path

    path = url.split(":///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas_never_wait(dbapi_connection: Any, record: Any) -> None:
    """For the event loop's connection: never sleep on a lock, never checkpoint (fsync)."""
    _sqlite_pragmas(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers carry on while the worker writes; busy_timeout rides out short locks.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
