"""Helpers for the operations tests: reading Prometheus text and a valid API submission."""

from __future__ import annotations

import secrets
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

SUBMIT_PATH = "/api/widgets/default/valuations"


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus text, or None when the series is absent."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return float(found.value)
    return None


def value(text: str, name: str, **labels: str) -> float:
    """Like `sample`, for a series that must be there."""
    found = sample(text, name, **labels)
    assert found is not None, f"{name}{labels} is not exposed"
    return found


def moved(before: str, after: str, name: str, **labels: str) -> float:
    """How much a series grew between two scrapes (absent before counts as 0)."""
    return value(after, name, **labels) - (sample(before, name, **labels) or 0.0)


def submission(**overrides: Any) -> dict[str, Any]:
    """A valid body for the JSON API, with a fresh idempotency key."""
    body: dict[str, Any] = {
        "submission_id": secrets.token_hex(16),
        "type": "vendor",
        "first_name": "Tyler",
        "last_name": "Durden",
        "email": "tyler@example.com",
        "phone": "07911 123456",
        "address": "1 Paper Street, Derby",
        "postcode": "DE1 1JX",
        "property_type": "terraced",
        "property_bedrooms": 2,
        "gdpr_checkbox": True,
    }
    body.update(overrides)
    return body
