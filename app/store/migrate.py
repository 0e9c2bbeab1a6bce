"""Bringing a database's schema up to date with Alembic, safely when instances start together.

Alembic is synchronous, so `upgrade` runs on the Store's own connection, inside its one
transaction (the connection reaches `migrations/env.py` through `Config.attributes`): the lock,
the revisions and the version stamp commit together or not at all.

A database made before Alembic (the hand-rolled `schema_migrations` table holding version 1) is
recognised and stamped at the initial revision, which builds exactly what it holds; the later
revisions then run on it as on a fresh database.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The revision that builds what the hand-rolled migrations' version 1 built.
INITIAL_REVISION = "0001"
# The key the release before Alembic locked on too, so an old and a new instance take turns.
ADVISORY_LOCK_KEY = 74657301
VERSION_TABLE = "alembic_version"  # Alembic's default: one row, the current revision


class SchemaNotRecognised(RuntimeError):
    """The database holds tables this service did not make, or versions it does not know."""


@dataclass(frozen=True)
class SchemaUpgrade:
    """The revision a database was found at (None: empty) and the one it was left at.

    `ahead`: the database is at a revision this code does not have, written by a later release
    (during a rolling deploy, say); it was left as it is.
    """

    before: str | None
    after: str
    ahead: bool = False

    @property
    def changed(self) -> bool:
        """Revisions were applied."""
        return self.before != self.after


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """Alembic's configuration for this service's revisions; no alembic.ini is read.

    With `connection`, `migrations/env.py` runs the revisions on it, in its open transaction.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")  # for version_locations, if one is added
    config.attributes["connection"] = connection
    return config


@functools.cache
def _revisions() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest revision in `migrations/versions/` (one line of history, so one head)."""
    head = _revisions().get_current_head()
    if head is None:
        raise SchemaNotRecognised(f"no Alembic revisions found in {MIGRATIONS_DIR}")
    return head


@functools.cache
def known_revisions() -> frozenset[str]:
    """Every revision this code has."""
    return frozenset(script.revision for script in _revisions().walk_revisions())


def take_migration_lock(connection: sa.Connection) -> None:
    """Make other instances migrating the same database wait until this transaction ends.

    PostgreSQL: a transaction-level advisory lock. SQLite: BEGIN IMMEDIATE takes the write lock
    before anything is read (it must be the transaction's first statement).
    """
    if connection.dialect.name == "postgresql":
        connection.execute(
            sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
        )
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def upgrade(connection: sa.Connection) -> SchemaUpgrade:
    """Bring the schema on `connection` to the head revision, under the migration lock.

    Runs in the caller's transaction; raises SchemaNotRecognised for a database this service
    did not make, and whatever the database raises if a revision fails (nothing is applied).
    """
    take_migration_lock(connection)
    before = current_revision(connection)
    head = head_revision()
    if before == head:
        return SchemaUpgrade(before, head)  # the usual start-up: nothing to load or run
    if before is not None and before not in known_revisions():
        # A later release upgraded it. Revisions add before they remove (see the README), so
        # this code still runs on it; refusing would stop an old instance restarting mid-deploy.
        log.warning("store.schema_ahead", extra={"revision": before, "known_head": head})
        return SchemaUpgrade(before, before, ahead=True)
    config = alembic_config(connection)
    if before is None and _made_before_alembic(connection):
        command.stamp(config, INITIAL_REVISION)
        before = INITIAL_REVISION
    command.upgrade(config, "head")
    return SchemaUpgrade(before, head)


def current_revision(connection: sa.Connection) -> str | None:
    """The revision recorded in `alembic_version`; None when there is none yet.

    Read directly rather than through Alembic's MigrationContext, which logs at INFO each time
    it is made: every start-up would log two lines for nothing to do.
    """
    if not sa.inspect(connection).has_table(VERSION_TABLE):
        return None
    return connection.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def _made_before_alembic(connection: sa.Connection) -> bool:
    """True for a database the hand-rolled migrations made; False for an empty one."""
    tables = set(sa.inspect(connection).get_table_names())
    if "schema_migrations" in tables:
        versions = set(
            connection.execute(sa.text("SELECT version FROM schema_migrations")).scalars()
        )
        if versions != {1} or "submissions" not in tables:
            raise SchemaNotRecognised(
                f"schema_migrations holds versions {sorted(versions)} and tables "
                f"{sorted(tables)}; a database from before Alembic has version 1 and submissions"
            )
        return True
    if "submissions" in tables:
        raise SchemaNotRecognised(
            "a submissions table with no migration record (neither alembic_version nor "
            "schema_migrations): not made by this service"
        )
    return False
