"""The Lead API client: the one module that talks to Lead Pro's `POST /leads/valuation`.

`LeadRequest` carries every field of the contract with every documented rule, so a request that
would be refused upstream cannot even be built. Failures are sorted into three kinds the rest of
the app acts on differently:

- `LeadRejected`: the upstream refused the homeowner's data (4xx with reasons);
- `UpstreamMisconfigured`: the operator's set-up is wrong (401/403/404): log loudly, retry later;
- `UpstreamUnavailable`: transient (5xx, 429, timeouts, connection errors): retry later.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar, get_args
from urllib.parse import urlsplit

import aiohttp
import httpx
from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    SecretStr,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
    field_validator,
)

log = logging.getLogger(__name__)
_T = TypeVar("_T")

# The contract's choices, spelled once as types for the checker; the tuples serve at run time.
Source = Literal[
    "rightmove",
    "rightmove_valuation",
    "zoopla",
    "zoopla_valuation",
    "onthemarket",
    "gumtree",
    "s1",
    "lettingweb",
    "propertypal",
    "propertynews",
    "ivt",
    "homepage",
]
PropertyType = Literal["detached", "semi-detached", "terraced", "flat-maisonette"]
ValuationType = Literal["vendor", "landlord"]  # the lead types POST /leads/valuation takes
SOURCES: tuple[Source, ...] = get_args(Source)
PROPERTY_TYPES: tuple[PropertyType, ...] = get_args(PropertyType)
LEAD_TYPES: tuple[ValuationType, ...] = get_args(ValuationType)
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
VALUATION_PATH = "/leads/valuation"

# Byte limits of the contract's JSON-valued fields.
AVAILABILITY_MAX_BYTES = 1024
META_MAX_BYTES = 1024
QUESTIONNAIRE_MAX_BYTES = 2048

# Required text must hold something other than spaces, as the upstream insists.
NOT_BLANK = r"\S"
Name = Annotated[StrictStr, StringConstraints(min_length=1, max_length=50, pattern=NOT_BLANK)]
Phone = Annotated[StrictStr, StringConstraints(min_length=1, max_length=255, pattern=NOT_BLANK)]
Text100 = Annotated[StrictStr, StringConstraints(max_length=100)]
Text255 = Annotated[StrictStr, StringConstraints(max_length=255)]
Postcode = Annotated[StrictStr, StringConstraints(min_length=2, max_length=10, pattern=NOT_BLANK)]
UTC_INSTANT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|\+00:00)$")


def json_size(value: Any) -> int:
    """Bytes of `value` as compact UTF-8 JSON: how the contract's size limits are counted."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def utc_instant(moment: datetime) -> str:
    """An aware datetime as the contract's ISO-8601 UTC form, e.g. 2021-01-01T08:00:00.000Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class LeadRequest(BaseModel):
    """The JSON body of `POST /leads/valuation`, with the contract's rules."""

    model_config = ConfigDict(extra="forbid")

    type: ValuationType
    first_name: Name
    last_name: Name
    email: EmailStr
    phone: Phone
    postcode: Postcode
    title: Name | None = None
    address: Text100 | None = None
    property_bedrooms: Annotated[StrictInt, Field(ge=0)] | None = None
    property_type: PropertyType | None = None
    advert_address: Text100 | None = None
    advert_postcode: Postcode | None = None
    advert_url: Text255 | None = None
    advert_image: Text255 | None = None
    message: Text255 | None = None
    appointment_availability: dict[str, list[StrictStr]] | None = None
    meta: dict[str, StrictStr] | None = None
    questionnaire: dict[str, list[StrictStr]] | None = None
    gdpr_checkbox: StrictBool | None = None
    host: Text255 | None = None
    office_id: StrictInt | None = None
    source: Source | None = None
    international: StrictBool | None = None
    utm_source: Text255 | None = None
    utm_campaign: Text255 | None = None
    utm_medium: Text255 | None = None
    utm_term: Text255 | None = None
    utm_content: Text255 | None = None

    @field_validator("appointment_availability")
    @classmethod
    def availability_shape(cls, value: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        if value is None:
            return None
        if set(value) != {"hours"}:
            raise ValueError('must be {"hours": [...]}')
        for hour in value["hours"]:
            if not UTC_INSTANT.match(hour):
                raise ValueError("hours must be UTC instants like 2021-01-01T08:00:00.000Z")
            datetime.fromisoformat(hour.replace("Z", "+00:00"))  # a real date and time
        return _within_bytes(value, AVAILABILITY_MAX_BYTES)

    @field_validator("meta")
    @classmethod
    def meta_size(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return None if value is None else _within_bytes(value, META_MAX_BYTES)

    @field_validator("questionnaire")
    @classmethod
    def questionnaire_pairs(cls, value: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        if value is None:
            return None
        if any(len(pair) != 2 for pair in value.values()):
            raise ValueError("each answer must be [question, answer]")
        return _within_bytes(value, QUESTIONNAIRE_MAX_BYTES)

    def body(self) -> dict[str, Any]:
        """The JSON body to send: set fields only, with their contract types."""
        return self.model_dump(mode="json", exclude_none=True)


def _within_bytes(value: _T, limit: int) -> _T:
    if json_size(value) > limit:
        raise ValueError(f"must be at most {limit} bytes of JSON")
    return value


class Valuation(BaseModel):
    """What the upstream answers on success. Only these fields are documented."""

    model_config = ConfigDict(extra="ignore")

    minimum_sale_estimation: float | None = None
    average_sale_estimation: float | None = None
    maximum_sale_estimation: float | None = None
    minimum_rent_estimation: float | None = None
    average_rent_estimation: float | None = None
    maximum_rent_estimation: float | None = None
    valuation_status: str | None = None

    def estimate_for(self, lead_type: str) -> Estimate | None:
        """The range a homeowner asked about, or None when the upstream could not value it."""
        kind: Literal["sale", "rent"] = "sale" if lead_type == "vendor" else "rent"
        low, mid, high = (
            getattr(self, f"{bound}_{kind}_estimation")
            for bound in ("minimum", "average", "maximum")
        )
        if self.valuation_status != "Success" or None in (low, mid, high):
            return None
        return Estimate(kind=kind, minimum=round(low), average=round(mid), maximum=round(high))


@dataclass(frozen=True)
class Estimate:
    kind: Literal["sale", "rent"]
    minimum: int
    average: int
    maximum: int


class LeadApiError(Exception):
    """Base of every failure to create a lead."""


@dataclass
class LeadRejected(LeadApiError):
    """The upstream refused the data: the homeowner (or our validation) must change it."""

    status: int
    message: str
    errors: dict[str, list[str]] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"Lead API refused the lead ({self.status}): {self.message}"


@dataclass
class UpstreamMisconfigured(LeadApiError):
    """Our set-up is wrong (bad key, wrong base URL): nothing the homeowner can fix."""

    status: int
    message: str

    def __str__(self) -> str:
        return f"Lead API set-up error ({self.status}): {self.message}"


@dataclass
class UpstreamUnavailable(LeadApiError):
    """A transient failure. `maybe_delivered` when the request may have reached the upstream."""

    reason: str
    maybe_delivered: bool = False
    status: int | None = None

    def __str__(self) -> str:
        return f"Lead API unavailable: {self.reason}"


@dataclass(frozen=True)
class Upstream:
    """Where one widget's leads go, and with which key."""

    base_url: str
    api_key: SecretStr
    is_sandbox: bool = False


@dataclass(frozen=True)
class Reply:
    """What came back, whichever HTTP client fetched it."""

    status: int
    reason: str
    content: bytes
    charset: str | None = None

    @property
    def text(self) -> str:
        return self.content.decode(self.charset or "utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


class UpstreamHttp:
    """The connection pool for the real Lead API (aiohttp), with explicit phase timeouts.

    aiohttp rather than httpx: an httpx call cost about 1.5 ms of CPU against 0.4 ms here, and
    with one event loop per core that was the largest single cost of a submission.
    """

    def __init__(self, connect_timeout: float, read_timeout: float):
        self._timeout = aiohttp.ClientTimeout(
            total=None,
            connect=connect_timeout,
            sock_connect=connect_timeout,
            sock_read=read_timeout,
        )
        self._session: aiohttp.ClientSession | None = None
        # HTTP(S)_PROXY and NO_PROXY, read once per upstream host (aiohttp's trust_env re-reads
        # the environment on every request, which costs more than the request itself).
        self._proxies: dict[tuple[str, str], str | None] = {}

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=100,
                # Below common server idle timeouts (uvicorn's is 5 s), so a pooled connection
                # is seldom one the server is closing as we send on it.
                keepalive_timeout=4.0,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self._timeout,
                # Agencies' requests must not share cookies.
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    def _proxy(self, url: str) -> str | None:
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        if key not in self._proxies:
            proxies = urllib.request.getproxies()
            proxy = proxies.get(parts.scheme) or proxies.get("all")
            self._proxies[key] = None if urllib.request.proxy_bypass(key[1]) else proxy
        return self._proxies[key]

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Reply:
        try:
            async with self._open().post(
                url, data=body, headers=headers, allow_redirects=False, proxy=self._proxy(url)
            ) as response:
                content = await response.read()
                return Reply(response.status, response.reason or "", content, response.charset)
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            # No connection was made: the request cannot have been received.
            raise UpstreamUnavailable(type(exc).__name__) from exc
        except aiohttp.ClientError as exc:
            # Sent, or partly sent, before the reply was lost: it may have been received.
            raise UpstreamUnavailable(type(exc).__name__, maybe_delivered=True) from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


async def _post_httpx(
    http: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str]
) -> Reply:
    """The same exchange through httpx: the in-process sandbox is an ASGI app only httpx calls."""
    try:
        response = await http.post(url, content=body, headers=headers)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise UpstreamUnavailable(type(exc).__name__) from exc
    except httpx.TransportError as exc:
        # The request may have been received before the reply was lost.
        raise UpstreamUnavailable(type(exc).__name__, maybe_delivered=True) from exc
    return Reply(
        response.status_code, response.reason_phrase, response.content, response.charset_encoding
    )


class LeadApiClient:
    """Sends leads. Owns no connections itself: the app's lifespan hands it shared clients."""

    def __init__(
        self,
        http: UpstreamHttp | httpx.AsyncClient,
        total_timeout: float,
        sandbox_http: httpx.AsyncClient | None = None,
    ):
        self._http = http
        self._total_timeout = total_timeout
        self._sandbox_http = sandbox_http

    async def create_valuation(self, lead: LeadRequest, upstream: Upstream) -> Valuation:
        http = self._sandbox_http if upstream.is_sandbox and self._sandbox_http else self._http
        # Compact JSON, as the contract's byte limits count it.
        body = json.dumps(
            lead.body(), separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode()
        url = upstream.base_url + VALUATION_PATH
        headers = {
            "X-API-KEY": upstream.api_key.get_secret_value(),
            "Content-Type": "application/json",
        }
        try:
            # The client bounds each phase; this bounds the whole exchange.
            async with asyncio.timeout(self._total_timeout):
                if isinstance(http, httpx.AsyncClient):
                    reply = await _post_httpx(http, url, body, headers)
                else:
                    reply = await http.post(url, body, headers)
        except TimeoutError as exc:
            raise UpstreamUnavailable("total timeout", maybe_delivered=True) from exc
        return _interpret(reply)


def _interpret(response: Reply) -> Valuation:
    status = response.status
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


def _reasons(response: Reply) -> tuple[str, dict[str, list[str]]]:
    """The failure's message and field errors: JSON when it is there, else the raw text."""
    try:
        payload = response.json()
    except ValueError:
        return response.text.strip()[:500] or response.reason, {}
    if not isinstance(payload, dict):
        return str(payload)[:500], {}
    message = str(payload.get("message") or response.reason)
    errors: dict[str, list[str]] = {}
    raw_errors = payload.get("errors")
    if isinstance(raw_errors, dict):
        for name, reasons in raw_errors.items():
            listed = reasons if isinstance(reasons, list) else [reasons]
            errors[str(name)] = [str(reason) for reason in listed]
    return message, errors


def build_http_client(connect_timeout: float, read_timeout: float) -> UpstreamHttp:
    """The shared connection pool for the real upstream, with explicit phase timeouts."""
    return UpstreamHttp(connect_timeout, read_timeout)
