"""Fixtures for the sandbox's own tests: HTTP clients for the running sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.servers import SANDBOX_KEY, SandboxServer

# Clients live for the session (building one costs ~50 ms); tests get them via `upstream`, so
# the sandbox is reset first.


@pytest.fixture(scope="session")
def _keyed_client(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    headers = {"X-API-KEY": SANDBOX_KEY}
    with httpx.Client(base_url=sandbox.base_url, headers=headers, timeout=10) as client:
        yield client


@pytest.fixture(scope="session")
def _keyless_client(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.base_url, timeout=10) as client:
        yield client


@pytest.fixture
def api(upstream: SandboxServer, _keyed_client: httpx.Client) -> httpx.Client:
    """A client of the freshly reset sandbox, sending a key it accepts."""
    return _keyed_client


@pytest.fixture
def anonymous(upstream: SandboxServer, _keyless_client: httpx.Client) -> httpx.Client:
    """A client of the freshly reset sandbox, sending no key at all."""
    return _keyless_client
