"""The property line under the estimate: "3 bedroom semi-detached house, DE1 1JX"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from app.pipeline import property_summary
from app.store import Submission


def submission(payload: dict[str, Any] | None) -> Submission:
    return Submission(
        id="0" * 32, widget_id="default", state="delivered", lead_type="vendor",
        created_at=datetime(2026, 11, 30), payload=payload, attribution={}, consent={},
        slots=[], attempts=1, last_error=None, valuation=None, rejection=None,
        delivered_at=None, maybe_sent_before=False,
    )


@pytest.mark.parametrize(
    ("bedrooms", "kind", "expected"),
    [
        (3, "semi-detached", "3 bedroom semi-detached house, DE1 1JX"),
        (0, "flat-maisonette", "Studio flat or maisonette, DE1 1JX"),
        # The form's last choice is "10 bedrooms or more": never "10 bedroom" for a mansion.
        (10, "detached", "10+ bedroom detached house, DE1 1JX"),
        (None, "terraced", "Terraced house, DE1 1JX"),
    ],
)
def test_the_property_line_says_what_the_homeowner_chose(
    bedrooms: int | None, kind: str, expected: str
) -> None:
    payload = {"property_type": kind, "postcode": "DE1 1JX", "property_bedrooms": bedrooms}
    if bedrooms is None:
        del payload["property_bedrooms"]

    assert property_summary(submission(payload)) == expected


def test_no_property_line_once_personal_data_is_erased() -> None:
    assert property_summary(submission(None)) == ""
