"""How the Lead API client's one httpx pool reaches its upstreams: the sandbox mounted in process,
a real server over TCP, through the proxy the environment names, and never with cookies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest
from pydantic import SecretStr

from app.leadapi import LeadApiClient, LeadRequest, Upstream, UpstreamUnavailable, build_http_client
from app.sandbox.server import create_sandbox_app
from app.widgets import SANDBOX_BASE, SANDBOX_KEY
from tests.support.forms import CONTRACT_EXAMPLE
from tests.support.servers import SandboxServer

SUCCESS = (
    b'{"minimum_sale_estimation":1,"average_sale_estimation":2,"maximum_sale_estimation":3,'
    b'"valuation_status":"Success"}'
)
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def no_proxy_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    yield


class RecordingServer:
    """A bare HTTP/1.1 server on a free port: records each request's head, answers `reply`."""

    def __init__(self, extra_headers: str = "") -> None:
        self.heads: list[str] = []
        self.extra_headers = extra_headers
        self.base_url = ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Closed however the connection ends, cancellation included: a writer left open is
        # collected after its loop has closed and warns (warnings are errors here).
        try:
            await self._answer(reader, writer)
        finally:
            writer.close()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = (await reader.readuntil(b"\r\n\r\n")).decode()
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            length = next(
                int(line.split(":", 1)[1])
                for line in head.split("\r\n")
                if line.lower().startswith("content-length:")
            )
            await reader.readexactly(length)
            self.heads.append(head)
            writer.write(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                + self.extra_headers.encode()
                + f"content-length: {len(SUCCESS)}\r\n\r\n".encode()
                + SUCCESS
            )
            await writer.drain()


@asynccontextmanager
async def recording_server(extra_headers: str = "") -> AsyncIterator[RecordingServer]:
    recorder = RecordingServer(extra_headers)
    server = await asyncio.start_server(recorder.handle, "127.0.0.1", 0)
    recorder.base_url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        yield recorder
    finally:
        server.close()


def header(head: str, name: str) -> str | None:
    for line in head.split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name:
            return value.strip()
    return None


LEAD = LeadRequest.model_validate(CONTRACT_EXAMPLE)


def test_one_pool_reaches_the_mounted_sandbox_and_a_real_lead_api(
    upstream: SandboxServer,
) -> None:
    async def go() -> tuple[str | None, str | None]:
        http = build_http_client(
            2.0, 5.0, mounts={SANDBOX_BASE: httpx.ASGITransport(app=create_sandbox_app())}
        )
        client = LeadApiClient(http, 5.0)
        try:
            in_process = await client.create_valuation(
                LEAD, Upstream(SANDBOX_BASE, SecretStr(SANDBOX_KEY), is_sandbox=True)
            )
            over_tcp = await client.create_valuation(
                LEAD, Upstream(upstream.base_url, SecretStr("test-key"))
            )
        finally:
            await http.aclose()
        return in_process.valuation_status, over_tcp.valuation_status

    assert asyncio.run(go()) == ("Success", "Success")
    # Only the call to the real server reached it; the mounted sandbox answered in process.
    assert len(upstream.leads()) == 1


def test_the_proxy_named_by_the_environment_carries_the_lead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def go() -> list[str]:
        async with recording_server() as proxy:
            monkeypatch.setenv("HTTP_PROXY", proxy.base_url)
            http = build_http_client(2.0, 5.0)
            try:
                valuation = await LeadApiClient(http, 5.0).create_valuation(
                    LEAD, Upstream("http://lead-api.invalid/api/v103", SecretStr("k"))
                )
            finally:
                await http.aclose()
            assert valuation.valuation_status == "Success"
            return proxy.heads

    [head] = asyncio.run(go())
    # A forward proxy is asked for the absolute URL.
    assert head.startswith("POST http://lead-api.invalid/api/v103/leads/valuation HTTP/1.1")
    assert header(head, "x-api-key") == "k"


def test_no_proxy_sends_that_host_direct(monkeypatch: pytest.MonkeyPatch) -> None:
    async def go() -> tuple[list[str], list[str]]:
        async with recording_server() as proxy, recording_server() as lead_api:
            monkeypatch.setenv("HTTP_PROXY", proxy.base_url)
            monkeypatch.setenv("NO_PROXY", "127.0.0.1")
            http = build_http_client(2.0, 5.0)
            try:
                await LeadApiClient(http, 5.0).create_valuation(
                    LEAD, Upstream(lead_api.base_url, SecretStr("k"))
                )
            finally:
                await http.aclose()
            return proxy.heads, lead_api.heads

    through_proxy, direct = asyncio.run(go())
    assert through_proxy == []
    assert direct[0].startswith("POST /leads/valuation HTTP/1.1")


def test_a_cookie_set_by_the_upstream_is_never_sent_back() -> None:
    async def go() -> list[str]:
        async with recording_server("set-cookie: session=agency-a; Path=/\r\n") as lead_api:
            http = build_http_client(2.0, 5.0)
            client = LeadApiClient(http, 5.0)
            try:
                for key in ("agency-a-key", "agency-b-key"):
                    await client.create_valuation(LEAD, Upstream(lead_api.base_url, SecretStr(key)))
            finally:
                await http.aclose()
            return lead_api.heads

    first, second = asyncio.run(go())
    assert header(second, "x-api-key") == "agency-b-key"
    assert header(first, "cookie") is None and header(second, "cookie") is None


def test_an_unreachable_proxy_means_the_lead_was_not_delivered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.support.servers import free_port

    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")

    async def go() -> UpstreamUnavailable:
        http = build_http_client(2.0, 5.0)
        try:
            await LeadApiClient(http, 5.0).create_valuation(
                LEAD, Upstream("http://lead-api.invalid", SecretStr("k"))
            )
        except UpstreamUnavailable as exc:
            return exc
        finally:
            await http.aclose()
        raise AssertionError("no error raised")

    assert not asyncio.run(go()).maybe_delivered
