"""The Lead API's request rules, as written in the Lead API contract.

Each rule is a small function that returns an error message or ``None``. ``validate_lead`` runs
every rule over a body and collects *all* failures, one list per field, the way the real service
(a Laravel app: note the message wording) reports them.

Where the contract is silent the sandbox is the stricter of the plausible readings (JSON types are
exact, ``null`` is not a value, lengths are counted on the raw string) so that a client which
passes here also passes against the real service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from email_validator import EmailNotValidError, validate_email

from app.leadapi.contract import (
    DEFAULT_SOURCE,
    FIELDS,
    SOURCES,
    FieldRule,
    is_utc_instant,
    json_size,
)
from app.leadapi.contract import LEAD_TYPES as VALUATION_TYPES

TYPES_NEEDING_POSTCODE = frozenset(VALUATION_TYPES)

INVALID_MESSAGE = "The given data was invalid."

Errors = dict[str, list[str]]
Rule = Callable[[str, Any], "str | None"]


def label(field: str) -> str:
    """Laravel names a field in messages by its key with underscores as spaces."""
    return field.replace("_", " ")


# --- type checks: JSON types are exact ("4" is not a number, "true" is not a boolean) ---

def is_number(value: Any) -> bool:
    # bool is a subclass of int in Python, but `true` is not a number in JSON.
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- rule builders ---

def string_rule(min_len: int = 0, max_len: int | None = None) -> Rule:
    def check(field: str, value: Any) -> str | None:
        if not isinstance(value, str):
            return f"The {label(field)} must be a string."
        if len(value) < min_len:
            return f"The {label(field)} must be at least {min_len} characters."
        if max_len is not None and len(value) > max_len:
            return f"The {label(field)} must not be greater than {max_len} characters."
        return None

    return check


def one_of_rule(choices: Iterable[str]) -> Rule:
    allowed = tuple(choices)

    def check(field: str, value: Any) -> str | None:
        if not isinstance(value, str) or value not in allowed:
            return f"The selected {label(field)} is invalid."
        return None

    return check


def boolean_rule(field: str, value: Any) -> str | None:
    if not isinstance(value, bool):
        return f"The {label(field)} field must be true or false."
    return None


def email_rule(field: str, value: Any) -> str | None:
    if not isinstance(value, str):
        return f"The {label(field)} must be a string."
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return f"The {label(field)} must be a valid email address."
    return None


def bedrooms_rule(field: str, value: Any) -> str | None:
    if not is_number(value):
        return f"The {label(field)} must be a number."
    if value < 0:
        return f"The {label(field)} must be at least 0."
    return None


def object_size_rule(max_bytes: int, shape: Callable[[dict[str, Any]], str | None]) -> Rule:
    """A JSON object no bigger than ``max_bytes`` whose contents pass ``shape``."""

    def check(field: str, value: Any) -> str | None:
        if not isinstance(value, dict):
            return f"The {label(field)} must be an object."
        if json_size(value) > max_bytes:
            return f"The {label(field)} must not be greater than {max_bytes} bytes of JSON."
        problem = shape(value)
        return f"The {label(field)} {problem}." if problem else None

    return check


def availability_shape(value: dict[str, Any]) -> str | None:
    if set(value) != {"hours"} or not isinstance(value["hours"], list):
        return 'must have exactly one key, "hours", holding a list'
    if not all(is_utc_instant(hour) for hour in value["hours"]):
        return "hours must be ISO-8601 UTC instants such as 2021-01-01T08:00:00.000Z"
    return None


def meta_shape(value: dict[str, Any]) -> str | None:
    if not all(isinstance(item, str) for item in value.values()):
        return "values must all be strings"
    return None


def questionnaire_shape(value: dict[str, Any]) -> str | None:
    def is_pair(answer: Any) -> bool:
        return (
            isinstance(answer, list)
            and len(answer) == 2
            and all(isinstance(part, str) for part in answer)
        )

    if not all(is_pair(answer) for answer in value.values()):
        return "values must each be a list of exactly 2 strings"
    return None


# --- the field table, derived from the contract's ---

# What each object field must hold, beyond its JSON size.
OBJECT_SHAPES: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "appointment_availability": availability_shape,
    "meta": meta_shape,
    "questionnaire": questionnaire_shape,
}
# Checked by `validate_lead` itself: they depend on the endpoint, the lead type or the account;
# and an unknown `source` falls back to the default instead of failing (`effective_source`).
SPECIAL_FIELDS = frozenset({"type", "postcode", "office_id", "source"})
POSTCODE_FIELD = FIELDS["postcode"]


def rule_for(field: FieldRule) -> Rule:
    """The sandbox's check for one contract field, with the real service's message wording."""
    if field.kind == "text":
        return string_rule(field.min_length, field.max_length)
    if field.kind == "email":
        return email_rule
    if field.kind == "choice":
        return one_of_rule(field.choices)
    if field.kind == "boolean":
        return boolean_rule
    if field.kind == "integer":
        return bedrooms_rule  # the one plain number: a count, at least 0
    assert field.max_bytes is not None, f"{field.name}: an object field needs a byte limit"
    return object_size_rule(field.max_bytes, OBJECT_SHAPES[field.name])


POSTCODE = rule_for(POSTCODE_FIELD)
# Optional fields are checked only when present; the postcode is also required for vendor and
# landlord leads.
OPTIONAL_RULES: dict[str, Rule] = {
    name: rule_for(field)
    for name, field in FIELDS.items()
    if not field.required and name not in SPECIAL_FIELDS
} | {"postcode": POSTCODE}
REQUIRED_RULES: dict[str, Rule] = {
    name: rule_for(field)
    for name, field in FIELDS.items()
    if field.required and name not in SPECIAL_FIELDS
}


def is_missing(value: Any) -> bool:
    # Laravel trims strings and turns "" into null before `required` runs.
    return value is None or (isinstance(value, str) and not value.strip())


def office_rule(office_ids: Iterable[str | int]) -> Rule:
    # /offices lists ids both as "1213" and as 1214, so compare them as strings.
    known = {str(office_id) for office_id in office_ids}

    def check(field: str, value: Any) -> str | None:
        if not is_integer(value):
            return f"The {label(field)} must be an integer."
        if str(value) not in known:
            return f"The selected {label(field)} is invalid."
        return None

    return check


def validate_lead(
    body: Mapping[str, Any], allowed_types: Iterable[str], office_ids: Iterable[str | int]
) -> Errors:
    """Every failure in ``body``, one list of messages per field; empty when the body is valid."""
    errors: Errors = {}

    def add(field: str, message: str | None) -> None:
        if message:
            errors.setdefault(field, []).append(message)

    required = {**REQUIRED_RULES, "type": one_of_rule(allowed_types)}
    if body.get("type") in TYPES_NEEDING_POSTCODE:
        required["postcode"] = POSTCODE
    optional = {**OPTIONAL_RULES, "office_id": office_rule(office_ids)}

    for field, rule in required.items():
        value = body.get(field)
        if is_missing(value):
            add(field, f"The {label(field)} field is required.")
        else:
            add(field, rule(field, value))
    for field, rule in optional.items():
        if field in body and field not in required:
            add(field, rule(field, body[field]))
    return errors


def effective_source(body: Mapping[str, Any]) -> str:
    """The source the lead is filed under: an unknown source falls back to ``ivt``, never fails."""
    source = body.get("source")
    return source if isinstance(source, str) and source in SOURCES else DEFAULT_SOURCE
