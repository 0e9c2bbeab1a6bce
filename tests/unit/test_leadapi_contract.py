"""The contract's field list lives on `LeadRequest`; `FIELDS` and the sandbox's rules read it."""

from __future__ import annotations

import pytest

from app.leadapi import FIELDS, PROPERTY_TYPES, SOURCES, LeadRequest
from app.sandbox import rules


def test_the_field_table_lists_every_request_field_in_the_contracts_order() -> None:
    assert list(FIELDS) == list(LeadRequest.model_fields)
    assert list(FIELDS)[:6] == ["type", "first_name", "last_name", "email", "phone", "postcode"]


@pytest.mark.parametrize(
    ("name", "kind", "required", "min_length", "max_length"),
    [
        ("first_name", "text", True, 1, 50),
        ("title", "text", False, 1, 50),
        ("phone", "text", True, 1, 255),
        ("postcode", "text", True, 2, 10),
        ("advert_postcode", "text", False, 2, 10),
        ("address", "text", False, 0, 100),
        ("message", "text", False, 0, 255),
        ("utm_content", "text", False, 0, 255),
        ("email", "email", True, 0, None),
        ("gdpr_checkbox", "boolean", False, 0, None),
    ],
)
def test_the_field_table_reads_the_contracts_text_rules(
    name: str, kind: str, required: bool, min_length: int, max_length: int | None
) -> None:
    field = FIELDS[name]
    assert (field.kind, field.required, field.min_length, field.max_length) == (
        kind,
        required,
        min_length,
        max_length,
    )


def test_the_field_table_reads_choices_byte_limits_and_the_bedroom_minimum() -> None:
    assert FIELDS["type"].choices == ("vendor", "landlord")
    assert FIELDS["property_type"].choices == PROPERTY_TYPES
    assert FIELDS["source"].choices == SOURCES and "ivt" in SOURCES
    assert FIELDS["appointment_availability"].max_bytes == 1024
    assert FIELDS["meta"].max_bytes == 1024
    assert FIELDS["questionnaire"].max_bytes == 2048
    assert FIELDS["property_bedrooms"].kind == "integer"
    assert FIELDS["property_bedrooms"].minimum == 0


def test_the_sandbox_checks_every_contract_field() -> None:
    checked_by_table = set(rules.REQUIRED_RULES) | set(rules.OPTIONAL_RULES)
    assert checked_by_table | rules.SPECIAL_FIELDS == set(FIELDS)
    # The sandbox and the client agree on the limits because both read them from the contract.
    body = {
        "type": "vendor",
        "first_name": "x" * 51,
        "last_name": "Singer",
        "email": "cloud9@cloud.com",
        "phone": "07986000000",
        "postcode": "DE1 1JX",
        "advert_postcode": "x" * 11,
    }
    errors = rules.validate_lead(body, rules.VALUATION_TYPES, office_ids=())
    assert errors == {
        "first_name": ["The first name must not be greater than 50 characters."],
        "advert_postcode": ["The advert postcode must not be greater than 10 characters."],
    }
