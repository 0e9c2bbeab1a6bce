"""`/readyz` tells a load balancer whether this instance can reach its database."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.apps import app_client, make_settings
from tests.support.servers import SandboxServer, free_port


class TcpProxy:
    """A TCP relay to PostgreSQL that can be cut and restored, like a network partition."""

    def __init__(self, target_port: int):
        self.port = free_port()
        self.target_port = target_port
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    def _run(self, coro: object) -> object:
        # Callers pass coroutines of several result types; `object` keeps this helper generic.
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)  # type: ignore[arg-type]

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _open(self) -> None:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def _cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.writers:
            writer.transport.abort()
        self.writers.clear()
        await self.server.wait_closed()

    def open(self) -> None:
        self._run(self._open())

    def cut(self) -> None:
        self._run(self._cut())


@contextlib.contextmanager
def proxy_to_postgres() -> Iterator[TcpProxy]:
    proxy = TcpProxy(5432)
    proxy.thread.start()
    proxy.open()
    try:
        yield proxy
    finally:
        with contextlib.suppress(Exception):
            proxy.cut()
        proxy.loop.call_soon_threadsafe(proxy.loop.stop)
        proxy.thread.join(5)
        proxy.loop.close()  # else its self-pipe socket is left for the garbage collector


def test_ready_with_a_reachable_sqlite_database(tmp_path: Path, lead_api: SandboxServer) -> None:
    with app_client(make_settings(tmp_path, lead_api.base_url)) as client:
        ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"


@pytest.mark.postgres
def test_not_ready_while_postgresql_is_unreachable_and_ready_again_when_it_returns(
    tmp_path: Path, lead_api: SandboxServer, postgres_url: str
) -> None:
    database = postgres_url.rsplit("/", 1)[1]
    with proxy_to_postgres() as proxy:
        url = f"postgresql://postgres@127.0.0.1:{proxy.port}/{database}"
        settings = make_settings(tmp_path, lead_api.base_url, database_url=url)
        with app_client(settings) as client:
            assert client.get("/readyz").status_code == 200
            proxy.cut()  # the database's port is now closed
            down = client.get("/readyz")
            assert down.status_code == 503 and down.json()["database"] == "unreachable"
            assert client.get("/healthz").status_code == 200  # alive, just not ready
            proxy.open()
            assert client.get("/readyz").status_code == 200
