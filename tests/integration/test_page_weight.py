"""Every page of the journey stays small: its HTML plus every CSS and JS file it loads,
uncompressed, empty and with an error on every field it asks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.availability import MAX_SLOTS
from app.validation import FIELD_ORDER
from tests.support.apps import app_client, make_settings
from tests.support.forms import STEP_ORDER, press, step_of, walk
from tests.support.servers import SandboxServer

BUDGET_BYTES = 30_000  # "at most 30 KB", read strictly (30 × 1,000, not 30 × 1,024)
TOO_LONG = "x" * 256  # longer than any free-text answer may be


@pytest.fixture
def client(tmp_path: Path, upstream: SandboxServer) -> Iterator[TestClient]:
    settings = make_settings(
        tmp_path,
        upstream.base_url,
        widget_agency_name="Acme Estates",
        widget_privacy_url="https://acme.example/privacy",
        # The (sandbox) provider's list: the address step with its 22 addresses.
        address_lookup="sandbox",
    )
    with app_client(settings) as client:
        yield client


def page_weight(client: TestClient, html: str) -> dict[str, int]:
    """Bytes of the page and of each stylesheet and script it references (fetched)."""
    sizes = {"html": len(html.encode())}
    assets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assets += re.findall(r'<script src="([^"]+)"', html)
    assert assets, "the page loads its CSS and JS from files"
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200, url
        sizes[url] = len(response.content)
    return sizes


def assert_within_budget(client: TestClient, step: str, html: str) -> None:
    sizes = page_weight(client, html)
    print(f"{step}: {sizes} = {sum(sizes.values())} bytes")
    assert sum(sizes.values()) <= BUDGET_BYTES, (step, sizes)


def errors_shown(html: str) -> list[str]:
    """The fields with an error message, in page order."""
    return re.findall(r'<p class="em" id="([^"]+)-error">', html)


def test_every_step_of_the_journey_is_within_budget(client: TestClient) -> None:
    for step in STEP_ORDER:
        response = walk(client, until=step)
        assert response.status_code == 200
        assert step_of(response.text) == step
        if step == "address":
            assert response.text.count('<option value="uprn:') == 22
        if step == "visit":
            assert response.text.count('name="appointment_availability"') == 42
        assert_within_budget(client, step, response.text)


def test_every_step_with_an_error_on_every_field_is_within_budget(
    client: TestClient, upstream: SandboxServer
) -> None:
    """Each step pressed with every answer it asks wrong, at its longest; the details step's
    errors come from the final press ("Get my valuation")."""
    wrong: dict[str, dict[str, str | list[str] | None]] = {
        "postcode": {"type": "neither", "postcode": "not a postcode"},
        "address": {"address_key": ""},
        "manual-address": {
            "address_line_1": TOO_LONG,
            "address_line_2": TOO_LONG,
            "town": TOO_LONG,
            "postcode": "not a postcode",
        },
        "property": {"property_type": "castle", "property_bedrooms": "99"},
        "visit": {},  # one time too many, from the page
        "details": {
            "title": TOO_LONG,
            "first_name": TOO_LONG,
            "last_name": TOO_LONG,
            "email": "not an email",
            "phone": "not a phone number",
            "message": TOO_LONG,
            "gdpr_checkbox": None,
        },
    }
    expected = {
        "postcode": ["type", "postcode"],
        "address": ["address_key"],
        "manual-address": ["address_line_1", "address_line_2", "town", "postcode"],
        "property": ["property_type", "property_bedrooms"],
        "visit": ["appointment_availability"],
        "details": ["title", "first_name", "last_name", "email", "phone", "message",
                    "gdpr_checkbox"],
    }  # fmt: skip
    shown: list[str] = []
    for step in STEP_ORDER:
        page = walk(client, until=step).text
        answers = wrong[step]
        if step == "visit":
            slots = re.findall(r'name="appointment_availability" value="([^"]+)"', page)
            answers = {"appointment_availability": slots[: MAX_SLOTS + 1]}
        response = press(client, page, **answers)
        assert response.status_code == 422, step
        assert step_of(response.text) == step
        assert errors_shown(response.text) == expected[step]
        shown += errors_shown(response.text)
        assert_within_budget(client, f"{step} with errors", response.text)
    # Every answer the Lead API takes from the form was asked wrong somewhere (`address` is made
    # from the address chosen or typed; this widget has no questions of its own).
    asked = [name for name in FIELD_ORDER if name not in ("address", "questionnaire")]
    assert set(asked) <= set(shown)
    assert upstream.leads() == []
