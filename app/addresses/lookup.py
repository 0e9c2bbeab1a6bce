"""The address lookup the journey calls: one method that never raises.

`AddressLookup.find(widget, postcode, client)` returns a `Lookup`: the addresses, or the outcome
that says why there are none. Around each widget's provider it adds:

- a cache per provider and normalised postcode (`ADDRESS_LOOKUP_CACHE_SECONDS`), so Back,
  re-renders and errors cost nothing; answers that cannot change soon are cached (found, no
  addresses, unknown postcode), failures are not;
- one call in flight per postcode: a double click waits for the first call, it does not pay twice;
- rate limits per client address and per widget (`limits` notation; through Redis when
  `REDIS_URL` is set), counted only for calls that reach the provider;
- an overall bound of `ADDRESS_LOOKUP_TIMEOUT` seconds (2 by default) for the whole lookup;
- for every provider call, metrics and a log line (provider, widget, outcome, milliseconds,
  the status in the message; never the postcode or the key).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from limits import RateLimitItem
from pydantic import SecretStr

from app.addresses import metrics
from app.addresses.cache import TtlCache
from app.addresses.config import AddressSource
from app.addresses.errors import (
    AddressLookupError,
    Outcome,
    ProviderTimeout,
    ProviderUnavailable,
)
from app.addresses.idealpostcodes import IdealPostcodes
from app.addresses.model import Address
from app.addresses.osplaces import OsPlaces
from app.addresses.provider import AddressProvider
from app.ratelimit import RateLimiter
from app.settings import Settings
from app.validation import normalise_postcode
from app.widgets import Widget

log = logging.getLogger(__name__)

# In-process sandbox: an ASGI app reached through httpx without a socket.
SANDBOX_BASE = "http://address-sandbox.invalid"
# Outcomes that stay true for minutes: worth keeping. Failures are retried on the next ask.
CACHED_OUTCOMES = frozenset({"found", "no_addresses", "unknown_postcode"})
# The operator must act: the key is refused or its money is gone.
LOUD_OUTCOMES = frozenset({"bad_key", "no_credit"})
# Limits' key namespace, so these windows never share counts with the submission limits.
LIMIT_NAMESPACE = "ADDRESS_LOOKUP"


@dataclass(frozen=True)
class Lookup:
    """The answer to one lookup: `outcome` (see `errors.Outcome`), the postcode as normalised
    (or as typed when it is not one), and the addresses when `outcome == "found"`."""

    outcome: Outcome
    postcode: str
    addresses: tuple[Address, ...] = ()
    provider: str = ""
    cached: bool = False

    @property
    def found(self) -> bool:
        return self.outcome == "found"

    @property
    def postcode_error(self) -> bool:
        """The postcode itself is wrong: show the error on its field (manual entry offered)."""
        return self.outcome in ("unknown_postcode", "invalid_postcode")

    @property
    def manual_entry(self) -> bool:
        """No list to pick from: the homeowner types the address (the postcode is kept)."""
        return not self.found

    def address(self, key: str) -> Address | None:
        """The address whose `Address.key` is `key`, if it is in this answer."""
        return next((a for a in self.addresses if a.key == key), None)


class AddressLookup:
    """Lookups for every widget; build it with `open_address_lookup`."""

    def __init__(
        self,
        providers: Mapping[str, AddressProvider | None],
        limiter: RateLimiter,
        cache_seconds: float,
        timeout_seconds: float,
    ):
        self._providers = dict(providers)  # widget id -> provider (None: lookup is off)
        self._limiter = limiter
        self._cache: TtlCache[Lookup] = TtlCache(cache_seconds)
        self._timeout = timeout_seconds
        self._in_flight: dict[tuple[int, str], asyncio.Task[Lookup]] = {}

    async def find(self, widget_id: str, postcode: str, client: str) -> Lookup:
        """Look `postcode` up for `widget_id`, on behalf of the client address `client`.

        Never raises for a provider's failure: the outcome says what happened. A widget id that
        is not configured gets `off`.
        """
        provider = self._providers.get(widget_id)
        if provider is None:
            return Lookup("off", postcode)
        normalised = normalise_postcode(postcode)
        if normalised is None:
            metrics.REQUESTS.labels(provider.name, "invalid_postcode").inc()
            return Lookup("invalid_postcode", postcode, provider=provider.name)
        key = (id(provider), normalised)
        if (cached := self._cache.get(key)) is not None:
            metrics.REQUESTS.labels(provider.name, "cached").inc()
            return Lookup(cached.outcome, normalised, cached.addresses, provider.name, True)
        if (running := self._in_flight.get(key)) is not None:
            metrics.REQUESTS.labels(provider.name, "shared").inc()
            return await asyncio.shield(running)
        # Registered before the first await, so a second click finds it whatever happens next.
        task = asyncio.ensure_future(self._limit_call_keep(provider, normalised, widget_id, client))
        self._in_flight[key] = task
        task.add_done_callback(lambda _: self._in_flight.pop(key, None))
        # Shielded: a homeowner who leaves does not cancel an answer already paid for, nor the
        # one others may be waiting on.
        return await asyncio.shield(task)

    def provider_for(self, widget_id: str) -> str | None:
        """The name of the widget's provider (`sandbox`, `ideal-postcodes`, `os-places`), or
        None when its lookup is off: the journey then asks for the address by hand."""
        provider = self._providers.get(widget_id)
        return provider.name if provider else None

    async def _limit_call_keep(
        self, provider: AddressProvider, postcode: str, widget_id: str, client: str
    ) -> Lookup:
        """Count the call against the limits, make it, and keep an answer worth keeping."""
        verdict = await self._limiter.hit(widget_id, client)
        if not verdict.allowed:
            metrics.REQUESTS.labels(provider.name, "rate_limited").inc()
            log.warning(
                "address lookup rate limited",
                extra={"widget": widget_id, "provider": provider.name,
                       "retry_after": verdict.retry_after},
            )
            return Lookup("rate_limited", postcode, provider=provider.name)
        metrics.REQUESTS.labels(provider.name, "provider").inc()
        answer = await self._call(provider, postcode, widget_id)
        if answer.outcome in CACHED_OUTCOMES:
            self._cache.put((id(provider), postcode), answer)
        return answer

    async def _call(self, provider: AddressProvider, postcode: str, widget_id: str) -> Lookup:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self._timeout):
                addresses = await provider.lookup(postcode)
            outcome: Outcome = "found" if addresses else "no_addresses"
            failure: AddressLookupError | None = None
        except TimeoutError:
            addresses, failure = [], ProviderTimeout(f"{provider.name} took over {self._timeout} s")
            outcome = failure.outcome
        except AddressLookupError as exc:
            addresses, failure, outcome = [], exc, exc.outcome
        except Exception:  # a bug or a shape nobody documented: never a 500 for the homeowner
            log.exception("address lookup broke", extra={"provider": provider.name})
            addresses, failure = [], ProviderUnavailable(f"{provider.name}: unexpected error")
            outcome = failure.outcome
        elapsed = time.perf_counter() - started
        metrics.LOOKUPS.labels(provider.name, outcome).inc()
        metrics.LATENCY.labels(provider.name).observe(elapsed)
        self._log(provider.name, widget_id, outcome, failure, elapsed)
        return Lookup(outcome, postcode, tuple(addresses), provider.name)

    @staticmethod
    def _log(
        provider: str,
        widget_id: str,
        outcome: Outcome,
        failure: AddressLookupError | None,
        elapsed: float,
    ) -> None:
        facts: dict[str, Any] = {
            "provider": provider, "widget": widget_id, "outcome": outcome,
            "elapsed_ms": round(elapsed * 1000),
        }
        if failure is None or outcome == "unknown_postcode":
            log.info("address lookup", extra=facts)
        elif outcome in LOUD_OUTCOMES:
            # The message names provider and status only: adapters never put a key in one.
            log.error(
                "address lookup needs the operator: %s (check ADDRESS_LOOKUP_API_KEY and the "
                "account); homeowners are typing their address", failure, extra=facts,
            )
        else:
            log.warning("address lookup failed: %s; manual entry offered", failure, extra=facts)

    async def aclose(self) -> None:
        """Close every provider's connection pool and the limiter's Redis connections."""
        for provider in {id(p): p for p in self._providers.values() if p}.values():
            await provider.aclose()
        await self._limiter.aclose()


def build_provider(
    source: AddressSource, sandbox_app: Any | None = None
) -> AddressProvider | None:
    """The provider a widget's `AddressSource` names; None when lookup is `off`.

    `sandbox` without a base URL uses `sandbox_app` (an ASGI app serving the sandbox address
    API at its root, e.g. `app.sandbox.addresses.create_address_sandbox_app()`), in process;
    one is built when none is given.
    """
    if source.kind == "off":
        return None
    if source.kind == "os-places":
        assert source.api_key is not None and source.base is not None  # resolve_source checks
        return OsPlaces(source.api_key, source.base)
    if source.kind == "ideal-postcodes":
        assert source.api_key is not None and source.base is not None
        return IdealPostcodes(source.api_key, source.base)
    # The sandbox speaks the Ideal Postcodes format: the same adapter, another base.
    if source.base is not None:
        assert source.api_key is not None
        return IdealPostcodes(source.api_key, source.base, name="sandbox")
    from app.sandbox.addresses import SANDBOX_ADDRESS_KEY, create_address_sandbox_app

    # In process the sandbox's own key is used: nothing outside this process can call it.
    transport = httpx.ASGITransport(app=sandbox_app or create_address_sandbox_app())
    return IdealPostcodes(SecretStr(SANDBOX_ADDRESS_KEY), SANDBOX_BASE, transport, name="sandbox")


def address_limiter(settings: Settings) -> RateLimiter:
    """The limiter of address lookups: `RateLimiter`'s storage (memory, or Redis when
    `REDIS_URL` is set) with its own namespace, so its windows are apart from submissions'."""
    limiter = RateLimiter(
        settings.address_lookup_rate_limit_per_ip,
        settings.address_lookup_rate_limit_per_widget,
        settings.redis_url,
    )
    limiter.per_ip = _namespaced(limiter.per_ip)
    limiter.per_widget = _namespaced(limiter.per_widget)
    return limiter


def _namespaced(items: Iterable[RateLimitItem]) -> list[RateLimitItem]:
    return [type(item)(item.amount, item.multiples, namespace=LIMIT_NAMESPACE) for item in items]


@contextlib.asynccontextmanager
async def open_address_lookup(
    settings: Settings, widgets: Mapping[str, Widget], sandbox_app: Any | None = None
) -> AsyncIterator[AddressLookup]:
    """`AddressLookup` for every widget (by id), closed on exit.

    Widgets with the same provider, key and base share one provider: one connection pool and
    one cache. The app wires it with one line in its lifespan:

        async with open_address_lookup(settings, widgets, sandbox.state.addresses) as addresses:

    where `sandbox` is the built-in sandbox app mounted at `/sandbox` (its address provider,
    so `/sandbox/addresses/_sandbox/faults` acts on the lookups); without it, widgets on the
    in-process sandbox get a sandbox of their own.
    """
    shared: dict[tuple[str, str | None, str | None], AddressProvider | None] = {}
    providers: dict[str, AddressProvider | None] = {}
    for widget_id, widget in widgets.items():
        source = widget.address_source
        if source.identity not in shared:
            shared[source.identity] = build_provider(source, sandbox_app)
        providers[widget_id] = shared[source.identity]
    lookup = AddressLookup(
        providers,
        address_limiter(settings),
        settings.address_lookup_cache_seconds,
        settings.address_lookup_timeout,
    )
    try:
        yield lookup
    finally:
        await lookup.aclose()
