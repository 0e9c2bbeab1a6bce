"""Every rule in the contract's field table, enforced over real HTTP with a 422 on that field."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.sandbox.bodies import (
    compact_size,
    hours_of_size,
    minimal_body,
    valuation_body,
)

INVALID = "The given data was invalid."


def too_long(limit: int) -> str:
    return "x" * (limit + 1)


def assert_invalid(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    payload = response.json()
    assert payload["message"] == INVALID
    assert isinstance(payload["errors"][field], list)
    assert all(isinstance(message, str) and message for message in payload["errors"][field])


# (field, bad value); `...` means "leave the field out".
BAD_VALUES: list[tuple[str, Any]] = [
    ("first_name", ...), ("first_name", ""), ("first_name", "   "), ("first_name", too_long(50)),
    ("first_name", 123), ("first_name", None),
    ("last_name", ...), ("last_name", ""), ("last_name", too_long(50)), ("last_name", ["Singer"]),
    ("email", ...), ("email", "not-an-email"), ("email", "cloud9@"), ("email", "@cloud.com"),
    ("email", 42),
    ("phone", ...), ("phone", too_long(255)), ("phone", 7986000000),
    ("type", ...), ("type", "buyer"), ("type", "Vendor"), ("type", 1),
    ("title", ""), ("title", too_long(50)), ("title", 1),
    ("address", too_long(100)), ("address", {"line1": "1 High St"}),
    ("postcode", "D"), ("postcode", too_long(10)), ("postcode", 1234),
    ("property_bedrooms", "4"), ("property_bedrooms", -1), ("property_bedrooms", True),
    ("property_bedrooms", None),
    ("property_type", "bungalow"), ("property_type", "Detached"), ("property_type", 2),
    ("advert_address", too_long(100)), ("advert_address", 5),
    ("advert_postcode", "D"), ("advert_postcode", too_long(10)),
    ("advert_url", too_long(255)), ("advert_image", too_long(255)), ("advert_url", 1),
    ("message", too_long(255)), ("message", 7),
    ("appointment_availability", ["2021-01-01T08:00:00.000Z"]),
    ("appointment_availability", "2021-01-01T08:00:00.000Z"),
    ("appointment_availability", {}),
    ("appointment_availability", {"hours": "2021-01-01T08:00:00.000Z"}),
    ("appointment_availability", {"hours": [], "days": []}),
    ("appointment_availability", {"hours": ["2021-01-01T08:00:00"]}),
    ("appointment_availability", {"hours": ["2021-01-01T08:00:00+01:00"]}),
    ("appointment_availability", {"hours": ["2021-13-01T08:00:00.000Z"]}),
    ("appointment_availability", {"hours": ["1 January 2021, 8am"]}),
    ("appointment_availability", {"hours": [1609488000]}),
    ("meta", ["virtual tour"]), ("meta", "virtual tour"), ("meta", {"virtual tour": True}),
    ("meta", {"count": 3}), ("meta", {"nested": {"a": "b"}}),
    ("questionnaire", ["a", "b"]), ("questionnaire", {"q1": "yes"}),
    ("questionnaire", {"q1": ["Why?"]}), ("questionnaire", {"q1": ["Why?", "Because", "!"]}),
    ("questionnaire", {"q1": ["Bedrooms?", 4]}),
    ("gdpr_checkbox", "true"), ("gdpr_checkbox", 1), ("gdpr_checkbox", "on"),
    ("host", too_long(255)), ("host", 1),
    ("office_id", "1213"), ("office_id", 9999), ("office_id", True), ("office_id", 1213.5),
    ("international", "false"), ("international", 0),
    ("utm_source", too_long(255)), ("utm_campaign", too_long(255)),
    ("utm_medium", too_long(255)), ("utm_term", too_long(255)), ("utm_content", too_long(255)),
    ("utm_source", 1),
]


def case_id(field: str, value: Any) -> str:
    if value is ...:
        return f"{field}-missing"
    shown = repr(value)
    return f"{field}-{shown if len(shown) <= 30 else type(value).__name__ + '-too-long'}"


@pytest.mark.parametrize(
    ("field", "value"), BAD_VALUES, ids=[case_id(f, v) for f, v in BAD_VALUES]
)
def test_bad_field_value_is_rejected_with_422_on_that_field(
    api: httpx.Client, upstream: Any, field: str, value: Any
) -> None:
    response = api.post("/leads/valuation", json=valuation_body(**{field: value}))
    assert_invalid(response, field)
    assert upstream.leads() == []


# Values at the edge of each rule, which must be accepted.
GOOD_VALUES: list[tuple[str, Any]] = [
    ("first_name", "x" * 50), ("last_name", "L"), ("title", "x" * 50),
    ("address", "x" * 100), ("postcode", "DE"), ("postcode", "DE1  1JX  "),
    ("phone", "x" * 255), ("message", "x" * 255), ("host", "x" * 255),
    ("advert_address", "x" * 100), ("advert_postcode", "SW1A 1AA"),
    ("advert_url", "https://example.com/" + "x" * 235), ("advert_image", "x" * 255),
    ("property_bedrooms", 0), ("property_bedrooms", 10), ("property_bedrooms", 2.5),
    ("property_type", "semi-detached"), ("property_type", "flat-maisonette"),
    ("property_type", "terraced"), ("property_type", "detached"),
    ("appointment_availability", {"hours": []}),
    ("appointment_availability", {"hours": ["2021-01-01T08:00:00Z"]}),
    ("appointment_availability", {"hours": ["2021-01-01T08:00:00+00:00"]}),
    ("meta", {}), ("questionnaire", {"Reason for selling?": ["Downsizing", "Retiring"]}),
    ("gdpr_checkbox", False), ("international", True), ("office_id", 1213), ("office_id", 1214),
    ("utm_source", "x" * 255), ("utm_campaign", ""), ("email", "marla.singer+ivt@example.co.uk"),
]


@pytest.mark.parametrize(
    ("field", "value"), GOOD_VALUES, ids=[case_id(f, v) for f, v in GOOD_VALUES]
)
def test_value_at_the_edge_of_its_rule_is_accepted(
    api: httpx.Client, field: str, value: Any
) -> None:
    response = api.post("/leads/valuation", json=valuation_body(**{field: value}))
    assert response.status_code == 200, response.text


def test_all_field_errors_are_reported_together_one_list_per_field(api: httpx.Client) -> None:
    body = valuation_body(first_name=..., email="nope", property_bedrooms="4", meta={"a": 1})
    response = api.post("/leads/valuation", json=body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"first_name", "email", "property_bedrooms", "meta"}
    assert all(isinstance(messages, list) and len(messages) == 1 for messages in errors.values())


def test_only_the_required_fields_make_a_valid_valuation_lead(api: httpx.Client) -> None:
    assert api.post("/leads/valuation", json=minimal_body()).status_code == 200


def test_unknown_extra_fields_are_ignored(api: httpx.Client, upstream: Any) -> None:
    response = api.post("/leads/valuation", json=valuation_body(favourite_colour="blue"))
    assert response.status_code == 200
    assert upstream.leads()[0]["body"]["favourite_colour"] == "blue"


@pytest.mark.parametrize("lead_type", ["vendor", "landlord"])
@pytest.mark.parametrize("path", ["/leads/valuation", "/leads"])
def test_postcode_is_required_for_vendor_and_landlord_leads(
    api: httpx.Client, path: str, lead_type: str
) -> None:
    response = api.post(path, json=minimal_body(type=lead_type, postcode=...))
    assert_invalid(response, "postcode")


@pytest.mark.parametrize("lead_type", ["sale", "let", "mortgage_request"])
def test_postcode_is_optional_for_other_lead_types(api: httpx.Client, lead_type: str) -> None:
    response = api.post("/leads", json=minimal_body(type=lead_type, postcode=...))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("lead_type", ["sale", "let", "mortgage_request"])
def test_valuation_endpoint_takes_only_vendor_and_landlord(
    api: httpx.Client, lead_type: str
) -> None:
    assert_invalid(api.post("/leads/valuation", json=minimal_body(type=lead_type)), "type")


# --- byte limits on the JSON objects (compact JSON, UTF-8) ---

def test_appointment_availability_of_1024_bytes_is_accepted(api: httpx.Client) -> None:
    hours = hours_of_size(1024)
    assert compact_size(hours) == 1024
    response = api.post("/leads/valuation", json=valuation_body(appointment_availability=hours))
    assert response.status_code == 200, response.text


def test_appointment_availability_over_1024_bytes_is_rejected(api: httpx.Client) -> None:
    hours = hours_of_size(1025)
    response = api.post("/leads/valuation", json=valuation_body(appointment_availability=hours))
    assert_invalid(response, "appointment_availability")


def test_meta_of_1024_bytes_is_accepted(api: httpx.Client) -> None:
    meta = {"k": "x" * 1016}
    assert compact_size(meta) == 1024
    assert api.post("/leads/valuation", json=valuation_body(meta=meta)).status_code == 200


def test_meta_limit_counts_utf8_bytes_not_characters(api: httpx.Client) -> None:
    meta = {"k": "é" * 509}  # 1016 characters of JSON would fit, but é is 2 bytes: 1026 bytes
    assert compact_size(meta) == 1026
    assert_invalid(api.post("/leads/valuation", json=valuation_body(meta=meta)), "meta")


def test_questionnaire_of_2048_bytes_is_accepted(api: httpx.Client) -> None:
    questionnaire = {"q": ["a", "b" * 2034]}
    assert compact_size(questionnaire) == 2048
    response = api.post("/leads/valuation", json=valuation_body(questionnaire=questionnaire))
    assert response.status_code == 200, response.text


def test_questionnaire_over_2048_bytes_is_rejected(api: httpx.Client) -> None:
    questionnaire = {"q": ["a", "b" * 2035]}
    response = api.post("/leads/valuation", json=valuation_body(questionnaire=questionnaire))
    assert_invalid(response, "questionnaire")


# --- source ---

@pytest.mark.parametrize(
    ("sent", "recorded"),
    [
        (..., "ivt"),
        ("ivt", "ivt"),
        ("zoopla_valuation", "zoopla_valuation"),
        ("homepage", "homepage"),
        ("made-up-portal", "ivt"),
        ("Zoopla", "ivt"),
        (7, "ivt"),
    ],
    ids=["absent", "ivt", "documented", "homepage", "unknown", "wrong-case", "not-a-string"],
)
def test_unknown_source_falls_back_to_ivt_and_never_fails(
    api: httpx.Client, upstream: Any, sent: Any, recorded: str
) -> None:
    response = api.post("/leads/valuation", json=valuation_body(source=sent))
    assert response.status_code == 200, response.text
    assert upstream.leads()[-1]["source"] == recorded


# --- bodies that are not JSON objects ---

@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[1, 2]", b'"a string"', b"", b"NaN", b"\xff\xfe"],
    ids=["broken", "array", "string", "empty", "nan", "not-utf8"],
)
def test_body_that_is_not_a_json_object_is_rejected_with_400(
    api: httpx.Client, content: bytes
) -> None:
    response = api.post(
        "/leads/valuation", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert isinstance(response.json()["message"], str)
