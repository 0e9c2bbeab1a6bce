"""The addresses of a postcode, for agencies that build their own front end:
`GET /api/widgets/{widget}/addresses?postcode=DE1%201JX`.

The same lookup the journey uses (`app.addresses.lookup.AddressLookup`: one cache, one call in
flight per postcode, the limits per client address and per widget), answered in JSON:

| answer | when |
|---|---|
| 200, `outcome: "found"`, `addresses: [...]` | pick one; send its `lead` fields to `/valuations` |
| 200, `outcome: "unknown_postcode"`, `postcode_error: true` | `message` on the postcode field |
| 200, `manual_entry: true` and any other outcome | show `message`, ask for the address by hand |
| 422 `{"message", "errors": {"postcode": ...}}` | missing or not the shape of a UK postcode |
| 403 `{"message": "Origin not allowed"}` | a browser on an origin the widget does not allow |
| 404 `{"message": "Unknown widget"}` | no such widget |

A provider that is slow, down, out of credit or refusing the key, a lookup over a limit, and a
widget with lookups off are all 200 with `manual_entry: true`: a front end moves the homeowner to
typing the address, never to an error. An unknown postcode is a 200 too, not a 404: it is an
answer about the postcode (cached like one), and a front end reads every lookup the same way.

Cost: every provider call is paid for, so a browser call from an origin the widget does not
allow is refused before the lookup (403, no provider call), and a postcode that is not one never
reaches the provider (422). Calls without `Origin` (server-to-server) are taken and counted
against the same limits, under the caller's address.

Caching: answers that hold for minutes (found, no addresses, unknown postcode) may be kept by the
browser for up to five minutes (`private`: never by a shared cache, since the CORS headers and a
rate-limited answer are the caller's own); everything else is `no-store`, so a front end asks
again once the provider is back. Neither the postcode nor the addresses are ever logged: the
request log names the path, which holds neither.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from app import admission
from app.addresses.errors import Outcome
from app.addresses.lookup import Lookup
from app.addresses.model import LEAD_ADDRESS_MAX, Address
from app.deps import ServicesDep, WidgetDep
from app.routes.api import ErrorOut
from app.routes.cors import cors_headers, preflight_response
from app.security import client_ip, own_origin
from app.validation import normalise_postcode
from app.validation.text import normalise_text

router = APIRouter(prefix="/api/widgets/{widget_id}", tags=["addresses"])

# Longer than any postcode however it is spaced; longer input is refused before any work.
POSTCODE_MAX_CHARS = 20
# How long a browser may keep an answer that holds for minutes (capped by the lookup's own cache).
BROWSER_CACHE_SECONDS = 300
NO_STORE = {"cache-control": "no-store"}

MISSING_POSTCODE = "Enter a postcode"
INVALID_POSTCODE = "Enter a full UK postcode, like DE1 1JX"
LOOKUP_FAILED = "We cannot look up addresses just now. Enter the address yourself"
# What the homeowner is told for each answer without a list (GOV.UK style: what to do next).
MESSAGES: dict[Outcome, str] = {
    "unknown_postcode": "We could not find this postcode. Check it and enter it again",
    "no_addresses": "We could not find any addresses for this postcode. Enter the address yourself",
    "off": "Enter the address of the property",
    "timeout": LOOKUP_FAILED,
    "unavailable": LOOKUP_FAILED,
    "no_credit": LOOKUP_FAILED,
    "limited": LOOKUP_FAILED,
    "bad_key": LOOKUP_FAILED,
    "rate_limited": LOOKUP_FAILED,
}

# Every outcome but `invalid_postcode`, which is a 422 instead (a test keeps the two lists equal).
AnswerOutcome = Literal[
    "found",
    "no_addresses",
    "unknown_postcode",
    "timeout",
    "unavailable",
    "no_credit",
    "limited",
    "bad_key",
    "rate_limited",
    "off",
]

EXAMPLE_ADDRESS: dict[str, Any] = {
    "id": "uprn:100030312345",
    "lines": ["Flat 2, Mill House", "3 Station Road"],
    "post_town": "Derby",
    "postcode": "DE1 1JX",
    "uprn": "100030312345",
    "udprn": "23747771",
    "label": "Flat 2, Mill House, 3 Station Road, Derby",
    "lead": {"address": "Flat 2, Mill House, 3 Station Road, Derby", "postcode": "DE1 1JX"},
}
EXAMPLES: dict[str, dict[str, Any]] = {
    "found": {
        "summary": "Addresses to pick from",
        "value": {
            "postcode": "DE1 1JX",
            "outcome": "found",
            "manual_entry": False,
            "postcode_error": False,
            "message": None,
            "addresses": [EXAMPLE_ADDRESS],
        },
    },
    "unknown_postcode": {
        "summary": "No such postcode: show the message on the postcode field",
        "value": {
            "postcode": "DE1 1ZZ",
            "outcome": "unknown_postcode",
            "manual_entry": True,
            "postcode_error": True,
            "message": MESSAGES["unknown_postcode"],
            "addresses": [],
        },
    },
    "manual_entry": {
        "summary": "Provider down, out of credit, over a limit or lookups off: type the address",
        "value": {
            "postcode": "DE1 1JX",
            "outcome": "unavailable",
            "manual_entry": True,
            "postcode_error": False,
            "message": LOOKUP_FAILED,
            "addresses": [],
        },
    },
}
POSTCODE_PARAMETER: dict[str, Any] = {
    "name": "postcode",
    "in": "query",
    "required": True,
    "description": "The postcode as the homeowner typed it: any case, with or without its "
    "space. Missing, or not the shape of a full UK postcode: 422 with a message for the "
    "`postcode` field.",
    "schema": {"type": "string", "minLength": 1, "maxLength": POSTCODE_MAX_CHARS},
    "example": "DE1 1JX",
}


class LeadFieldsOut(BaseModel):
    """What to send in `POST /api/widgets/{widget}/valuations` when this address is chosen."""

    address: str = Field(
        max_length=LEAD_ADDRESS_MAX,
        description="The address as one line within the Lead API's 100 characters (shortened "
        "by dropping the least useful parts, never by cutting a word)",
    )
    postcode: str = Field(description="The provider's postcode for this address")


class AddressOut(BaseModel):
    """One address of the postcode."""

    id: str = Field(
        description="Stable id to choose by: `uprn:…`, else `udprn:…`, else `text:…`"
    )
    lines: list[str] = Field(
        max_length=3, description="Up to three display lines, without post town and postcode"
    )
    post_town: str
    postcode: str
    uprn: str | None = Field(None, description="Unique Property Reference Number (digits)")
    udprn: str | None = Field(None, description="Royal Mail's delivery point number (digits)")
    label: str = Field(description="One line to show in a list")
    lead: LeadFieldsOut

    @classmethod
    def of(cls, address: Address) -> AddressOut:
        lead = address.for_lead()
        return cls(
            id=address.key,
            lines=list(address.lines),
            post_town=address.post_town,
            postcode=address.postcode,
            uprn=address.uprn,
            udprn=address.udprn,
            label=address.label,
            lead=LeadFieldsOut(address=lead.address, postcode=lead.postcode),
        )


class AddressesOut(BaseModel):
    """The answer to one lookup. Read `manual_entry` first: when true there is no list, and
    the homeowner types the address (keep the postcode they typed)."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLES["found"]["value"]]})

    postcode: str = Field(description="The postcode, normalised (`DE1 1JX`)")
    outcome: AnswerOutcome = Field(
        description="found: pick from `addresses`; unknown_postcode: no such postcode; "
        "no_addresses: a postcode without addresses; timeout, unavailable, no_credit, limited, "
        "bad_key: the address provider could not answer; rate_limited: over this service's "
        "limit per client address or per widget; off: lookups are off for this widget"
    )
    manual_entry: bool = Field(description="No list: ask for the address by hand")
    postcode_error: bool = Field(
        description="The postcode itself is wrong: show `message` as an error on its field"
    )
    message: str | None = Field(
        None, description="What to tell the homeowner when there is no list (GOV.UK style)"
    )
    addresses: list[AddressOut] = Field(default_factory=list)


def read_postcode(value: str | None) -> tuple[str | None, str | None]:
    """`(postcode, None)` normalised (`" de11jx "` → `"DE1 1JX"`), or `(None, message)` saying
    what to do: "Enter a postcode" when missing, "Enter a full UK postcode, like DE1 1JX" when
    it is not the shape of one (or longer than any postcode)."""
    if value is None or len(value) > POSTCODE_MAX_CHARS:
        return (None, MISSING_POSTCODE) if value is None else (None, INVALID_POSTCODE)
    text = normalise_text(value)
    if not text:
        return None, MISSING_POSTCODE
    postcode = normalise_postcode(text)
    return (postcode, None) if postcode else (None, INVALID_POSTCODE)


def cache_control(outcome: Outcome, lookup_cache_seconds: int) -> dict[str, str]:
    """`private, max-age=N` for an answer that holds for minutes, else `no-store`."""
    seconds = min(BROWSER_CACHE_SECONDS, lookup_cache_seconds)
    if outcome in ("found", "no_addresses", "unknown_postcode") and seconds > 0:
        return {"cache-control": f"private, max-age={seconds}"}
    return NO_STORE


def _answer(lookup: Lookup, outcome: AnswerOutcome) -> AddressesOut:
    return AddressesOut(
        postcode=lookup.postcode,
        outcome=outcome,
        manual_entry=lookup.manual_entry,
        postcode_error=lookup.postcode_error,
        message=MESSAGES.get(lookup.outcome),
        addresses=[AddressOut.of(address) for address in lookup.addresses],
    )


def _postcode_problem(message: str, headers: dict[str, str]) -> JSONResponse:
    body = {"message": "There is a problem with the postcode", "errors": {"postcode": message}}
    return JSONResponse(body, 422, headers={**headers, **NO_STORE})


@router.options("/addresses", include_in_schema=False)
async def addresses_preflight(request: Request, widget: WidgetDep) -> Response:
    return preflight_response(request, widget, "GET")


@router.get(
    "/addresses",
    response_model=AddressesOut,
    responses={
        200: {
            "description": "The addresses, or why there are none (`manual_entry`). Never an "
            "error status for the provider or a limit: the homeowner types the address.",
            "content": {"application/json": {"examples": EXAMPLES}},
        },
        403: {"model": ErrorOut, "description": "Cross-origin call from an origin not allowed"},
        404: {"model": ErrorOut, "description": "Unknown widget"},
        422: {
            "model": ErrorOut,
            "description": "The postcode is missing or not a full UK postcode",
            "content": {
                "application/json": {
                    "example": {
                        "message": "There is a problem with the postcode",
                        "errors": {"postcode": INVALID_POSTCODE},
                    }
                }
            },
        },
    },
    summary="Find the addresses of a postcode",
    description="For front ends of the agency's own. Browsers may call it only from the "
    "widget's allowed origins (CORS); calls without `Origin` are server-to-server. Each "
    "lookup may cost the agency money: answers are cached, and calls that reach the address "
    "provider are limited per client address and per widget.",
    openapi_extra={"parameters": [POSTCODE_PARAMETER]},
)
async def find_addresses(
    request: Request,
    widget: WidgetDep,
    services: ServicesDep,
    # Read here but described by POSTCODE_PARAMETER: declared required there, it is optional
    # here so that a missing one gets "Enter a postcode" rather than FastAPI's own error.
    postcode: Annotated[str | None, Query(include_in_schema=False)] = None,
) -> Response:
    """Answer with `AddressesOut` (200), or refuse with `ErrorOut`: 403 for a browser on an
    origin the widget does not allow, 422 for a missing or malformed postcode. Unknown widget:
    404, from the app's error handlers. Never raises for the provider's failures."""
    cors = cors_headers(request, widget)
    own = own_origin(request, services.settings.public_url)
    if admission.forged(request, widget, own, "api"):
        refused = {"message": "Origin not allowed", "errors": {}}
        return JSONResponse(refused, 403, headers={**cors, **NO_STORE})
    normalised, problem = read_postcode(postcode)
    if normalised is None:
        return _postcode_problem(problem or INVALID_POSTCODE, cors)
    client = client_ip(request, services.settings.trusted_proxies)
    lookup = await services.addresses.find(widget.id, normalised, client)
    if lookup.outcome == "invalid_postcode":  # checked above; kept in case the rules part
        return _postcode_problem(INVALID_POSTCODE, cors)
    answer = _answer(lookup, lookup.outcome)
    caching = cache_control(lookup.outcome, services.settings.address_lookup_cache_seconds)
    headers = {**cors, **caching}
    return JSONResponse(answer.model_dump(mode="json"), 200, headers=headers)
