"""The journey's steps (order, fields, where Back goes, which step asks for an answer), the
answers carried between them, and the checks of one step (`validate_fields`,
`validate_manual_address`)."""

from __future__ import annotations

import pytest

from app.addresses.model import Address, AddressParts
from app.journey.answers import (
    typed_address,
    with_answers,
    with_chosen_address,
    with_typed_address,
)
from app.journey.steps import (
    FIRST_STEP,
    ORDER,
    STEPS,
    next_step,
    previous_step,
    step_asking,
    step_named,
)
from app.validation import validate_fields, validate_manual_address
from app.widgets import Question
from tests.unit.conftest import build_widget

ORCHARD = Address(
    lines=("3 Orchard Close",),
    post_town="Derby",
    postcode="DE1 1JX",
    uprn="100030000003",
    udprn="23456789",
    parts=AddressParts(building_number="3", thoroughfare="Orchard Close"),
)
MOVING = Question(id="moving", text="When are you moving?", options=["Soon", "Later"],
                  required=True)


# The steps.


def test_the_pages_come_in_the_contracts_order_and_the_details_page_is_the_last() -> None:
    assert FIRST_STEP.name == "postcode"
    names = [FIRST_STEP.name]
    while names[-1] != "details":
        names.append(next_step(STEPS[names[-1]]).name)
    assert names == ["postcode", "address", "property", "visit", "details"] == list(ORDER)
    assert next_step(STEPS["details"]).name == "details"
    assert next_step(STEPS["manual-address"]).name == "property"


@pytest.mark.parametrize(
    ("step", "typed", "back_to"),
    [
        ("postcode", False, "postcode"),
        ("address", False, "postcode"),
        ("manual-address", True, "postcode"),
        ("property", False, "address"),
        ("property", True, "manual-address"),
        ("visit", True, "property"),
        ("details", False, "visit"),
    ],
)
def test_back_goes_to_the_page_the_homeowner_came_from(
    step: str, typed: bool, back_to: str
) -> None:
    assert previous_step(STEPS[step], typed).name == back_to


def test_sell_or_let_is_asked_only_where_the_widget_does_not_fix_it() -> None:
    assert FIRST_STEP.fields(build_widget(lead_type="choose")) == ("type", "postcode")
    assert FIRST_STEP.fields(build_widget(lead_type="vendor")) == ("postcode",)


def test_the_agencys_own_questions_are_on_the_property_page() -> None:
    widget = build_widget(questions=(MOVING,))

    assert STEPS["property"].fields(widget) == (
        "property_type", "property_bedrooms", "questionnaire[moving]"
    )
    assert step_asking("questionnaire[moving]", widget).name == "property"


@pytest.mark.parametrize(
    ("answer", "step"),
    [
        ("type", "postcode"),
        ("postcode", "postcode"),
        ("address", "address"),
        ("address_key", "address"),
        ("address_line_1", "manual-address"),
        ("town", "manual-address"),
        ("property_bedrooms", "property"),
        ("appointment_availability", "visit"),
        ("email", "details"),
        ("gdpr_checkbox", "details"),
        ("form", "details"),
    ],
)
def test_an_error_of_the_final_press_is_shown_on_the_page_that_asks_for_it(
    answer: str, step: str
) -> None:
    assert step_asking(answer, build_widget()).name == step


def test_step_names_are_their_url_segments_and_templates() -> None:
    assert step_named("manual-address") is STEPS["manual-address"]
    assert STEPS["manual-address"].template == "step_manual_address.html"
    assert step_named("result") is None


# The answers carried between steps.


def test_a_chosen_address_brings_its_line_the_providers_postcode_and_its_ids() -> None:
    typed = with_typed_address(
        {"type": "vendor", "postcode": "de11jx"},
        "12 Friar Gate, Derby",
        {"address_line_1": "12 Friar Gate", "town": "Derby", "postcode": "de11jx"},
    )

    chosen = with_chosen_address(typed, ORCHARD)

    assert chosen == {
        "type": "vendor",
        "postcode": "DE1 1JX",
        "address": "3 Orchard Close, Derby",
        "address_key": "uprn:100030000003",
        "address_via": "list",
        "uprn": "100030000003",
        "udprn": "23456789",
    }
    assert not typed_address(chosen)


def test_a_typed_address_drops_the_ids_of_an_address_chosen_before() -> None:
    chosen = with_chosen_address({"type": "vendor"}, ORCHARD)

    typed = with_typed_address(
        chosen,
        "Flat 2, 3 Orchard Close, Derby",
        {"address_line_1": "Flat 2", "address_line_2": "3 Orchard Close", "town": "Derby",
         "postcode": "DE1 1JX"},
    )

    assert "uprn" not in typed and "udprn" not in typed and "address_key" not in typed
    assert typed["address"] == "Flat 2, 3 Orchard Close, Derby"
    assert typed_address(typed)


def test_new_answers_replace_earlier_ones_of_the_same_name_only() -> None:
    earlier = {"property_type": "flat-maisonette", "property_bedrooms": "2", "type": "vendor"}

    assert with_answers(earlier, property_bedrooms="3") == {**earlier, "property_bedrooms": "3"}
    assert earlier["property_bedrooms"] == "2"


# The checks of one step.


def test_a_step_is_checked_on_its_own_questions_only() -> None:
    outcome = validate_fields({}, build_widget(), STEPS["property"].fields(build_widget()))

    assert outcome.errors == {
        "property_type": "Select the type of property",
        "property_bedrooms": "Select how many bedrooms the property has",
    }
    assert set(outcome.values) == {"property_type", "property_bedrooms"}


def test_a_step_shows_back_its_answers_normalised() -> None:
    widget = build_widget()

    outcome = validate_fields(
        {"type": "vendor", "postcode": " de1\u00a01jx "}, widget, FIRST_STEP.fields(widget)
    )

    assert outcome.ok
    assert outcome.values == {"type": "vendor", "postcode": "DE1 1JX"}


def test_a_typed_address_is_one_line_of_its_parts_as_typed() -> None:
    outcome = validate_manual_address({
        "address_line_1": "  Flat\u00a02,  Mill House ",
        "address_line_2": "3 Station\tRoad",
        "town": "Derby",
        "postcode": "de11jx",
    })

    assert outcome.ok
    assert outcome.address == "Flat 2, Mill House, 3 Station Road, Derby"
    assert outcome.values["postcode"] == "DE1 1JX"


def test_a_typed_address_without_line_2_has_no_empty_part() -> None:
    outcome = validate_manual_address(
        {"address_line_1": "12 Friar Gate", "town": "Derby", "postcode": "DE1 1JX"}
    )

    assert outcome.address == "12 Friar Gate, Derby"


def test_a_typed_address_needs_line_1_town_and_a_postcode() -> None:
    outcome = validate_manual_address({"address_line_2": "Littleover", "postcode": "75008"})

    assert outcome.address is None
    assert outcome.errors == {
        "address_line_1": "Enter address line 1, typically the building and street",
        "town": "Enter town or city",
        "postcode": "Enter a full UK postcode, like DE1 1JX",
    }


def test_a_typed_address_over_100_characters_says_how_much_to_remove() -> None:
    line_1 = "Unit 4, The Old Cotton Exchange Buildings, Northern Regional Chartered Surveyors"
    raw = {"address_line_1": line_1, "address_line_2": "Riverside Business Park",
           "town": "Derby", "postcode": "DE1 1JX"}

    outcome = validate_manual_address(raw)

    excess = len(f"{line_1}, Riverside Business Park, Derby") - 100
    assert outcome.address is None
    assert outcome.errors == {
        "address_line_1": "The address must be 100 characters or fewer in all: "
        f"shorten it by {excess} characters"
    }
    assert outcome.values["address_line_1"] == line_1


def test_one_typed_line_over_100_characters_is_an_error_on_that_line() -> None:
    outcome = validate_manual_address(
        {"address_line_1": "12 Friar Gate", "address_line_2": "x" * 101, "town": "Derby",
         "postcode": "DE1 1JX"}
    )

    assert outcome.errors == {
        "address_line_2": "Address line 2 must be 100 characters or fewer"
    }
