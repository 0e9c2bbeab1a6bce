"""Fixtures for the delivery tests: the sandbox left clean, and a database of either kind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.delivery.support import postgres_database, sqlite_url
from tests.support.servers import SandboxServer


@pytest.fixture
def lead_api(upstream: SandboxServer) -> Iterator[SandboxServer]:
    """The session's sandbox, empty and fault-free, and left fault-free for the next test."""
    yield upstream
    upstream.reset()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test using this runs on SQLite and on PostgreSQL: one code path, both databases."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        with postgres_database() as url:
            yield url
