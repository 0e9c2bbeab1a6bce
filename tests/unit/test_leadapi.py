"""`LeadRequest` enforces the Lead API contract; `Valuation` reads its answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from app.leadapi import (
    AVAILABILITY_MAX_BYTES,
    META_MAX_BYTES,
    PROPERTY_TYPES,
    QUESTIONNAIRE_MAX_BYTES,
    SOURCES,
    UTM_FIELDS,
    Estimate,
    LeadRequest,
    Valuation,
    json_size,
    utc_instant,
)
from tests.support.forms import CONTRACT_EXAMPLE

REQUIRED: dict[str, Any] = {
    "type": "vendor",
    "first_name": "Marla",
    "last_name": "Singer",
    "email": "cloud9@cloud.com",
    "phone": "07986000000",
    "postcode": "DE1 1JX",
}


def lead(**fields: Any) -> LeadRequest:
    return LeadRequest(**(REQUIRED | fields))


def refused(**fields: Any) -> ValidationError:
    with pytest.raises(ValidationError) as raised:
        lead(**fields)
    return raised.value


def padded(template: Any, limit: int) -> tuple[Any, Any]:
    """Two values built by `template(n)`: one of exactly `limit` bytes, one of `limit + 1`."""
    n = 0
    while json_size(template(n)) < limit:
        n += 1
    assert json_size(template(n)) == limit
    assert json_size(template(n + 1)) == limit + 1
    return template(n), template(n + 1)


# --- body() ------------------------------------------------------------------------------


def test_contract_example_is_accepted_and_sent_back_unchanged() -> None:
    assert LeadRequest(**CONTRACT_EXAMPLE).body() == CONTRACT_EXAMPLE


def test_body_omits_unset_fields() -> None:
    assert lead().body() == REQUIRED


def test_body_omits_fields_set_to_none() -> None:
    assert lead(title=None, meta=None, office_id=None).body() == REQUIRED


def test_body_keeps_json_types() -> None:
    body = lead(
        property_bedrooms=0,
        gdpr_checkbox=False,
        office_id=1213,
        international=False,
        appointment_availability={"hours": ["2026-03-29T07:00:00.000Z"]},
        questionnaire={"q": ["Moving soon?", "Yes"]},
    ).body()

    assert body["property_bedrooms"] == 0 and type(body["property_bedrooms"]) is int
    assert body["gdpr_checkbox"] is False
    assert body["office_id"] == 1213 and type(body["office_id"]) is int
    assert body["international"] is False
    assert body["appointment_availability"] == {"hours": ["2026-03-29T07:00:00.000Z"]}
    assert body["questionnaire"] == {"q": ["Moving soon?", "Yes"]}


# --- required fields and lengths ---------------------------------------------------------


@pytest.mark.parametrize("field", list(REQUIRED))
def test_each_required_field_must_be_present(field: str) -> None:
    fields = {name: value for name, value in REQUIRED.items() if name != field}

    with pytest.raises(ValidationError) as raised:
        LeadRequest(**fields)

    assert raised.value.errors()[0]["loc"] == (field,)


LENGTHS = [
    # (field, longest accepted, shortest accepted)
    ("first_name", 50, 1),
    ("last_name", 50, 1),
    ("title", 50, 1),
    ("address", 100, 0),
    ("postcode", 10, 2),
    ("advert_address", 100, 0),
    ("advert_postcode", 10, 2),
    ("advert_url", 255, 0),
    ("advert_image", 255, 0),
    ("message", 255, 0),
    ("phone", 255, 1),
    ("host", 255, 0),
    *[(name, 255, 0) for name in UTM_FIELDS],
]


@pytest.mark.parametrize(
    ("field", "longest", "shortest"), LENGTHS, ids=[name for name, _, _ in LENGTHS]
)
def test_text_fields_keep_the_contracts_lengths(field: str, longest: int, shortest: int) -> None:
    assert lead(**{field: "x" * longest}).body()[field] == "x" * longest
    assert lead(**{field: "x" * shortest}).body()[field] == "x" * shortest

    assert refused(**{field: "x" * (longest + 1)}).errors()[0]["loc"] == (field,)
    if shortest:
        assert refused(**{field: "x" * (shortest - 1)}).errors()[0]["loc"] == (field,)


BLANK_REQUIRED = [
    ("phone", ""),
    ("phone", "   "),
    ("first_name", "   "),
    ("last_name", " "),
    ("postcode", "  "),
]


@pytest.mark.parametrize(
    ("field", "value"), BLANK_REQUIRED, ids=[f"{f}={v!r}" for f, v in BLANK_REQUIRED]
)
def test_required_fields_may_not_be_blank(field: str, value: str) -> None:
    """Required (`*`) fields: an empty or all-space string is a missing value, not a value."""
    assert refused(**{field: value}).errors()[0]["loc"] == (field,)


@pytest.mark.parametrize(
    "email",
    ["name@", "@example.com", "a b@example.com", "plain", "Marla <m@example.com>"],
)
def test_email_must_be_a_valid_address(email: str) -> None:
    assert refused(email=email).errors()[0]["loc"] == ("email",)


@pytest.mark.parametrize(
    ("email", "sent"),
    [
        ("marla@bücher.de", "marla@xn--bcher-kva.de"),
        ("marla@xn--bcher-kva.de", "marla@xn--bcher-kva.de"),
        ("Marla@Straße.de", "Marla@xn--strae-oqa.de"),
        ("marla@example.com", "marla@example.com"),
    ],
)
def test_email_is_sent_with_an_internationalised_domain_in_its_ascii_form(
    email: str, sent: str
) -> None:
    assert lead(email=email).body()["email"] == sent


@pytest.mark.parametrize("email", ["josé@example.com", "tim.o’connor@example.com"])
def test_email_with_non_ascii_before_the_at_is_refused(email: str) -> None:
    """Most mail providers cannot deliver to it (SMTPUTF8), so the agency could not answer."""
    assert refused(email=email).errors()[0]["loc"] == ("email",)


# --- enums -------------------------------------------------------------------------------


@pytest.mark.parametrize("lead_type", ["vendor", "landlord"])
def test_valuation_lead_type_is_vendor_or_landlord(lead_type: str) -> None:
    assert lead(type=lead_type).body()["type"] == lead_type


@pytest.mark.parametrize("lead_type", ["sale", "let", "mortgage_request", "Vendor", ""])
def test_other_lead_types_are_refused_on_the_valuation_endpoint(lead_type: str) -> None:
    assert refused(type=lead_type).errors()[0]["loc"] == ("type",)


@pytest.mark.parametrize("property_type", PROPERTY_TYPES)
def test_each_contract_property_type_is_accepted(property_type: str) -> None:
    assert lead(property_type=property_type).body()["property_type"] == property_type


@pytest.mark.parametrize("property_type", ["bungalow", "flat", "Detached", "semi_detached"])
def test_other_property_types_are_refused(property_type: str) -> None:
    assert refused(property_type=property_type).errors()[0]["loc"] == ("property_type",)


def test_contract_sources_are_exactly_the_documented_ones() -> None:
    assert SOURCES == (
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
    )


@pytest.mark.parametrize("source", SOURCES)
def test_each_documented_source_is_accepted(source: str) -> None:
    assert lead(source=source).body()["source"] == source


@pytest.mark.parametrize("source", ["facebook", "IVT", ""])
def test_undocumented_source_is_refused(source: str) -> None:
    assert refused(source=source).errors()[0]["loc"] == ("source",)


def test_unknown_field_is_refused() -> None:
    assert refused(property_bathrooms=2).errors()[0]["loc"] == ("property_bathrooms",)


# --- strict types ------------------------------------------------------------------------

NOT_STRICT = [
    ("property_bedrooms", "4"),
    ("property_bedrooms", 4.0),
    ("property_bedrooms", True),
    ("property_bedrooms", -1),
    ("gdpr_checkbox", "true"),
    ("gdpr_checkbox", 1),
    ("gdpr_checkbox", "yes"),
    ("international", "false"),
    ("international", 0),
    ("office_id", "1213"),
    ("office_id", 1213.0),
    ("office_id", True),
    ("phone", 7986000000),
    ("first_name", 42),
    ("postcode", None),
]


@pytest.mark.parametrize(("field", "value"), NOT_STRICT, ids=[f"{f}={v!r}" for f, v in NOT_STRICT])
def test_values_of_the_wrong_json_type_are_refused_not_coerced(field: str, value: Any) -> None:
    assert refused(**{field: value}).errors()[0]["loc"][0] == field


# --- meta --------------------------------------------------------------------------------


def test_meta_of_string_values_is_accepted() -> None:
    assert lead(meta={"virtual tour": "true", "ref": "A12"}).body()["meta"] == {
        "virtual tour": "true",
        "ref": "A12",
    }


@pytest.mark.parametrize(
    "meta",
    [{"a": 1}, {"a": True}, {"a": None}, {"a": ["x"]}, {"a": {"b": "c"}}, ["a", "b"], "a=b"],
    ids=["int", "bool", "null", "list", "object", "not-an-object-list", "not-an-object-str"],
)
def test_meta_values_must_be_strings(meta: Any) -> None:
    assert refused(meta=meta).errors()[0]["loc"][0] == "meta"


def test_meta_may_be_exactly_1024_bytes_of_json_and_no_more() -> None:
    fits, too_big = padded(lambda n: {"note": "x" * n}, META_MAX_BYTES)

    assert lead(meta=fits).body()["meta"] == fits
    assert refused(meta=too_big).errors()[0]["loc"] == ("meta",)


def test_meta_size_is_counted_in_utf8_bytes_not_characters() -> None:
    # "é" is two bytes: 508 of them make 1,024 bytes of JSON with the key, in 516 characters.
    fits, too_big = padded(lambda n: {"k": "é" * (n // 2) + "x" * (n % 2)}, META_MAX_BYTES)

    lead(meta=fits)
    assert refused(meta={"k": "é" * 600}).errors()[0]["loc"] == ("meta",)
    assert refused(meta=too_big).errors()[0]["loc"] == ("meta",)


# --- questionnaire -----------------------------------------------------------------------


def test_questionnaire_pairs_of_question_and_answer_are_accepted() -> None:
    questionnaire = {"timeframe": ["When are you moving?", "Within 3 months"]}

    assert lead(questionnaire=questionnaire).body()["questionnaire"] == questionnaire


@pytest.mark.parametrize(
    "questionnaire",
    [
        {"q": []},
        {"q": ["only a question"]},
        {"q": ["question", "answer", "extra"]},
        {"q": ["question", 1]},
        {"q": ["question", None]},
        {"q": "question: answer"},
        {"ok": ["q", "a"], "bad": ["q"]},
    ],
    ids=[
        "empty",
        "one",
        "three",
        "non-string-answer",
        "null-answer",
        "not-a-list",
        "one-bad-among-good",
    ],
)
def test_questionnaire_values_must_be_exactly_two_strings(questionnaire: Any) -> None:
    assert refused(questionnaire=questionnaire).errors()[0]["loc"][0] == "questionnaire"


def test_questionnaire_may_be_exactly_2048_bytes_of_json_and_no_more() -> None:
    fits, too_big = padded(lambda n: {"q": ["Question", "a" * n]}, QUESTIONNAIRE_MAX_BYTES)

    assert lead(questionnaire=fits).body()["questionnaire"] == fits
    assert refused(questionnaire=too_big).errors()[0]["loc"] == ("questionnaire",)


# --- appointment_availability ------------------------------------------------------------


def test_availability_of_utc_hours_is_accepted() -> None:
    hours = {"hours": ["2026-03-29T07:00:00.000Z", "2026-03-29T08:00:00.000Z"]}

    assert lead(appointment_availability=hours).body()["appointment_availability"] == hours


BAD_AVAILABILITY = [
    ("other-key", {"days": ["2026-03-29T07:00:00.000Z"]}),
    ("extra-key", {"hours": ["2026-03-29T07:00:00.000Z"], "note": ["mornings"]}),
    ("empty-object", {}),
    ("list-not-object", ["2026-03-29T07:00:00.000Z"]),
    ("hours-not-a-list", {"hours": "2026-03-29T07:00:00.000Z"}),
    ("hour-not-a-string", {"hours": [1774767600]}),
    ("offset-not-utc", {"hours": ["2026-03-29T08:00:00.000+01:00"]}),
    ("no-zone", {"hours": ["2026-03-29T07:00:00.000"]}),
    ("not-a-time", {"hours": ["not a timeZ"]}),
    ("impossible-date", {"hours": ["2026-02-30T07:00:00.000Z"]}),
    ("date-not-an-instant", {"hours": ["2026-03-29Z"]}),
]


@pytest.mark.parametrize(
    "availability", [a for _, a in BAD_AVAILABILITY], ids=[n for n, _ in BAD_AVAILABILITY]
)
def test_availability_must_be_hours_of_utc_instants(availability: Any) -> None:
    errors = refused(appointment_availability=availability).errors()

    assert errors[0]["loc"][0] == "appointment_availability"


def test_availability_may_be_exactly_1024_bytes_of_json_and_no_more() -> None:
    def hours(n: int) -> dict[str, list[str]]:
        start = datetime(2026, 3, 21, 7, tzinfo=UTC)
        return {"hours": [utc_instant(start + timedelta(hours=h)) for h in range(n)]}

    count = max(n for n in range(60) if json_size(hours(n)) <= AVAILABILITY_MAX_BYTES)

    lead(appointment_availability=hours(count))
    errors = refused(appointment_availability=hours(count + 1)).errors()
    assert errors[0]["loc"] == ("appointment_availability",)
    assert "1024 bytes" in errors[0]["msg"]


# --- helpers -----------------------------------------------------------------------------


def test_json_size_counts_compact_utf8_bytes() -> None:
    assert json_size({"a": "b"}) == len('{"a":"b"}')
    assert json_size({"a": "é"}) == len('{"a":"é"}'.encode())
    assert json_size({"hours": ["x", "y"]}) == len('{"hours":["x","y"]}')


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2021, 1, 1, 8, tzinfo=UTC), "2021-01-01T08:00:00.000Z"),
        (datetime(2026, 3, 29, 8, tzinfo=timezone(timedelta(hours=1))), "2026-03-29T07:00:00.000Z"),
        (datetime(2026, 3, 29, 8, 30, 15, 999999, tzinfo=UTC), "2026-03-29T08:30:15.000Z"),
    ],
    ids=["utc", "offset", "sub-second"],
)
def test_utc_instant_has_the_contracts_format(moment: datetime, expected: str) -> None:
    assert utc_instant(moment) == expected


# --- Valuation ---------------------------------------------------------------------------

CONTRACT_RESPONSE = {
    "minimum_sale_estimation": 2000000,
    "average_sale_estimation": 2200000,
    "maximum_sale_estimation": 2400000,
    "minimum_rent_estimation": 5995,
    "average_rent_estimation": 6595,
    "maximum_rent_estimation": 7194,
    "valuation_status": "Success",
}


def test_vendor_gets_the_sale_range() -> None:
    valuation = Valuation.model_validate(CONTRACT_RESPONSE)

    assert valuation.estimate_for("vendor") == Estimate("sale", 2000000, 2200000, 2400000)


def test_landlord_gets_the_rent_range() -> None:
    valuation = Valuation.model_validate(CONTRACT_RESPONSE)

    assert valuation.estimate_for("landlord") == Estimate("rent", 5995, 6595, 7194)


def test_estimate_figures_are_whole_pounds() -> None:
    valuation = Valuation.model_validate(
        CONTRACT_RESPONSE | {"minimum_rent_estimation": 5995.4, "maximum_rent_estimation": 7194.6}
    )

    estimate = valuation.estimate_for("landlord")

    assert estimate == Estimate("rent", 5995, 6595, 7195)
    assert all(type(v) is int for v in (estimate.minimum, estimate.average, estimate.maximum))


@pytest.mark.parametrize("status", ["Failed", "Pending", "success", "", None])
@pytest.mark.parametrize("lead_type", ["vendor", "landlord"])
def test_no_estimate_unless_the_status_is_success(status: str | None, lead_type: str) -> None:
    valuation = Valuation.model_validate(CONTRACT_RESPONSE | {"valuation_status": status})

    assert valuation.estimate_for(lead_type) is None


@pytest.mark.parametrize(
    ("lead_type", "missing"),
    [
        ("vendor", "minimum_sale_estimation"),
        ("vendor", "average_sale_estimation"),
        ("vendor", "maximum_sale_estimation"),
        ("landlord", "minimum_rent_estimation"),
        ("landlord", "average_rent_estimation"),
        ("landlord", "maximum_rent_estimation"),
    ],
)
def test_no_estimate_when_a_figure_is_missing(lead_type: str, missing: str) -> None:
    response = {k: v for k, v in CONTRACT_RESPONSE.items() if k != missing}

    assert Valuation.model_validate(response).estimate_for(lead_type) is None
    assert Valuation.model_validate(response | {missing: None}).estimate_for(lead_type) is None


def test_sale_figures_alone_still_give_a_vendor_estimate_but_no_landlord_one() -> None:
    response = {k: v for k, v in CONTRACT_RESPONSE.items() if "rent" not in k}
    valuation = Valuation.model_validate(response)

    assert valuation.estimate_for("vendor") == Estimate("sale", 2000000, 2200000, 2400000)
    assert valuation.estimate_for("landlord") is None


def test_undocumented_response_fields_are_ignored() -> None:
    valuation = Valuation.model_validate(CONTRACT_RESPONSE | {"lead_id": 99, "extra": {"a": 1}})

    assert valuation.estimate_for("vendor") is not None


def test_empty_response_gives_no_estimate() -> None:
    assert Valuation.model_validate({}).estimate_for("vendor") is None
