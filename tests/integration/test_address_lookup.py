"""Address lookup over real HTTP against the sandbox address provider (a server on a port):
every provider fault becomes its outcome within the 2 s bound, answers are cached, lookups are
rate limited, and the key never reaches a log."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from prometheus_client import REGISTRY

from app.addresses.lookup import AddressLookup, Lookup, open_address_lookup
from app.settings import load_settings
from app.widgets import load_widgets
from tests.address_sandbox import AddressSandbox
from tests.conftest import SANDBOX_KEY
from tests.support.servers import SandboxServer

T = TypeVar("T")
CLIENT = "203.0.113.7"
POSTCODE = "DE1 1JX"


@pytest.fixture
def provider(sandbox: SandboxServer) -> AddressSandbox:
    addresses = AddressSandbox(sandbox)
    addresses.reset()
    return addresses


def with_lookup(
    provider: AddressSandbox, use: Callable[[AddressLookup], Awaitable[T]], **settings: Any
) -> T:
    """Run `use` with an `AddressLookup` of the default widget on the sandbox provider."""
    values: dict[str, Any] = {
        "address_lookup": "sandbox",
        "address_lookup_base": provider.base_url,
        "address_lookup_api_key": SANDBOX_KEY,
        "log_format": "json",
    }
    values.update(settings)
    loaded = load_settings(_env_file=None, **values)

    async def run() -> T:
        async with open_address_lookup(loaded, load_widgets(loaded)) as lookup:
            return await use(lookup)

    return asyncio.run(run())


def find(provider: AddressSandbox, postcode: str = POSTCODE, **settings: Any) -> Lookup:
    return with_lookup(provider, lambda lookup: lookup.find("default", postcode, CLIENT),
                       **settings)


def test_found_addresses_come_with_uprn_udprn_and_lead_fields(provider: AddressSandbox) -> None:
    lookup = find(provider, "de11jx")

    assert lookup.outcome == "found"
    assert lookup.postcode == POSTCODE
    assert 6 <= len(lookup.addresses) <= 40
    first = lookup.addresses[0]
    assert first.postcode == POSTCODE
    assert first.post_town == "Derby"
    assert first.uprn and first.uprn.isdigit()
    assert first.udprn and first.udprn.isdigit()
    lead = first.for_lead()
    assert lead.address == first.label
    assert lead.meta == {"uprn": first.uprn, "udprn": first.udprn}
    assert lookup.address(first.key) == first
    assert provider.stats()["answered"] == 1


def test_unknown_postcode_is_an_error_on_the_postcode_field(provider: AddressSandbox) -> None:
    lookup = find(provider, "DE1 1ZZ")

    assert lookup.outcome == "unknown_postcode"
    assert lookup.postcode_error and lookup.manual_entry
    assert provider.stats()["not_found"] == 1


def test_empty_list_sends_the_homeowner_to_manual_entry(provider: AddressSandbox) -> None:
    lookup = find(provider, "DE1 1YY")

    assert lookup.outcome == "no_addresses"
    assert lookup.manual_entry and not lookup.postcode_error


def test_slow_provider_is_given_up_after_two_seconds(provider: AddressSandbox) -> None:
    provider.set_faults(latency_ms=2_600)

    async def timed(lookup: AddressLookup) -> tuple[Lookup, float]:
        started = time.monotonic()
        answer = await lookup.find("default", POSTCODE, CLIENT)
        return answer, time.monotonic() - started

    lookup, elapsed = with_lookup(provider, timed)

    assert lookup.outcome == "timeout"
    assert lookup.manual_entry
    assert 1.95 <= elapsed < 2.3


FAULTS = [
    ("5xx: down", {"down": True}, "unavailable"),
    ("5xx: every request fails", {"error_rate": 1.0}, "unavailable"),
    ("401", {"answer": "bad_key"}, "bad_key"),
    ("402 balance used up", {"answer": "no_credit"}, "no_credit"),
    ("402 daily limit", {"answer": "daily_limit"}, "limited"),
    ("429", {"answer": "rate_limited"}, "limited"),
    ("body not JSON", {"answer": "not_json"}, "unavailable"),
]


@pytest.mark.parametrize(
    ("faults", "outcome"), [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS]
)
def test_provider_fault_sends_the_homeowner_to_manual_entry(
    provider: AddressSandbox, faults: dict[str, Any], outcome: str
) -> None:
    provider.set_faults(**faults)

    lookup = find(provider)

    assert lookup.outcome == outcome
    assert lookup.manual_entry and not lookup.postcode_error
    assert lookup.addresses == ()
    assert provider.stats()["received"] == 1


def test_key_the_provider_refuses_is_logged_loudly_without_the_key(
    provider: AddressSandbox, log_lines: list[str]
) -> None:
    wrong_key = "ak_wrong_key_never_logged"

    lookup = find(provider, address_lookup_api_key=wrong_key)

    assert lookup.outcome == "bad_key"
    assert provider.stats()["refused"] == 1
    errors = [json.loads(line) for line in log_lines if '"level": "error"' in line]
    assert [e["outcome"] for e in errors] == ["bad_key"]
    assert "ADDRESS_LOOKUP_API_KEY" in errors[0]["event"]
    assert all(wrong_key not in line for line in log_lines)
    assert all(POSTCODE not in line and "DE11JX" not in line for line in log_lines)


def test_second_lookup_of_a_postcode_is_served_from_the_cache(provider: AddressSandbox) -> None:
    async def twice(lookup: AddressLookup) -> tuple[Lookup, Lookup]:
        return (await lookup.find("default", "de1 1jx", CLIENT),
                await lookup.find("default", " DE11JX ", "198.51.100.1"))

    first, second = with_lookup(provider, twice)

    assert provider.stats()["received"] == 1
    assert not first.cached and second.cached
    assert second.addresses == first.addresses


def test_unknown_postcode_is_cached_too(provider: AddressSandbox) -> None:
    async def twice(lookup: AddressLookup) -> list[str]:
        return [(await lookup.find("default", "DE1 1ZZ", CLIENT)).outcome for _ in range(2)]

    assert with_lookup(provider, twice) == ["unknown_postcode", "unknown_postcode"]
    assert provider.stats()["received"] == 1


def test_failures_are_not_cached(provider: AddressSandbox) -> None:
    async def down_then_up(lookup: AddressLookup) -> list[str]:
        provider.set_faults(down=True)
        failed = await lookup.find("default", POSTCODE, CLIENT)
        provider.set_faults(down=False)
        found = await lookup.find("default", POSTCODE, CLIENT)
        return [failed.outcome, found.outcome]

    assert with_lookup(provider, down_then_up) == ["unavailable", "found"]
    assert provider.stats()["received"] == 2


def test_cached_answer_expires_after_its_time(provider: AddressSandbox) -> None:
    async def across_expiry(lookup: AddressLookup) -> None:
        await lookup.find("default", POSTCODE, CLIENT)
        await asyncio.sleep(1.1)
        await lookup.find("default", POSTCODE, CLIENT)

    with_lookup(provider, across_expiry, address_lookup_cache_seconds=1)

    assert provider.stats()["received"] == 2


def test_a_double_click_makes_one_call(provider: AddressSandbox) -> None:
    provider.set_faults(latency_ms=300)

    async def together(lookup: AddressLookup) -> list[Lookup]:
        return await asyncio.gather(
            *(lookup.find("default", POSTCODE, CLIENT) for _ in range(5))
        )

    answers = with_lookup(provider, together)

    assert [a.outcome for a in answers] == ["found"] * 5
    assert provider.stats()["received"] == 1


def test_over_the_limit_per_client_address_goes_to_manual_entry(
    provider: AddressSandbox,
) -> None:
    async def three_postcodes(lookup: AddressLookup) -> list[str]:
        outcomes = [
            (await lookup.find("default", postcode, CLIENT)).outcome
            for postcode in ("DE1 1AA", "DE1 1AB", "DE1 1AD")
        ]
        other_client = await lookup.find("default", "DE1 1AD", "192.0.2.50")
        return [*outcomes, other_client.outcome]

    outcomes = with_lookup(provider, three_postcodes,
                           address_lookup_rate_limit_per_ip="2/minute")

    assert outcomes == ["found", "found", "rate_limited", "found"]
    assert provider.stats()["received"] == 3


def test_over_the_limit_per_widget_goes_to_manual_entry(provider: AddressSandbox) -> None:
    async def three_clients(lookup: AddressLookup) -> list[str]:
        return [
            (await lookup.find("default", postcode, client)).outcome
            for postcode, client in (("DE1 1AA", "192.0.2.1"), ("DE1 1AB", "192.0.2.2"),
                                     ("DE1 1AD", "192.0.2.3"))
        ]

    outcomes = with_lookup(provider, three_clients,
                           address_lookup_rate_limit_per_widget="2/minute")

    assert outcomes == ["found", "found", "rate_limited"]
    assert provider.stats()["received"] == 2


def test_cache_hits_are_not_counted_against_the_limit(provider: AddressSandbox) -> None:
    async def back_and_forth(lookup: AddressLookup) -> list[str]:
        return [(await lookup.find("default", POSTCODE, CLIENT)).outcome for _ in range(4)]

    outcomes = with_lookup(provider, back_and_forth, address_lookup_rate_limit_per_ip="1/minute")

    assert outcomes == ["found"] * 4


@pytest.mark.redis
def test_limits_are_shared_between_instances_through_redis(provider: AddressSandbox) -> None:
    client = f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(256)}"

    def one_instance(postcode: str) -> str:
        return with_lookup(
            provider,
            lambda lookup: lookup.find("default", postcode, client),
            redis_url="redis://127.0.0.1:6379",
            address_lookup_rate_limit_per_ip="2/minute",
        ).outcome

    outcomes = [one_instance(postcode) for postcode in ("DE1 1AA", "DE1 1AB", "DE1 1AD")]

    assert outcomes == ["found", "found", "rate_limited"]
    assert provider.stats()["received"] == 2


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_lookups_are_counted_by_provider_and_outcome(provider: AddressSandbox) -> None:
    before = {
        "found": _sample("address_lookups_total", provider="sandbox", outcome="found"),
        "limited": _sample("address_lookups_total", provider="sandbox", outcome="limited"),
        "cached": _sample("address_lookup_requests_total", provider="sandbox", result="cached"),
        "timed": _sample("address_lookup_seconds_count", provider="sandbox"),
    }

    async def found_twice(lookup: AddressLookup) -> None:
        for _ in range(2):
            await lookup.find("default", POSTCODE, CLIENT)

    with_lookup(provider, found_twice)
    provider.set_faults(answer="rate_limited")
    find(provider, "DE1 1AB")

    assert _sample("address_lookups_total", provider="sandbox", outcome="found") == (
        before["found"] + 1
    )
    assert _sample("address_lookups_total", provider="sandbox", outcome="limited") == (
        before["limited"] + 1
    )
    assert _sample("address_lookup_requests_total", provider="sandbox", result="cached") == (
        before["cached"] + 1
    )
    assert _sample("address_lookup_seconds_count", provider="sandbox") == before["timed"] + 2


def test_default_settings_look_up_in_the_built_in_sandbox_offline() -> None:
    settings = load_settings(_env_file=None, leadpro_api_key=None, address_lookup=None,
                             address_lookup_base=None, address_lookup_api_key=None)

    async def run() -> Lookup:
        async with open_address_lookup(settings, load_widgets(settings)) as lookup:
            return await lookup.find("default", "SW1A 2AA", CLIENT)

    lookup = asyncio.run(run())

    assert lookup.outcome == "found"
    assert lookup.provider == "sandbox"
    assert {a.post_town for a in lookup.addresses} == {"London"}


def test_lookup_off_offers_manual_entry_only() -> None:
    settings = load_settings(_env_file=None, address_lookup="off")

    async def run() -> Lookup:
        async with open_address_lookup(settings, load_widgets(settings)) as lookup:
            return await lookup.find("default", POSTCODE, CLIENT)

    lookup = asyncio.run(run())

    assert lookup.outcome == "off"
    assert lookup.manual_entry
