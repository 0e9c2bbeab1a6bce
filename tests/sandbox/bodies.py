"""Request bodies for the sandbox tests, starting from the contract's own example."""

from __future__ import annotations

import copy
import json
from typing import Any

from tests.support.forms import CONTRACT_EXAMPLE

SALE_FIGURES = ("minimum_sale_estimation", "average_sale_estimation", "maximum_sale_estimation")
RENT_FIGURES = ("minimum_rent_estimation", "average_rent_estimation", "maximum_rent_estimation")
ALL_FIGURES = SALE_FIGURES + RENT_FIGURES


def valuation_body(**changes: Any) -> dict[str, Any]:
    """The contract example with ``changes`` applied (a value of ``...`` removes the field)."""
    body = copy.deepcopy(CONTRACT_EXAMPLE)
    for field, value in changes.items():
        if value is ...:
            body.pop(field, None)
        else:
            body[field] = value
    return body


def minimal_body(**changes: Any) -> dict[str, Any]:
    """Only the required fields of a vendor lead, with ``changes`` applied."""
    body: dict[str, Any] = {
        "first_name": "Tyler",
        "last_name": "Durden",
        "email": "tyler@example.com",
        "phone": "07700900123",
        "type": "vendor",
        "postcode": "DE1 1JX",
    }
    body.update(changes)
    return {field: value for field, value in body.items() if value is not ...}


def compact_size(value: Any) -> int:
    """UTF-8 bytes of ``value`` as compact JSON (the contract's byte limits count these)."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def hours_of_size(size: int) -> dict[str, list[str]]:
    """An appointment_availability object whose compact JSON is exactly ``size`` bytes."""
    with_ms, without_ms = "2021-01-01T08:00:00.000Z", "2021-01-01T08:00:00Z"
    for count_ms in range(size // len(with_ms) + 1):
        for count_plain in range(size // len(without_ms) + 1):
            value = {"hours": [with_ms] * count_ms + [without_ms] * count_plain}
            if compact_size(value) == size:
                return value
    raise ValueError(f"no hours list is exactly {size} bytes")
