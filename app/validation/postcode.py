"""UK postcodes: the shape of one, and the form every postcode is stored and sent in."""

from __future__ import annotations

import re

# The outward code (area, district) and the inward code (sector, unit), per the Royal Mail's
# format; GIR 0AA is Girobank's historic exception.
POSTCODE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][ABD-HJLNP-UW-Z]{2})$")


# Full-width forms (U+FF01–FF5E), as an East Asian keyboard types Latin letters and digits:
# the same characters in ASCII are U+FEE0 lower. (Phone numbers need no such step: the
# phonenumbers library reads digits of any width.)
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


def normalise_postcode(value: str) -> str | None:
    """`De1 1jx` → `DE1 1JX`, `ＤＥ１ １ＪＸ` → `DE1 1JX`; None when it is not the shape of a
    UK postcode."""
    compact = re.sub(r"\s+", "", value.translate(_FULL_WIDTH)).upper()
    if not POSTCODE.match(compact) or len(compact) < 5:
        return None
    return f"{compact[:-3]} {compact[-3:]}"
