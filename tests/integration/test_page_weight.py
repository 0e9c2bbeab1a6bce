"""The form page stays small: its HTML plus every CSS and JS file it loads, uncompressed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.availability import MAX_SLOTS
from app.validation import FIELD_ORDER
from tests.support.apps import SAME_ORIGIN, app_client, make_settings
from tests.support.forms import form_token
from tests.support.servers import SandboxServer

BUDGET_BYTES = 30_000  # "at most 30 KB", read strictly (30 × 1,000, not 30 × 1,024)


@pytest.fixture
def client(tmp_path: Path, upstream: SandboxServer) -> Iterator[TestClient]:
    settings = make_settings(
        tmp_path,
        upstream.base_url,
        widget_agency_name="Acme Estates",
        widget_privacy_url="https://acme.example/privacy",
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


def every_field_wrong(page: str) -> dict[str, str | list[str]]:
    """Answers that fail every rule, at their longest, to make the biggest error page."""
    slots = re.findall(r'name="appointment_availability" value="([^"]+)"', page)
    return {
        "token": form_token(page),
        "type": "neither",
        "address": "x" * 101,
        "postcode": "not a postcode",
        "property_type": "castle",
        "property_bedrooms": "99",
        "appointment_availability": slots[: MAX_SLOTS + 1],
        "title": "x" * 51,
        "first_name": "x" * 51,
        "last_name": "x" * 51,
        "email": "not an email",
        "phone": "not a phone number",
        "message": "x" * 256,
    }


def test_the_empty_form_is_within_budget(client: TestClient) -> None:
    response = client.get("/w/default")
    assert response.status_code == 200
    sizes = page_weight(client, response.text)
    print(f"empty form: {sizes} = {sum(sizes.values())} bytes")
    assert sum(sizes.values()) <= BUDGET_BYTES, sizes


def test_the_form_with_an_error_on_every_field_is_within_budget(
    client: TestClient, upstream: SandboxServer
) -> None:
    page = client.get("/w/default").text
    response = client.post("/w/default", data=every_field_wrong(page), headers=SAME_ORIGIN)
    assert response.status_code == 422
    errors = re.findall(r'<p class="em" id="([^"]+)-error">', response.text)
    assert errors == [name for name in FIELD_ORDER if name != "questionnaire"]  # no questions here
    sizes = page_weight(client, response.text)
    print(f"form with errors: {sizes} = {sum(sizes.values())} bytes")
    assert sum(sizes.values()) <= BUDGET_BYTES, sizes
    assert upstream.leads() == []
