"""`/healthz` says the process is up; `/readyz` says whether it can serve (its database answers)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from pathlib import Path

import asyncpg
import httpx
import pytest

from app.routes.ops import READY_TIMEOUT_SECONDS
from tests.delivery.support import POSTGRES_ADMIN_URL, postgres_database
from tests.support.apps import app_client, make_settings
from tests.support.servers import SandboxServer, free_port


def test_healthz_answers_ok(tmp_path: Path, upstream: SandboxServer) -> None:
    with app_client(make_settings(tmp_path, upstream.base_url)) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_the_database_and_widgets(tmp_path: Path, upstream: SandboxServer) -> None:
    with app_client(make_settings(tmp_path, upstream.base_url)) as client:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "widgets": 1}


@pytest.mark.postgres
def test_readyz_fails_once_the_database_is_dropped(tmp_path: Path, upstream: SandboxServer) -> None:
    with postgres_database() as url:
        name = url.rsplit("/", 1)[1]
        with app_client(make_settings(tmp_path, upstream.base_url, database_url=url)) as client:
            assert client.get("/readyz").status_code == 200
            asyncio.run(_admin(f'DROP DATABASE "{name}" WITH (FORCE)'))
            down = client.get("/readyz")
            alive = client.get("/healthz")
    assert down.status_code == 503
    assert down.json() == {"status": "unavailable", "database": "unreachable"}
    assert alive.status_code == 200  # the process is fine: restart it and nothing changes


@pytest.mark.postgres
def test_readyz_gives_up_on_a_database_that_stops_answering(
    tmp_path: Path, upstream: SandboxServer
) -> None:
    with postgres_database() as url, StallingProxy(5432) as proxy:
        database = url.rsplit("/", 1)[1]
        url = f"postgresql://postgres@127.0.0.1:{proxy.port}/{database}"
        with app_client(make_settings(tmp_path, upstream.base_url, database_url=url)) as client:
            assert client.get("/readyz").status_code == 200
            proxy.stall()  # connections stay open, nothing comes back: a hung database
            answers: list[httpx.Response] = []
            probe = threading.Thread(target=lambda: answers.append(client.get("/readyz")))
            probe.start()
            probe.join(READY_TIMEOUT_SECONDS + 3)
            hung = probe.is_alive()
            proxy.release()  # lets a hung probe finish, so the test ends either way
            probe.join(30)
    assert not hung, "the probe must not hang with the database"
    assert answers[0].status_code == 503


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


class StallingProxy:
    """A TCP relay to a local port that can stop passing bytes without closing anything."""

    def __init__(self, target_port: int):
        self.port = free_port()
        self.target_port = target_port
        self.flowing = threading.Event()
        self.flowing.set()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server: asyncio.Server | None = None

    def __enter__(self) -> StallingProxy:
        self.thread.start()
        self.server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._relay, "127.0.0.1", self.port), self.loop
        ).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.flowing.set()
        asyncio.run_coroutine_threadsafe(self._close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()

    async def _close(self) -> None:
        if self.server:
            self.server.close()
        relays = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in relays:
            task.cancel()
        await asyncio.gather(*relays, return_exceptions=True)
        await asyncio.sleep(0)  # one more turn, so the closed transports let go of their sockets

    def stall(self) -> None:
        self.flowing.clear()

    def release(self) -> None:
        self.flowing.set()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        try:
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        finally:
            # Cancelled at exit too: both sockets must close before the loop does.
            writer.close()
            up_writer.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                while not self.flowing.is_set():
                    await asyncio.sleep(0.05)
                writer.write(data)
                await writer.drain()
        writer.close()
