"""One submission's answers checked against a widget's form: clean answers, or one message per
field in the form's order (`validate_answers`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from app.availability import MAX_SLOTS, Slot, is_offered, parse_slot
from app.validation.email import (
    EMAIL_LOCAL_MAX,
    EMAIL_MAX,
    email_character_problem,
    read_email,
)
from app.validation.fields import (
    BEDROOM_CHOICES,
    CONSENT_TRUE,
    FIELD_ORDER,
    LEAD_TYPE_LABELS,
    PROPERTY_TYPE_LABELS,
    max_length,
    question_field,
)
from app.validation.phone import PHONE_EXAMPLE, normalise_phone
from app.validation.postcode import normalise_postcode
from app.validation.text import normalise_text
from app.widgets import Widget

RawAnswers = Mapping[str, str | list[str]]


@dataclass
class Answers:
    """Clean answers, normalised and ready to become a Lead API request."""

    type: str
    first_name: str
    last_name: str
    email: str  # as sent: an internationalised domain in its ASCII (xn--) form
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
    # The chosen address's ids from the provider ({"uprn": "100030…", "udprn": "2345…"}), for
    # the lead's `meta`; empty for an address typed by hand.
    address_ids: dict[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    """The result of validation: `answers` when every rule passed, else `errors` per field."""

    answers: Answers | None
    errors: dict[str, str]
    values: dict[str, str | list[str]]  # what to show back in the form, normalised where valid

    @property
    def ok(self) -> bool:
        return self.answers is not None


@dataclass
class StepOutcome:
    """The result of checking some of the answers (one step of the journey): `errors` per
    field, `values` to show back (normalised where valid), and for the manual address step the
    lead's one-line `address` made from its lines."""

    errors: dict[str, str]
    values: dict[str, str | list[str]]
    address: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def _text(raw: RawAnswers, name: str) -> str:
    value = raw.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return normalise_text(str(value))


def _list(raw: RawAnswers, name: str) -> list[str]:
    value = raw.get(name, [])
    items = [value] if isinstance(value, str) else value
    return [text for item in items if (text := normalise_text(str(item)))]


UNREADABLE = "\ufffd"  # the replacement character: what undecodable bytes become


class _Checker:
    """Collects clean values and the first error of each field."""

    def __init__(self, raw: RawAnswers):
        self.raw = raw
        self.errors: dict[str, str] = {}
        self.values: dict[str, str | list[str]] = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def read(self, name: str, missing: str | None) -> str | None:
        """The normalised answer, kept to show back; None (with `missing`, if given, as the
        field's error) when nothing was given."""
        value = _text(self.raw, name)
        self.values[name] = value
        if not value:
            if missing:
                self.fail(name, missing)
            return None
        return value

    def text(
        self, name: str, *, label: str, missing: str | None, limit: int | None = None
    ) -> str | None:
        """Free text within the contract's length limit for `name` (or `limit`, for an answer
        that is only part of a contract field), with nothing unreadable."""
        value = self.read(name, missing)
        limit = limit or max_length(name)
        if value is not None and UNREADABLE in value:
            # Bytes that were not UTF-8 arrive as U+FFFD: sending them would change the answer.
            self.fail(name, f"{label} has a character that could not be read. Type it again")
            return None
        if value is not None and len(value) > limit:
            self.fail(name, f"{label} must be {limit} characters or fewer")
            return None
        return value

    def normalised(
        self,
        name: str,
        *,
        missing: str,
        invalid: str,
        normalise: Callable[[str], str | None],
        show_normalised: bool,
    ) -> str | None:
        """The answer in the form `normalise` gives (None from it means not valid: `invalid`);
        shown back normalised when `show_normalised`, else as typed."""
        value = self.read(name, missing)
        if value is None:
            return None
        clean = normalise(value)
        if clean is None:
            self.fail(name, invalid)
            return None
        if show_normalised:
            self.values[name] = clean
        return clean

    def choice(self, name: str, allowed: Mapping[str, str], missing: str) -> str | None:
        value = _text(self.raw, name)
        self.values[name] = value
        if value not in allowed:
            self.fail(name, missing)
            return None
        return value


def validate_answers(raw: RawAnswers, widget: Widget, now: datetime | None = None) -> Outcome:
    """Check every answer of one submission (form or JSON API) against `widget`'s form.

    `raw` maps field names (the Lead API's; `questionnaire[ID]` for the agency's questions) to
    strings, or lists of strings for `appointment_availability`. `now` fixes the offered
    appointment window (tests). Never raises on any input: bad answers become `Outcome.errors`.
    """
    check = _Checker(raw)

    lead_type: str | None = widget.lead_type if widget.lead_type != "choose" else None
    if lead_type is None:
        lead_type = check.choice(
            "type", LEAD_TYPE_LABELS, "Select whether you want to sell or let your property"
        )
    address = check.text("address", label="Address", missing="Enter the address of the property")
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
    title = check.text("title", label="Title", missing=None)
    first_name = check.text("first_name", label="First name", missing="Enter your first name")
    last_name = check.text("last_name", label="Last name", missing="Enter your last name")
    email = _check_email(check)
    phone = check.normalised(
        "phone",
        missing="Enter your phone number",
        invalid=f"Enter a phone number, {PHONE_EXAMPLE}",
        normalise=normalise_phone,
        show_normalised=False,
    )
    message = check.text("message", label="Your message", missing=None)
    questionnaire = _check_questions(check, widget)
    consent = _text(raw, "gdpr_checkbox").lower() in CONSENT_TRUE
    check.values["gdpr_checkbox"] = "yes" if consent else ""
    if widget.consent_required and not consent:
        check.fail(
            "gdpr_checkbox",
            f"Confirm that {widget.agency_name} may contact you about your valuation",
        )

    address_ids = _address_ids(raw)

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
        address_ids=address_ids,
    )
    return Outcome(answers, {}, check.values)


def validate_fields(
    raw: RawAnswers, widget: Widget, names: tuple[str, ...], now: datetime | None = None
) -> StepOutcome:
    """Check only the answers `names` of `raw` (one step of the journey), by the same rules and
    with the same messages as `validate_answers`; the other answers are neither read nor
    required. Never raises."""
    full = validate_answers(raw, widget, now)
    return StepOutcome(
        {name: message for name, message in full.errors.items() if name in names},
        {name: full.values[name] for name in names if name in full.values},
    )


# GOV.UK's address pattern: https://design-system.service.gov.uk/patterns/addresses/
MANUAL_ADDRESS_MESSAGES = {
    "address_line_1": "Enter address line 1, typically the building and street",
    "town": "Enter town or city",
}


def validate_manual_address(raw: RawAnswers) -> StepOutcome:
    """An address typed by hand: `address_line_1` and `town` required, `address_line_2`
    optional, and the postcode. `StepOutcome.address` is the Lead API's one line,
    "line 1, line 2, town" as typed (normalised as every answer is), which must fit the
    contract's 100 characters: the message says how many characters to remove. Never raises.
    """
    check = _Checker(raw)
    limit = max_length("address")  # each line is part of the contract's `address`
    line_1 = check.text(
        "address_line_1",
        label="Address line 1",
        missing=MANUAL_ADDRESS_MESSAGES["address_line_1"],
        limit=limit,
    )
    line_2 = check.text("address_line_2", label="Address line 2", missing=None, limit=limit)
    town = check.text(
        "town", label="Town or city", missing=MANUAL_ADDRESS_MESSAGES["town"], limit=limit
    )
    postcode = _check_postcode(check)
    address = ", ".join(part for part in (line_1, line_2, town) if part)
    if line_1 and town and len(address) > limit:
        check.fail(
            "address_line_1",
            f"The address must be {limit} characters or fewer in all: shorten it by "
            f"{len(address) - limit} characters",
        )
    ok = not check.errors and postcode is not None
    return StepOutcome(dict(check.errors), check.values, address if ok else None)


def _address_ids(raw: RawAnswers) -> dict[str, str]:
    """The provider's ids of the chosen address (carried signed between steps): digits only,
    as UPRNs (up to 12) and UDPRNs (up to 8) are; anything else is left out, never sent."""
    ids: dict[str, str] = {}
    for name in ("uprn", "udprn"):
        value = _text(raw, name)
        if value.isascii() and value.isdigit() and len(value) <= 12:
            ids[name] = value
    return ids


def _ordered(errors: Mapping[str, str], widget: Widget) -> list[str]:
    question_names = [question_field(q.id) for q in widget.questions]
    order = [*FIELD_ORDER[:-2], *question_names, FIELD_ORDER[-1]]
    return [name for name in order if name in errors]


def _check_postcode(check: _Checker) -> str | None:
    """The postcode normalised (`de1 1jx` → `DE1 1JX`), shown back normalised."""
    return check.normalised(
        "postcode",
        missing="Enter the postcode of the property",
        invalid="Enter a full UK postcode, like DE1 1JX",
        normalise=normalise_postcode,
        show_normalised=True,
    )


def _check_email(check: _Checker) -> str | None:
    """The address to send (ASCII form); the homeowner's own form of it goes back to the form."""
    value = check.read("email", "Enter your email address")
    if value is None:
        return None
    if len(value) > EMAIL_MAX:
        check.fail("email", f"Email address must be {EMAIL_MAX} characters or fewer")
        return None
    if len(value.rpartition("@")[0]) > EMAIL_LOCAL_MAX:
        check.fail(
            "email",
            f"The part of your email address before the @ must be {EMAIL_LOCAL_MAX} "
            "characters or fewer",
        )
        return None
    problem = email_character_problem(value)
    if problem:
        check.fail("email", problem)
        return None
    email = read_email(value)
    if email is None:
        check.fail("email", "Enter an email address in the correct format, like name@example.com")
        return None
    check.values["email"] = email.shown
    return email.sent


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
        if value not in [normalise_text(option) for option in question.options]:
            check.fail(name, f"Select one of the answers to: {question.text}")
            continue
        answers[question.id] = [question.text, value]  # as the homeowner saw it
    return answers
