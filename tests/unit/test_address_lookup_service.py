"""`AddressLookup` around a provider: what the journey gets when the provider misbehaves in ways
no status code describes, and what a homeowner who leaves mid-lookup leaves behind."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from app.addresses.lookup import AddressLookup, Lookup
from app.addresses.model import Address
from app.ratelimit import RateLimiter

HOUSE = Address(("3 Station Road",), "Derby", "DE1 1JX", "100023336956", "23747771")


class ScriptedProvider:
    """A provider whose answer the test chooses: addresses after a delay, or an exception."""

    name = "sandbox"

    def __init__(self, delay: float = 0.0, error: Exception | None = None):
        self.delay, self.error, self.calls = delay, error, 0

    async def lookup(self, postcode: str) -> list[Address]:
        self.calls += 1
        await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error
        return [HOUSE]

    async def aclose(self) -> None:
        return None


def service(provider: ScriptedProvider) -> AddressLookup:
    limiter = RateLimiter("100/minute", "100/minute")
    return AddressLookup({"default": provider}, limiter, cache_seconds=60, timeout_seconds=2)


def test_a_bug_in_a_provider_is_unavailable_not_a_crash(caplog: pytest.LogCaptureFixture) -> None:
    lookup = service(ScriptedProvider(error=KeyError("line_1")))

    answer = asyncio.run(lookup.find("default", "DE1 1JX", "192.0.2.1"))

    assert answer.outcome == "unavailable"
    assert answer.manual_entry
    assert any(r.message == "address lookup broke" for r in caplog.records)


def test_an_answer_paid_for_is_kept_when_the_homeowner_leaves() -> None:
    provider = ScriptedProvider(delay=0.2)
    lookup = service(provider)

    async def leave_then_return() -> Lookup:
        leaving = asyncio.ensure_future(lookup.find("default", "DE1 1JX", "192.0.2.1"))
        await asyncio.sleep(0.05)
        leaving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await leaving
        await asyncio.sleep(0.3)  # the call finishes without anyone waiting
        return await lookup.find("default", "DE1 1JX", "192.0.2.1")

    answer = asyncio.run(leave_then_return())

    assert answer.cached and answer.addresses == (HOUSE,)
    assert provider.calls == 1


def test_provider_for_names_the_provider_or_none_when_off() -> None:
    limiter = RateLimiter("1/minute", "1/minute")
    lookup = AddressLookup({"acme": ScriptedProvider(), "manual": None}, limiter, 60, 2)

    assert lookup.provider_for("acme") == "sandbox"
    assert lookup.provider_for("manual") is None
    assert asyncio.run(lookup.find("manual", "DE1 1JX", "192.0.2.1")).outcome == "off"
