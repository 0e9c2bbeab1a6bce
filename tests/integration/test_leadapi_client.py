"""The Lead API client against the sandbox over real HTTP: success and every kind of failure."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import SecretStr

from app.leadapi import (
    LeadApiClient,
    LeadRejected,
    LeadRequest,
    Upstream,
    UpstreamMisconfigured,
    UpstreamUnavailable,
    Valuation,
    build_http_client,
)
from tests.support.forms import CONTRACT_EXAMPLE
from tests.support.servers import SandboxServer, free_port

EXAMPLE = CONTRACT_EXAMPLE


def send(
    lead: LeadRequest, upstream: Upstream, total_timeout: float = 5.0, read_timeout: float = 5.0
) -> Valuation:
    async def go() -> Valuation:
        http = build_http_client(connect_timeout=2.0, read_timeout=read_timeout)
        try:
            return await LeadApiClient(http, total_timeout).create_valuation(lead, upstream)
        finally:
            await http.aclose()

    return asyncio.run(go())


def expect(kind: type[Exception], call: Callable[[], Any]) -> Any:
    with pytest.raises(kind) as caught:
        call()
    return caught.value


@pytest.fixture
def target(upstream: SandboxServer) -> Upstream:
    return Upstream(upstream.base_url, SecretStr("test-key"))


def test_contract_example_gets_a_sale_estimate(target: Upstream, upstream: SandboxServer) -> None:
    valuation = send(LeadRequest.model_validate(EXAMPLE), target)
    assert valuation.valuation_status == "Success"
    estimate = valuation.estimate_for("vendor")
    assert estimate is not None and estimate.kind == "sale"
    assert estimate.minimum < estimate.average < estimate.maximum
    [lead] = upstream.leads()
    assert lead["api_key"] == "test-key"
    assert lead["body"]["property_bedrooms"] == 4
    assert lead["body"]["gdpr_checkbox"] is True
    assert lead["body"]["appointment_availability"] == EXAMPLE["appointment_availability"]


def test_landlord_gets_a_monthly_rent_estimate(target: Upstream) -> None:
    valuation = send(LeadRequest.model_validate({**EXAMPLE, "type": "landlord"}), target)
    estimate = valuation.estimate_for("landlord")
    assert estimate is not None and estimate.kind == "rent"
    assert estimate.average < 20_000  # per calendar month, not per year


def test_unknown_key_is_a_setup_error(upstream: SandboxServer) -> None:
    wrong = Upstream(upstream.base_url, SecretStr("not-a-key"))
    error = expect(UpstreamMisconfigured, lambda: send(LeadRequest.model_validate(EXAMPLE), wrong))
    assert error.status == 401
    assert upstream.leads() == []


def test_wrong_base_url_is_a_setup_error(upstream: SandboxServer) -> None:
    wrong = Upstream(f"{upstream.base_url}/api/v0", SecretStr("test-key"))
    error = expect(UpstreamMisconfigured, lambda: send(LeadRequest.model_validate(EXAMPLE), wrong))
    assert error.status == 404


def test_refused_data_carries_the_field_reasons(target: Upstream) -> None:
    # Bypass our own rules to see how the client reads the upstream's.
    bad = LeadRequest.model_construct(**{**EXAMPLE, "office_id": 999999})
    error = expect(LeadRejected, lambda: send(bad, target))
    assert error.status == 422
    assert error.errors.get("office_id")


def test_server_error_is_transient(target: Upstream, upstream: SandboxServer) -> None:
    upstream.set_faults(error_rate=1.0)
    error = expect(UpstreamUnavailable, lambda: send(LeadRequest.model_validate(EXAMPLE), target))
    assert error.status == 500 and not error.maybe_delivered


def test_upstream_down_is_transient(target: Upstream, upstream: SandboxServer) -> None:
    upstream.set_faults(down=True)
    error = expect(UpstreamUnavailable, lambda: send(LeadRequest.model_validate(EXAMPLE), target))
    assert error.status == 503


def test_slow_upstream_times_out_and_may_have_received_it(
    target: Upstream, upstream: SandboxServer
) -> None:
    upstream.set_faults(latency_ms=2000)
    error = expect(
        UpstreamUnavailable,
        lambda: send(LeadRequest.model_validate(EXAMPLE), target, total_timeout=0.5),
    )
    assert error.maybe_delivered


def test_read_timeout_is_transient(target: Upstream, upstream: SandboxServer) -> None:
    upstream.set_faults(latency_ms=2000)
    error = expect(
        UpstreamUnavailable,
        lambda: send(LeadRequest.model_validate(EXAMPLE), target, read_timeout=0.3),
    )
    assert error.maybe_delivered


def test_connection_refused_is_transient_and_not_delivered() -> None:
    closed = Upstream(f"http://127.0.0.1:{free_port()}", SecretStr("test-key"))
    error = expect(UpstreamUnavailable, lambda: send(LeadRequest.model_validate(EXAMPLE), closed))
    assert not error.maybe_delivered


async def _serve_once(status: int, body: bytes, content_type: str) -> tuple[Any, str]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        head = (
            f"HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
        )
        writer.write(head.encode() + body)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}"


@pytest.mark.parametrize(
    ("status", "body", "content_type", "kind", "message"),
    [
        (400, b"Postcode is not covered", "text/plain", LeadRejected, "Postcode is not covered"),
        (422, b'["odd"]', "application/json", LeadRejected, "['odd']"),
        (429, b"slow down", "text/plain", UpstreamUnavailable, None),
        (403, b"<html>Forbidden</html>", "text/html", UpstreamMisconfigured, None),
    ],
    ids=["raw-text-400", "json-not-an-object", "rate-limited-429", "html-403"],
)
def test_undocumented_failure_bodies_are_read_safely(
    status: int, body: bytes, content_type: str, kind: type[Exception], message: str | None
) -> None:
    async def go() -> Exception:
        server, base = await _serve_once(status, body, content_type)
        http = build_http_client(2.0, 2.0)
        try:
            await LeadApiClient(http, 5.0).create_valuation(
                LeadRequest.model_validate(EXAMPLE), Upstream(base, SecretStr("k"))
            )
        except Exception as exc:
            return exc
        finally:
            await http.aclose()
            server.close()
        raise AssertionError("no error raised")

    error = asyncio.run(go())
    assert isinstance(error, kind)
    if message is not None:
        assert getattr(error, "message", None) == message
