"""The form's fields: names, order, choices and limits, each taken from the Lead API contract.

The contract (`app.leadapi.contract.LeadRequest`) owns every field's name and limit; this module
only adds what the form itself decides: the order of its questions and the words of its choices.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.leadapi import FIELDS, LEAD_TYPES, PROPERTY_TYPES


def contract_fields(*names: str) -> tuple[str, ...]:
    """`names`, each checked to be a field of the Lead API's request.

    Raises ValueError naming any that is not, so a renamed or misspelt field fails at import.
    """
    unknown = [name for name in names if name not in FIELDS]
    if unknown:
        raise ValueError(f"not fields of the Lead API request: {', '.join(unknown)}")
    return names


def max_length(name: str) -> int:
    """The contract's limit on text field `name`, in characters (e.g. `address` → 100).

    Raises ValueError when the contract sets no limit on it (not a text field with one).
    """
    limit = FIELDS[name].max_length
    if limit is None:
        raise ValueError(f"the Lead API sets no length limit on {name!r}")
    return limit


def labelled(choices: tuple[str, ...], labels: Mapping[str, str]) -> dict[str, str]:
    """The form's words for each of the contract's `choices`, in the contract's order.

    Raises ValueError when `labels` misses a choice or labels one the contract does not have.
    """
    if set(labels) != set(choices):
        raise ValueError(f"labels {sorted(labels)} must name exactly the choices {choices}")
    return {choice: labels[choice] for choice in choices}


# The order of the form's questions (the error summary follows it). The agency's own questions
# go in before the last one, the consent.
FIELD_ORDER = contract_fields(
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

LEAD_TYPE_LABELS = labelled(LEAD_TYPES, {"vendor": "Sell", "landlord": "Let"})
PROPERTY_TYPE_LABELS = labelled(
    PROPERTY_TYPES,
    {
        "detached": "Detached house",
        "semi-detached": "Semi-detached house",
        "terraced": "Terraced house",
        "flat-maisonette": "Flat or maisonette",
    },
)
# The contract takes any count from 0; the form offers up to "10 or more".
MAX_BEDROOMS = 10
BEDROOM_CHOICES = [("0", "Studio")] + [
    (str(n), f"{n} bedroom" + ("s" if n > 1 else "") + (" or more" if n == MAX_BEDROOMS else ""))
    for n in range(1, MAX_BEDROOMS + 1)
]
CONSENT_TRUE = {"yes", "true", "on", "1"}


def question_field(question_id: str) -> str:
    """The form name of an agency question's answer."""
    return f"questionnaire[{question_id}]"
