"""The homeowner's answers: every rule and every message, shared by the HTML form and the JSON API.

`validate_answers` takes what was submitted (form fields or JSON, as strings and lists of
strings) and returns either clean, normalised answers or one specific message per field, in the
order the fields appear on the form. The messages follow the GOV.UK Design System's style: say
what to do ("Enter your postcode, like DE1 1JX"), never just "invalid".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from app.availability import MAX_SLOTS, Slot, is_offered, parse_slot
from app.leadapi import PROPERTY_TYPES
from app.widgets import Widget

RawAnswers = Mapping[str, str | list[str]]

# Field names are the Lead API's; the order is the form's (the error summary follows it).
FIELD_ORDER = (
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
    "questionnaire",
    "gdpr_checkbox",
)

LEAD_TYPE_LABELS = {"vendor": "Sell", "landlord": "Let"}
PROPERTY_TYPE_LABELS = {
    "detached": "Detached house",
    "semi-detached": "Semi-detached house",
    "terraced": "Terraced house",
    "flat-maisonette": "Flat or maisonette",
}
MAX_BEDROOMS = 10  # "10 or more"
BEDROOM_CHOICES = [("0", "Studio")] + [
    (str(n), f"{n} bedroom" + ("s" if n > 1 else "") + (" or more" if n == MAX_BEDROOMS else ""))
    for n in range(1, MAX_BEDROOMS + 1)
]

POSTCODE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][ABD-HJLNP-UW-Z]{2})$")
PHONE_EXAMPLE = "like 01332 123456, 07911 123456 or +33 6 12 34 56 78"
CONSENT_TRUE = {"yes", "true", "on", "1"}


@dataclass
class Answers:
    """Clean answers, normalised and ready to become a Lead API request."""

    type: str
    first_name: str
    last_name: str
    email: str
    phone: str
    postcode: str
    address: str
    property_type: str
    property_bedrooms: int
    title: str | None = None
    message: str | None = None
    slots: list[Slot] = field(default_factory=list)
    questionnaire: dict[str, list[str]] = field(default_factory=dict)
    gdpr_checkbox: bool = False


@dataclass
class Outcome:
    """The result of validation: `answers` when every rule passed, else `errors` per field."""

    answers: Answers | None
    errors: dict[str, str]
    values: dict[str, str | list[str]]  # what to show back in the form, normalised where valid

    @property
    def ok(self) -> bool:
        return self.answers is not None


# Control characters and bidi overrides: invisible, and able to disguise text in the dashboard.
_INVISIBLE = dict.fromkeys(
    [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)],
    " ",
)


def _text(raw: RawAnswers, name: str) -> str:
    value = raw.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    # Trim, drop invisible characters, collapse inner whitespace.
    return " ".join(str(value).translate(_INVISIBLE).split())


def _list(raw: RawAnswers, name: str) -> list[str]:
    value = raw.get(name, [])
    if isinstance(value, str):
        return [value] if value else []
    return [str(item) for item in value if str(item)]


def normalise_postcode(value: str) -> str | None:
    """`De1 1jx` → `DE1 1JX`; None when it is not the shape of a UK postcode."""
    compact = re.sub(r"\s+", "", value).upper()
    if not POSTCODE.match(compact) or len(compact) < 5:
        return None
    return f"{compact[:-3]} {compact[-3:]}"


def normalise_phone(value: str) -> str | None:
    """A UK number in national form (`07986000000`), any other valid number in E.164."""
    if not re.search(r"\d", value) or len(value) > 40:
        return None
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number) or number.extension:
        return None  # an extension cannot be dialled by the agency's autocaller
    if number.country_code == 44:  # includes the Channel Islands and Isle of Man
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        return national.replace(" ", "")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(value: str) -> str | None:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


class _Checker:
    """Collects clean values and the first error of each field."""

    def __init__(self, raw: RawAnswers):
        self.raw = raw
        self.errors: dict[str, str] = {}
        self.values: dict[str, str | list[str]] = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def text(
        self,
        name: str,
        *,
        label: str,
        missing: str | None,
        max_length: int,
    ) -> str | None:
        value = _text(self.raw, name)
        self.values[name] = value
        if not value:
            if missing:
                self.fail(name, missing)
            return None
        if len(value) > max_length:
            self.fail(name, f"{label} must be {max_length} characters or fewer")
            return None
        return value

    def choice(self, name: str, allowed: Mapping[str, str] | list[str], missing: str) -> str | None:
        value = _text(self.raw, name)
        self.values[name] = value
        if value not in allowed:
            self.fail(name, missing)
            return None
        return value


def validate_answers(raw: RawAnswers, widget: Widget, now: datetime | None = None) -> Outcome:
    check = _Checker(raw)

    lead_type: str | None = widget.lead_type if widget.lead_type != "choose" else None
    if lead_type is None:
        lead_type = check.choice(
            "type", LEAD_TYPE_LABELS, "Select whether you want to sell or let your property"
        )
    address = check.text(
        "address",
        label="Address",
        missing="Enter the address of the property",
        max_length=100,
    )
    postcode = _check_postcode(check)
    property_type = check.choice(
        "property_type", PROPERTY_TYPE_LABELS, "Select the type of property"
    )
    bedrooms = check.choice(
        "property_bedrooms",
        dict(BEDROOM_CHOICES),
        "Select how many bedrooms the property has",
    )
    slots = _check_slots(check, now)
    title = check.text("title", label="Title", missing=None, max_length=50)
    first_name = check.text(
        "first_name", label="First name", missing="Enter your first name", max_length=50
    )
    last_name = check.text(
        "last_name", label="Last name", missing="Enter your last name", max_length=50
    )
    email = _check_email(check)
    phone = _check_phone(check)
    message = check.text("message", label="Your message", missing=None, max_length=255)
    questionnaire = _check_questions(check, widget)
    consent = _text(raw, "gdpr_checkbox").lower() in CONSENT_TRUE
    check.values["gdpr_checkbox"] = "yes" if consent else ""
    if widget.consent_required and not consent:
        check.fail(
            "gdpr_checkbox",
            f"Confirm that {widget.agency_name} may contact you about your valuation",
        )

    errors = {name: check.errors[name] for name in _ordered(check.errors, widget)}
    if errors:
        return Outcome(None, errors, check.values)
    assert lead_type and first_name and last_name and email and phone and postcode
    assert address and property_type and bedrooms is not None
    answers = Answers(
        type=lead_type,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        postcode=postcode,
        address=address,
        property_type=property_type,
        property_bedrooms=int(bedrooms),
        title=title,
        message=message,
        slots=slots,
        questionnaire=questionnaire,
        gdpr_checkbox=consent,
    )
    return Outcome(answers, {}, check.values)


def _ordered(errors: Mapping[str, str], widget: Widget) -> list[str]:
    question_names = [question_field(q.id) for q in widget.questions]
    order = [*FIELD_ORDER[:-2], *question_names, FIELD_ORDER[-1]]
    return [name for name in order if name in errors]


def question_field(question_id: str) -> str:
    """The form name of an agency question's answer."""
    return f"questionnaire[{question_id}]"


def _check_postcode(check: _Checker) -> str | None:
    value = _text(check.raw, "postcode")
    check.values["postcode"] = value
    if not value:
        check.fail("postcode", "Enter the postcode of the property")
        return None
    postcode = normalise_postcode(value)
    if postcode is None:
        check.fail("postcode", "Enter a full UK postcode, like DE1 1JX")
        return None
    check.values["postcode"] = postcode
    return postcode


def _check_email(check: _Checker) -> str | None:
    value = _text(check.raw, "email")
    check.values["email"] = value
    if not value:
        check.fail("email", "Enter your email address")
        return None
    if len(value) > 254:
        check.fail("email", "Email address must be 254 characters or fewer")
        return None
    email = normalise_email(value)
    if email is None:
        check.fail("email", "Enter an email address in the correct format, like name@example.com")
        return None
    check.values["email"] = email
    return email


def _check_phone(check: _Checker) -> str | None:
    value = _text(check.raw, "phone")
    check.values["phone"] = value
    if not value:
        check.fail("phone", "Enter your phone number")
        return None
    phone = normalise_phone(value)
    if phone is None:
        check.fail("phone", f"Enter a phone number, {PHONE_EXAMPLE}")
        return None
    return phone


def _check_slots(check: _Checker, now: datetime | None) -> list[Slot]:
    chosen = _list(check.raw, "appointment_availability")
    check.values["appointment_availability"] = chosen
    slots = [parse_slot(value) for value in dict.fromkeys(chosen)]
    if any(slot is None or not is_offered(slot, now) for slot in slots):
        check.fail(
            "appointment_availability",
            "Choose times from the next 14 days, or leave them all unticked",
        )
        return []
    if len(slots) > MAX_SLOTS:
        check.fail(
            "appointment_availability",
            f"Choose up to {MAX_SLOTS} times when an agent could visit (you chose {len(slots)})",
        )
        return []
    return [slot for slot in slots if slot is not None]


def _check_questions(check: _Checker, widget: Widget) -> dict[str, list[str]]:
    answers: dict[str, list[str]] = {}
    for question in widget.questions:
        name = question_field(question.id)
        value = _text(check.raw, name)
        check.values[name] = value
        if not value:
            if question.required:
                check.fail(name, f"Select an answer to: {question.text}")
            continue
        if value not in [" ".join(option.split()) for option in question.options]:
            check.fail(name, f"Select one of the answers to: {question.text}")
            continue
        answers[question.id] = [question.text, value]  # as the homeowner saw it
    return answers


assert tuple(PROPERTY_TYPE_LABELS) == PROPERTY_TYPES, "labels must cover the contract's types"
