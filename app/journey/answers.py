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
from dataclasses import dataclass

from app.addresses.model import Address

JourneyAnswers = dict[str, str | list[str]]

_LISTED = ("uprn", "udprn", "address_key")
_TYPED = ("address_line_1", "address_line_2", "town")


def with_answers(answers: Mapping[str, str | list[str]], **new: str | list[str]) -> JourneyAnswers:
    """`answers` with `new` ones in place of any earlier answer of the same name."""
    return {**answers, **new}


@dataclass(frozen=True)
class ListedAddress:
    """One address of the list the address page showed, as the page carries it (signed, see
    `Signer.sign_address_list`): `key` and `label` to show it again, and what the Lead API
    receives if it is chosen: the one-line `address` (at most 100 characters), the provider's
    `postcode`, and its `uprn`/`udprn` ("" when unknown). Carried so that choosing one needs
    no second lookup: no second cost, and no failure between the list and Continue."""

    key: str
    label: str
    address: str
    postcode: str
    uprn: str = ""
    udprn: str = ""

    @classmethod
    def of(cls, address: Address) -> ListedAddress:
        lead = address.for_lead()
        return cls(
            address.key,
            address.label,
            lead.address,
            lead.postcode,
            lead.meta.get("uprn", ""),
            lead.meta.get("udprn", ""),
        )

    def as_row(self) -> list[str]:
        return [self.key, self.label, self.address, self.postcode, self.uprn, self.udprn]

    @classmethod
    def from_row(cls, row: object) -> ListedAddress:
        """The inverse of `as_row`; ValueError for anything that is not one."""
        if not isinstance(row, list) or len(row) != 6 or not all(isinstance(v, str) for v in row):
            raise ValueError("not a listed address")
        return cls(*row)


def with_chosen_address(
    answers: Mapping[str, str | list[str]], address: Address | ListedAddress
) -> JourneyAnswers:
    """`answers` with the address picked from the provider's list: the lead's one line, the
    provider's postcode and the address's ids; an earlier typed address is dropped."""
    listed = address if isinstance(address, ListedAddress) else ListedAddress.of(address)
    kept = {k: v for k, v in answers.items() if k not in _TYPED and k not in _LISTED}
    ids = {name: value for name, value in (("uprn", listed.uprn), ("udprn", listed.udprn)) if value}
    return {
        **kept,
        "address": listed.address,
        "postcode": listed.postcode,
        "address_key": listed.key,
        "address_via": "list",
        **ids,
    }


def with_typed_address(
    answers: Mapping[str, str | list[str]], address: str, typed: Mapping[str, str | list[str]]
) -> JourneyAnswers:
    """`answers` with an address typed by hand: the lead's one line `address`, and the `typed`
    lines and postcode to show back; ids of an earlier chosen address are dropped."""
    kept = {k: v for k, v in answers.items() if k not in _LISTED}
    return {**kept, **typed, "address": address, "address_via": "manual"}


def chosen_address(answers: Mapping[str, str | list[str]]) -> ListedAddress | None:
    """The address chosen from a list earlier in the journey, as the list showed it; None when
    none was chosen (or it was typed)."""
    if answers.get("address_via") != "list" or not answers.get("address_key"):
        return None
    line, postcode = str(answers.get("address", "")), str(answers.get("postcode", ""))
    return ListedAddress(
        str(answers["address_key"]),
        line,
        line,
        postcode,
        str(answers.get("uprn", "")),
        str(answers.get("udprn", "")),
    )


def typed_address(answers: Mapping[str, str | list[str]]) -> bool:
    """Whether the homeowner typed the address (Back and Change then go to manual entry)."""
    return answers.get("address_via") == "manual"
