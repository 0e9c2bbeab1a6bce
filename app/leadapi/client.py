"""The Lead API client: sends `POST /leads/valuation` through one pooled httpx client.

The app's lifespan owns the `httpx.AsyncClient` (`build_http_client`) and hands it to
`LeadApiClient`; the in-process sandbox is one more transport mounted on that same client, so
every lead takes the same code path whichever Lead API receives it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from http.cookiejar import CookieJar, CookiePolicy

import httpx
from pydantic import SecretStr

from app.leadapi.contract import VALUATION_PATH, LeadRequest
from app.leadapi.errors import LeadRejected, UpstreamMisconfigured, UpstreamUnavailable
from app.leadapi.valuation import Valuation

# Below common server idle timeouts (uvicorn's is 5 s), so a pooled connection is seldom one
# the server is closing as we send on it.
KEEPALIVE_SECONDS = 4.0
MAX_CONNECTIONS = 100


@dataclass(frozen=True)
class Upstream:
    """Where one widget's leads go (`base_url`, e.g. https://api.lead.pro/api/v103), with which
    key. `is_sandbox` marks the built-in sandbox, for the operator's eyes: the client reaches it
    through the transport mounted at its base URL, not through this flag."""

    base_url: str
    api_key: SecretStr
    is_sandbox: bool = False


class _NoCookies(CookiePolicy):
    """Agencies' requests must not share cookies: none is ever stored or sent."""

    netscape = True
    rfc2965 = False
    hide_cookie2 = True

    def set_ok(self, cookie: object, request: object) -> bool:
        return False

    def return_ok(self, cookie: object, request: object) -> bool:
        return False

    def domain_return_ok(self, domain: str, request: object) -> bool:
        return False

    def path_return_ok(self, path: str, request: object) -> bool:
        return False


def build_http_client(
    connect_timeout: float,
    read_timeout: float,
    *,
    write_timeout: float | None = None,
    pool_timeout: float | None = None,
    mounts: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> httpx.AsyncClient:
    """The pooled client for one upstream, with a timeout for each phase, in seconds.

    `write_timeout` defaults to `read_timeout` and `pool_timeout` (waiting for a free pooled
    connection) to `connect_timeout`. `mounts` maps a URL prefix to another transport: the
    built-in sandbox is `{SANDBOX_BASE: httpx.ASGITransport(app)}`. Proxies come from the
    environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY), read once here by httpx.
    The caller closes it with `await client.aclose()`.
    """
    timeout = httpx.Timeout(
        connect=connect_timeout,
        read=read_timeout,
        write=read_timeout if write_timeout is None else write_timeout,
        pool=connect_timeout if pool_timeout is None else pool_timeout,
    )
    limits = httpx.Limits(
        max_connections=MAX_CONNECTIONS,
        max_keepalive_connections=MAX_CONNECTIONS,
        keepalive_expiry=KEEPALIVE_SECONDS,
    )
    return httpx.AsyncClient(
        timeout=timeout,
        limits=limits,
        mounts=dict(mounts) if mounts else None,
        cookies=CookieJar(policy=_NoCookies()),
        follow_redirects=False,
        trust_env=True,
    )


class LeadApiClient:
    """Sends leads. Owns no connections itself: the app's lifespan hands it the shared client.

    `total_timeout` bounds a whole call (connection, sending, waiting and reading) in seconds,
    on top of the client's per-phase timeouts.
    """

    def __init__(self, http: httpx.AsyncClient, total_timeout: float):
        self._http = http
        self._total_timeout = total_timeout

    async def create_valuation(self, lead: LeadRequest, upstream: Upstream) -> Valuation:
        """Create the lead upstream and return its answer.

        Raises `LeadRejected` (4xx with reasons), `UpstreamMisconfigured` (401, 403, 404) or
        `UpstreamUnavailable` (429, 5xx, timeouts, connection errors).
        """
        # Compact JSON, as the contract's byte limits count it.
        body = json.dumps(
            lead.body(), separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode()
        headers = {
            "X-API-KEY": upstream.api_key.get_secret_value(),
            "Content-Type": "application/json",
        }
        try:
            # The client bounds each phase; this bounds the whole exchange.
            async with asyncio.timeout(self._total_timeout):
                response = await self._post(upstream.base_url + VALUATION_PATH, body, headers)
        except TimeoutError as exc:
            raise UpstreamUnavailable("total timeout", maybe_delivered=True) from exc
        return _interpret(response)

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
        try:
            return await self._http.post(url, content=body, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # No connection was made: the request cannot have been received.
            raise UpstreamUnavailable(type(exc).__name__) from exc
        except httpx.TransportError as exc:
            # Sent, or partly sent, before the reply was lost: it may have been received.
            raise UpstreamUnavailable(type(exc).__name__, maybe_delivered=True) from exc


def _interpret(response: httpx.Response) -> Valuation:
    status = response.status_code
    if status == 200:
        try:
            return Valuation.model_validate(response.json())
        except ValueError:
            # The lead exists; we only lack a readable estimate.
            return Valuation(valuation_status="Unreadable response")
    if status in (401, 403, 404):
        message, _ = _reasons(response)
        raise UpstreamMisconfigured(status, message)
    if status == 429 or status >= 500:
        raise UpstreamUnavailable(f"HTTP {status}", status=status)
    if 400 <= status < 500:
        message, errors = _reasons(response)
        raise LeadRejected(status, message, errors)
    raise UpstreamUnavailable(f"unexpected HTTP {status}", status=status)


def _reasons(response: httpx.Response) -> tuple[str, dict[str, list[str]]]:
    """The failure's message and field errors: JSON when it is there, else the raw text.

    The contract leaves 4xx bodies undocumented, so neither shape is assumed.
    """
    try:
        payload = response.json()
    except ValueError:
        return response.text.strip()[:500] or response.reason_phrase, {}
    if not isinstance(payload, dict):
        return str(payload)[:500], {}
    message = str(payload.get("message") or response.reason_phrase)
    errors: dict[str, list[str]] = {}
    raw_errors = payload.get("errors")
    if isinstance(raw_errors, dict):
        for name, reasons in raw_errors.items():
            listed = reasons if isinstance(reasons, list) else [reasons]
            errors[str(name)] = [str(reason) for reason in listed]
    return message, errors
