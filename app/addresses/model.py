"""An address as the journey shows it, and the one line the Lead API receives.

`Address` is what every provider's adapter returns. `for_lead` turns the chosen one into the
Lead API's `address` (one line, at most 100 characters), `postcode` and `meta` ids.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any

# The Lead API contract: `address` is a string of at most 100 characters.
LEAD_ADDRESS_MAX = 100


@dataclass(frozen=True)
class AddressParts:
    """Royal Mail PAF elements of one address, display-cased; empty strings when unused."""

    organisation: str = ""
    department: str = ""
    sub_building: str = ""  # "Flat 2"
    building_name: str = ""  # "Mill House"
    building_number: str = ""  # "3"
    dependent_thoroughfare: str = ""  # "Mews Court" (off the thoroughfare)
    thoroughfare: str = ""  # "Station Road"
    double_dependent_locality: str = ""
    dependent_locality: str = ""  # a village or district within the post town
    po_box: str = ""

    def premise(self) -> list[str]:
        """The elements that find the door, in reading order: `["Flat 2", "Mill House",
        "3 Mews Court", "Station Road"]`. The number goes with the first street."""
        streets = [s for s in (self.dependent_thoroughfare, self.thoroughfare) if s]
        if self.building_number:
            if streets:
                streets[0] = f"{self.building_number} {streets[0]}"
            else:
                streets = [self.building_number]
        po_box = [f"PO Box {self.po_box}"] if self.po_box else []
        return [p for p in (self.sub_building, self.building_name) if p] + streets + po_box

    def localities(self) -> list[str]:
        return [p for p in (self.double_dependent_locality, self.dependent_locality) if p]

    def display_lines(self) -> tuple[str, ...]:
        """Up to three lines as a letter would show them, without post town and postcode."""
        named = [p for p in (self.sub_building, self.building_name) if p]
        streets = self.premise()[len(named) :]
        groups = [
            ", ".join(p for p in (self.organisation, self.department) if p),
            ", ".join(named),
            ", ".join(streets),
            ", ".join(self.localities()),
        ]
        lines = [g for g in groups if g]
        if len(lines) > 3:
            lines = [*lines[:2], ", ".join(lines[2:])]
        return tuple(lines)


@dataclass(frozen=True)
class Address:
    """One address of a postcode, ready to show and to send.

    `lines`: up to three display lines without town and postcode (`("Flat 2, Mill House",
    "3 Station Road")`); `post_town` display-cased (`"Derby"`); `postcode` as the provider
    formats it (`"DE1 1JX"`); `uprn` (Unique Property Reference Number) and `udprn` (Royal
    Mail's delivery point number) as digit strings when the provider knows them.
    """

    lines: tuple[str, ...]
    post_town: str
    postcode: str
    uprn: str | None = None
    udprn: str | None = None
    parts: AddressParts = field(default_factory=AddressParts)

    @property
    def key(self) -> str:
        """A stable id for choosing this address in a form: its UPRN, else its UDPRN, else its
        text (an address without either is rare)."""
        if self.uprn:
            return f"uprn:{self.uprn}"
        if self.udprn:
            return f"udprn:{self.udprn}"
        return "text:" + "|".join(self.lines)

    @property
    def label(self) -> str:
        """One line to show in a list: `"Flat 2, Mill House, 3 Station Road, Derby"`."""
        return ", ".join([*self.lines, self.post_town])

    def for_lead(self) -> LeadAddress:
        """What the Lead API receives for this address (see `shorten_for_lead`)."""
        meta = {name: value for name, value in (("uprn", self.uprn), ("udprn", self.udprn))
                if value}
        return LeadAddress(shorten_for_lead(self), self.postcode, meta)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (for a signed hidden field or the JSON API); see `from_dict`."""
        data = asdict(self)
        data["lines"] = list(self.lines)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Address:
        """The inverse of `as_dict`; unknown keys are ignored. Raises KeyError/TypeError for
        data that is not an address."""
        parts = data.get("parts") or {}
        names = {f.name for f in fields(AddressParts)}
        return cls(
            lines=tuple(str(line) for line in data["lines"]),
            post_town=str(data["post_town"]),
            postcode=str(data["postcode"]),
            uprn=data.get("uprn") or None,
            udprn=data.get("udprn") or None,
            parts=AddressParts(**{k: str(v) for k, v in parts.items() if k in names}),
        )


@dataclass(frozen=True)
class LeadAddress:
    """The Lead API's `address` (<= 100 characters), `postcode`, and `meta` ids (strings)."""

    address: str
    postcode: str
    meta: dict[str, str]


def shorten_for_lead(address: Address, limit: int = LEAD_ADDRESS_MAX) -> str:
    """The address as one readable line of at most `limit` characters.

    The full line is organisation, department, sub-building, building name, number and
    street(s), localities and post town, joined by ", " (the postcode goes in its own field).
    While it is too long, the least useful parts go first, in this order:

    1. the organisation and its department (a business's name, not the home);
    2. the double dependent locality, then the dependent locality;
    3. the post town (the postcode, sent beside it, already says where);
    4. the main street, when a dependent street before it keeps the number.

    If the door itself (sub-building, building, number and street) is still too long, the line
    ends at the last whole word that fits: a word is never cut in half. Example:
    `Acme Lettings Ltd, Flat 2, Mill House, 3 Station Road, Allestree, Derby` keeps everything
    within 100 characters; a longer one loses "Acme Lettings Ltd" first.
    """
    parts = address.parts
    if not parts.premise():  # no PAF elements: shorten the display lines as text
        return _cut_at_word(", ".join([*address.lines, address.post_town]), limit)
    business = [p for p in (parts.organisation, parts.department) if p]
    localities = parts.localities()
    town = [address.post_town] if address.post_town else []
    premise = parts.premise()
    candidates = [
        business + premise + localities + town,
        premise + localities + town,
        premise + localities[1:] + town,
        premise + town,
        premise,
    ]
    if parts.dependent_thoroughfare and parts.thoroughfare:
        candidates.append(premise[:-1])
    for candidate in candidates:
        line = ", ".join(candidate)
        if len(line) <= limit:
            return line
    return _cut_at_word(", ".join(candidates[-1]), limit)


def _cut_at_word(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    boundary = cut.rfind(" ")
    # A single word longer than the limit (none exists in PAF) has no boundary to keep.
    kept = cut[:boundary] if boundary > 0 else text[:limit]
    return re.sub(r"[\s,]+$", "", kept)
