"""The form's fields and the JSON API's body take their names, choices and limits from the Lead
API contract: a field the contract does not have, or a choice it lacks, stops the import."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.leadapi import LEAD_TYPES, PROPERTY_TYPES, UTM_FIELDS
from app.routes.api import ValuationIn
from app.validation.fields import (
    FIELD_ORDER,
    LEAD_TYPE_LABELS,
    PROPERTY_TYPE_LABELS,
    contract_fields,
    labelled,
    max_length,
)


def test_a_name_the_contract_does_not_have_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="not fields of the Lead API request: surname"):
        contract_fields("first_name", "surname")


def test_a_text_limit_is_read_from_the_contract() -> None:
    assert [max_length(name) for name in ("title", "address", "message", "host")] == [
        50,
        100,
        255,
        255,
    ]


def test_a_field_without_a_length_limit_has_no_limit_to_give() -> None:
    with pytest.raises(ValueError, match="no length limit on 'property_bedrooms'"):
        max_length("property_bedrooms")


def test_labels_must_name_exactly_the_contracts_choices() -> None:
    with pytest.raises(ValueError, match="must name exactly the choices"):
        labelled(("vendor", "landlord"), {"vendor": "Sell"})
    with pytest.raises(ValueError, match="must name exactly the choices"):
        labelled(("vendor",), {"vendor": "Sell", "landlord": "Let"})


def test_the_forms_choices_are_the_contracts_in_its_order() -> None:
    assert tuple(LEAD_TYPE_LABELS) == LEAD_TYPES
    assert tuple(PROPERTY_TYPE_LABELS) == PROPERTY_TYPES
    assert FIELD_ORDER[0] == "type" and FIELD_ORDER[-1] == "gdpr_checkbox"


def test_the_json_body_carries_host_and_every_utm_field_of_the_contract() -> None:
    body = ValuationIn.model_validate(
        {"host": "https://agency.example/sell", **{name: name for name in UTM_FIELDS}}
    )
    carried = body.model_dump(include={"host", *UTM_FIELDS}, exclude_none=True)
    assert carried == {"host": "https://agency.example/sell", **{n: n for n in UTM_FIELDS}}


@pytest.mark.parametrize(
    ("field", "value"), [("type", "sale"), ("property_type", "bungalow"), ("utm_typo", "x")]
)
def test_the_json_body_refuses_what_the_contract_does_not_have(field: str, value: str) -> None:
    with pytest.raises(ValidationError):
        ValuationIn.model_validate({field: value})
