"""The homeowner's answers: every rule and every message, shared by the HTML form and the JSON API.

`validate_answers` takes what was submitted (form fields or JSON, as strings and lists of
strings) and returns either clean, normalised answers or one specific message per field, in the
order the fields appear on the form. The messages follow the GOV.UK Design System's style: say
what to do ("Enter your postcode, like DE1 1JX"), never just "invalid".

Every text answer is first made into the text the homeowner sees (`normalise_text`): pasted
invisible characters and odd spaces never reach a rule, a length limit, the store or the Lead API.

Where each rule lives: `text` (pasted text), `postcode`, `phone`, `email`, `fields` (the form's
fields, their order, choices and the contract's limits) and `answers` (one submission checked).
"""

from __future__ import annotations

from app.validation.answers import (
    MANUAL_ADDRESS_MESSAGES,
    Answers,
    Outcome,
    RawAnswers,
    StepOutcome,
    validate_answers,
    validate_fields,
    validate_manual_address,
)
from app.validation.email import (
    EMAIL_MAX,
    Email,
    email_character_problem,
    normalise_email,
    read_email,
)
from app.validation.fields import (
    BEDROOM_CHOICES,
    CONSENT_TRUE,
    FIELD_ORDER,
    LEAD_TYPE_LABELS,
    MAX_BEDROOMS,
    PROPERTY_TYPE_LABELS,
    question_field,
)
from app.validation.phone import PHONE_EXAMPLE, normalise_phone
from app.validation.postcode import POSTCODE, normalise_postcode
from app.validation.text import normalise_text

__all__ = [
    "BEDROOM_CHOICES",
    "CONSENT_TRUE",
    "EMAIL_MAX",
    "FIELD_ORDER",
    "LEAD_TYPE_LABELS",
    "MANUAL_ADDRESS_MESSAGES",
    "MAX_BEDROOMS",
    "PHONE_EXAMPLE",
    "POSTCODE",
    "PROPERTY_TYPE_LABELS",
    "Answers",
    "Email",
    "Outcome",
    "RawAnswers",
    "StepOutcome",
    "email_character_problem",
    "normalise_email",
    "normalise_phone",
    "normalise_postcode",
    "normalise_text",
    "question_field",
    "read_email",
    "validate_answers",
    "validate_fields",
    "validate_manual_address",
]
