"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import SandboxServer, run_sandbox

SANDBOX_KEY = "test-key"
OTHER_SANDBOX_KEY = "other-key"


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    """The sandbox Lead API, running as a real server for the whole session."""
    with run_sandbox(keys=(SANDBOX_KEY, OTHER_SANDBOX_KEY)) as server:
        yield server


@pytest.fixture
def upstream(sandbox: SandboxServer) -> SandboxServer:
    """The session's sandbox, emptied of leads and faults for this test."""
    sandbox.reset()
    return sandbox
