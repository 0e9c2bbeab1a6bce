"""The Ideal Postcodes and OS Places adapters against recorded responses of the documented
shapes (httpx.MockTransport): addresses mapped right, every error sorted into its outcome, and
the key kept out of URLs, messages and logs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from app.addresses.errors import (
    AddressLookupError,
    InvalidPostcode,
    ProviderLimited,
    ProviderOutOfCredit,
    ProviderRefusedKey,
    ProviderTimeout,
    ProviderUnavailable,
    UnknownPostcode,
)
from app.addresses.idealpostcodes import IdealPostcodes
from app.addresses.model import Address
from app.addresses.osplaces import MAX_ADDRESSES, OsPlaces
from tests.unit import recorded_addresses as rec

KEY = "ak_recorded_secret_42"
Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport that answers with `handler` and keeps every request it saw."""

    def __init__(self, handler: Handler):
        self.requests: list[httpx.Request] = []
        self._handler = handler
        self.transport = httpx.MockTransport(self._answer)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._handler(request)


def answer(status: int, body: Any) -> Handler:
    if isinstance(body, str | bytes):
        return lambda request: httpx.Response(status, content=body)
    return lambda request: httpx.Response(status, json=body)


def ideal_lookup(handler: Handler, postcode: str = "sw1a 2aa") -> tuple[list[Address], Recorder]:
    recorder = Recorder(handler)

    async def go() -> list[Address]:
        provider = IdealPostcodes(SecretStr(KEY), "https://ideal.test/", recorder.transport)
        try:
            return await provider.lookup(postcode)
        finally:
            await provider.aclose()

    return asyncio.run(go()), recorder


def os_lookup(handler: Handler, postcode: str = "de1 1jx") -> tuple[list[Address], Recorder]:
    recorder = Recorder(handler)

    async def go() -> list[Address]:
        provider = OsPlaces(SecretStr(KEY), "https://os.test", recorder.transport)
        try:
            return await provider.lookup(postcode)
        finally:
            await provider.aclose()

    return asyncio.run(go()), recorder


def failure_of(lookup: Callable[..., Any], handler: Handler) -> AddressLookupError:
    with pytest.raises(AddressLookupError) as caught:
        lookup(handler)
    assert KEY not in str(caught.value)
    return caught.value


# --- Ideal Postcodes ---

def test_ideal_postcodes_sends_compact_postcode_with_key_in_header_not_url() -> None:
    _, recorder = ideal_lookup(answer(200, rec.ideal_success(rec.IDEAL_DOWNING_STREET)))

    (request,) = recorder.requests
    assert request.method == "GET"
    assert str(request.url) == "https://ideal.test/v1/postcodes/SW1A2AA"
    assert request.headers["authorization"] == f'api_key="{KEY}"'
    assert KEY not in str(request.url)


def test_ideal_postcodes_address_keeps_lines_ids_and_title_cases_post_town() -> None:
    addresses, _ = ideal_lookup(
        answer(200, rec.ideal_success(rec.IDEAL_DOWNING_STREET, rec.IDEAL_FLAT))
    )

    downing, flat = addresses
    assert downing.lines == ("Prime Minister & First Lord of the Treasury", "10 Downing Street")
    assert downing.post_town == "London"
    assert downing.postcode == "SW1A 2AA"
    assert downing.uprn == "100023336956"
    assert downing.udprn == "23747771"  # an integer in the body, a string here
    assert downing.parts.organisation == "Prime Minister & First Lord of the Treasury"
    assert flat.lines == ("Flat 2A, Mill House", "3 Station Road", "Allestree")
    assert flat.uprn is None  # empty in the record: not known
    assert flat.label == "Flat 2A, Mill House, 3 Station Road, Allestree, Derby"


def test_ideal_postcodes_lead_fields_put_ids_in_meta_as_strings() -> None:
    (downing,), _ = ideal_lookup(answer(200, rec.ideal_success(rec.IDEAL_DOWNING_STREET)))

    lead = downing.for_lead()

    assert lead.address == "Prime Minister & First Lord of the Treasury, 10 Downing Street, London"
    assert lead.postcode == "SW1A 2AA"
    assert lead.meta == {"uprn": "100023336956", "udprn": "23747771"}


def test_ideal_postcodes_empty_result_is_no_addresses_not_an_error() -> None:
    addresses, _ = ideal_lookup(answer(200, rec.ideal_success()))

    assert addresses == []


IDEAL_FAILURES = [
    ("404 code 4040", answer(404, rec.IDEAL_NOT_FOUND), UnknownPostcode, "unknown_postcode"),
    ("401 code 4010", answer(401, rec.IDEAL_BAD_KEY), ProviderRefusedKey, "bad_key"),
    ("402 code 4020", answer(402, rec.IDEAL_NO_CREDIT), ProviderOutOfCredit, "no_credit"),
    ("402 code 4021", answer(402, rec.IDEAL_DAILY_LIMIT), ProviderLimited, "limited"),
    ("429", answer(429, {"code": 4290, "message": "Slow down"}), ProviderLimited, "limited"),
    ("500", answer(500, {"code": 5000, "message": "Error"}), ProviderUnavailable, "unavailable"),
    ("503 HTML", answer(503, "<html>Down</html>"), ProviderUnavailable, "unavailable"),
    ("200 HTML", answer(200, "<html>Sign in</html>"), ProviderUnavailable, "unavailable"),
    ("200 without result", answer(200, {"code": 2000}), ProviderUnavailable, "unavailable"),
    ("404 not from the API", answer(404, "Not Found"), ProviderUnavailable, "unavailable"),
]


@pytest.mark.parametrize(
    ("handler", "kind", "outcome"),
    [case[1:] for case in IDEAL_FAILURES],
    ids=[case[0] for case in IDEAL_FAILURES],
)
def test_ideal_postcodes_failure_has_its_own_outcome(
    handler: Handler, kind: type[AddressLookupError], outcome: str
) -> None:
    error = failure_of(ideal_lookup, handler)

    assert type(error) is kind
    assert error.outcome == outcome


def test_connection_failure_is_unavailable_and_its_message_holds_no_url_or_key() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot connect to {request.url}", request=request)

    error = failure_of(os_lookup, refuse)

    assert type(error) is ProviderUnavailable
    assert "os.test" not in str(error)


def test_read_timeout_is_a_timeout() -> None:
    def stall(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout(f"timed out reading {request.url}", request=request)

    error = failure_of(ideal_lookup, stall)

    assert type(error) is ProviderTimeout
    assert error.outcome == "timeout"


def test_a_postcode_of_the_wrong_shape_is_never_sent() -> None:
    recorder = Recorder(answer(200, rec.ideal_success()))

    async def go() -> None:
        provider = IdealPostcodes(SecretStr(KEY), "https://ideal.test", recorder.transport)
        try:
            await provider.lookup("DE1")
        finally:
            await provider.aclose()

    with pytest.raises(InvalidPostcode):
        asyncio.run(go())
    assert recorder.requests == []


# --- OS Places ---

def test_os_places_asks_for_dpa_in_english_pages_of_100() -> None:
    _, recorder = os_lookup(answer(200, rec.os_page([rec.OS_FLAT], total=1)))

    (request,) = recorder.requests
    assert request.url.path == "/search/places/v1/postcode"
    assert dict(request.url.params) == {
        "postcode": "DE1 1JX",
        "key": KEY,
        "dataset": "DPA",
        "lr": "EN",
        "maxresults": "100",
        "offset": "0",
    }


def test_os_places_record_is_title_cased_with_postcode_upper_case() -> None:
    addresses, _ = os_lookup(answer(200, rec.os_page([rec.OS_FLAT, rec.OS_NAMED_HOUSE], 2)))

    flat, house = addresses
    assert flat.lines == ("Flat 2A, McDonald House", "14 O'Brien Street")
    assert flat.post_town == "Derby"
    assert flat.postcode == "DE1 1JX"
    assert (flat.uprn, flat.udprn) == ("10093397437", "52094817")
    assert house.lines == ("The Old Rectory", "Church Lane")
    assert house.post_town == "Ashby-de-la-Zouch"
    assert house.for_lead().address == "The Old Rectory, Church Lane, Ashby-de-la-Zouch"


def test_os_places_no_results_is_no_addresses() -> None:
    addresses, recorder = os_lookup(answer(200, rec.os_page([], total=0)))

    assert addresses == []
    assert len(recorder.requests) == 1


def test_os_places_keeps_one_record_per_uprn() -> None:
    addresses, _ = os_lookup(
        answer(200, rec.os_page([rec.OS_WELSH_EN, rec.OS_WELSH_CY], total=2)), "CF5 2AA"
    )

    (address,) = addresses
    assert address.lines == ("2 Heol Y Felin", "Llandaff")
    assert address.post_town == "Cardiff"


def _paged(total: int) -> Handler:
    """Pages of `total` distinct records, as OS serves them by offset."""

    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        count = max(0, min(100, total - offset))
        results = [
            rec.dpa(UPRN=str(1_000 + offset + i), BUILDING_NUMBER=str(offset + i + 1),
                    THOROUGHFARE_NAME="LONG STREET", POST_TOWN="DERBY", POSTCODE="DE1 1JX")
            for i in range(count)
        ]
        return httpx.Response(200, json=rec.os_page(results, total, offset))

    return handler


def test_os_places_pages_through_a_postcode_of_250_addresses() -> None:
    addresses, recorder = os_lookup(_paged(250))

    assert len(addresses) == 250
    assert sorted(int(r.url.params["offset"]) for r in recorder.requests) == [0, 100, 200]
    assert addresses[0].lines == ("1 Long Street",)
    assert addresses[-1].lines == ("250 Long Street",)


def test_os_places_stops_at_the_cap_on_a_huge_postcode() -> None:
    addresses, recorder = os_lookup(_paged(1_000))

    assert len(addresses) == MAX_ADDRESSES == 300
    assert len(recorder.requests) == 3


OS_FAILURES = [
    ("400 malformed", answer(400, rec.OS_BAD_POSTCODE), UnknownPostcode),
    ("401 fault", answer(401, rec.OS_BAD_KEY), ProviderRefusedKey),
    ("429", answer(429, {"fault": {"faultstring": "Rate limit quota violation"}}),
     ProviderLimited),
    ("500", answer(500, {"error": {"statuscode": 500, "message": "Error"}}), ProviderUnavailable),
    ("503 HTML", answer(503, "<html>Maintenance</html>"), ProviderUnavailable),
    ("200 not JSON", answer(200, b"\x00\xff garbage"), ProviderUnavailable),
    ("200 without header", answer(200, {"results": []}), ProviderUnavailable),
]


@pytest.mark.parametrize(
    ("handler", "kind"), [case[1:] for case in OS_FAILURES], ids=[c[0] for c in OS_FAILURES]
)
def test_os_places_failure_has_its_own_outcome(
    handler: Handler, kind: type[AddressLookupError]
) -> None:
    error = failure_of(os_lookup, handler)

    assert type(error) is kind


def test_httpx_request_lines_never_show_the_key(caplog: pytest.LogCaptureFixture) -> None:
    # The app keeps httpx at WARNING; turned up for debugging, its lines must still be clean.
    logging.getLogger("httpx").setLevel(logging.DEBUG)
    try:
        with caplog.at_level(logging.DEBUG, logger="httpx"):
            os_lookup(answer(200, rec.os_page([rec.OS_FLAT], total=1)))
    finally:
        logging.getLogger("httpx").setLevel(logging.WARNING)

    request_lines = [r.getMessage() for r in caplog.records if "HTTP Request" in r.getMessage()]
    assert request_lines, "httpx logged no request line to check"
    assert all(KEY not in line and "key=REDACTED" in line for line in request_lines)

