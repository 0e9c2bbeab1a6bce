"""A stand-in for Lead Pro's Lead API (v103) that enforces its contract exactly.

Contract endpoints sit at the root, so a client's base URL is just ``http://host:port``:
``POST /leads/valuation``, ``POST /leads``, ``GET /offices``. Control endpoints for tests and demos
sit under ``/_sandbox/`` and need no key. Nothing personal (names, emails, phones) is ever logged.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from app.leadapi.contract import ALL_LEAD_TYPES, LEAD_TYPES
from app.sandbox import estimates, rules
from app.sandbox.addresses import AddressFaults, create_address_sandbox_app
from app.sandbox.faults import Faults, FaultsError
from app.sandbox.records import Endpoint, RecordStore

log = logging.getLogger("app.sandbox")

# As the contract's example shows, ids come back both as strings and as numbers.
OFFICES: list[dict[str, Any]] = [
    {"id": "1213", "name": "Derby office"},
    {"id": 1214, "name": "London office"},
]
DERBY_OFFICE: str | int = OFFICES[0]["id"]
LONDON_OFFICE: str | int = OFFICES[1]["id"]

# "Nearest office" for the sandbox: London and the South and East go to London, the rest to Derby.
LONDON_AREAS = frozenset({
    "E", "EC", "N", "NW", "SE", "SW", "W", "WC", "BR", "CR", "DA", "EN", "HA", "IG", "KT", "RM",
    "SM", "TW", "UB", "WD", "AL", "HP", "LU", "MK", "SG", "SL", "OX", "RG", "GU", "RH", "BN", "TN",
    "ME", "CT", "SS", "CM", "CO", "CB", "IP", "NR", "SO", "PO", "BH", "SP", "SN", "BA", "BS", "EX",
    "PL", "TQ", "TR", "TA", "DT", "GL",
})
_POSTCODE_AREA = re.compile(r"\s*([A-Za-z]{1,2})\d")

# Buyer and tenant enquiries are about an advertised property; the rest about the lead's own home.
ADVERT_TYPES = frozenset({"sale", "let"})


@dataclass
class SandboxState:
    api_keys: tuple[str, ...]
    faults: Faults
    store: RecordStore = field(default_factory=RecordStore)

    def key_is_known(self, key: str | None) -> bool:
        if not key:
            return False
        return any(hmac.compare_digest(key.encode(), known.encode()) for known in self.api_keys)


def message(status: int, text: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"message": text, **extra}, status_code=status)


def route_office(body: dict[str, Any]) -> str | int | None:
    """The office a lead goes to: the one asked for, else the nearest to its postcode."""
    if "office_id" in body:
        asked: str | int = body["office_id"]  # already checked against the account's offices
        return asked
    postcode = body.get("postcode")
    if body.get("type") in ADVERT_TYPES:
        postcode = body.get("advert_postcode") or postcode
    match = _POSTCODE_AREA.match(postcode) if isinstance(postcode, str) else None
    if not match:
        return None
    return LONDON_OFFICE if match.group(1).upper() in LONDON_AREAS else DERBY_OFFICE


def parse_object(raw: bytes) -> dict[str, Any] | None:
    """The body as a JSON object, or ``None`` if it is anything else."""

    def refuse_constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")  # Python would accept NaN and Infinity

    try:
        body = json.loads(raw, parse_constant=refuse_constant)
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def create_sandbox_app(
    api_keys: Iterable[str] = ("sandbox-key",),
    faults: Faults | None = None,
    address_faults: AddressFaults | None = None,
) -> FastAPI:
    """Build the sandbox Lead API accepting ``api_keys``, optionally with faults injected.

    The sandbox address provider (Ideal Postcodes' format, same keys) is mounted at
    ``/addresses`` with its own faults.
    """
    state = SandboxState(api_keys=tuple(api_keys), faults=faults or Faults())
    # No /docs: the real service has none, and clients must not come to rely on one.
    app = FastAPI(title="Lead API sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.sandbox = state
    addresses = create_address_sandbox_app(state.api_keys, address_faults)
    app.state.addresses = addresses
    app.mount("/addresses", addresses)

    async def gate(request: Request) -> JSONResponse | None:
        """Faults, then authentication: the answer to give instead of processing, if any."""
        if state.faults.latency_ms:
            await asyncio.sleep(state.faults.latency_ms / 1000)
        if state.faults.down:
            return message(503, "Service unavailable")
        if state.faults.should_fail():
            return message(500, "Server Error")
        if not state.key_is_known(request.headers.get("x-api-key")):
            return message(401, "Unauthenticated.")
        return None

    async def receive_lead(
        request: Request, endpoint: Endpoint, allowed_types: tuple[str, ...]
    ) -> JSONResponse | dict[str, Any]:
        """Gate, parse and validate a lead: the error response to give, or the accepted body."""
        raw = await request.body()  # read first, so a disconnect can be seen after the latency
        refusal = await gate(request)
        if await request.is_disconnected():
            return message(499, "Client closed request")  # abandoned: nobody to answer
        stats = state.store.stats
        if refusal is not None:
            stats.count("failed_injected" if refusal.status_code >= 500 else "rejected")
            return refusal
        body = parse_object(raw)
        if body is None:
            stats.count("rejected")
            return message(400, "The request body must be a JSON object.")
        errors = rules.validate_lead(body, allowed_types, (o["id"] for o in OFFICES))
        if errors:
            stats.count("rejected")
            # DEBUG, as below: at benchmark rates formatting one line per lead was a sixth of
            # the sandbox's CPU (`python -m app.sandbox --log-level debug` shows them).
            log.debug("%s lead rejected: invalid %s", endpoint, ", ".join(sorted(errors)))
            return message(422, rules.INVALID_MESSAGE, errors=errors)
        stats.count("accepted")
        return body

    def record(request: Request, endpoint: Endpoint, body: dict[str, Any]) -> int:
        lead = state.store.add(
            endpoint=endpoint,
            api_key=request.headers["x-api-key"],
            body=body,
            source=rules.effective_source(body),
            office_id=route_office(body),
        )
        log.debug(
            "%s lead #%d accepted (source=%s, office=%s)",
            endpoint, lead.id, lead.source, lead.office_id,
        )
        return lead.id

    # --- the contract ---

    @app.post("/leads/valuation")
    async def create_valuation_lead(request: Request) -> JSONResponse:
        body = await receive_lead(request, "valuation", LEAD_TYPES)
        if isinstance(body, JSONResponse):
            return body
        record(request, "valuation", body)
        valuation = estimates.estimate(
            body.get("postcode"), body.get("property_bedrooms"), body.get("property_type")
        )
        return JSONResponse(valuation)

    @app.post("/leads")
    async def create_lead(request: Request) -> JSONResponse:
        body = await receive_lead(request, "leads", ALL_LEAD_TYPES)
        if isinstance(body, JSONResponse):
            return body
        lead_id = record(request, "leads", body)
        return JSONResponse({"message": "Lead created", "id": lead_id})

    @app.get("/offices")
    async def list_offices(request: Request) -> JSONResponse:
        refusal = await gate(request)
        return refusal or JSONResponse({"data": OFFICES})

    # --- control endpoints (no key: they exist only in the sandbox) ---

    @app.get("/_sandbox/leads")
    async def get_leads(
        meta_key: str | None = None, meta_value: str | None = None
    ) -> dict[str, Any]:
        return {"leads": [lead.as_dict() for lead in state.store.find(meta_key, meta_value)]}

    @app.delete("/_sandbox/leads")
    async def clear_leads() -> dict[str, Any]:
        state.store.clear()
        return {"leads": []}

    @app.get("/_sandbox/faults")
    async def get_faults() -> dict[str, Any]:
        return state.faults.as_dict()

    @app.put("/_sandbox/faults")
    async def put_faults(request: Request) -> JSONResponse:
        changes = parse_object(await request.body())
        if changes is None:
            return message(400, "The request body must be a JSON object.")
        try:
            state.faults.update(**changes)
        except FaultsError as exc:
            return message(422, str(exc))
        log.info("faults now %s", state.faults.as_dict())
        return JSONResponse(state.faults.as_dict())

    @app.get("/_sandbox/stats")
    async def get_stats() -> dict[str, Any]:
        stats = state.store.stats
        return {
            "received": stats.received,
            "accepted": stats.accepted,
            "rejected": stats.rejected,
            "failed_injected": stats.failed_injected,
        }

    return app
