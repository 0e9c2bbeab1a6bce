"""UK postcodes: the shape of one, and the form every postcode is stored and sent in."""

from __future__ import annotations

import re

from app.validation.text import FULL_WIDTH_TO_ASCII

# The outward code (area, district) and the inward code (sector, unit), per the Royal Mail's
# format; GIR 0AA is Girobank's historic exception.
POSTCODE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][ABD-HJLNP-UW-Z]{2})$")


def normalise_postcode(value: str) -> str | None:
    """`De1 1jx` → `DE1 1JX`, `ＤＥ１ １ＪＸ` → `DE1 1JX`; None when it is not the shape of a
    UK postcode."""
    # Full-width too: the address lookup reads postcodes typed in the JSON API's query as is.
    compact = re.sub(r"\s+", "", value.translate(FULL_WIDTH_TO_ASCII)).upper()
    if not POSTCODE.match(compact) or len(compact) < 5:
        return None
    return f"{compact[:-3]} {compact[-3:]}"
