"""Fixtures for the attacking tests: an app per test; every response it gives is checked for the
Lead API key and the secret key, in the body and the headers."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.security.support import LIVE_KEY, leaks
from tests.support.apps import TEST_SECRET, LiveApp, make_settings, run_app
from tests.support.servers import SandboxServer

ClientFactory = Callable[..., TestClient]


@pytest.fixture
def make_client(tmp_path: Path, upstream: SandboxServer) -> Iterator[ClientFactory]:
    """Build an app (settings overridden by keyword) and a TestClient for it.

    `peer` is the client's address as the app sees it; `base_url` may be https://.
    """
    leaked: list[str] = []
    clients: list[TestClient] = []
    numbers = itertools.count()

    def watch(response: httpx.Response) -> None:
        response.read()
        leaked.extend(leaks(response))

    def make(
        peer: str = "testclient",
        base_url: str = "http://testserver",
        raise_server_exceptions: bool = True,
        **overrides: Any,
    ) -> TestClient:
        folder = tmp_path / f"app{next(numbers)}"
        folder.mkdir()
        settings = make_settings(folder, upstream.base_url, **overrides)
        client = TestClient(
            create_app(settings),
            base_url=base_url,
            client=(peer, 50000),
            raise_server_exceptions=raise_server_exceptions,
        )
        client.__enter__()
        clients.append(client)
        client.event_hooks["response"].append(watch)
        return client

    try:
        yield make
    finally:
        for client in clients:
            client.__exit__(None, None, None)
    assert leaked == [], "a response carried the Lead API key or the secret key"


@pytest.fixture
def client(make_client: ClientFactory) -> TestClient:
    return make_client()


@pytest.fixture(scope="session")
def live_widget(
    sandbox: SandboxServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveApp]:
    """`python -m app serve` as a real server, for what only a real HTTP server shows."""
    database = tmp_path_factory.mktemp("security-live") / "widget.db"
    env = {
        "LEADPRO_API_BASE": sandbox.base_url,
        "LEADPRO_API_KEY": LIVE_KEY,
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": f"sqlite:///{database}",
        "MIN_FILL_SECONDS": "0",
        "RATE_LIMIT_PER_IP": "100000/minute",
        "RATE_LIMIT_PER_WIDGET": "100000/minute",
        "SUBMIT_WAIT_SECONDS": "5",
        "LOG_FORMAT": "json",
        "TRUSTED_PROXIES": "",
        "REDIS_URL": "",
        "PUBLIC_URL": "",
    }
    with run_app(env) as app:
        yield app


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "redis: needs the Redis server on 127.0.0.1:6379")
