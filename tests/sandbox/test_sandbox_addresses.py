"""The sandbox address provider (at `/addresses` on the running sandbox) speaks Ideal Postcodes'
documented format: deterministic plausible addresses, its documented postcode rules, the key
check, and fault injection through its control endpoint and the environment."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from app.sandbox.addresses import AddressFaults
from app.sandbox.faults import FaultsError
from tests.address_sandbox import AddressSandbox
from tests.conftest import SANDBOX_KEY
from tests.support.servers import SandboxServer

AUTH = {"Authorization": f'api_key="{SANDBOX_KEY}"'}
STRING_FIELDS = (
    "postcode", "postcode_inward", "postcode_outward", "post_town", "line_1", "line_2",
    "line_3", "organisation_name", "department_name", "building_name", "building_number",
    "sub_building_name", "thoroughfare", "dependant_thoroughfare", "dependant_locality",
    "double_dependant_locality", "po_box", "premise", "county", "postal_county",
    "traditional_county", "district", "ward", "country", "uprn",
)
NUMBER_FIELDS = ("udprn", "longitude", "latitude", "eastings", "northings")


@pytest.fixture
def addresses(sandbox: SandboxServer) -> AddressSandbox:
    provider = AddressSandbox(sandbox)
    provider.reset()
    return provider


def get(addresses: AddressSandbox, postcode: str, **kwargs: Any) -> httpx.Response:
    kwargs.setdefault("headers", AUTH)
    return addresses.server.http.get(f"/addresses/v1/postcodes/{postcode}", **kwargs)


def test_postcode_gives_a_street_of_addresses_in_the_documented_shape(
    addresses: AddressSandbox,
) -> None:
    response = get(addresses, "DE11JX")

    assert response.status_code == 200
    body = response.json()
    assert body["code"] == 2000 and body["message"] == "Success"
    result = body["result"]
    assert 6 <= len(result) <= 36
    for record in result:
        assert all(isinstance(record[name], str) for name in STRING_FIELDS)
        assert all(isinstance(record[name], int | float) for name in NUMBER_FIELDS)
        assert record["postcode"] == "DE1 1JX"
        assert record["post_town"] == "DERBY"
        assert re.fullmatch(r"\d{12}", record["uprn"])
        assert 10_000_000 <= record["udprn"] < 100_000_000
        assert record["line_1"]
    assert len({r["uprn"] for r in result}) == len(result)
    assert len({(r["line_1"], r["line_2"]) for r in result}) == len(result)


def test_same_postcode_gives_the_same_addresses_in_any_spelling(
    addresses: AddressSandbox,
) -> None:
    assert get(addresses, "de1 1jx").json() == get(addresses, "DE11JX").json()


def test_many_postcodes_give_houses_flats_and_named_houses_a_few_dozen_at_most(
    addresses: AddressSandbox,
) -> None:
    kinds: set[str] = set()
    for unit in ("AA", "AB", "AD", "AE", "AF", "AG", "AH", "AJ", "AN", "AP"):
        result = get(addresses, f"NG1 5{unit}").json()["result"]
        assert len(result) <= 36
        for record in result:
            if record["sub_building_name"].startswith("Flat "):
                kinds.add("flat")
            elif record["building_name"]:
                kinds.add("named house")
            elif record["building_number"]:
                kinds.add("numbered house")

    assert kinds == {"flat", "named house", "numbered house"}


def test_documented_postcode_rules(addresses: AddressSandbox) -> None:
    missing = get(addresses, "DE1 1ZZ")
    empty = get(addresses, "DE1 1YY")
    not_a_postcode = get(addresses, "NOTAPOSTCODE")
    long_names = get(addresses, "DE1 1LL").json()["result"]

    assert (missing.status_code, missing.json()["code"]) == (404, 4040)
    assert (empty.status_code, empty.json()["result"]) == (200, [])
    assert (not_a_postcode.status_code, not_a_postcode.json()["code"]) == (404, 4040)
    assert any(len(", ".join(filter(None, (r["line_1"], r["line_2"], r["line_3"])))) > 100
               for r in long_names)


def test_key_is_checked_in_the_header_or_the_query(addresses: AddressSandbox) -> None:
    no_key = get(addresses, "DE11JX", headers={})
    wrong = get(addresses, "DE11JX", headers={"Authorization": 'api_key="nope"'})
    in_query = get(addresses, "DE11JX", headers={}, params={"api_key": SANDBOX_KEY})

    assert (no_key.status_code, no_key.json()["code"]) == (401, 4010)
    assert wrong.status_code == 401
    assert in_query.status_code == 200
    assert addresses.stats()["refused"] == 2


FORCED = [
    ("bad_key", 401, 4010),
    ("no_credit", 402, 4020),
    ("daily_limit", 402, 4021),
    ("rate_limited", 429, 4290),
]


@pytest.mark.parametrize(("answer", "status", "code"), FORCED, ids=[f[0] for f in FORCED])
def test_forced_answer_comes_back_as_the_real_service_gives_it(
    addresses: AddressSandbox, answer: str, status: int, code: int
) -> None:
    addresses.set_faults(answer=answer)

    response = get(addresses, "DE11JX")

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert addresses.stats() == {
        "received": 1, "answered": 0, "not_found": 0, "refused": 0, "failed_injected": 1,
    }


def test_forced_body_that_is_not_json(addresses: AddressSandbox) -> None:
    addresses.set_faults(answer="not_json")

    response = get(addresses, "DE11JX")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    with pytest.raises(ValueError):
        response.json()


def test_down_and_error_rate_answer_5xx(addresses: AddressSandbox) -> None:
    addresses.set_faults(down=True)
    down = get(addresses, "DE11JX")
    addresses.set_faults(down=False, error_rate=1.0)
    failing = get(addresses, "DE11JX")

    assert down.status_code == 503
    assert failing.status_code == 500


def test_fault_control_refuses_nonsense_and_changes_nothing(addresses: AddressSandbox) -> None:
    response = addresses.server.http.put(
        "/addresses/_sandbox/faults", json={"answer": "teapot", "latency_ms": 10}
    )

    assert response.status_code == 422
    assert "answer must be null or one of" in response.json()["message"]
    assert addresses.set_faults() == {
        "latency_ms": 0, "error_rate": 0.0, "down": False, "answer": None,
    }


def test_address_faults_from_the_environment() -> None:
    faults = AddressFaults.from_env({
        "SANDBOX_ADDRESS_LATENCY_MS": "2500", "SANDBOX_ADDRESS_ANSWER": "no_credit",
        "SANDBOX_LATENCY_MS": "9",  # the Lead API's own: not the address provider's
    })

    assert faults.as_dict() == {
        "latency_ms": 2500, "error_rate": 0.0, "down": False, "answer": "no_credit",
    }


def test_bad_address_fault_in_the_environment_names_its_variable() -> None:
    with pytest.raises(FaultsError, match="SANDBOX_ADDRESS_DOWN must be true or false"):
        AddressFaults.from_env({"SANDBOX_ADDRESS_DOWN": "sometimes"})
