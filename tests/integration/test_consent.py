"""The GDPR consent: never pre-ticked, names the agency, required per widget, and recorded.
It is asked on the journey's last step, "Your details", reached here through every step."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.store import Submission
from app.widgets import DEFAULT_CONSENT, DEFAULT_CONSENT_WITH_PRIVACY
from tests.support.apps import SAME_ORIGIN, app_client, make_settings
from tests.support.forms import answers, details_answers, form_token, press, step_of, walk
from tests.support.servers import SandboxServer

AGENCY = "Acme Estates"
PRIVACY = "https://acme.example/privacy"
FRAMING_PAGE = "https://acme.example/sell/valuation"
WORDING = DEFAULT_CONSENT_WITH_PRIVACY.replace("{agency}", AGENCY)


def consent_client(
    tmp_path: Path, upstream: SandboxServer, **overrides: Any
) -> AbstractContextManager[TestClient]:
    settings = make_settings(
        tmp_path,
        upstream.base_url,
        **{
            "widget_agency_name": AGENCY,
            "widget_privacy_url": PRIVACY,
            "widget_allowed_origins": "https://acme.example",
            **overrides,
        },
    )
    return app_client(settings)


@pytest.fixture
def client(tmp_path: Path, upstream: SandboxServer) -> Iterator[TestClient]:
    with consent_client(tmp_path, upstream) as client:
        yield client


@pytest.fixture
def optional_client(tmp_path: Path, upstream: SandboxServer) -> Iterator[TestClient]:
    with consent_client(tmp_path, upstream, widget_consent_required=False) as client:
        yield client


def consent_input(page: str) -> str:
    found = re.search(r'<input type="checkbox" id="gdpr_checkbox"[^>]*>', page)
    assert found, "the form has the consent checkbox"
    return found.group(0)


def post(client: TestClient, query: str = "", **changes: Any) -> Any:
    page = client.get(f"/w/default{query}").text
    data = {"token": form_token(page), **answers(**changes)}
    return client.post("/w/default", data=data, headers=SAME_ORIGIN, follow_redirects=False)


def details_page(client: TestClient) -> str:
    """The journey's details step, every step before it answered."""
    response = walk(client)
    assert response.status_code == 200
    return str(response.text)


def stored(client: TestClient, submission_id: str) -> Submission:
    # TestClient types its app as any ASGI app; this one is our FastAPI app with its services.
    store = client.app.state.services.store  # type: ignore[attr-defined]
    # The portal exists while the client is open, which is when tests call this.
    submission = client.portal.call(store.get, submission_id)  # type: ignore[union-attr]
    assert submission is not None
    return submission


def test_the_box_is_never_ticked_on_a_new_form(client: TestClient) -> None:
    assert " checked" not in consent_input(details_page(client))


def test_the_label_names_the_agency_and_the_page_links_its_privacy_notice(
    client: TestClient,
) -> None:
    page = details_page(client)
    assert f'<label for="gdpr_checkbox">{WORDING}</label>' in page
    assert AGENCY in WORDING
    link = re.search(rf'<a href="{re.escape(PRIVACY)}"[^>]*>([^<]+)</a>', page)
    assert link, "the privacy notice is linked"
    assert AGENCY in link.group(1) and "privacy notice" in link.group(1)
    assert '<legend class="lg">Your consent</legend>' in page  # required: no "(optional)"


@pytest.mark.parametrize("ticked", [True, False], ids=["ticked", "unticked"])
def test_with_errors_the_box_stays_as_the_homeowner_left_it(
    client: TestClient, upstream: SandboxServer, ticked: bool
) -> None:
    # "Get my valuation" pressed with a mistake on the same page as the box.
    details = details_answers(email="nowhere", gdpr_checkbox="yes" if ticked else None)
    response = press(client, details_page(client), **details)
    assert response.status_code == 422
    assert step_of(response.text) == "details"
    assert (" checked" in consent_input(response.text)) is ticked
    assert upstream.leads() == []


def test_required_by_default_with_a_message_naming_the_agency(
    client: TestClient, upstream: SandboxServer
) -> None:
    response = post(client, gdpr_checkbox=None)
    assert response.status_code == 422
    message = f"Confirm that {AGENCY} may contact you about your valuation"
    assert f'<a href="#gdpr_checkbox">{message}</a>' in response.text  # in the error summary
    inline = f'<p class="em" id="gdpr_checkbox-error"><span class="vh">Error:</span> {message}</p>'
    assert inline in response.text
    assert upstream.leads() == []


def test_the_json_api_requires_it_with_the_same_message(
    client: TestClient, upstream: SandboxServer
) -> None:
    body = {**answers(gdpr_checkbox=None), "property_bedrooms": 3}
    response = client.post("/api/widgets/default/valuations", json=body)
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "gdpr_checkbox": f"Confirm that {AGENCY} may contact you about your valuation"
    }
    assert upstream.leads() == []


def test_when_optional_the_form_says_so_and_the_lead_goes_without_consent(
    optional_client: TestClient, upstream: SandboxServer
) -> None:
    page = details_page(optional_client)
    assert "Your consent (optional)" in page
    assert " checked" not in consent_input(page)
    response = post(optional_client, gdpr_checkbox=None)
    assert response.status_code == 303
    [lead] = upstream.leads()
    assert lead["body"]["gdpr_checkbox"] is False
    record = stored(optional_client, lead["body"]["meta"]["submission_id"]).consent
    assert record["given"] is False and record["required"] is False


def test_when_optional_a_ticked_box_still_sends_consent(
    optional_client: TestClient, upstream: SandboxServer
) -> None:
    assert post(optional_client).status_code == 303
    [lead] = upstream.leads()
    assert lead["body"]["gdpr_checkbox"] is True


def test_the_stored_submission_records_wording_version_time_and_page(
    client: TestClient, upstream: SandboxServer
) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    response = post(client, query=f"?host={FRAMING_PAGE}")
    assert response.status_code == 303
    [lead] = upstream.leads()
    assert lead["body"]["gdpr_checkbox"] is True
    record = stored(client, lead["body"]["meta"]["submission_id"]).consent
    assert record["given"] is True
    assert record["required"] is True
    assert record["wording"] == WORDING
    assert record["version"] == "1"
    assert record["privacy_url"] == PRIVACY
    assert record["page"] == FRAMING_PAGE
    at = datetime.fromisoformat(record["at"])
    assert before <= at <= datetime.now(UTC) + timedelta(seconds=1)


def test_without_a_privacy_notice_the_wording_and_the_page_say_nothing_of_one(
    tmp_path: Path, upstream: SandboxServer
) -> None:
    with consent_client(tmp_path, upstream, widget_privacy_url="") as client:
        page = details_page(client)
        wording = DEFAULT_CONSENT.replace("{agency}", AGENCY)
        assert f'<label for="gdpr_checkbox">{wording}</label>' in page
        assert "privacy" not in page.lower()
        assert post(client).status_code == 303
        [lead] = upstream.leads()
        record = stored(client, lead["body"]["meta"]["submission_id"]).consent
    assert record["wording"] == wording
    assert record["privacy_url"] is None
