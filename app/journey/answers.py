"""The answers a homeowner has given so far, carried from step to step (signed, see
`Signer.sign_answers`), and what choosing or typing the address adds to them.

Keys are the form's field names (`postcode`, `property_type`, `questionnaire[ID]`…) with
string values (a list of strings for `appointment_availability`), plus the address's parts:

- `address`, `postcode`: what the Lead API receives (the provider's postcode when chosen);
- `uprn`, `udprn`, `address_key`: the chosen address's ids (a list was used);
- `address_line_1`, `address_line_2`, `town`: the address as typed (manual entry);
- `address_via`: `list` or `manual`, so Back and Change return to the page that was used.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.addresses.model import Address

JourneyAnswers = dict[str, str | list[str]]

_LISTED = ("uprn", "udprn", "address_key")
_TYPED = ("address_line_1", "address_line_2", "town")


def with_answers(answers: Mapping[str, str | list[str]], **new: str | list[str]) -> JourneyAnswers:
    """`answers` with `new` ones in place of any earlier answer of the same name."""
    return {**answers, **new}


def with_chosen_address(answers: Mapping[str, str | list[str]], address: Address) -> JourneyAnswers:
    """`answers` with the address picked from the provider's list: the lead's one line, the
    provider's postcode and the address's ids; an earlier typed address is dropped."""
    lead = address.for_lead()
    kept = {k: v for k, v in answers.items() if k not in _TYPED and k not in _LISTED}
    return {
        **kept,
        "address": lead.address,
        "postcode": lead.postcode,
        "address_key": address.key,
        "address_via": "list",
        **lead.meta,
    }


def with_typed_address(
    answers: Mapping[str, str | list[str]], address: str, typed: Mapping[str, str | list[str]]
) -> JourneyAnswers:
    """`answers` with an address typed by hand: the lead's one line `address`, and the `typed`
    lines and postcode to show back; ids of an earlier chosen address are dropped."""
    kept = {k: v for k, v in answers.items() if k not in _LISTED}
    return {**kept, **typed, "address": address, "address_via": "manual"}


def typed_address(answers: Mapping[str, str | list[str]]) -> bool:
    """Whether the homeowner typed the address (Back and Change then go to manual entry)."""
    return answers.get("address_via") == "manual"
