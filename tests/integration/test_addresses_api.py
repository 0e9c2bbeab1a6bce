"""`GET /api/widgets/{widget}/addresses?postcode=` as an agency's own front end uses it, with the
sandbox address provider running as a real server: the list with its ids and lead fields, the
answers without one (always 200 and `manual_entry`, never an error status), 422 for a postcode
that is not one, our own limits, the cache, CORS (a refused origin costs no lookup) and the
OpenAPI, the last checked against a real server's answers."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi.testclient import TestClient

from app.addresses.errors import OUTCOMES
from app.main import create_app
from tests.address_sandbox import AddressSandbox
from tests.support.apps import TEST_SECRET, LiveApp, make_settings, run_app
from tests.support.fuzzing import API_CHECKS
from tests.support.servers import SANDBOX_KEY, SandboxServer

AGENCY = "https://www.acme-estates.example"
PATH = "/api/widgets/{widget_id}/addresses"
URL = "/api/widgets/default/addresses"
# What the homeowner reads whenever the provider or a limit stops the lookup.
LOOKUP_FAILED = "We cannot look up addresses just now. Enter the address yourself"

ClientFactory = Callable[..., TestClient]


@pytest.fixture
def provider(sandbox: SandboxServer) -> AddressSandbox:
    addresses = AddressSandbox(sandbox)
    addresses.reset()
    return addresses


@pytest.fixture
def make_client(
    tmp_path: Path, sandbox: SandboxServer, provider: AddressSandbox
) -> Iterator[ClientFactory]:
    """An app per call (settings overridden by keyword) looking addresses up in the sandbox
    provider over HTTP; `peer` is the client's address as the app sees it."""
    clients: list[TestClient] = []
    numbers = itertools.count()

    def make(peer: str = "203.0.113.7", **overrides: Any) -> TestClient:
        folder = tmp_path / f"app{next(numbers)}"
        folder.mkdir()
        values: dict[str, Any] = {
            "address_lookup": "sandbox",
            "address_lookup_base": provider.base_url,
            "address_lookup_api_key": SANDBOX_KEY,
            "widget_allowed_origins": AGENCY,
            **overrides,
        }
        settings = make_settings(folder, sandbox.base_url, **values)
        client = TestClient(create_app(settings), client=(peer, 50000))
        client.__enter__()
        clients.append(client)
        return client

    try:
        yield make
    finally:
        for client in clients:
            client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: ClientFactory) -> TestClient:
    return make_client()


def lookup(
    client: TestClient, postcode: str | None = "DE1 1JX", **headers: str
) -> httpx.Response:
    params = {} if postcode is None else {"postcode": postcode}
    response: httpx.Response = client.get(URL, params=params, headers=headers)
    return response


def words(text: str) -> list[str]:
    return text.replace(",", " ").split()


# --- The answers -------------------------------------------------------------------------


def test_a_postcode_gives_its_addresses_with_uprn_and_what_to_send_as_the_lead(
    client: TestClient, provider: AddressSandbox
) -> None:
    response = lookup(client, " de11jx ")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["postcode"] == "DE1 1JX"
    assert body["outcome"] == "found"
    assert body["manual_entry"] is False and body["postcode_error"] is False
    assert body["message"] is None
    assert 6 <= len(body["addresses"]) <= 36
    for address in body["addresses"]:
        assert address["uprn"].isdigit() and address["udprn"].isdigit()
        assert address["id"] == f"uprn:{address['uprn']}"
        assert address["postcode"] == "DE1 1JX"
        assert address["post_town"] == "Derby"
        assert 1 <= len(address["lines"]) <= 3
        assert address["label"] == ", ".join([*address["lines"], "Derby"])
        assert address["lead"] == {"address": address["label"], "postcode": "DE1 1JX"}
    assert len({a["id"] for a in body["addresses"]}) == len(body["addresses"])
    assert provider.stats()["answered"] == 1


def test_long_business_addresses_come_with_a_lead_line_within_100_characters(
    client: TestClient,
) -> None:
    addresses = lookup(client, "DE1 1LL").json()["addresses"]

    long_ones = [a for a in addresses if len(a["label"]) > 100]
    assert long_ones, "the sandbox's LL postcodes hold addresses longer than the Lead API takes"
    for address in long_ones:
        line = address["lead"]["address"]
        assert len(line) <= 100
        # Shortened by whole parts, so every word sent is a word of the address.
        assert set(words(line)) <= set(words(address["label"]))


def test_an_unknown_postcode_is_an_answer_with_a_message_for_the_postcode_field(
    client: TestClient, provider: AddressSandbox
) -> None:
    response = lookup(client, "DE1 1ZZ")

    assert response.status_code == 200
    assert response.json() == {
        "postcode": "DE1 1ZZ",
        "outcome": "unknown_postcode",
        "manual_entry": True,
        "postcode_error": True,
        "message": "We could not find this postcode. Check it and enter it again",
        "addresses": [],
    }
    assert provider.stats()["not_found"] == 1


def test_a_postcode_without_addresses_sends_the_homeowner_to_manual_entry(
    client: TestClient,
) -> None:
    response = lookup(client, "DE1 1YY")

    assert response.status_code == 200
    body = response.json()
    assert body["outcome"] == "no_addresses"
    assert body["manual_entry"] is True and body["postcode_error"] is False
    assert body["addresses"] == []
    assert body["message"].endswith("Enter the address yourself")


@pytest.mark.parametrize(
    ("postcode", "message"),
    [
        (None, "Enter a postcode"),
        ("", "Enter a postcode"),
        ("   ", "Enter a postcode"),
        ("nope", "Enter a full UK postcode, like DE1 1JX"),
        ("DE1", "Enter a full UK postcode, like DE1 1JX"),
        ("DE1 1JX1", "Enter a full UK postcode, like DE1 1JX"),
        ("D" * 5000, "Enter a full UK postcode, like DE1 1JX"),
    ],
    ids=["missing", "empty", "blank", "word", "outward-only", "extra-digit", "huge"],
)
def test_a_postcode_that_is_not_one_gets_422_on_its_field_and_no_lookup(
    client: TestClient, provider: AddressSandbox, postcode: str | None, message: str
) -> None:
    response = lookup(client, postcode)

    assert response.status_code == 422
    assert response.json() == {
        "message": "There is a problem with the postcode",
        "errors": {"postcode": message},
    }
    assert response.headers["cache-control"] == "no-store"
    assert provider.stats()["received"] == 0


def test_an_unknown_widget_gets_404_json_and_no_lookup(
    client: TestClient, provider: AddressSandbox
) -> None:
    response = client.get("/api/widgets/no-such-widget/addresses", params={"postcode": "DE1 1JX"})

    assert response.status_code == 404
    assert response.json() == {"message": "Unknown widget", "errors": {}}
    assert provider.stats()["received"] == 0


FAULTS = [
    ("timeout", {"latency_ms": 2_600}, "timeout"),
    ("5xx", {"down": True}, "unavailable"),
    ("401 key refused", {"answer": "bad_key"}, "bad_key"),
    ("402 balance used up", {"answer": "no_credit"}, "no_credit"),
    ("402 daily limit", {"answer": "daily_limit"}, "limited"),
    ("429", {"answer": "rate_limited"}, "limited"),
    ("body not JSON", {"answer": "not_json"}, "unavailable"),
]


@pytest.mark.parametrize(
    ("faults", "outcome"), [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS]
)
def test_every_provider_fault_is_200_with_manual_entry_never_an_error(
    client: TestClient, provider: AddressSandbox, faults: dict[str, Any], outcome: str
) -> None:
    provider.set_faults(**faults)

    response = lookup(client, origin=AGENCY)

    assert response.status_code == 200
    assert response.json() == {
        "postcode": "DE1 1JX",
        "outcome": outcome,
        "manual_entry": True,
        "postcode_error": False,
        "message": LOOKUP_FAILED,
        "addresses": [],
    }
    # Still readable by the agency's page, and not kept: the next try asks again.
    assert response.headers["access-control-allow-origin"] == AGENCY
    assert response.headers["cache-control"] == "no-store"
    assert SANDBOX_KEY not in response.text
    assert provider.stats()["received"] == 1


def test_after_a_failure_the_next_try_finds_the_list_once_the_provider_is_back(
    client: TestClient, provider: AddressSandbox
) -> None:
    provider.set_faults(down=True)
    assert lookup(client).json()["manual_entry"] is True

    provider.set_faults(down=False)
    again = lookup(client)

    assert again.json()["outcome"] == "found"
    assert provider.stats()["received"] == 2


def test_with_lookups_off_every_postcode_goes_to_manual_entry(
    make_client: ClientFactory, provider: AddressSandbox
) -> None:
    client = make_client(address_lookup="off", address_lookup_base=None,
                         address_lookup_api_key=None)

    response = lookup(client)

    assert response.status_code == 200
    body = response.json()
    assert (body["outcome"], body["manual_entry"]) == ("off", True)
    assert body["message"] == "Enter the address of the property"
    assert provider.stats()["received"] == 0


# --- Cost: cache and limits ----------------------------------------------------------------


def test_a_second_lookup_of_the_postcode_makes_no_provider_call(
    make_client: ClientFactory, provider: AddressSandbox
) -> None:
    client = make_client()
    first = lookup(client, "DE1 1JX")
    second = lookup(client, "de11jx", origin=AGENCY)

    assert second.status_code == 200
    assert second.json() == first.json()
    assert provider.stats()["received"] == 1
    # A browser may keep it briefly too, but only its own copy (CORS headers are per caller).
    assert first.headers["cache-control"] == "private, max-age=300"
    assert "Origin" in first.headers["vary"]


def test_over_our_limit_per_client_address_the_homeowner_goes_to_manual_entry(
    make_client: ClientFactory, provider: AddressSandbox
) -> None:
    client = make_client(address_lookup_rate_limit_per_ip="2/minute")

    answers = [lookup(client, postcode) for postcode in ("DE1 1AA", "DE1 1AB", "DE1 1AD")]

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json()["outcome"] for a in answers] == ["found", "found", "rate_limited"]
    limited = answers[2].json()
    assert limited["manual_entry"] is True and limited["message"] == LOOKUP_FAILED
    assert answers[2].headers["cache-control"] == "no-store"
    assert provider.stats()["received"] == 2


def test_over_our_limit_per_widget_every_client_goes_to_manual_entry(
    make_client: ClientFactory, provider: AddressSandbox
) -> None:
    # Homeowners behind the trusted proxy, each from their own address.
    proxy = make_client(peer="10.0.0.5", trusted_proxies="10.0.0.0/8",
                        address_lookup_rate_limit_per_widget="1/minute")

    first = lookup(proxy, "DE1 1AA", **{"x-forwarded-for": "203.0.113.1"})
    second = lookup(proxy, "DE1 1AB", **{"x-forwarded-for": "203.0.113.2"})

    assert [first.json()["outcome"], second.json()["outcome"]] == ["found", "rate_limited"]
    assert second.status_code == 200 and second.json()["manual_entry"] is True
    assert provider.stats()["received"] == 1


def test_server_to_server_calls_are_taken_without_cors_and_still_limited_per_address(
    make_client: ClientFactory, provider: AddressSandbox
) -> None:
    client = make_client(address_lookup_rate_limit_per_ip="1/minute")

    first = lookup(client, "DE1 1AA")  # no Origin: the agency's server
    second = lookup(client, "DE1 1AB")

    assert first.status_code == 200 and first.json()["outcome"] == "found"
    assert "access-control-allow-origin" not in first.headers
    assert (second.status_code, second.json()["outcome"]) == (200, "rate_limited")
    assert provider.stats()["received"] == 1


def test_behind_a_trusted_proxy_each_homeowner_has_their_own_limit(
    make_client: ClientFactory,
) -> None:
    proxy = make_client(peer="10.0.0.5", trusted_proxies="10.0.0.0/8",
                        address_lookup_rate_limit_per_ip="1/minute")

    def outcome(postcode: str, forwarded_for: str) -> str:
        return str(lookup(proxy, postcode, **{"x-forwarded-for": forwarded_for}).json()["outcome"])

    assert outcome("DE1 1AA", "203.0.113.1") == "found"
    assert outcome("DE1 1AB", "203.0.113.1") == "rate_limited"
    assert outcome("DE1 1AD", "203.0.113.2") == "found"


def test_a_spoofed_x_forwarded_for_does_not_escape_the_limit(make_client: ClientFactory) -> None:
    client = make_client(address_lookup_rate_limit_per_ip="1/minute")  # no trusted proxy

    first = lookup(client, "DE1 1AA", **{"x-forwarded-for": "203.0.113.1"})
    second = lookup(client, "DE1 1AB", **{"x-forwarded-for": "203.0.113.2"})

    assert [first.json()["outcome"], second.json()["outcome"]] == ["found", "rate_limited"]


# --- CORS --------------------------------------------------------------------------------


def test_an_allowed_origin_may_read_the_answer_and_only_that_origin_is_named(
    client: TestClient,
) -> None:
    response = lookup(client, origin=AGENCY)

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == AGENCY
    assert "Origin" in response.headers["vary"]
    assert response.json()["outcome"] == "found"


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "null", "https://acme-estates.example", "http://www.acme-estates.example"],
    ids=["foreign", "null", "sibling-host", "plain-http"],
)
def test_a_browser_on_another_origin_gets_403_and_costs_no_lookup(
    client: TestClient, provider: AddressSandbox, origin: str
) -> None:
    response = lookup(client, origin=origin)

    assert response.status_code == 403
    assert response.json() == {"message": "Origin not allowed", "errors": {}}
    assert "access-control-allow-origin" not in response.headers
    assert provider.stats()["received"] == 0


def test_a_refused_origin_is_refused_before_the_postcode_is_read(
    client: TestClient, provider: AddressSandbox
) -> None:
    assert lookup(client, "nope", origin="https://evil.example").status_code == 403


def test_the_preflight_allows_get_for_an_allowed_origin_only(client: TestClient) -> None:
    def preflight(origin: str) -> httpx.Response:
        headers = {"origin": origin, "access-control-request-method": "GET"}
        response: httpx.Response = client.options(URL, headers=headers)
        return response

    allowed = preflight(AGENCY)
    refused = preflight("https://evil.example")

    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == AGENCY
    assert allowed.headers["access-control-allow-methods"] == "GET"
    assert allowed.headers["access-control-max-age"] == "600"
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers
    assert "access-control-allow-methods" not in refused.headers


# --- The OpenAPI, and the same answers from a real server --------------------------------


def test_the_openapi_describes_the_path_its_postcode_and_every_answer(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operation = document["paths"][PATH]["get"]

    assert set(document["paths"][PATH]) == {"get"}  # the preflight is not an operation
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["postcode"]["in"] == "query" and parameters["postcode"]["required"]
    assert {"200", "403", "404", "422"} <= set(operation["responses"])
    assert set(operation["responses"]["200"]["content"]["application/json"]["examples"]) == {
        "found", "unknown_postcode", "manual_entry"
    }
    schemas = document["components"]["schemas"]
    answer = schemas["AddressesOut"]["properties"]
    # Every outcome of a lookup can come back, except a malformed postcode: that is a 422.
    assert set(answer["outcome"]["enum"]) == set(OUTCOMES) - {"invalid_postcode"}
    assert {"id", "uprn", "udprn", "lines", "post_town", "postcode", "label", "lead"} <= set(
        schemas["AddressOut"]["properties"]
    )
    # The valuation endpoint is still there as it was.
    assert "post" in document["paths"]["/api/widgets/{widget_id}/valuations"]


@pytest.fixture(scope="module")
def live(sandbox: SandboxServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """`python -m app serve` as a real server, looking addresses up in the sandbox provider."""
    database = tmp_path_factory.mktemp("addresses-live") / "widget.db"
    env = {
        "LEADPRO_API_BASE": sandbox.base_url,
        "LEADPRO_API_KEY": SANDBOX_KEY,
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": f"sqlite:///{database}",
        "ADDRESS_LOOKUP": "sandbox",
        "ADDRESS_LOOKUP_BASE": AddressSandbox(sandbox).base_url,
        "ADDRESS_LOOKUP_API_KEY": SANDBOX_KEY,
        "ADDRESS_LOOKUP_RATE_LIMIT_PER_IP": "100000/minute",
        "ADDRESS_LOOKUP_RATE_LIMIT_PER_WIDGET": "100000/minute",
        "WIDGET_ALLOWED_ORIGINS": AGENCY,
        "LOG_FORMAT": "json",
        "TRUSTED_PROXIES": "",
        "REDIS_URL": "",
        "PUBLIC_URL": "",
    }
    with run_app(env) as app:
        yield app


def test_a_real_server_answers_as_its_openapi_says(
    live: LiveApp, provider: AddressSandbox
) -> None:
    raw = httpx.get(f"{live.base_url}/openapi.json", timeout=10).json()
    operation = schemathesis.openapi.from_dict(raw)[PATH]["GET"]
    widget = {"widget_id": "default"}
    cases = {
        "found": operation.Case(path_parameters=widget, query={"postcode": "SW1A 2AA"}),
        "unknown": operation.Case(path_parameters=widget, query={"postcode": "SW1A 2ZZ"}),
        "invalid": operation.Case(path_parameters=widget, query={"postcode": "SW1A"}),
        "other origin": operation.Case(
            path_parameters=widget,
            query={"postcode": "SW1A 2AB"},
            headers={"origin": "https://evil.example"},
        ),
        "unknown widget": operation.Case(
            path_parameters={"widget_id": "nope"}, query={"postcode": "SW1A 2AB"}
        ),
    }
    statuses = {}
    for name, case in cases.items():
        response = case.call(base_url=live.base_url, timeout=10)
        case.validate_response(response, checks=API_CHECKS)
        statuses[name] = response.status_code
    provider.set_faults(down=True)
    down = operation.Case(path_parameters=widget, query={"postcode": "SW1A 2AD"})
    response = down.call(base_url=live.base_url, timeout=10)
    down.validate_response(response, checks=API_CHECKS)

    assert statuses == {
        "found": 200, "unknown": 200, "invalid": 422, "other origin": 403, "unknown widget": 404
    }
    assert (response.status_code, response.json()["manual_entry"]) == (200, True)
    assert provider.stats()["received"] == 3  # found, unknown and down; nothing else was paid


def test_a_real_server_serves_the_agency_page_and_never_logs_the_postcode(
    live: LiveApp, provider: AddressSandbox
) -> None:
    response = httpx.get(
        f"{live.base_url}{URL}", params={"postcode": "ex4 3ab"}, headers={"origin": AGENCY},
        timeout=10,
    )

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == AGENCY
    assert response.json()["outcome"] == "found"
    output = live.process.read_output()
    assert '"path": "/api/widgets/default/addresses"' in output
    assert all(form not in output.upper() for form in ("EX4 3AB", "EX43AB", "EX4%203AB"))
