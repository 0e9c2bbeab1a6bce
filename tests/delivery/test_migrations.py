"""Alembic migrations: a database made by the release before Alembic is upgraded in place with
nothing lost, a fresh one gets the same schema, instances may start together, a later ALTER
applies to both, and the table definition never drifts from the revisions. SQLite and
PostgreSQL alike."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from app.store import DELIVERED, PENDING, SchemaNotRecognised, SchemaUpgrade, Store, metadata
from app.store import migrate as migrate_module
from app.store.migrate import INITIAL_REVISION, MIGRATIONS_DIR, alembic_config, head_revision
from tests.delivery.release_schema import (
    create_release_database,
    read_rows,
    release_migrate,
    release_rows,
    release_submissions,
    run_in_transaction,
)
from tests.delivery.support import (
    async_url,
    email_for,
    new_submission,
    open_store,
    postgres_database,
    run_cli,
    sqlite_url,
)
from tests.support.apps import TEST_SECRET
from tests.support.servers import REPO_ROOT

HEAD = head_revision()
HOLD = timedelta(seconds=30)


@contextlib.contextmanager
def another_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty database of the same kind as `database_url`."""
    if database_url.startswith("sqlite"):
        folder = tmp_path / "another"
        folder.mkdir()
        yield sqlite_url(folder)
    else:
        with postgres_database() as url:
            yield url


def migrate(database_url: str) -> SchemaUpgrade:
    """What every instance does at start-up."""

    async def run() -> SchemaUpgrade:
        store = Store.connect(async_url(database_url), TEST_SECRET)
        try:
            return await store.migrate()
        finally:
            await store.close()

    return asyncio.run(run())


def tables(database_url: str) -> set[str]:
    return run_in_transaction(database_url, lambda conn: set(sa.inspect(conn).get_table_names()))


def recorded_versions(database_url: str) -> list[str]:
    query = sa.text("SELECT version_num FROM alembic_version")
    return run_in_transaction(database_url, lambda conn: list(conn.execute(query).scalars()))


def describe_schema(conn: sa.Connection, leave_out: str) -> dict[str, Any]:
    """Every table but `leave_out`: columns (name, type, nullability, default) in order, keys,
    indexes, constraints, and the database's own DDL text for them."""
    inspector = sa.inspect(conn)
    names = sorted(set(inspector.get_table_names()) - {leave_out})
    schema: dict[str, Any] = {
        name: {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], c["default"])
                for c in inspector.get_columns(name)
            ],
            "primary_key": inspector.get_pk_constraint(name),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(name)
            ),
            "unique": inspector.get_unique_constraints(name),
            "checks": inspector.get_check_constraints(name),
            "foreign_keys": inspector.get_foreign_keys(name),
        }
        for name in names
    }
    if conn.dialect.name == "sqlite":
        ddl = "SELECT tbl_name, name, sql FROM sqlite_master"
    else:
        ddl = "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
    schema["ddl"] = sorted(tuple(row) for row in conn.exec_driver_sql(ddl) if row[0] in names)
    return schema


def differences(conn: sa.Connection, target: sa.MetaData = metadata) -> list[Any]:
    """What Alembic's autogenerate would write to bring the database to `target`."""
    context = MigrationContext.configure(
        conn, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, target))


def test_a_database_made_by_the_release_before_alembic_is_upgraded_in_place_with_every_row(
    database_url: str,
) -> None:
    rows = release_rows()
    create_release_database(database_url, rows)
    assert tables(database_url) == {"schema_migrations", "submissions"}

    assert migrate(database_url) == SchemaUpgrade(before=INITIAL_REVISION, after=HEAD)

    # Every row and every value, to the microsecond, as the release wrote it.
    assert read_rows(database_url) == sorted(rows, key=lambda row: row["id"])
    assert tables(database_url) == {"alembic_version", "submissions"}
    assert recorded_versions(database_url) == [HEAD]
    assert migrate(database_url) == SchemaUpgrade(before=HEAD, after=HEAD)

    by_state = {row["state"] if row["payload"] else "erased": row for row in rows}

    async def carry_on() -> None:
        store = await open_store(database_url)
        try:
            pending = await store.get(by_state["pending"]["id"])
            assert pending is not None and pending.state == PENDING
            assert pending.payload == json.loads(by_state["pending"]["payload"])
            assert pending.slots == ["Monday morning"] and pending.last_error == "HTTP 503"
            # The claim the stopped instance left has lapsed: delivery takes it over.
            taken = await store.claim_due("web-2:77", HOLD, 10)
            assert [s.id for s in taken] == [pending.id] and taken[0].maybe_sent_before
            assert await store.mark_delivered(pending.id, "web-2:77", {"valuation_status": "x"})
            rejected = await store.get(by_state["rejected"]["id"])
            assert rejected and rejected.rejection == {
                "status": 422,
                "errors": {"postcode": ["invalid"]},
            }
            # Erasure still finds a person's old rows by the digest the release stored.
            delivered_id = by_state[DELIVERED]["id"]
            assert await store.erase_email(email_for(delivered_id)) == 1
            stats = await store.delivery_stats()
            assert (stats["accepted"], stats[DELIVERED], stats["rejected"], stats["dead"]) == (
                5,
                3,
                1,
                1,
            )
            assert stats["personal_data_removed"] == 2
        finally:
            await store.close()

    asyncio.run(carry_on())


def test_a_fresh_database_gets_exactly_the_schema_the_release_built(
    database_url: str, tmp_path: Path
) -> None:
    assert migrate(database_url) == SchemaUpgrade(before=None, after=HEAD)
    fresh = run_in_transaction(database_url, lambda c: describe_schema(c, "alembic_version"))
    with another_database(database_url, tmp_path) as release_url:
        create_release_database(release_url, [])
        built_by_release = run_in_transaction(
            release_url, lambda c: describe_schema(c, "schema_migrations")
        )
        migrate(release_url)
        upgraded = run_in_transaction(release_url, lambda c: describe_schema(c, "alembic_version"))
    assert set(fresh) == {"submissions", "ddl"}
    assert fresh == built_by_release
    assert upgraded == built_by_release


def test_the_table_definition_and_the_migrations_agree(database_url: str, tmp_path: Path) -> None:
    migrate(database_url)
    assert run_in_transaction(database_url, differences) == []
    with another_database(database_url, tmp_path) as release_url:
        create_release_database(release_url, release_rows())
        migrate(release_url)
        assert run_in_transaction(release_url, differences) == []

    # The comparison does catch drift: a column added to the code without a revision.
    drifted = sa.MetaData()
    table = metadata.tables["submissions"].to_metadata(drifted)
    table.append_column(sa.Column("agency_reference", sa.String(40), nullable=True))
    found = run_in_transaction(database_url, lambda conn: differences(conn, drifted))
    assert [(diff[0], diff[2], diff[3].name) for diff in found] == [
        ("add_column", "submissions", "agency_reference")
    ]


LATER_REVISION = '''"""An agency's own reference for a submission (a test's revision).

Revision ID: 9001
Revises: {head}
"""

import sqlalchemy as sa
from alembic import op

revision = "9001"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("agency_reference", sa.String(length=40), nullable=True))
        batch.alter_column("last_error", existing_type=sa.Text(), type_=sa.String(length=500))
        batch.create_index("ix_submissions_agency_reference", ["agency_reference"])


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_index("ix_submissions_agency_reference")
        batch.alter_column("last_error", existing_type=sa.String(length=500), type_=sa.Text())
        batch.drop_column("agency_reference")
'''


def test_a_later_revision_that_alters_the_table_applies_to_fresh_and_release_databases_alike(
    database_url: str, tmp_path: Path
) -> None:
    later = tmp_path / "later_versions"
    later.mkdir()
    (later / "9001_agency_reference.py").write_text(LATER_REVISION.format(head=HEAD))
    expected = sa.MetaData()
    table = metadata.tables["submissions"].to_metadata(expected)
    table.append_column(sa.Column("agency_reference", sa.String(40), nullable=True))
    table.c.last_error.type = sa.String(500)
    sa.Index("ix_submissions_agency_reference", table.c.agency_reference)

    def upgrade_with_later_revision(conn: sa.Connection) -> list[Any]:
        config = alembic_config(conn)
        config.set_main_option("version_locations", f"{MIGRATIONS_DIR / 'versions'}:{later}")
        command.upgrade(config, "heads")
        return differences(conn, expected)

    rows = release_rows()
    with another_database(database_url, tmp_path) as release_url:
        create_release_database(release_url, rows)
        for url in (database_url, release_url):
            migrate(url)
            assert run_in_transaction(url, upgrade_with_later_revision) == []
            assert recorded_versions(url) == ["9001"]
        # The release's rows came through the ALTERs (SQLite copies the table to make them).
        assert read_rows(release_url) == sorted(rows, key=lambda row: row["id"])

    # An instance of this release restarting mid-deploy leaves the newer schema alone and works.
    assert migrate(database_url) == SchemaUpgrade(before="9001", after="9001", ahead=True)
    assert recorded_versions(database_url) == ["9001"]

    async def store_and_read() -> None:
        store = await open_store(database_url)
        try:
            new = new_submission()
            assert await store.add(new)
            assert (await store.get(new.id)).payload == new.payload  # type: ignore[union-attr]
        finally:
            await store.close()

    asyncio.run(store_and_read())


FAILING_REVISION = '''"""A revision that fails halfway (a test's revision).

Revision ID: 9002
Revises: {head}
"""

import sqlalchemy as sa
from alembic import op

revision = "9002"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("submissions", sa.Column("agency_reference", sa.String(length=40)))
    op.execute("UPDATE submissions SET agency_reference = no_such_column")


def downgrade() -> None:
    op.drop_column("submissions", "agency_reference")
'''


def test_a_revision_that_fails_at_start_up_rolls_back_whole(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate(database_url)
    before = run_in_transaction(database_url, lambda c: describe_schema(c, "alembic_version"))
    later = tmp_path / "failing_versions"
    later.mkdir()
    (later / "9002_fails.py").write_text(FAILING_REVISION.format(head=HEAD))
    real_config = migrate_module.alembic_config

    def config_with_failing_revision(connection: sa.Connection | None = None) -> Any:
        config = real_config(connection)
        config.set_main_option("version_locations", f"{MIGRATIONS_DIR / 'versions'}:{later}")
        return config

    monkeypatch.setattr(migrate_module, "alembic_config", config_with_failing_revision)
    migrate_module._revisions.cache_clear()
    migrate_module.known_revisions.cache_clear()
    try:
        with pytest.raises(sa.exc.DBAPIError, match="no_such_column"):
            migrate(database_url)
    finally:
        monkeypatch.undo()
        migrate_module._revisions.cache_clear()
        migrate_module.known_revisions.cache_clear()
    # The column the revision added first is gone with the rest: nothing was applied.
    assert recorded_versions(database_url) == [HEAD]
    after = run_in_transaction(database_url, lambda c: describe_schema(c, "alembic_version"))
    assert after == before


def test_a_downgrade_to_the_initial_revision_gives_the_release_before_alembic_its_record_back(
    database_url: str,
) -> None:
    rows = release_rows()
    migrate(database_url)

    def downgrade(conn: sa.Connection) -> None:
        command.downgrade(alembic_config(conn), INITIAL_REVISION)

    run_in_transaction(database_url, downgrade)
    assert recorded_versions(database_url) == [INITIAL_REVISION]
    # The release before Alembic starts on it (finds its version 1: nothing to do) and writes.
    run_in_transaction(database_url, release_migrate)
    run_in_transaction(database_url, lambda conn: conn.execute(release_submissions.insert(), rows))
    versions = run_in_transaction(
        database_url,
        lambda conn: list(conn.exec_driver_sql("SELECT version FROM schema_migrations").scalars()),
    )
    assert versions == [1]
    # And this release takes it up again.
    assert migrate(database_url) == SchemaUpgrade(before=INITIAL_REVISION, after=HEAD)
    assert read_rows(database_url) == sorted(rows, key=lambda row: row["id"])
    assert tables(database_url) == {"alembic_version", "submissions"}


MIGRATE = """
import asyncio, sys
from app.store import Store
async def main():
    store = Store.connect(sys.argv[1], "secret-for-migration-test")
    upgrade = await store.migrate()
    await store.close()
    print(upgrade.changed)
asyncio.run(main())
"""


@pytest.mark.parametrize("start", ["fresh", "release"])
def test_migrations_are_idempotent_and_safe_when_instances_start_together(
    database_url: str, start: str
) -> None:
    rows = release_rows()
    if start == "release":
        create_release_database(database_url, rows)
    url = async_url(database_url)
    starters = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE, url],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    changed = []
    for starter in starters:
        out, err = starter.communicate(timeout=60)
        assert starter.returncode == 0, err
        changed.append(out.strip())
    # They took turns: the first upgraded, the others found it done.
    assert sorted(changed) == ["False", "False", "True"]
    assert recorded_versions(database_url) == [HEAD]
    assert tables(database_url) == {"alembic_version", "submissions"}
    if start == "release":
        assert read_rows(database_url) == sorted(rows, key=lambda row: row["id"])

    async def check() -> None:
        store = await open_store(database_url)  # and once more: nothing to do
        try:
            assert await store.add(new_submission())
        finally:
            await store.close()

    asyncio.run(check())


def test_python_m_app_migrate_upgrades_a_fresh_or_release_database_and_is_idempotent(
    database_url: str, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": database_url}
    first = run_cli(["migrate"], env)
    assert first.returncode == 0, first.stderr
    assert first.stdout == f"schema upgraded from an empty database to {HEAD}\n"
    again = run_cli(["migrate"], env)
    assert again.returncode == 0, again.stderr
    assert again.stdout == f"schema already at the latest revision, {HEAD}\n"
    assert recorded_versions(database_url) == [HEAD]

    # Alembic's own command line (how a developer checks a new revision) agrees.
    check = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", "app/store/migrations/alembic.ini", "check"],
        cwd=REPO_ROOT,
        env={**env, "SECRET_KEY": TEST_SECRET},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stderr
    assert "No new upgrade operations detected" in check.stdout

    with another_database(database_url, tmp_path) as release_url:
        create_release_database(release_url, release_rows())
        upgraded = run_cli(["migrate"], {"DATABASE_URL": release_url})
        assert upgraded.returncode == 0, upgraded.stderr
        assert upgraded.stdout == f"schema upgraded from {INITIAL_REVISION} to {HEAD}\n"


NOT_OURS_TABLE = "CREATE TABLE submissions (id VARCHAR(32) PRIMARY KEY, note TEXT)"
# What the database holds, and what the refusal says.
NOT_OURS = {
    "a submissions table with no migration record": (
        [NOT_OURS_TABLE],
        "not made by this service",
    ),
    "a record of versions this release does not know": (
        [
            NOT_OURS_TABLE,
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMP)",
            "INSERT INTO schema_migrations VALUES (1, '2026-10-01 08:00:00'), "
            "(2, '2026-10-02 08:00:00')",
        ],
        "schema_migrations holds versions [1, 2]",
    ),
}


@pytest.mark.parametrize("case", NOT_OURS)
def test_a_database_this_service_did_not_make_is_refused_and_left_untouched(
    database_url: str, case: str
) -> None:
    statements, refusal = NOT_OURS[case]

    def build(conn: sa.Connection) -> None:
        for statement in statements:
            conn.exec_driver_sql(statement)

    run_in_transaction(database_url, build)
    before = tables(database_url)
    with pytest.raises(SchemaNotRecognised, match=re.escape(refusal)):
        migrate(database_url)
    assert tables(database_url) == before


def test_python_m_app_migrate_refuses_a_database_it_did_not_make(database_url: str) -> None:
    run_in_transaction(database_url, lambda conn: conn.exec_driver_sql(NOT_OURS_TABLE))
    refused = run_cli(["migrate"], {"DATABASE_URL": database_url})
    assert refused.returncode == 1
    assert refused.stderr.startswith("not migrated: a submissions table with no migration record")
    assert tables(database_url) == {"submissions"}
