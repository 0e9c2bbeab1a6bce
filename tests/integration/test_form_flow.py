"""The homeowner's flow through the app, with the sandbox Lead API as a real HTTP upstream: the
journey's steps pressed one by one, or every answer posted at once (an earlier release's page)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.apps import SAME_ORIGIN, app_client, make_settings
from tests.support.forms import (
    STEP_ORDER,
    answers,
    carried_answers,
    details_answers,
    form_token,
    press,
    step_of,
    walk,
)
from tests.support.servers import SandboxServer


@pytest.fixture
def client(tmp_path: Path, upstream: SandboxServer) -> Iterator[TestClient]:
    with app_client(make_settings(tmp_path, upstream.base_url)) as client:
        yield client


def first_slot(page: str) -> str:
    found = re.search(r'name="appointment_availability" value="([^"]+)"', page)
    assert found
    return found.group(1)


def submit(client: TestClient, query: str = "", **changes: Any) -> Any:
    page = client.get(f"/w/default{query}").text
    data = {"token": form_token(page), **answers(**changes)}
    return client.post("/w/default", data=data, headers=SAME_ORIGIN, follow_redirects=False)


def visible_text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_journeys_field_names_are_the_lead_api_fields(
    tmp_path: Path, upstream: SandboxServer
) -> None:
    # Every step's page, the address both from the (sandbox) provider's list and typed.
    settings = make_settings(tmp_path, upstream.base_url, address_lookup="sandbox")
    with app_client(settings) as client:
        pages = [walk(client, until=step).text for step in STEP_ORDER]
    assert [step_of(page) for page in pages] == list(STEP_ORDER)
    names = {name for page in pages for name in re.findall(r'name="([a-z_0-9]+)"', page)}
    assert {
        "type",
        "title",
        "first_name",
        "last_name",
        "email",
        "phone",
        "postcode",
        "property_bedrooms",
        "property_type",
        "message",
        "appointment_availability",
        "gdpr_checkbox",
    } <= names
    # The Lead API's one-line `address` is made from the address chosen or typed.
    assert {"address_key", "address_line_1", "address_line_2", "town"} <= names


def test_vendor_sees_a_sale_range_after_a_redirect(
    client: TestClient, upstream: SandboxServer
) -> None:
    response = submit(client)
    assert response.status_code == 303
    result = client.get(response.headers["location"])
    text = visible_text(result.text)
    assert "Your instant valuation" in text
    assert re.search(r"£\d{3},000", text)
    assert "month" not in text.lower().split("what happens next")[0]
    [lead] = upstream.leads()
    assert lead["body"]["type"] == "vendor"


def test_the_upstream_receives_the_contract_shape(
    client: TestClient, upstream: SandboxServer
) -> None:
    visit = walk(client, until="visit").text
    details = press(client, visit, appointment_availability=first_slot(visit))
    assert step_of(details.text) == "details"
    assert press(client, details.text, **details_answers()).status_code == 303
    [lead] = upstream.leads()
    body = lead["body"]
    assert lead["api_key"] == "test-key"
    assert body["property_bedrooms"] == 3 and isinstance(body["property_bedrooms"], int)
    assert body["gdpr_checkbox"] is True
    assert body["address"] == "12 Friar Gate, Derby"
    assert body["postcode"] == "DE1 1JX"
    assert body["phone"] == "07911123456"
    assert body["source"] == "ivt"
    assert len(body["appointment_availability"]["hours"]) == 4
    assert all(h.endswith(":00:00.000Z") for h in body["appointment_availability"]["hours"])
    assert re.fullmatch(r"[0-9a-f]{32}", body["meta"]["submission_id"])


def test_landlord_sees_rent_per_month(client: TestClient) -> None:
    response = submit(client, type="landlord")
    text = visible_text(client.get(response.headers["location"]).text)
    assert re.search(r"£[\d,]+ (a|per) (calendar )?month", text)


def test_a_home_that_cannot_be_valued_gets_a_warm_page(
    client: TestClient, upstream: SandboxServer
) -> None:
    response = submit(client, postcode="BT1 1AA")
    result = client.get(response.headers["location"])
    assert result.status_code == 200
    text = visible_text(result.text)
    assert "we have your details" in text.lower()
    assert "£" not in text
    assert len(upstream.leads()) == 1  # the lead still reached the agency


def test_errors_re_render_with_answers_kept(client: TestClient, upstream: SandboxServer) -> None:
    details = walk(client).text
    response = press(client, details, **details_answers(email="not-an-email", first_name=None))
    assert response.status_code == 422
    page = response.text
    assert step_of(page) == "details"
    assert "<title>Error: " in page
    assert "There is a problem" in page
    assert "Enter your first name" in page
    assert "Enter an email address in the correct format" in page
    assert 'value="not-an-email"' in page and 'value="Singer"' in page
    assert "12 Friar Gate, Derby, DE1 1JX" in visible_text(page)  # the earlier steps' answers
    assert upstream.leads() == []


def test_a_whole_form_with_errors_shows_the_step_of_the_first_with_every_answer_kept(
    client: TestClient, upstream: SandboxServer
) -> None:
    response = submit(client, postcode="75008", email="not-an-email", first_name=None)
    assert response.status_code == 422
    page = response.text
    assert step_of(page) == "postcode"  # the first wrong answer's step
    assert "<title>Error: " in page
    assert "There is a problem" in page
    assert "Enter a full UK postcode, like DE1 1JX" in page
    assert 'value="75008"' in page
    kept = carried_answers(client, page)
    assert (kept["email"], kept["last_name"], kept["address"]) == (
        "not-an-email",
        "Singer",
        "12 Friar Gate, Derby",
    )
    assert upstream.leads() == []


def test_the_key_never_reaches_the_browser(client: TestClient) -> None:
    pages = [client.get("/w/default"), submit(client)]
    pages.append(client.get(pages[1].headers["location"]))
    for response in pages:
        assert "test-key" not in response.text
        assert "test-key" not in str(response.headers)


def test_json_api_answers_with_the_estimate(client: TestClient, upstream: SandboxServer) -> None:
    body = {
        **{k: v for k, v in answers().items() if k != "gdpr_checkbox"},
        "property_bedrooms": 3,
        "gdpr_checkbox": True,
    }
    response = client.post("/api/widgets/default/valuations", json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["status"] == "estimate"
    assert result["estimate"]["kind"] == "sale"
    assert result["estimate"]["minimum"] <= result["estimate"]["average"]
    assert len(upstream.leads()) == 1


def test_json_api_uses_the_same_messages(client: TestClient, upstream: SandboxServer) -> None:
    response = client.post(
        "/api/widgets/default/valuations", json={"postcode": "nope", "gdpr_checkbox": True}
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["postcode"] == "Enter a full UK postcode, like DE1 1JX"
    assert errors["first_name"] == "Enter your first name"
    assert upstream.leads() == []


def test_unknown_widget_is_a_plain_404(client: TestClient) -> None:
    response = client.get("/w/nobody")
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_without_a_key_the_built_in_sandbox_is_used_and_shown(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, "http://127.0.0.1:9", leadpro_api_key=None)
    with app_client(settings) as client:
        page = client.get("/w/default").text
        assert "Sandbox: no real lead is sent" in page
        response = submit(client)
        assert response.status_code == 303
        result = client.get(response.headers["location"]).text
        assert "Sandbox: no real lead is sent" in result
        assert re.search(r"£\d{3},000", result)
        leads = client.get("/sandbox/_sandbox/leads").json()["leads"]
        assert len(leads) == 1
