"""Authentication, responses, routing and recording: the rest of the contract, over real HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.sandbox.bodies import (
    ALL_FIGURES,
    RENT_FIGURES,
    SALE_FIGURES,
    minimal_body,
    valuation_body,
)
from tests.support.servers import OTHER_SANDBOX_KEY, SandboxServer

CONTRACT_CALLS = [
    ("POST", "/leads/valuation"),
    ("POST", "/leads"),
    ("GET", "/offices"),
]
CALL_IDS = ["valuation", "leads", "offices"]


def send(client: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    body = valuation_body() if method == "POST" else None
    return client.request(method, path, json=body, **kwargs)


# --- authentication ---

@pytest.mark.parametrize(("method", "path"), CONTRACT_CALLS, ids=CALL_IDS)
def test_missing_api_key_is_401_unauthenticated(
    anonymous: httpx.Client, upstream: SandboxServer, method: str, path: str
) -> None:
    response = send(anonymous, method, path)
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthenticated."}
    assert upstream.leads() == []


@pytest.mark.parametrize(("method", "path"), CONTRACT_CALLS, ids=CALL_IDS)
def test_unknown_api_key_is_401_unauthenticated(
    anonymous: httpx.Client, method: str, path: str
) -> None:
    response = send(anonymous, method, path, headers={"X-API-KEY": "sandbox-key-guess"})
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthenticated."}


def test_authentication_is_checked_before_the_body(anonymous: httpx.Client) -> None:
    response = anonymous.post("/leads/valuation", json={"type": "nonsense"})
    assert response.status_code == 401


def test_any_of_the_accounts_keys_works_and_is_recorded(
    anonymous: httpx.Client, upstream: SandboxServer
) -> None:
    response = anonymous.post(
        "/leads/valuation", json=valuation_body(), headers={"x-api-key": OTHER_SANDBOX_KEY}
    )
    assert response.status_code == 200
    assert upstream.leads()[0]["api_key"] == OTHER_SANDBOX_KEY


# --- POST /leads/valuation ---

def test_contract_example_body_gets_200_with_all_six_figures(api: httpx.Client) -> None:
    response = api.post("/leads/valuation", json=valuation_body())
    assert response.status_code == 200
    valuation = response.json()
    assert valuation["valuation_status"] == "Success"
    assert set(valuation) == {*ALL_FIGURES, "valuation_status"}
    assert all(type(valuation[figure]) is int for figure in ALL_FIGURES)


def test_sale_figures_are_ordered_round_pounds(api: httpx.Client) -> None:
    valuation = api.post("/leads/valuation", json=valuation_body()).json()
    minimum, average, maximum = (valuation[figure] for figure in SALE_FIGURES)
    assert 0 < minimum < average < maximum
    assert all(figure % 1000 == 0 for figure in (minimum, average, maximum))


def test_landlord_lead_gets_rent_figures_per_calendar_month(api: httpx.Client) -> None:
    response = api.post("/leads/valuation", json=valuation_body(type="landlord"))
    assert response.status_code == 200
    valuation = response.json()
    assert valuation["valuation_status"] == "Success"
    minimum, average, maximum = (valuation[figure] for figure in RENT_FIGURES)
    # A 4-bedroom home in Derby lets for somewhere between £500 and £3,000 a month.
    assert 500 < minimum < average < maximum < 3000
    assert all(figure % 5 == 0 for figure in (minimum, average, maximum))


def test_valuation_lead_is_recorded_exactly_as_received(
    api: httpx.Client, upstream: SandboxServer
) -> None:
    body = valuation_body(source="zoopla_valuation")
    api.post("/leads/valuation", json=body)
    [lead] = upstream.leads()
    assert lead["endpoint"] == "valuation"
    assert lead["body"] == body
    assert lead["source"] == "zoopla_valuation"
    assert isinstance(lead["id"], int)
    assert lead["received_at"]


@pytest.mark.parametrize(
    "postcode",
    ["BT1 1AA", "GY1 1WR", "JE2 3AB", "IM1 1AE", "ZE1 0AA", "QQ1 1QQ", "12345", "DE1", "NOWHERE"],
)
def test_postcode_it_cannot_value_gets_200_without_figures_but_is_recorded(
    api: httpx.Client, upstream: SandboxServer, postcode: str
) -> None:
    response = api.post("/leads/valuation", json=valuation_body(postcode=postcode))
    assert response.status_code == 200
    valuation = response.json()
    assert valuation["valuation_status"] != "Success"
    assert not set(ALL_FIGURES) & set(valuation)
    assert upstream.leads()[0]["body"]["postcode"] == postcode


def test_same_input_gives_the_same_figures(api: httpx.Client) -> None:
    first = api.post("/leads/valuation", json=valuation_body()).json()
    second = api.post("/leads/valuation", json=valuation_body()).json()
    assert first == second


def test_postcode_spacing_and_case_do_not_change_the_figures(api: httpx.Client) -> None:
    spaced = api.post("/leads/valuation", json=valuation_body(postcode="de1 1jx")).json()
    packed = api.post("/leads/valuation", json=valuation_body(postcode="DE11JX")).json()
    assert spaced == packed


def average_sale(api: httpx.Client, **changes: Any) -> int:
    response = api.post("/leads/valuation", json=minimal_body(**changes))
    assert response.status_code == 200
    return response.json()["average_sale_estimation"]


def test_more_bedrooms_value_higher(api: httpx.Client) -> None:
    prices = [average_sale(api, property_bedrooms=rooms) for rooms in (0, 1, 2, 3, 4, 5, 10)]
    assert prices == sorted(prices) and len(set(prices)) == len(prices)


def test_detached_values_higher_than_a_flat(api: httpx.Client) -> None:
    detached = average_sale(api, property_type="detached", property_bedrooms=2)
    flat = average_sale(api, property_type="flat-maisonette", property_bedrooms=2)
    assert detached > flat


def test_london_values_higher_than_derby(api: httpx.Client) -> None:
    assert average_sale(api, postcode="SW1A 1AA") > average_sale(api, postcode="DE1 1JX")


# --- POST /leads ---

@pytest.mark.parametrize("lead_type", ["sale", "let", "vendor", "landlord", "mortgage_request"])
def test_ordinary_lead_of_each_type_is_created(
    api: httpx.Client, upstream: SandboxServer, lead_type: str
) -> None:
    response = api.post("/leads", json=minimal_body(type=lead_type))
    assert response.status_code == 200
    payload = response.json()
    assert payload["message"] == "Lead created"
    assert type(payload["id"]) is int
    [lead] = upstream.leads()
    assert (lead["id"], lead["endpoint"]) == (payload["id"], "leads")


def test_ordinary_lead_enforces_the_same_field_rules(api: httpx.Client) -> None:
    response = api.post("/leads", json=minimal_body(property_bedrooms="4", type="buyer"))
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"property_bedrooms", "type"}


def test_lead_ids_keep_rising(api: httpx.Client, upstream: SandboxServer) -> None:
    first = api.post("/leads", json=minimal_body()).json()["id"]
    upstream.reset()
    second = api.post("/leads", json=minimal_body()).json()["id"]
    assert second > first


# --- GET /offices and routing ---

def test_offices_lists_ids_as_strings_and_numbers_like_the_contract(api: httpx.Client) -> None:
    response = api.get("/offices")
    assert response.status_code == 200
    assert response.json() == {
        "data": [{"id": "1213", "name": "Derby office"}, {"id": 1214, "name": "London office"}]
    }


@pytest.mark.parametrize("office_id", [1213, 1214])
def test_explicit_office_id_routes_the_lead_there(
    api: httpx.Client, upstream: SandboxServer, office_id: int
) -> None:
    assert api.post("/leads/valuation", json=valuation_body(office_id=office_id)).status_code == 200
    assert str(upstream.leads()[0]["office_id"]) == str(office_id)


def test_office_id_not_of_the_account_is_422(api: httpx.Client, upstream: SandboxServer) -> None:
    response = api.post("/leads/valuation", json=valuation_body(office_id=1215))
    assert response.status_code == 422
    assert "office_id" in response.json()["errors"]
    assert upstream.leads() == []


@pytest.mark.parametrize(
    ("postcode", "office"),
    [("DE1 1JX", "1213"), ("M1 1AE", "1213"), ("EH1 1YZ", "1213"),
     ("SW1A 1AA", "1214"), ("EC1A 1BB", "1214"), ("BN1 1AA", "1214")],
)
def test_lead_without_office_id_goes_to_the_office_nearest_its_postcode(
    api: httpx.Client, upstream: SandboxServer, postcode: str, office: str
) -> None:
    api.post("/leads/valuation", json=valuation_body(postcode=postcode))
    assert str(upstream.leads()[0]["office_id"]) == office


def test_sale_enquiry_is_routed_by_the_advert_postcode(
    api: httpx.Client, upstream: SandboxServer
) -> None:
    body = minimal_body(type="sale", postcode="DE1 1JX", advert_postcode="SW1A 1AA")
    assert api.post("/leads", json=body).status_code == 200
    assert str(upstream.leads()[0]["office_id"]) == "1214"
