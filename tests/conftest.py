"""Shared fixtures."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest

from tests.support.servers import OTHER_SANDBOX_KEY, SANDBOX_KEY, SandboxServer, run_sandbox

# Every log line of the session is scanned for personal data and secrets (support/log_scan.py).
pytest_plugins = ["tests.support.log_scan"]


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


SERVICES = {"postgres": ("127.0.0.1", 5432), "redis": ("127.0.0.1", 6379)}


def _reachable(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=1):
            return True
    except OSError:
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """PostgreSQL/Redis tests skip on a machine without those servers, but never in CI."""
    required = os.environ.get("REQUIRE_SERVICES") == "1"
    for marker, address in SERVICES.items():
        if required or _reachable(address):
            continue
        skip = pytest.mark.skip(reason=f"no {marker} server on {address[0]}:{address[1]}")
        for item in items:
            if marker in item.keywords:
                item.add_marker(skip)
