"""Request forgery without cookies: the form takes only same-origin posts, the JSON API only its
widget's allowed origins; a refused request stores nothing and sends nothing upstream."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.security.conftest import ClientFactory
from tests.security.support import (
    answers,
    api_answers,
    fresh_token,
    leads_for,
    post_form,
    stored,
    submission_of,
    visible_text,
)
from tests.support.servers import SandboxServer

AGENCY = "https://www.acme-estates.example"


@pytest.mark.parametrize(
    "headers",
    [
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},  # a sibling subdomain is not this service
        {"sec-fetch-site": "cross-site", "origin": "http://testserver"},  # Origin can't vouch
        {"origin": "https://evil.example"},  # an older browser: no Sec-Fetch-Site
        {"origin": "null"},  # a sandboxed frame or a data: page
        {},  # neither header: nothing shows where it came from
    ],
    ids=["cross-site", "same-site", "fetch-site-beats-origin", "foreign-origin", "null-origin",
         "no-headers"],
)
def test_a_forged_form_post_gets_a_plain_403_and_nothing_is_stored_or_sent(
    client: TestClient, upstream: SandboxServer, headers: dict[str, str]
) -> None:
    token = fresh_token(client)
    response = post_form(client, {"token": token, **answers()}, headers=headers)
    assert response.status_code == 403
    assert "This form can’t be sent from here" in visible_text(response.text)
    assert stored(client, submission_of(token)) is None
    assert upstream.leads() == []


@pytest.mark.parametrize(
    "headers",
    [
        {"sec-fetch-site": "same-origin"},
        {"sec-fetch-site": "none"},  # the user typed or bookmarked it
        {"origin": "http://testserver"},  # no Sec-Fetch-Site, but our own Origin
    ],
    ids=["same-origin", "user-initiated", "own-origin"],
)
def test_a_same_origin_form_post_is_accepted(
    client: TestClient, upstream: SandboxServer, headers: dict[str, str]
) -> None:
    token = fresh_token(client)
    response = post_form(client, {"token": token, **answers()}, headers=headers)
    assert response.status_code == 303
    assert len(leads_for(upstream, submission_of(token))) == 1


def test_with_public_url_set_the_origin_must_be_the_public_one_not_the_host_header(
    make_client: ClientFactory, upstream: SandboxServer
) -> None:
    client = make_client(public_url="https://valuations.example")
    token = fresh_token(client)
    spoofed = post_form(client, {"token": token, **answers()}, headers={"origin": "http://testserver"})
    assert spoofed.status_code == 403
    genuine = post_form(
        client, {"token": token, **answers()}, headers={"origin": "https://valuations.example"}
    )
    assert genuine.status_code == 303
    assert len(leads_for(upstream, submission_of(token))) == 1


def test_the_api_refuses_a_browser_call_from_an_origin_the_widget_does_not_allow(
    make_client: ClientFactory, upstream: SandboxServer
) -> None:
    client = make_client(widget_allowed_origins=AGENCY)
    response = client.post(
        "/api/widgets/default/valuations",
        json=api_answers(),
        headers={"origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert response.json()["message"] == "Origin not allowed"
    assert "access-control-allow-origin" not in response.headers
    assert upstream.leads() == []


def test_the_api_answers_an_allowed_origin_with_cors_headers_naming_only_that_origin(
    make_client: ClientFactory, upstream: SandboxServer
) -> None:
    client = make_client(widget_allowed_origins=AGENCY)
    preflight = client.options(
        "/api/widgets/default/valuations",
        headers={"origin": AGENCY, "access-control-request-method": "POST"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == AGENCY
    assert preflight.headers["access-control-allow-methods"] == "POST"
    response = client.post(
        "/api/widgets/default/valuations", json=api_answers(), headers={"origin": AGENCY}
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == AGENCY
    assert "Origin" in response.headers["vary"]
    assert len(leads_for(upstream, response.json()["submission_id"])) == 1


def test_a_preflight_from_a_foreign_origin_is_refused_without_cors_headers(
    make_client: ClientFactory,
) -> None:
    client = make_client(widget_allowed_origins=AGENCY)
    preflight = client.options(
        "/api/widgets/default/valuations",
        headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
    )
    assert preflight.status_code == 403
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-methods" not in preflight.headers


def test_an_allowed_origin_of_one_widget_is_not_allowed_for_another(
    make_client: ClientFactory, upstream: SandboxServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    widgets = tmp_path_factory.mktemp("widgets") / "widgets.toml"
    widgets.write_text(
        f'[widgets.acme]\nagency_name = "Acme"\nallowed_origins = ["{AGENCY}"]\n'
        '[widgets.other]\nagency_name = "Other"\nallowed_origins = ["https://other.example"]\n'
    )
    client = make_client(widgets_file=widgets)
    response = client.post(
        "/api/widgets/other/valuations", json=api_answers(), headers={"origin": AGENCY}
    )
    assert response.status_code == 403
    assert upstream.leads() == []


def test_a_server_to_server_api_call_without_origin_is_accepted(
    client: TestClient, upstream: SandboxServer
) -> None:
    response = client.post("/api/widgets/default/valuations", json=api_answers())
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    assert len(leads_for(upstream, response.json()["submission_id"])) == 1
