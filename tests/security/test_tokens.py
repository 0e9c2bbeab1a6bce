"""The signed form token and result links: replayed, expired, forged, moved between widgets,
tampered around. (The bot traps that read the token's issue time: test_bot_traps.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer

from app.tokens import Signer
from tests.security.conftest import ClientFactory
from tests.security.support import (
    answers,
    backdated,
    form_token,
    fresh_token,
    input_value,
    leads_for,
    post_form,
    result_of,
    stored,
    submission_of,
    token_payload,
    visible_text,
)
from tests.support.apps import TEST_SECRET
from tests.support.forms import (
    carried_answers,
    details_answers,
    hidden_fields,
    press,
    step_of,
    walk,
)
from tests.support.servers import SandboxServer

TWO_WIDGETS = (
    '[widgets.acme]\nagency_name = "Acme Estates"\n'
    '[widgets.other]\nagency_name = "Other Homes"\n'
)


def test_a_replayed_token_with_the_same_answers_gives_the_same_result_and_one_lead(
    client: TestClient, upstream: SandboxServer
) -> None:
    token = fresh_token(client)
    first = post_form(client, {"token": token, **answers()})
    again = post_form(client, {"token": token, **answers()})
    assert first.status_code == again.status_code == 303
    assert result_of(again) == result_of(first) == submission_of(token)
    assert len(leads_for(upstream, submission_of(token))) == 1


def test_a_replayed_token_with_different_answers_neither_overwrites_nor_creates_a_lead(
    client: TestClient, upstream: SandboxServer
) -> None:
    token = fresh_token(client)
    first = post_form(client, {"token": token, **answers()})
    replay = post_form(
        client,
        {"token": token, **answers(first_name="Tyler", last_name="Durden", postcode="SW1A 1AA")},
    )
    assert replay.status_code == 303
    assert result_of(replay) == result_of(first) == submission_of(token)
    assert upstream.leads() and len(upstream.leads()) == 1
    sent = leads_for(upstream, submission_of(token))[0]["body"]
    assert (sent["first_name"], sent["postcode"]) == ("Marla", "DE1 1JX")
    kept = stored(client, submission_of(token))
    assert kept is not None and kept.payload is not None
    assert (kept.payload["first_name"], kept.payload["postcode"]) == ("Marla", "DE1 1JX")


@pytest.mark.parametrize("forgery", ["tampered", "other-secret", "result-link", "missing"])
def test_a_forged_token_is_refused_with_400_and_nothing_is_sent(
    client: TestClient, upstream: SandboxServer, forgery: str
) -> None:
    genuine = fresh_token(client)
    payload = token_payload(genuine)
    token = {
        "tampered": genuine[:-3] + ("AAA" if not genuine.endswith("AAA") else "BBB"),
        "other-secret": URLSafeTimedSerializer("another-secret-of-32-characters", salt="form-token")
        .dumps(payload),
        # A genuine signature of ours, but for another purpose (salt): not a form token.
        "result-link": Signer(TEST_SECRET, 3600, 3600).result_link("default", payload["s"]),
        "missing": None,
    }[forgery]
    data = {**answers(), **({"token": token} if token else {})}
    response = post_form(client, data)
    assert response.status_code == 400
    assert "Start again" in response.text
    assert upstream.leads() == []


def test_a_token_signed_for_another_widget_is_refused(
    make_client: ClientFactory, upstream: SandboxServer, tmp_path: Path
) -> None:
    (tmp_path / "widgets.toml").write_text(TWO_WIDGETS)
    client = make_client(widgets_file=tmp_path / "widgets.toml")
    acme_token = fresh_token(client, "acme")
    response = post_form(client, {"token": acme_token, **answers()}, widget_id="other")
    assert response.status_code == 400
    assert upstream.leads() == []
    assert stored(client, submission_of(acme_token)) is None


def test_an_expired_token_gives_a_fresh_form_with_the_answers_kept_and_the_same_submission(
    client: TestClient, upstream: SandboxServer
) -> None:
    old = backdated(fresh_token(client), seconds=3 * 3600)  # FORM_TOKEN_MAX_AGE is 2 hours
    page = post_form(client, {"token": old, **answers(message="Near the park")})
    assert page.status_code == 200
    assert step_of(page.text) == "details"  # the final press's page, shown again
    assert "this form timed out" in visible_text(page.text)
    assert input_value(page.text, "first_name") == "Marla"
    assert "Near the park" in page.text
    assert upstream.leads() == []
    renewed = form_token(page.text)
    assert renewed != old
    assert submission_of(renewed) == submission_of(old)
    # The homeowner presses again: one lead, under the first form's submission id.
    sent = post_form(client, {"token": renewed, **answers(message="Near the park")})
    assert sent.status_code == 303
    assert len(leads_for(upstream, submission_of(old))) == 1


def test_an_expired_journey_comes_back_on_the_details_step_and_sends_one_lead_when_pressed_again(
    client: TestClient, upstream: SandboxServer
) -> None:
    details = walk(client, message="Near the park").text
    old = backdated(hidden_fields(details)["token"], seconds=3 * 3600)
    page = press(client, details, token=old, **details_answers(message="Near the park"))
    assert page.status_code == 200
    assert step_of(page.text) == "details"
    assert "this form timed out" in visible_text(page.text)
    assert input_value(page.text, "first_name") == "Marla"
    assert "Near the park" in page.text
    assert carried_answers(client, page.text)["address"] == "12 Friar Gate, Derby"
    assert upstream.leads() == []
    renewed = form_token(page.text)
    assert renewed != old
    assert submission_of(renewed) == submission_of(old)
    sent = press(client, page.text, **details_answers(message="Near the park"))
    assert sent.status_code == 303
    [lead] = leads_for(upstream, submission_of(old))
    assert lead["body"]["address"] == "12 Friar Gate, Derby"


def test_an_expired_token_cannot_be_used_to_send(
    client: TestClient, upstream: SandboxServer
) -> None:
    old = backdated(fresh_token(client), seconds=3 * 3600)
    for _ in range(2):
        assert post_form(client, {"token": old, **answers()}).status_code == 200
    assert upstream.leads() == []


def test_tampered_hidden_attribution_inputs_are_ignored_for_the_signed_values(
    make_client: ClientFactory, upstream: SandboxServer
) -> None:
    agency = "https://www.acme-estates.example"
    client = make_client(widget_allowed_origins=agency)
    page = client.get(f"/w/default?host={agency}/sell&utm_source=newsletter").text
    token = form_token(page)
    forged = {"host": "https://evil.example/", "utm_source": "forged", "utm_campaign": "forged"}
    response = post_form(client, {"token": token, **answers(), **forged})
    assert response.status_code == 303
    sent = leads_for(upstream, submission_of(token))[0]["body"]
    assert sent["host"] == f"{agency}/sell"
    assert sent["utm_source"] == "newsletter"
    assert "utm_campaign" not in sent


def test_a_result_link_only_opens_for_its_own_widget_and_only_while_it_is_valid(
    make_client: ClientFactory, upstream: SandboxServer, tmp_path: Path
) -> None:
    (tmp_path / "widgets.toml").write_text(TWO_WIDGETS)
    client = make_client(widgets_file=tmp_path / "widgets.toml")
    sent = post_form(client, {"token": fresh_token(client, "acme"), **answers()}, "acme")
    location = sent.headers["location"]
    link = location.rsplit("/", 1)[1]
    assert client.get(location).status_code == 200
    assert client.get(f"{location}/status").json()["state"] == "delivered"

    signer = Signer(TEST_SECRET, 7200, 30 * 24 * 3600)
    submission = signer.read_result_link(link, "acme")
    moved = signer.result_link("other", submission)  # validly signed, but naming another widget
    for refused in (
        f"/w/other/result/{link}",
        f"/w/other/result/{moved}",
        f"/w/acme/result/{link[:-2]}xx",
        f"/w/acme/result/{backdated(link, 31 * 24 * 3600, salt='result-link')}",
    ):
        response = client.get(refused)
        assert response.status_code == 404, refused
        assert "This link has expired" in visible_text(response.text)
        assert client.get(f"{refused}/status").status_code == 404
