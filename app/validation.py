"""The homeowner's answers: every rule and every message, shared by the HTML form and the JSON API.

`validate_answers` takes what was submitted (form fields or JSON, as strings and lists of
strings) and returns either clean, normalised answers or one specific message per field, in the
order the fields appear on the form. The messages follow the GOV.UK Design System's style: say
what to do ("Enter your postcode, like DE1 1JX"), never just "invalid".

Every text answer is first made into the text the homeowner sees (`normalise_text`): pasted
invisible characters and odd spaces never reach a rule, a length limit, the store or the Lead API.
"""

from __future__ import annotations

import re
import unicodedata
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


@dataclass
class Outcome:
    """The result of validation: `answers` when every rule passed, else `errors` per field."""

    answers: Answers | None
    errors: dict[str, str]
    values: dict[str, str | list[str]]  # what to show back in the form, normalised where valid

    @property
    def ok(self) -> bool:
        return self.answers is not None


# --- pasted text --------------------------------------------------------------------------
# People paste from emails, PDFs and word processors, which bring characters nobody can see.
# They would be checked, counted, stored and sent as they are, so every text answer is first
# made into the text the homeowner sees (`normalise_text`).

# Format characters (Unicode category Cf) that mean something inside a value: joiners shape
# emoji and some scripts (Persian, Indic, Mongolian), so they only go at either end.
_JOINERS = "\u200c\u200d\u180e"
# Prepended concatenation marks are format characters too, but visible (Arabic number signs).
_VISIBLE_FORMAT = frozenset(
    "\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd"
)
# Tag characters are invisible, except in the flags of England, Scotland and Wales.
_TAG_FLAG = re.compile("(\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f)")
# Every kind of space and line break (categories Zs, Zl, Zp) becomes a plain space; so do the
# control characters that separate words (tab, newline...), while other controls (NUL, ESC) go.
_SPACE_CATEGORIES = frozenset(("Zs", "Zl", "Zp"))
# Plain ASCII only needs its control characters handled (the common, fast path).
_ASCII_CONTROLS = {code: " " if chr(code).isspace() else None for code in [*range(0x20), 0x7F]}


def normalise_text(value: str) -> str:
    r"""The text a homeowner sees, as one line: what every answer is checked, counted and sent as.

    - invisible format characters (Unicode Cf: zero-width space U+200B, word joiner U+2060,
      byte order mark U+FEFF, soft hyphen U+00AD, bidi controls, tags...) are removed, and
      lone surrogates, which are not text; zero-width (non-)joiners only at either end;
    - every kind of space (no-break U+00A0, thin U+2009, narrow no-break U+202F, ideographic
      U+3000...), line and paragraph separators, tabs and newlines become a space; other
      control characters (NUL, ESC...) are removed;
    - the result is composed (Unicode NFC: `a` + U+0302 becomes `â`, one character), trimmed,
      and runs of spaces collapse to one.

    So `"Jo\u200bhn"` → `"John"`, `"Sia\u0302n"` → `"Siân"`, `"DE1\u00a01JX"` → `"DE1 1JX"`.
    Source: Unicode Standard Annex #15 (normalisation) and the UCD's general categories.
    """
    if value.isascii():
        cleaned = value.translate(_ASCII_CONTROLS)
    else:
        parts = _TAG_FLAG.split(value)  # odd items are flags, kept whole
        cleaned = "".join(
            part if index % 2 else _without_invisible(part) for index, part in enumerate(parts)
        )
        cleaned = unicodedata.normalize("NFC", cleaned)
    return " ".join(cleaned.split()).strip(" " + _JOINERS)


def _without_invisible(text: str) -> str:
    """Spaces as plain spaces; other controls, invisible format characters and surrogates gone."""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category in _SPACE_CATEGORIES or (category == "Cc" and char.isspace()):
            kept.append(" ")
        elif category in ("Cc", "Cs") or (
            category == "Cf" and char not in _JOINERS and char not in _VISIBLE_FORMAT
        ):
            continue
        else:
            kept.append(char)
    return "".join(kept)


def _text(raw: RawAnswers, name: str) -> str:
    value = raw.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return normalise_text(str(value))


def _list(raw: RawAnswers, name: str) -> list[str]:
    value = raw.get(name, [])
    items = [value] if isinstance(value, str) else value
    return [text for item in items if (text := normalise_text(str(item)))]


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


# Characters that look like an apostrophe or a hyphen, put in by autocorrect and word
# processors. An address cannot hold them before the @ at most mail providers, nor a domain
# these dashes, so the message names the one typed and the plain character to use.
_APOSTROPHE_LOOKALIKES = {
    "\u2019": "a curly apostrophe",
    "\u2018": "a curly apostrophe",
    "\u201b": "a curly apostrophe",
    "\u02bc": "a curly apostrophe",
    "\u2032": "a slanted apostrophe",
    "\u00b4": "a slanted apostrophe",
    "\u02b9": "a slanted apostrophe",
    "\uff07": "a wide apostrophe",
}
_DASH_LOOKALIKES = {
    "\u2014": "a long dash",
    "\u2013": "a long dash",
    "\u2012": "a long dash",
    "\u2015": "a long dash",
    "\u2010": "a special hyphen",
    "\u2011": "a non-breaking hyphen",
    "\u2212": "a minus sign",
    "\ufe63": "a small hyphen",
    "\uff0d": "a wide hyphen",
}
STRAIGHT_APOSTROPHE = "a straight apostrophe (')"
PLAIN_HYPHEN = "a plain hyphen (-)"


@dataclass(frozen=True)
class Email:
    """A valid email address in its two forms (`Marla@Bücher.de`).

    `shown`: as the homeowner typed it, domain lower-cased (`Marla@bücher.de`): their pages.
    `sent`: the same address with an internationalised domain in its ASCII (IDNA, xn--) form
    (`Marla@xn--bcher-kva.de`): what the Lead API receives, since every validator accepts it.
    """

    shown: str
    sent: str


def read_email(value: str) -> Email | None:
    """A valid, ASCII-before-the-@ email address in its two forms; None if it is not one.

    `value` is already normalised (`normalise_text`). Rules: RFC 5321/5322 as email-validator
    applies them, without SMTPUTF8 (non-ASCII before the @), which most providers refuse.
    """
    try:
        found = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None
    if found.ascii_email is None:  # only without SMTPUTF8, refused above: kept for the type
        return None
    return Email(shown=found.normalized, sent=found.ascii_email)


def normalise_email(value: str) -> str | None:
    """The form of an email address sent upstream and stored (`Marla@xn--bcher-kva.de`), or None."""
    email = read_email(normalise_text(value))
    return email.sent if email else None


def email_character_problem(value: str) -> str | None:
    """The message for a character mail providers refuse in an address, or None if there is none.

    A typographic apostrophe (’) before the @ or dash (—) anywhere is named with the plain one
    to use instead; any other non-ASCII character before the @ (`é`) is named too.
    """
    local, at, domain = value.partition("@")
    if not at:
        return None  # not an address at all: the format message says so
    for char in local:
        if char in _APOSTROPHE_LOOKALIKES:
            return _lookalike_message(_APOSTROPHE_LOOKALIKES[char], char, STRAIGHT_APOSTROPHE)
        if char in _DASH_LOOKALIKES:
            return _lookalike_message(_DASH_LOOKALIKES[char], char, PLAIN_HYPHEN)
    for char in domain:
        if char in _DASH_LOOKALIKES:
            return _lookalike_message(_DASH_LOOKALIKES[char], char, PLAIN_HYPHEN)
    for char in local:
        if not char.isascii():
            return (
                "The part of your email address before the @ must only include letters a to z, "
                f"numbers and symbols like . _ - + (not {char})"
            )
    return None


def _lookalike_message(name: str, char: str, plain: str) -> str:
    return f"Your email address has {name} ({char}). Use {plain} instead"


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
    """The address to send (ASCII form); the homeowner's own form of it goes back to the form."""
    value = _text(check.raw, "email")
    check.values["email"] = value
    if not value:
        check.fail("email", "Enter your email address")
        return None
    if len(value) > 254:
        check.fail("email", "Email address must be 254 characters or fewer")
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
        if value not in [normalise_text(option) for option in question.options]:
            check.fail(name, f"Select one of the answers to: {question.text}")
            continue
        answers[question.id] = [question.text, value]  # as the homeowner saw it
    return answers


assert tuple(PROPERTY_TYPE_LABELS) == PROPERTY_TYPES, "labels must cover the contract's types"
