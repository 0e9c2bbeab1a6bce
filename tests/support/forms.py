"""What tests send: the contract's example request, a homeowner's valid answers, the form token."""

from __future__ import annotations

import re
from typing import Any

# The example request body of the Lead API contract, verbatim.
CONTRACT_EXAMPLE: dict[str, Any] = {
    "type": "vendor",
    "phone": "07986000000",
    "property_bedrooms": 4,
    "first_name": "Marla",
    "last_name": "Singer",
    "email": "cloud9@cloud.com",
    "title": "Mrs",
    "address": "123 Example street, Example town",
    "postcode": "De1 1JX",
    "appointment_availability": {"hours": ["2021-01-01T08:00:00.000Z", "2021-01-01T09:00:00.000Z"]},
    "message": "I would like to know how much my home is worth",
    "meta": {"virtual tour": "true"},
    "gdpr_checkbox": True,
    "host": "https://www.yourdomain.ivt.com",
}

FIRST_NAME, LAST_NAME = "Marla", "Singer"


def answers(**changes: Any) -> dict[str, Any]:
    """A valid form submission, as the form posts it; a change of None leaves the field out."""
    base: dict[str, Any] = {
        "type": "vendor",
        "address": "12 Friar Gate, Derby",
        "postcode": "de1 1jx",
        "property_type": "semi-detached",
        "property_bedrooms": "3",
        "title": "Mrs",
        "first_name": FIRST_NAME,
        "last_name": LAST_NAME,
        "email": "marla@example.com",
        "phone": "07911 123456",
        "gdpr_checkbox": "yes",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def form_token(page: str) -> str:
    """The signed token a rendered form carries."""
    found = re.search(r'name="token" value="([^"]+)"', page)
    assert found, "the page carries a form token"
    return found.group(1)
