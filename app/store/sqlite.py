"""How the Store reaches SQLite: quick statements on the caller's thread, the rest in one worker
thread."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa

_T = TypeVar("_T")
log = logging.getLogger(__name__)


class SQLiteRunner:
    """Runs the Store's work on SQLite, each piece in one transaction.

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
        """`url`: a synchronous SQLite URL (drivername "sqlite")."""
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
        sa.event.listen(self._thread_engine, "connect", sqlite_pragmas)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        # One quick connection per thread that runs an event loop (normally just one).
        self._local = threading.local()
        self._opened: list[sa.Connection] = []
        self._thread_conn: sa.Connection | None = None
        self._quick_runs = 0
        self._checkpoint: asyncio.Future[None] | None = None

    async def run(self, work: Callable[[sa.Connection], _T], quick: bool) -> _T:
        """`work(connection)` in one transaction: committed if it returns, rolled back if not.

        `quick`: a short statement on a row or a few, tried first on the event loop's thread.
        """
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
        """Close both connections and stop the worker thread."""
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


def ensure_sqlite_folder(url: str) -> None:
    """Create the folder of a file database URL (sqlite…:///path), so a first start works."""
    path = url.split(":///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas_never_wait(dbapi_connection: Any, record: Any) -> None:
    """For the event loop's connection: never sleep on a lock, never checkpoint (fsync)."""
    sqlite_pragmas(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """A "connect" event listener: WAL, synchronous=NORMAL, wait up to 30 s for a lock."""
    cursor = dbapi_connection.cursor()
    # WAL lets readers carry on while the worker writes; busy_timeout rides out short locks.
    _journal_mode_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _journal_mode_wal(cursor: Any, attempts: int = 100) -> None:
    """Switch to WAL, trying again for up to 5 s while the database is locked: when instances
    that opened a new database switch it at the same moment, SQLite answers SQLITE_BUSY at
    once, without waiting in the busy handler (waiting could deadlock), and one would fail to
    start."""
    for attempt in range(attempts):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            busy = getattr(exc, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY
            if not busy or attempt == attempts - 1:
                raise
            time.sleep(0.05)
