"""Every rule of `app.validation` and its exact message."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.availability import MAX_SLOTS, SLOT_KINDS, Slot, offered_days
from app.leadapi import PROPERTY_TYPES, LeadRequest
from app.validation import (
    FIELD_ORDER,
    PHONE_EXAMPLE,
    Email,
    Outcome,
    normalise_email,
    normalise_phone,
    normalise_postcode,
    normalise_text,
    read_email,
    validate_answers,
)
from app.widgets import Question, Widget
from tests.unit.conftest import build_widget

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)  # UK date: Friday 20 March 2026
TOMORROW = date(2026, 3, 21)
MISSING = object()  # an override that removes the field from the submission

PHONE_MESSAGE = f"Enter a phone number, {PHONE_EXAMPLE}"
EMAIL_FORMAT_MESSAGE = "Enter an email address in the correct format, like name@example.com"
POSTCODE_FORMAT_MESSAGE = "Enter a full UK postcode, like DE1 1JX"
SLOT_WINDOW_MESSAGE = "Choose times from the next 14 days, or leave them all unticked"


def submission(**overrides: Any) -> dict[str, Any]:
    """A complete, valid submission as the form posts it; MISSING drops a field."""
    raw: dict[str, Any] = {
        "type": "vendor",
        "address": "123 Example Street, Example Town",
        "postcode": "DE1 1JX",
        "property_type": "detached",
        "property_bedrooms": "4",
        "title": "Mrs",
        "first_name": "Marla",
        "last_name": "Singer",
        "email": "cloud9@cloud.com",
        "phone": "07986 000000",
        "message": "I would like to know how much my home is worth",
        "gdpr_checkbox": "yes",
    }
    raw.update(overrides)
    return {name: value for name, value in raw.items() if value is not MISSING}


def check(widget: Widget | None = None, now: datetime = NOW, **overrides: Any) -> Outcome:
    return validate_answers(submission(**overrides), widget or build_widget(), now)


def email_of_length(length: int) -> str:
    """A well-formed address of exactly `length` characters (local part 64, labels ≤ 63)."""
    local = "a" * 64
    remaining = length - len(local) - 1 - len(".com")
    labels = []
    while remaining > 0:
        size = min(63, remaining)
        labels.append("b" * size)
        remaining -= size + 1
    domain = ".".join(labels)
    # Drop or add one character so the total is exact.
    address = f"{local}@{domain}.com"
    while len(address) > length:
        domain = domain[:-1]
        address = f"{local}@{domain}.com"
    assert len(address) == length
    return address


# --- a complete submission -----------------------------------------------------------------


def test_complete_submission_becomes_clean_answers(widget: Widget) -> None:
    outcome = check(widget)

    assert outcome.ok
    assert outcome.errors == {}
    answers = outcome.answers
    assert answers is not None
    assert answers.type == "vendor"
    assert answers.address == "123 Example Street, Example Town"
    assert answers.postcode == "DE1 1JX"
    assert answers.property_type == "detached"
    assert answers.property_bedrooms == 4
    assert answers.title == "Mrs"
    assert answers.first_name == "Marla"
    assert answers.last_name == "Singer"
    assert answers.email == "cloud9@cloud.com"
    assert answers.phone == "07986000000"
    assert answers.message == "I would like to know how much my home is worth"
    assert answers.slots == []
    assert answers.questionnaire == {}
    assert answers.gdpr_checkbox is True


def test_optional_fields_may_be_left_empty() -> None:
    outcome = check(title=MISSING, message="   ")

    assert outcome.ok
    assert outcome.answers is not None
    assert outcome.answers.title is None
    assert outcome.answers.message is None


def test_json_api_values_that_are_not_strings_are_read_as_text() -> None:
    outcome = check(property_bedrooms=4, gdpr_checkbox=True)

    assert outcome.ok, outcome.errors
    assert outcome.answers is not None
    assert outcome.answers.property_bedrooms == 4
    assert outcome.answers.gdpr_checkbox is True


# --- required fields ---------------------------------------------------------------------

REQUIRED = [
    ("type", "Select whether you want to sell or let your property"),
    ("address", "Enter the address of the property"),
    ("postcode", "Enter the postcode of the property"),
    ("property_type", "Select the type of property"),
    ("property_bedrooms", "Select how many bedrooms the property has"),
    ("first_name", "Enter your first name"),
    ("last_name", "Enter your last name"),
    ("email", "Enter your email address"),
    ("phone", "Enter your phone number"),
    ("gdpr_checkbox", "Confirm that Acme Estates may contact you about your valuation"),
]


@pytest.mark.parametrize(("field", "message"), REQUIRED, ids=[f for f, _ in REQUIRED])
def test_each_required_field_left_out_gets_its_own_message(field: str, message: str) -> None:
    outcome = check(**{field: MISSING})

    assert not outcome.ok
    assert outcome.answers is None
    assert outcome.errors == {field: message}


@pytest.mark.parametrize(
    ("field", "message"),
    [pair for pair in REQUIRED if pair[0] != "gdpr_checkbox"],
    ids=[f for f, _ in REQUIRED if f != "gdpr_checkbox"],
)
def test_each_required_field_of_only_whitespace_counts_as_missing(field: str, message: str) -> None:
    outcome = check(**{field: "  \t \n "})

    assert outcome.errors == {field: message}


@pytest.mark.parametrize(
    ("field", "message"),
    [pair for pair in REQUIRED if pair[0] != "gdpr_checkbox"],
    ids=[f for f, _ in REQUIRED if f != "gdpr_checkbox"],
)
def test_each_required_field_sent_as_an_empty_list_counts_as_missing(
    field: str, message: str
) -> None:
    outcome = check(**{field: []})

    assert outcome.errors == {field: message}


def test_consent_message_names_the_widgets_agency(make_widget) -> None:
    outcome = check(make_widget(agency_name="Bloggs & Co"), gdpr_checkbox=MISSING)

    assert outcome.errors == {
        "gdpr_checkbox": "Confirm that Bloggs & Co may contact you about your valuation"
    }


# --- length limits -----------------------------------------------------------------------

LIMITS = [
    ("first_name", 50, "First name must be 50 characters or fewer"),
    ("last_name", 50, "Last name must be 50 characters or fewer"),
    ("title", 50, "Title must be 50 characters or fewer"),
    ("address", 100, "Address must be 100 characters or fewer"),
    ("message", 255, "Your message must be 255 characters or fewer"),
]


@pytest.mark.parametrize(("field", "limit", "message"), LIMITS, ids=[f for f, _, _ in LIMITS])
def test_text_over_its_limit_is_refused_with_a_message_stating_the_limit(
    field: str, limit: int, message: str
) -> None:
    outcome = check(**{field: "x" * (limit + 1)})

    assert outcome.errors == {field: message}
    assert str(limit) in message


@pytest.mark.parametrize(("field", "limit", "message"), LIMITS, ids=[f for f, _, _ in LIMITS])
def test_text_with_an_unreadable_character_is_refused_not_sent_changed(
    field: str, limit: int, message: str
) -> None:
    """Bytes that were not UTF-8 (e.g. `Mar%ED%A0%80la` in a form body) decode to U+FFFD."""
    label = message.split(" must be ")[0]
    outcome = check(**{field: "Mar\ufffd\ufffd\ufffdla"})

    unreadable = f"{label} has a character that could not be read. Type it again"
    assert outcome.errors == {field: unreadable}
    assert outcome.values[field] == "Mar\ufffd\ufffd\ufffdla"  # shown back as it arrived


@pytest.mark.parametrize(("field", "limit", "message"), LIMITS, ids=[f for f, _, _ in LIMITS])
def test_text_exactly_at_its_limit_is_accepted(field: str, limit: int, message: str) -> None:
    outcome = check(**{field: "x" * limit})

    assert outcome.ok, outcome.errors
    assert getattr(outcome.answers, field) == "x" * limit


@pytest.mark.parametrize(("field", "limit", "message"), LIMITS, ids=[f for f, _, _ in LIMITS])
def test_limit_is_counted_after_trimming_and_collapsing_spaces(
    field: str, limit: int, message: str
) -> None:
    typed = "   " + "x" * (limit - 3) + "     " + "yy" + "   "  # limit chars once collapsed

    outcome = check(**{field: typed})

    assert outcome.ok, outcome.errors
    assert getattr(outcome.answers, field) == "x" * (limit - 3) + " yy"


def test_email_over_254_characters_is_refused_with_a_message_stating_the_limit() -> None:
    outcome = check(email=email_of_length(255))

    assert outcome.errors == {"email": "Email address must be 254 characters or fewer"}


def test_email_of_exactly_254_characters_is_accepted() -> None:
    address = email_of_length(254)

    outcome = check(email=address)

    assert outcome.ok, outcome.errors
    assert outcome.answers is not None
    assert outcome.answers.email == address


@pytest.mark.parametrize("length", [65, 70, 200])
def test_email_with_more_than_64_characters_before_the_at_is_refused(length: int) -> None:
    outcome = check(email="m" * length + "@example.com")

    assert outcome.errors == {
        "email": "The part of your email address before the @ must be 64 characters or fewer"
    }


def test_email_with_exactly_64_characters_before_the_at_is_accepted() -> None:
    address = "m" * 64 + "@example.com"

    outcome = check(email=address)

    assert outcome.ok, outcome.errors
    assert outcome.answers is not None and outcome.answers.email == address


# --- names and free text -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "typed", "clean"),
    [
        ("first_name", "  Marla  ", "Marla"),
        ("first_name", "Marla   Jane", "Marla Jane"),
        ("last_name", "\tSinger-Smith\n", "Singer-Smith"),
        ("last_name", "van   der\u00a0Berg", "van der Berg"),
        ("title", "  Dr ", "Dr"),
        ("address", " 1  High   Street,\n  Derby ", "1 High Street, Derby"),
        ("message", "Call me\n\nafter   6pm ", "Call me after 6pm"),
    ],
    ids=[
        "first-name-trimmed",
        "first-name-inner-spaces",
        "last-name-tabs-and-newlines",
        "last-name-non-breaking-space",
        "title-trimmed",
        "address-multiline",
        "message-multiline",
    ],
)
def test_names_and_text_are_trimmed_and_inner_whitespace_collapsed(
    field: str, typed: str, clean: str
) -> None:
    outcome = check(**{field: typed})

    assert outcome.ok, outcome.errors
    assert getattr(outcome.answers, field) == clean
    assert outcome.values[field] == clean


# --- postcode ----------------------------------------------------------------------------

POSTCODES = [
    ("De1 1jx", "DE1 1JX"),
    ("DE1 1JX", "DE1 1JX"),
    ("de11jx", "DE1 1JX"),
    ("sw1a1aa", "SW1A 1AA"),
    (" ec1a 1bb ", "EC1A 1BB"),
    ("EC1A  1BB", "EC1A 1BB"),
    ("S W 1 A 1 A A", "SW1A 1AA"),
    ("m1 1ae", "M1 1AE"),
    ("B33 8TH", "B33 8TH"),
    ("cr2 6xh", "CR2 6XH"),
    ("DN551PT", "DN55 1PT"),
    ("w1a 0ax", "W1A 0AX"),
    ("gir0aa", "GIR 0AA"),
    # Typed with an East Asian keyboard: full-width letters, digits and space.
    ("ＤＥ１　１ＪＸ", "DE1 1JX"),
    ("ｓｗ１ａ１ａａ", "SW1A 1AA"),
    ("ＥＣ1Ａ 1ＢＢ", "EC1A 1BB"),
]


@pytest.mark.parametrize(("typed", "clean"), POSTCODES, ids=[t for t, _ in POSTCODES])
def test_postcode_in_any_case_and_spacing_is_normalised(typed: str, clean: str) -> None:
    assert normalise_postcode(typed) == clean

    outcome = check(postcode=typed)

    assert outcome.ok, outcome.errors
    assert outcome.answers is not None
    assert outcome.answers.postcode == clean
    assert outcome.values["postcode"] == clean


NOT_POSTCODES = [
    "12345", "ABC", "DE1", "75008", "DE1 1J", "DE1 1JXX", "1DE 1JX", "DE1 1CX", "D",
]


def test_a_part_postcode_in_full_width_is_refused_and_shown_back_in_plain_letters() -> None:
    assert normalise_postcode("ＤＥ１") is None

    outcome = check(postcode="ＤＥ１")

    assert outcome.errors == {"postcode": POSTCODE_FORMAT_MESSAGE}
    assert outcome.values["postcode"] == "DE1"


@pytest.mark.parametrize("typed", NOT_POSTCODES, ids=NOT_POSTCODES)
def test_postcode_that_is_not_a_full_uk_postcode_is_refused(typed: str) -> None:
    assert normalise_postcode(typed) is None

    outcome = check(postcode=typed)

    assert outcome.errors == {"postcode": POSTCODE_FORMAT_MESSAGE}
    assert outcome.values["postcode"] == typed


# --- phone -------------------------------------------------------------------------------

UK_PHONES = [
    ("07986 000000", "07986000000"),
    ("07986000000", "07986000000"),
    ("+44 7986 000000", "07986000000"),
    ("+447986000000", "07986000000"),
    ("0044 7986 000000", "07986000000"),
    ("+44 (0)7986 000000", "07986000000"),
    ("07986-000-000", "07986000000"),
    ("07986.000.000", "07986000000"),
    ("(020) 7946 0000", "02079460000"),
    ("020 7946 0000", "02079460000"),
    ("+44 20 7946 0000", "02079460000"),
    ("(0116) 496 0000", "01164960000"),
    ("0800 123 4567", "08001234567"),
    ("01534 123456", "01534123456"),  # Jersey: +44, so national too
    ("07797 123456", "07797123456"),  # Jersey mobile
    ("+44 7624 123456", "07624123456"),  # Isle of Man mobile
]


@pytest.mark.parametrize(("typed", "clean"), UK_PHONES, ids=[t for t, _ in UK_PHONES])
def test_uk_phone_in_common_formats_becomes_national_digits(typed: str, clean: str) -> None:
    assert normalise_phone(typed) == clean

    outcome = check(phone=typed)

    assert outcome.ok, outcome.errors
    assert outcome.answers is not None
    assert outcome.answers.phone == clean


OTHER_PHONES = [
    ("+33 6 12 34 56 78", "+33612345678"),
    ("0033 6 12 34 56 78", "+33612345678"),
    ("+33 (0)6 12 34 56 78", "+33612345678"),
    ("+1 212 555 0123", "+12125550123"),
    ("+49 30 123456", "+4930123456"),
]


@pytest.mark.parametrize(("typed", "clean"), OTHER_PHONES, ids=[t for t, _ in OTHER_PHONES])
def test_valid_non_uk_phone_is_accepted_in_e164(typed: str, clean: str) -> None:
    assert normalise_phone(typed) == clean

    outcome = check(phone=typed)

    assert outcome.ok, outcome.errors
    assert outcome.answers is not None
    assert outcome.answers.phone == clean


NOT_PHONES = [
    "not a phone",
    "123",
    "+44 12",
    "07986 00000",
    "079860000001",
    "+33 6 12",
    "00000000000",
    "07986 000000 07986 000000",
    "0" * 41,
]


@pytest.mark.parametrize("typed", NOT_PHONES, ids=[t[:20] for t in NOT_PHONES])
def test_phone_that_is_not_a_valid_number_is_refused(typed: str) -> None:
    assert normalise_phone(typed) is None

    outcome = check(phone=typed)

    assert outcome.errors == {"phone": PHONE_MESSAGE}
    assert outcome.values["phone"] == typed


def phone_examples() -> list[str]:
    assert PHONE_EXAMPLE.startswith("like ")
    return PHONE_EXAMPLE.removeprefix("like ").replace(" or ", ", ").split(", ")


def test_phone_message_gives_a_uk_and_a_non_uk_example() -> None:
    examples = phone_examples()

    assert len(examples) >= 2
    assert any(example.startswith("0") for example in examples)
    assert any(example.startswith("+") and not example.startswith("+44") for example in examples)


@pytest.mark.parametrize("example", phone_examples())
def test_every_example_number_in_the_phone_message_is_accepted(example: str) -> None:
    assert normalise_phone(example) is not None


WITH_EXTENSIONS = [
    "07986 000000 ext. 123",
    "07986000000 x12",
    "020 7946 0000 #123",
    "+44 7986 000000 extension 12",
]


@pytest.mark.parametrize("typed", WITH_EXTENSIONS, ids=WITH_EXTENSIONS)
def test_uk_phone_is_never_passed_on_with_anything_but_national_digits(typed: str) -> None:
    """The Lead API's autocaller dials valid UK numbers: `07986000000x123` is not one."""
    phone = normalise_phone(typed)

    assert phone is None or re.fullmatch(r"0\d{9,10}", phone), phone


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(alphabet="0123456789 +()-.", max_size=30))
def test_accepted_phone_is_always_national_digits_or_e164(typed: str) -> None:
    phone = normalise_phone(typed)

    assert phone is None or re.fullmatch(r"0\d{9,10}|\+[1-9]\d{6,14}", phone), phone


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(max_size=60))
def test_normalisers_never_raise_on_arbitrary_text(typed: str) -> None:
    normalise_phone(typed)
    normalise_postcode(typed)
    normalise_email(typed)


# --- email -------------------------------------------------------------------------------

EMAILS = [
    ("cloud9@cloud.com", "cloud9@cloud.com"),
    ("  cloud9@cloud.com  ", "cloud9@cloud.com"),
    ("Marla.Singer@Example.CO.UK", "Marla.Singer@example.co.uk"),
    ("marla+valuation@example.com", "marla+valuation@example.com"),
]


@pytest.mark.parametrize(("typed", "clean"), EMAILS, ids=[t.strip() for t, _ in EMAILS])
def test_valid_email_is_accepted_and_its_domain_normalised(typed: str, clean: str) -> None:
    outcome = check(email=typed)

    assert outcome.ok, outcome.errors
    assert outcome.answers is not None
    assert outcome.answers.email == clean
    assert outcome.values["email"] == clean


NOT_EMAILS = [
    "name@",
    "@example.com",
    "a b@example.com",
    "name",
    "name@example",
    "name@@example.com",
    "name..x@example.com",
    "name@exa_mple.com",
    "Marla <m@example.com>",
]


@pytest.mark.parametrize("typed", NOT_EMAILS, ids=NOT_EMAILS)
def test_email_not_in_the_correct_format_is_refused(typed: str) -> None:
    assert normalise_email(typed) is None

    outcome = check(email=typed)

    assert outcome.errors == {"email": EMAIL_FORMAT_MESSAGE}
    assert outcome.values["email"] == typed


def test_every_accepted_email_is_also_accepted_by_the_lead_api_model() -> None:
    for typed, _ in EMAILS:
        outcome = check(email=typed)
        assert outcome.answers is not None
        LeadRequest(
            type="vendor",
            first_name="M",
            last_name="S",
            email=outcome.answers.email,
            phone="07986000000",
            postcode="DE1 1JX",
        )


# --- lead type ---------------------------------------------------------------------------


@pytest.mark.parametrize("lead_type", ["vendor", "landlord"])
def test_type_chosen_on_a_choose_widget_is_kept(lead_type: str, make_widget) -> None:
    outcome = check(make_widget(lead_type="choose"), type=lead_type)

    assert outcome.answers is not None
    assert outcome.answers.type == lead_type


@pytest.mark.parametrize("typed", ["sale", "let", "Vendor", "buyer"])
def test_type_other_than_vendor_or_landlord_is_refused_on_a_choose_widget(
    typed: str, make_widget
) -> None:
    outcome = check(make_widget(lead_type="choose"), type=typed)

    assert outcome.errors == {"type": "Select whether you want to sell or let your property"}


@pytest.mark.parametrize("lead_type", ["vendor", "landlord"])
@pytest.mark.parametrize(
    "typed",
    [MISSING, "", "vendor", "landlord", "nonsense"],
    ids=["missing", "empty", "vendor", "landlord", "nonsense"],
)
def test_widget_with_a_fixed_lead_type_neither_needs_nor_reads_the_type_field(
    lead_type: str, typed: object, make_widget
) -> None:
    outcome = check(make_widget(lead_type=lead_type), type=typed)

    assert outcome.ok, outcome.errors
    assert outcome.answers is not None
    assert outcome.answers.type == lead_type


# --- property type and bedrooms ----------------------------------------------------------


@pytest.mark.parametrize("property_type", PROPERTY_TYPES)
def test_each_of_the_contracts_property_types_is_accepted(property_type: str) -> None:
    outcome = check(property_type=property_type)

    assert outcome.answers is not None
    assert outcome.answers.property_type == property_type


@pytest.mark.parametrize("typed", ["bungalow", "Detached", "flat", "semi detached", "house"])
def test_property_type_outside_the_contract_is_refused(typed: str) -> None:
    outcome = check(property_type=typed)

    assert outcome.errors == {"property_type": "Select the type of property"}


@pytest.mark.parametrize("typed", [str(n) for n in range(11)])
def test_bedrooms_from_studio_to_ten_or_more_are_accepted_as_numbers(typed: str) -> None:
    outcome = check(property_bedrooms=typed)

    assert outcome.answers is not None
    assert outcome.answers.property_bedrooms == int(typed)


@pytest.mark.parametrize("typed", ["11", "-1", "01", "4.0", "four", "1e1", "100"])
def test_bedrooms_outside_zero_to_ten_are_refused(typed: str) -> None:
    outcome = check(property_bedrooms=typed)

    assert outcome.errors == {"property_bedrooms": "Select how many bedrooms the property has"}


# --- consent -----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["yes", "true", "on", "1", "YES", "On"])
def test_consent_given_in_any_of_the_forms_a_checkbox_sends_is_accepted(typed: str) -> None:
    outcome = check(gdpr_checkbox=typed)

    assert outcome.answers is not None
    assert outcome.answers.gdpr_checkbox is True
    assert outcome.values["gdpr_checkbox"] == "yes"


@pytest.mark.parametrize(
    "typed",
    [MISSING, "", "no", "false", "0", "off"],
    ids=["missing", "empty", "no", "false", "0", "off"],
)
def test_consent_is_required_by_default(typed: object, widget: Widget) -> None:
    assert widget.consent_required

    outcome = check(widget, gdpr_checkbox=typed)

    assert outcome.errors == {
        "gdpr_checkbox": "Confirm that Acme Estates may contact you about your valuation"
    }
    assert outcome.values["gdpr_checkbox"] == ""


def test_consent_is_optional_when_the_widget_does_not_require_it(make_widget) -> None:
    widget = make_widget(consent_required=False)

    without = check(widget, gdpr_checkbox=MISSING)
    given_ = check(widget, gdpr_checkbox="yes")

    assert without.answers is not None
    assert without.answers.gdpr_checkbox is False
    assert given_.answers is not None
    assert given_.answers.gdpr_checkbox is True


# --- agency questions --------------------------------------------------------------------


@pytest.fixture
def asking_widget(make_widget, timeframe_question: Question, mortgage_question: Question):
    return make_widget(questions=(timeframe_question, mortgage_question))


def test_question_answers_become_questionnaire_pairs_of_text_and_answer(asking_widget) -> None:
    outcome = check(
        asking_widget,
        **{"questionnaire[timeframe]": "3 to 6 months", "questionnaire[mortgage]": "No"},
    )

    assert outcome.answers is not None
    assert outcome.answers.questionnaire == {
        "timeframe": ["When are you thinking of moving?", "3 to 6 months"],
        "mortgage": ["Do you have a mortgage on the property?", "No"],
    }


def test_optional_question_left_unanswered_is_left_out_of_the_questionnaire(
    asking_widget,
) -> None:
    outcome = check(asking_widget, **{"questionnaire[timeframe]": "Just curious"})

    assert outcome.answers is not None
    assert outcome.answers.questionnaire == {
        "timeframe": ["When are you thinking of moving?", "Just curious"]
    }


def test_required_question_left_unanswered_is_refused(asking_widget) -> None:
    outcome = check(asking_widget, **{"questionnaire[mortgage]": "Yes"})

    assert outcome.errors == {
        "questionnaire[timeframe]": "Select an answer to: When are you thinking of moving?"
    }


@pytest.mark.parametrize("typed", ["Tomorrow", "just curious", "Yes"])
def test_answer_that_is_not_one_of_the_options_is_refused(typed: str, asking_widget) -> None:
    outcome = check(asking_widget, **{"questionnaire[timeframe]": typed})

    assert outcome.errors == {
        "questionnaire[timeframe]": "Select one of the answers to: When are you thinking of moving?"
    }
    assert outcome.values["questionnaire[timeframe]"] == typed


def test_answer_to_an_optional_question_must_still_be_one_of_its_options(asking_widget) -> None:
    outcome = check(
        asking_widget,
        **{"questionnaire[timeframe]": "Just curious", "questionnaire[mortgage]": "Maybe"},
    )

    assert outcome.errors == {
        "questionnaire[mortgage]": "Select one of the answers to: "
        "Do you have a mortgage on the property?"
    }


def test_answers_to_questions_the_widget_does_not_ask_are_ignored(widget: Widget) -> None:
    outcome = check(widget, **{"questionnaire[timeframe]": "Just curious"})

    assert outcome.answers is not None
    assert outcome.answers.questionnaire == {}


# --- error order and values shown back ---------------------------------------------------


def everything_wrong() -> dict[str, Any]:
    return {
        "type": "buyer",
        "address": "x" * 101,
        "postcode": "ABC",
        "property_type": "castle",
        "property_bedrooms": "12",
        "appointment_availability": ["someday"],
        "title": "x" * 51,
        "first_name": "x" * 51,
        "last_name": "x" * 51,
        "email": "name@",
        "phone": "123",
        "message": "x" * 256,
        "questionnaire[timeframe]": "Never",
        "questionnaire[mortgage]": "Maybe",
    }


def test_errors_follow_the_order_of_the_form(asking_widget) -> None:
    outcome = validate_answers(everything_wrong(), asking_widget, NOW)

    expected = [
        "type",
        "address",
        "postcode",
        "property_type",
        "property_bedrooms",
        "appointment_availability",
        "title",
        "first_name",
        "last_name",
        "email",
        "phone",
        "message",
        "questionnaire[timeframe]",
        "questionnaire[mortgage]",
        "gdpr_checkbox",
    ]
    assert list(outcome.errors) == expected
    assert [n for n in expected if not n.startswith("questionnaire[")] == [
        n for n in FIELD_ORDER if n != "questionnaire"
    ]


def test_error_order_does_not_depend_on_the_order_fields_were_sent(asking_widget) -> None:
    forwards = validate_answers(everything_wrong(), asking_widget, NOW)
    backwards = validate_answers(
        dict(reversed(list(everything_wrong().items()))), asking_widget, NOW
    )

    assert list(backwards.errors) == list(forwards.errors)


def test_empty_submission_lists_every_required_field_in_form_order(asking_widget) -> None:
    outcome = validate_answers({}, asking_widget, NOW)

    assert list(outcome.errors) == [
        "type",
        "address",
        "postcode",
        "property_type",
        "property_bedrooms",
        "first_name",
        "last_name",
        "email",
        "phone",
        "questionnaire[timeframe]",
        "gdpr_checkbox",
    ]


def test_values_keep_what_the_homeowner_typed_so_the_form_can_be_refilled(
    asking_widget,
) -> None:
    typed = everything_wrong() | {"gdpr_checkbox": "yes"}

    outcome = validate_answers(typed, asking_widget, NOW)

    assert not outcome.ok
    for name, value in typed.items():
        if name == "gdpr_checkbox":
            assert outcome.values[name] == "yes"
        else:
            assert outcome.values[name] == value, name


def test_values_keep_valid_answers_alongside_the_invalid_ones() -> None:
    outcome = check(postcode="de1 1jx", email="Marla@Example.com", phone="123")

    assert set(outcome.errors) == {"phone"}
    assert outcome.values["postcode"] == "DE1 1JX"
    assert outcome.values["email"] == "Marla@example.com"
    assert outcome.values["first_name"] == "Marla"
    assert outcome.values["phone"] == "123"
    assert outcome.values["property_bedrooms"] == "4"


# --- appointment availability ------------------------------------------------------------


def offered_values(count: int) -> list[str]:
    slots = [Slot(day, kind) for day in offered_days(NOW) for kind in SLOT_KINDS]
    return [slot.value for slot in slots[:count]]


def test_no_appointment_times_are_needed() -> None:
    outcome = check(appointment_availability=MISSING)

    assert outcome.answers is not None
    assert outcome.answers.slots == []


def test_offered_times_are_accepted_as_slots() -> None:
    outcome = check(appointment_availability=["2026-03-21/morning", "2026-04-03/evening"])

    assert outcome.answers is not None
    assert [slot.value for slot in outcome.answers.slots] == [
        "2026-03-21/morning",
        "2026-04-03/evening",
    ]


def test_a_single_time_sent_as_a_string_is_accepted() -> None:
    outcome = check(appointment_availability="2026-03-22/afternoon")

    assert outcome.answers is not None
    assert [slot.value for slot in outcome.answers.slots] == ["2026-03-22/afternoon"]


def test_up_to_max_slots_times_are_accepted() -> None:
    outcome = check(appointment_availability=offered_values(MAX_SLOTS))

    assert outcome.answers is not None
    assert len(outcome.answers.slots) == MAX_SLOTS


def test_more_than_max_slots_times_are_refused_with_a_message_naming_the_limit() -> None:
    outcome = check(appointment_availability=offered_values(MAX_SLOTS + 1))

    assert outcome.errors == {
        "appointment_availability": f"Choose up to {MAX_SLOTS} times when an agent could visit "
        f"(you chose {MAX_SLOTS + 1})"
    }


def test_the_same_time_ticked_twice_counts_once() -> None:
    values = offered_values(MAX_SLOTS)

    outcome = check(appointment_availability=[*values, values[0]])

    assert outcome.answers is not None
    assert len(outcome.answers.slots) == MAX_SLOTS


MALFORMED_SLOTS = [
    "someday",
    "2026-03-21",
    "2026-03-21/",
    "2026-03-21/night",
    "2026-03-21/Morning",
    "/morning",
    "2026-02-30/morning",
    "21/03/2026/morning",
    "2026-03-21/morning/extra",
]


@pytest.mark.parametrize("value", MALFORMED_SLOTS, ids=MALFORMED_SLOTS)
def test_malformed_time_is_refused(value: str) -> None:
    outcome = check(appointment_availability=["2026-03-22/morning", value])

    assert outcome.errors == {"appointment_availability": SLOT_WINDOW_MESSAGE}


@pytest.mark.parametrize(
    "day",
    [date(2026, 3, 19), date(2025, 3, 21), TOMORROW + timedelta(days=15), date(2027, 3, 21)],
    ids=["yesterday", "a-year-ago", "sixteen-days-ahead", "a-year-ahead"],
)
def test_time_outside_the_offered_window_is_refused(day: date) -> None:
    outcome = check(appointment_availability=[f"{day.isoformat()}/morning"])

    assert outcome.errors == {"appointment_availability": SLOT_WINDOW_MESSAGE}


# --- what validation accepts, the contract accepts ---------------------------------------


def test_largest_valid_submission_still_builds_a_valid_lead_request(
    asking_widget,
) -> None:
    from app.availability import availability_body

    outcome = check(
        asking_widget,
        type="landlord",
        address="a" * 100,
        postcode="sw1a1aa",
        title="t" * 50,
        first_name="f" * 50,
        last_name="l" * 50,
        email=email_of_length(254),
        phone="+33 6 12 34 56 78",
        message="m" * 255,
        appointment_availability=offered_values(MAX_SLOTS),
        **{"questionnaire[timeframe]": "Within 3 months", "questionnaire[mortgage]": "Yes"},
    )
    answers = outcome.answers
    assert answers is not None, outcome.errors

    lead = LeadRequest(
        type=answers.type,
        first_name=answers.first_name,
        last_name=answers.last_name,
        email=answers.email,
        phone=answers.phone,
        postcode=answers.postcode,
        title=answers.title,
        address=answers.address,
        property_bedrooms=answers.property_bedrooms,
        property_type=answers.property_type,
        message=answers.message,
        appointment_availability=availability_body(answers.slots),
        questionnaire=answers.questionnaire,
        gdpr_checkbox=answers.gdpr_checkbox,
    )
    assert lead.body()["appointment_availability"]["hours"]


@pytest.mark.parametrize(
    "hidden",
    ["\x00", "\x07", "\x1b[31m", "\u202e", "\u2066", "\x85"],
    ids=["nul", "bell", "escape", "right-to-left-override", "isolate", "next-line"],
)
def test_invisible_characters_never_reach_the_lead(hidden: str) -> None:
    outcome = check(first_name=f"Mar{hidden}la", message=f"Call{hidden} me")
    assert outcome.answers is not None
    assert outcome.answers.first_name.isprintable()
    assert outcome.answers.message is not None and outcome.answers.message.isprintable()


def test_a_name_of_only_invisible_characters_counts_as_missing() -> None:
    outcome = check(first_name="\x00\u202e\x07")
    assert outcome.errors["first_name"] == "Enter your first name"


# --- pasted text -------------------------------------------------------------------------
# One normalisation (`normalise_text`) runs on every text answer before any rule, count, store
# or send: text pasted from emails, PDFs and word processors carries characters nobody sees.

FLAG_OF_WALES = "\U0001f3f4\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
PASTED = [
    # invisible format characters: removed wherever they are
    ("zero-width-space-inside", "Jo\u200bhn", "John"),
    ("zero-width-space-before-an-email", "\u200balex@example.com", "alex@example.com"),
    ("word-joiner", "Mar\u2060la", "Marla"),
    ("byte-order-mark-at-the-start", "\ufeffPlease call after 6pm", "Please call after 6pm"),
    ("byte-order-mark-inside", "Sing\ufeffer", "Singer"),
    ("soft-hyphen", "Fitz\u00adwilliam", "Fitzwilliam"),
    ("left-to-right-mark", "\u200eFriar Gate", "Friar Gate"),
    ("right-to-left-mark", "Derby\u200f", "Derby"),
    ("right-to-left-override", "Mar\u202ela", "Marla"),
    ("bidi-isolates", "\u2066Marla\u2069", "Marla"),
    ("invisible-separator", "12\u2063 Friar Gate", "12 Friar Gate"),
    ("tag-characters-outside-a-flag", "Marla\U000e0041\U000e0042", "Marla"),
    ("removed-before-composing", "e\u200b\u0301", "\u00e9"),
    # joiners: only at either end, since they shape emoji and some scripts
    ("zero-width-joiner-at-the-start", "\u200dJohn", "John"),
    ("zero-width-non-joiner-at-the-end", "John\u200c", "John"),
    ("joiners-and-spaces-at-both-ends", " \u200d John \u200c ", "John"),
    ("mongolian-vowel-separator-at-the-end", "Marla\u180e", "Marla"),
    ("zero-width-joiner-inside-an-emoji-kept", f"Family {FAMILY}", f"Family {FAMILY}"),
    (
        "zero-width-non-joiner-inside-persian-kept",
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0645",
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0645",
    ),
    ("flag-of-wales-kept", f"Croeso {FLAG_OF_WALES}", f"Croeso {FLAG_OF_WALES}"),
    ("arabic-number-sign-kept", "\u0600123", "\u0600123"),
    # every kind of space: a plain space, then trimmed and collapsed
    ("no-break-space", "DE1\u00a01JX", "DE1 1JX"),
    ("thin-spaces", "07911\u2009123\u2009456", "07911 123 456"),
    ("narrow-no-break-space", "12\u202fFriar Gate", "12 Friar Gate"),
    ("ideographic-space", "Marla\u3000Singer", "Marla Singer"),
    ("en-and-em-spaces", "Marla\u2002\u2003Singer", "Marla Singer"),
    ("figure-space", "07911\u2007123456", "07911 123456"),
    ("medium-mathematical-space", "Flat\u205f2", "Flat 2"),
    ("line-separator", "Call me\u2028after 6pm", "Call me after 6pm"),
    ("paragraph-separator", "Call me\u2029after 6pm", "Call me after 6pm"),
    ("next-line", "Call me\u0085after 6pm", "Call me after 6pm"),
    ("tabs-and-newlines", "\tMarla\r\nSinger\n", "Marla Singer"),
    ("spaces-around-a-no-break-space", " Marla \u00a0 Singer\u00a0", "Marla Singer"),
    ("nul-and-escape-removed", "Mar\x00la\x1b", "Marla"),
    # composed (NFC)
    ("combining-circumflex", "Sia\u0302n", "Si\u00e2n"),
    ("combining-acute", "Ame\u0301lie", "Am\u00e9lie"),
    ("combining-diaeresis-and-cedilla", "Zoe\u0308 Franc\u0327ois", "Zo\u00eb Fran\u00e7ois"),
    ("hangul-jamo", "\u1112\u1161\u11ab", "\ud55c"),
    ("already-composed-unchanged", "Si\u00e2n", "Si\u00e2n"),
    # nothing visible left
    ("only-invisible-characters", "\u200b\ufeff\u2060\u00ad", ""),
    ("only-spaces-of-every-kind", "\u00a0\u2009\u3000\u202f", ""),
    ("lone-surrogate", "Jo\ud800hn", "John"),
    ("plain-text-unchanged", "12 Friar Gate, Derby", "12 Friar Gate, Derby"),
    # typed with an East Asian keyboard: full-width Latin letters, digits and punctuation
    ("full-width-letters", "\uff2a\uff4f\uff48\uff4e", "John"),
    ("full-width-digits", "\uff11\uff12 Friar Gate, Derby", "12 Friar Gate, Derby"),
    ("full-width-punctuation-kept", "Friar Gate\uff0c Derby", "Friar Gate\uff0c Derby"),
    ("other-scripts-unchanged", "\u5c71\u7530 \u592a\u90ce", "\u5c71\u7530 \u592a\u90ce"),
]


@pytest.mark.parametrize(("typed", "clean"), [p[1:] for p in PASTED], ids=[p[0] for p in PASTED])
def test_pasted_text_is_read_as_the_text_the_homeowner_sees(typed: str, clean: str) -> None:
    assert normalise_text(typed) == clean


def test_pasted_text_table_covers_at_least_thirty_inputs() -> None:
    assert len(PASTED) >= 30


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(max_size=80))
def test_normalised_text_is_composed_trimmed_single_spaced_and_stable(typed: str) -> None:
    clean = normalise_text(typed)

    assert unicodedata.is_normalized("NFC", clean)
    assert clean == clean.strip() and "  " not in clean
    assert all(char == " " or not char.isspace() for char in clean)
    assert normalise_text(clean) == clean


# The same normalisation on each field, before its own rule.
PASTED_ANSWERS = [
    ("first-name-zero-width-space", "first_name", "Jo\u200bhn", "John"),
    ("first-name-decomposed", "first_name", "Sia\u0302n", "Si\u00e2n"),
    ("last-name-word-joiner", "last_name", "Sing\u2060er", "Singer"),
    ("title-soft-hyphen", "title", "Dr\u00ad", "Dr"),
    ("address-line-separator", "address", "12 Friar Gate,\u2028Derby", "12 Friar Gate, Derby"),
    ("message-byte-order-mark", "message", "\ufeffCall me after 6pm", "Call me after 6pm"),
    ("postcode-no-break-space", "postcode", "de1\u00a01jx", "DE1 1JX"),
    ("postcode-zero-width-space", "postcode", "DE1\u200b 1JX", "DE1 1JX"),
    ("postcode-ideographic-space", "postcode", "\u3000DE1 1JX", "DE1 1JX"),
    ("phone-thin-spaces", "phone", "07911\u2009123\u2009456", "07911123456"),
    (
        "phone-narrow-no-break-spaces",
        "phone",
        "+33\u202f6\u202f12\u202f34\u202f56\u202f78",
        "+33612345678",
    ),
    ("phone-byte-order-mark", "phone", "\ufeff07911 123456", "07911123456"),
    ("email-zero-width-space", "email", "\u200balex@example.com", "alex@example.com"),
    ("email-no-break-space-around", "email", "\u00a0alex@example.com\u00a0", "alex@example.com"),
    ("email-soft-hyphen", "email", "al\u00adex@example.com", "alex@example.com"),
    # full-width forms, as an East Asian keyboard types them
    ("first-name-full-width", "first_name", "\uff2a\uff4f\uff48\uff4e", "John"),
    ("email-full-width-letters", "email", "\uff41\uff4c\uff45\uff58@example.com",
     "alex@example.com"),
    ("postcode-full-width", "postcode", "\uff24\uff25\uff11\u3000\uff11\uff2a\uff38", "DE1 1JX"),
    ("address-full-width-digits", "address", "\uff11\uff12 Friar Gate, Derby",
     "12 Friar Gate, Derby"),
]


@pytest.mark.parametrize(
    ("field", "typed", "clean"), [p[1:] for p in PASTED_ANSWERS], ids=[p[0] for p in PASTED_ANSWERS]
)
def test_every_text_answer_is_normalised_before_its_rule(
    field: str, typed: str, clean: str
) -> None:
    outcome = check(**{field: typed})

    assert outcome.ok, outcome.errors
    assert getattr(outcome.answers, field) == clean


def test_zero_width_space_before_an_email_is_accepted_as_the_address_it_looks_like() -> None:
    outcome = check(email="\u200balex@example.com")

    assert outcome.errors == {}
    assert outcome.answers is not None
    assert outcome.answers.email == "alex@example.com"
    assert outcome.values["email"] == "alex@example.com"


def test_decomposed_name_is_sent_composed() -> None:
    outcome = check(first_name="Sia\u0302n")

    assert outcome.answers is not None
    assert outcome.answers.first_name == "Si\u00e2n"
    assert len(outcome.answers.first_name) == 4


# 26 letters, each with an accent; typed with combining accents that is 52 code points.
ACCENTED = "Áàâäãåçéèêëíìîïñóòôöõúùûüÿ"


def test_name_typed_with_combining_accents_counts_its_letters_not_its_code_points() -> None:
    typed = unicodedata.normalize("NFD", ACCENTED)
    assert (len(ACCENTED), len(typed)) == (26, 52)

    outcome = check(first_name=typed, last_name=typed + typed[:-1])  # 51 letters: too long

    assert outcome.errors == {"last_name": "Last name must be 50 characters or fewer"}
    assert outcome.values["first_name"] == ACCENTED


def test_name_of_fifty_letters_and_invisible_characters_is_within_its_limit() -> None:
    typed = "\u200b".join("x" * 50)  # 99 code points, 50 visible letters

    outcome = check(first_name=typed)

    assert outcome.ok, outcome.errors
    assert outcome.answers is not None
    assert outcome.answers.first_name == "x" * 50


def test_name_of_only_pasted_invisible_characters_and_spaces_counts_as_missing() -> None:
    outcome = check(first_name="\u200b\u00a0\ufeff\u3000")

    assert outcome.errors == {"first_name": "Enter your first name"}
    assert outcome.values["first_name"] == ""


def test_appointment_time_with_a_pasted_invisible_character_is_accepted() -> None:
    outcome = check(appointment_availability=["\u200b2026-03-21/morning\u00a0"])

    assert outcome.answers is not None
    assert [slot.value for slot in outcome.answers.slots] == ["2026-03-21/morning"]


def test_question_answer_matches_its_option_whatever_spaces_either_was_written_with(
    make_widget,
) -> None:
    question = Question(
        id="timeframe",
        text="When are you thinking of moving?",
        options=["Within 3\u00a0months", "Apre\u0300s 6 months"],  # as an agency might paste
    )
    widget = make_widget(questions=(question,))

    within = check(widget, **{"questionnaire[timeframe]": "Within\u20093 months"})
    after = check(widget, **{"questionnaire[timeframe]": "Apr\u00e8s 6 months"})

    assert within.answers is not None and after.answers is not None
    assert within.answers.questionnaire["timeframe"][1] == "Within 3 months"
    assert after.answers.questionnaire["timeframe"][1] == "Apr\u00e8s 6 months"


def test_values_shown_back_on_an_error_are_the_normalised_answers() -> None:
    outcome = check(first_name="Jo\u200bhn", postcode="DE1\u00a01J", phone="123")

    assert set(outcome.errors) == {"postcode", "phone"}
    assert outcome.values["first_name"] == "John"
    assert outcome.values["postcode"] == "DE1 1J"


# --- emails an agency cannot answer ------------------------------------------------------


def test_curly_apostrophe_in_an_email_is_named_with_the_straight_one_to_use() -> None:
    outcome = check(email="tim.o\u2019connor@example.com")

    assert outcome.errors == {
        "email": "Your email address has a curly apostrophe (\u2019). "
        "Use a straight apostrophe (') instead"
    }
    assert outcome.values["email"] == "tim.o\u2019connor@example.com"


def test_long_dash_in_an_email_is_named_with_the_plain_hyphen_to_use() -> None:
    outcome = check(email="foo\u2014bar@example.com")

    assert outcome.errors == {
        "email": "Your email address has a long dash (\u2014). Use a plain hyphen (-) instead"
    }


def has_apostrophe(kind: str, char: str) -> str:
    return f"Your email address has {kind} ({char}). Use a straight apostrophe (') instead"


def has_dash(kind: str, char: str) -> str:
    return f"Your email address has {kind} ({char}). Use a plain hyphen (-) instead"


def before_the_at(char: str) -> str:
    return (
        "The part of your email address before the @ must only include letters a to z, "
        f"numbers and symbols like . _ - + (not {char})"
    )


UNANSWERABLE_EMAILS = [
    ("tim.o\u2018connor@example.com", has_apostrophe("a curly apostrophe", "\u2018")),
    ("tim.o\u201bconnor@example.com", has_apostrophe("a curly apostrophe", "\u201b")),
    ("tim.o\u02bcconnor@example.com", has_apostrophe("a curly apostrophe", "\u02bc")),
    ("tim.o\u2032connor@example.com", has_apostrophe("a slanted apostrophe", "\u2032")),
    ("tim.o\u00b4connor@example.com", has_apostrophe("a slanted apostrophe", "\u00b4")),
    ("tim.o\uff07connor@example.com", has_apostrophe("a wide apostrophe", "\uff07")),
    ("foo\u2013bar@example.com", has_dash("a long dash", "\u2013")),
    ("foo\u2015bar@example.com", has_dash("a long dash", "\u2015")),
    ("foo\u2010bar@example.com", has_dash("a special hyphen", "\u2010")),
    ("foo\u2011bar@example.com", has_dash("a non-breaking hyphen", "\u2011")),
    ("foo\u2212bar@example.com", has_dash("a minus sign", "\u2212")),
    ("foo\ufe63bar@example.com", has_dash("a small hyphen", "\ufe63")),
    ("foo\uff0dbar@example.com", has_dash("a wide hyphen", "\uff0d")),
    ("foo@my\u2013agency.co.uk", has_dash("a long dash", "\u2013")),  # after the @ too
    ("jos\u00e9@example.com", before_the_at("\u00e9")),
    ("jose\u0301@example.com", before_the_at("\u00e9")),  # typed decomposed: one letter
    ("\u0430lex@example.com", before_the_at("\u0430")),  # Cyrillic a, looks like a Latin one
    ("m\u00fcller@b\u00fccher.de", before_the_at("\u00fc")),
    ("\u674e\u96f7@example.cn", before_the_at("\u674e")),
]


@pytest.mark.parametrize(
    ("typed", "message"), UNANSWERABLE_EMAILS, ids=[t for t, _ in UNANSWERABLE_EMAILS]
)
def test_email_an_agency_cannot_answer_is_refused_naming_the_character(
    typed: str, message: str
) -> None:
    outcome = check(email=typed)

    assert outcome.errors == {"email": message}
    assert outcome.values["email"] == normalise_text(typed)
    assert normalise_email(typed) is None


def test_typographic_apostrophe_after_the_at_is_a_format_error_not_an_apostrophe_hint() -> None:
    """A domain cannot hold a straight apostrophe either, so suggesting one would mislead."""
    outcome = check(email="tim@o\u2019connor.com")

    assert outcome.errors == {"email": EMAIL_FORMAT_MESSAGE}


INTERNATIONAL_DOMAINS = [
    # typed, shown back to the homeowner, sent to the Lead API
    ("marla@b\u00fccher.de", "marla@b\u00fccher.de", "marla@xn--bcher-kva.de"),
    ("Marla@B\u00dcCHER.de", "Marla@b\u00fccher.de", "Marla@xn--bcher-kva.de"),
    ("marla@bu\u0308cher.de", "marla@b\u00fccher.de", "marla@xn--bcher-kva.de"),
    ("marla@stra\u00dfe.de", "marla@stra\u00dfe.de", "marla@xn--strae-oqa.de"),
    # Chrome's email input submits the domain in xn-- form: shown as the homeowner typed it
    ("marla@xn--bcher-kva.de", "marla@b\u00fccher.de", "marla@xn--bcher-kva.de"),
    ("marla@example.com", "marla@example.com", "marla@example.com"),
]


@pytest.mark.parametrize(
    ("typed", "shown", "sent"), INTERNATIONAL_DOMAINS, ids=[t for t, _, _ in INTERNATIONAL_DOMAINS]
)
def test_internationalised_domain_is_sent_in_ascii_and_shown_as_typed(
    typed: str, shown: str, sent: str
) -> None:
    outcome = check(email=typed)

    assert outcome.answers is not None, outcome.errors
    assert outcome.answers.email == sent
    assert outcome.values["email"] == shown
    assert normalise_email(typed) == sent
    assert read_email(normalise_text(typed)) == Email(shown=shown, sent=sent)


def test_every_sent_email_is_accepted_unchanged_by_the_lead_api_model() -> None:
    for typed, _, sent in INTERNATIONAL_DOMAINS:
        outcome = check(email=typed)
        assert outcome.answers is not None
        body = LeadRequest(
            type="vendor",
            first_name="M",
            last_name="S",
            email=outcome.answers.email,
            phone="07986000000",
            postcode="DE1 1JX",
        ).body()
        assert body["email"] == sent
