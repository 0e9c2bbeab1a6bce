"""Alembic's environment for the submissions database.

The service runs it through `app.store.migrate.upgrade` (start-up and `python -m app migrate`),
which hands over its own connection, in an open transaction, under the migration lock. Run by
the `alembic` command line instead (to write a revision with `--autogenerate`), it opens
DATABASE_URL itself and takes the same lock.
"""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine

from app.store.migrate import take_migration_lock
from app.store.schema import metadata


def run_migrations(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite alters most things by copying the table: autogenerate writes batch operations.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=True,
        # Always inside the caller's transaction (SQLite's DDL is transactional too).
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_under_lock(connection: sa.Connection) -> None:
    take_migration_lock(connection)
    run_migrations(connection)


async def run_on_own_connection() -> None:
    from app.settings import load_settings

    engine = create_async_engine(load_settings().async_database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(run_under_lock)
    finally:
        await engine.dispose()


given: sa.Connection | None = context.config.attributes.get("connection")
if context.is_offline_mode():
    raise SystemExit("offline (--sql) mode is not supported: run `python -m app migrate`")
if given is None:
    asyncio.run(run_on_own_connection())
else:
    run_migrations(given)
