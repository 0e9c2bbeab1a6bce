"""Pasted text and email addresses, end to end: what the homeowner typed, what they see back, and
what the sandbox Lead API received over HTTP, through the form and through the JSON API."""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.apps import SAME_ORIGIN, app_client, make_settings
from tests.support.forms import answers, form_token
from tests.support.servers import SandboxServer

API = "/api/widgets/default/valuations"
QUESTION_WIDGET = """
[widgets.default]
agency_name = "Acme Estates"
allowed_origins = ["https://www.acme-estates.example"]

[[widgets.default.questions]]
id = "moving"
text = "When are you thinking of moving?"
options = ["Within 3 months", "Later this year"]
required = true
"""


@pytest.fixture
def client(tmp_path: Path, upstream: SandboxServer) -> Iterator[TestClient]:
    widgets_file = tmp_path / "widgets.toml"
    widgets_file.write_text(QUESTION_WIDGET)
    with app_client(
        make_settings(tmp_path, upstream.base_url, widgets_file=widgets_file)
    ) as client:
        yield client


def submit(client: TestClient, **changes: Any) -> Any:
    page = client.get("/w/default").text
    data = {
        "token": form_token(page),
        **answers(**{"questionnaire[moving]": "Within 3 months", **changes}),
    }
    return client.post("/w/default", data=data, headers=SAME_ORIGIN, follow_redirects=False)


def api_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        **{k: v for k, v in answers().items() if k != "gdpr_checkbox"},
        "property_bedrooms": 3,
        "gdpr_checkbox": True,
        "questionnaire": {"moving": "Within 3 months"},
    }
    body.update(changes)
    return body


def shown_value(page: str, name: str) -> str:
    """The value an input of the re-rendered form shows, unescaped."""
    marker = f'name="{name}"'
    tag = page[page.rindex("<input", 0, page.index(marker)) :]
    tag = tag[: tag.index(">")]
    return html.unescape(tag.split('value="', 1)[1].split('"', 1)[0])


def test_pasted_invisible_characters_and_spaces_never_reach_the_lead_api_from_the_form(
    client: TestClient, upstream: SandboxServer
) -> None:
    response = submit(
        client,
        first_name="Jo\u200bhn",
        last_name="Sia\u0302n",
        email="\u200balex@example.com",
        postcode="de1\u00a01jx",
        phone="07911\u2009123\u2009456",
        address="12\u202fFriar Gate,\u2028Derby",
        message="\ufeffCall me after 6pm",
        **{"questionnaire[moving]": "Within\u00a03\u00a0months"},
    )

    assert response.status_code == 303
    [lead] = upstream.leads()
    body = lead["body"]
    assert body["first_name"] == "John"
    assert body["last_name"] == "Si\u00e2n" and len(body["last_name"]) == 4
    assert body["email"] == "alex@example.com"
    assert body["postcode"] == "DE1 1JX"
    assert body["phone"] == "07911123456"
    assert body["address"] == "12 Friar Gate, Derby"
    assert body["message"] == "Call me after 6pm"
    assert body["questionnaire"] == {
        "moving": ["When are you thinking of moving?", "Within 3 months"]
    }


def test_pasted_invisible_characters_and_spaces_never_reach_the_lead_api_from_the_json_api(
    client: TestClient, upstream: SandboxServer
) -> None:
    response = client.post(
        API,
        json=api_body(
            first_name="Jo\u200bhn",
            last_name="Sia\u0302n",
            email="\u00a0alex@example.com\ufeff",
            postcode="DE1\u200b1JX",
            phone="+33\u202f6\u202f12\u202f34\u202f56\u202f78",
            questionnaire={"moving": "\u200bLater\u3000this year"},
        ),
    )

    assert response.status_code == 200, response.text
    [lead] = upstream.leads()
    body = lead["body"]
    assert (body["first_name"], body["last_name"]) == ("John", "Si\u00e2n")
    assert body["email"] == "alex@example.com"
    assert body["postcode"] == "DE1 1JX"
    assert body["phone"] == "+33612345678"
    assert body["questionnaire"] == {
        "moving": ["When are you thinking of moving?", "Later this year"]
    }


def test_name_typed_with_combining_accents_is_accepted_and_sent_composed(
    client: TestClient, upstream: SandboxServer
) -> None:
    composed = "Áàâäãåçéèêëíìîïñóòôöõúùûüÿ"  # 26 letters
    typed = unicodedata.normalize("NFD", composed)  # each letter followed by its accent
    assert len(typed) == 52

    response = submit(client, first_name=typed)

    assert response.status_code == 303, response.text
    [lead] = upstream.leads()
    assert lead["body"]["first_name"] == composed


def test_internationalised_domain_is_sent_in_ascii_and_shown_back_as_typed(
    client: TestClient, upstream: SandboxServer
) -> None:
    refused = submit(client, email="marla@b\u00fccher.de", phone="123")  # another answer wrong
    assert refused.status_code == 422
    assert shown_value(refused.text, "email") == "marla@b\u00fccher.de"
    assert upstream.leads() == []

    sent = submit(client, email="marla@b\u00fccher.de")

    assert sent.status_code == 303
    [lead] = upstream.leads()
    assert lead["body"]["email"] == "marla@xn--bcher-kva.de"


def test_json_api_sends_an_internationalised_domain_in_ascii(
    client: TestClient, upstream: SandboxServer
) -> None:
    response = client.post(API, json=api_body(email="Marla@B\u00dcCHER.de"))

    assert response.status_code == 200, response.text
    [lead] = upstream.leads()
    assert lead["body"]["email"] == "Marla@xn--bcher-kva.de"


def test_curly_apostrophe_in_an_email_is_refused_on_the_field_with_the_answers_kept(
    client: TestClient, upstream: SandboxServer
) -> None:
    response = submit(client, email="tim.o\u2019connor@example.com")

    assert response.status_code == 422
    message = (
        "Your email address has a curly apostrophe (\u2019). Use a straight apostrophe (') instead"
    )
    page = html.unescape(response.text)
    assert message in page
    assert shown_value(response.text, "email") == "tim.o\u2019connor@example.com"
    assert shown_value(response.text, "last_name") == "Singer"
    assert upstream.leads() == []


def test_json_api_refuses_a_long_dash_in_an_email_with_the_same_message(
    client: TestClient, upstream: SandboxServer
) -> None:
    response = client.post(API, json=api_body(email="foo\u2014bar@example.com"))

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "email": "Your email address has a long dash (\u2014). Use a plain hyphen (-) instead"
    }
    assert upstream.leads() == []
