"""Every page the iframe shows is a widget page: early refusals on `/w/{widget}/…` are the
widget's own HTML page (brand, framable by its agency, a link back); `/api/…` keeps JSON; HEAD is
answered like GET."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.pages.refusals import size_in_words
from tests.support.apps import SAME_ORIGIN, make_settings
from tests.support.forms import answers, form_action, form_token, walk
from tests.support.servers import SandboxServer

AGENCY = "Acme Estates"
AGENCY_ORIGIN = "https://www.acme.example"
BRAND = "#8a1538"
FORM = "/w/default"
API = "/api/widgets/default/valuations"
FORM_URLENCODED = {"content-type": "application/x-www-form-urlencoded"}


def widget_settings(tmp_path: Path, upstream: SandboxServer, **overrides: Any) -> Any:
    return make_settings(
        tmp_path,
        upstream.base_url,
        widget_agency_name=AGENCY,
        widget_primary_colour=BRAND,
        widget_allowed_origins=AGENCY_ORIGIN,
        **overrides,
    )


@pytest.fixture
def client(tmp_path: Path, upstream: SandboxServer) -> Iterator[TestClient]:
    app = create_app(widget_settings(tmp_path, upstream))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def frame_ancestors(response: httpx.Response) -> list[str]:
    policy = response.headers["content-security-policy"]
    found = re.search(r"frame-ancestors ([^;]+)", policy)
    assert found, policy
    return found.group(1).split()


def link_back(page: str) -> str:
    found = re.search(r'<a class="b" href="([^"]+)">([^<]+)</a>', page)
    assert found, "the page has a way back"
    return found.group(1).replace("&amp;", "&")


def assert_widget_page(response: httpx.Response, status: int) -> str:
    """The widget's own page: HTML, its brand, framable by its agency, a link to its form."""
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert f'<span class="an">{AGENCY}</span>' in page  # the agency's name in the header
    assert f"--primary:{BRAND}" in page  # its brand colour
    assert frame_ancestors(response) == ["'self'", AGENCY_ORIGIN]
    assert "x-frame-options" not in response.headers
    assert link_back(page).startswith(FORM)
    return page


def chunked(total: int) -> Iterator[bytes]:
    for _ in range(total // 4096):
        yield b"a" * 4096


EARLY_REFUSALS = {
    "body-over-the-limit": (
        lambda c: c.post(
            FORM, content=b"message=" + b"a" * 40_000, headers={**FORM_URLENCODED, **SAME_ORIGIN}
        ),
        413,
        "Your answers were too long to send: the limit is 32 KB",
    ),
    "chunked-body-over-the-limit": (
        lambda c: c.post(
            FORM, content=chunked(64 * 1024), headers={**FORM_URLENCODED, **SAME_ORIGIN}
        ),
        413,
        "Your answers were too long to send: the limit is 32 KB",
    ),
    "malformed-multipart-body": (
        lambda c: c.post(
            FORM, content=b"x", headers={"content-type": "multipart/form-data", **SAME_ORIGIN}
        ),
        400,
        "Sorry, your answers could not be read",
    ),
    "method-the-form-does-not-take": (
        lambda c: c.put(FORM, content=b"x"),
        405,
        "This page can’t do that",
    ),
    "method-a-result-page-does-not-take": (
        lambda c: c.delete(f"{FORM}/result/abc"),
        405,
        "This page can’t do that",
    ),
    "unknown-page-of-a-widget": (
        lambda c: c.get(f"{FORM}/nowhere"),
        404,
        "Page not found",
    ),
}


@pytest.mark.parametrize("name", list(EARLY_REFUSALS))
def test_an_early_refusal_on_a_widget_path_is_the_widgets_own_page(
    client: TestClient, upstream: SandboxServer, name: str
) -> None:
    send, status, heading = EARLY_REFUSALS[name]
    page = assert_widget_page(send(client), status)
    assert heading in page
    assert upstream.leads() == []


def test_a_405_names_every_method_the_page_takes_head_included(client: TestClient) -> None:
    response = client.delete(f"{FORM}/result/abc")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


def test_the_413_page_states_the_limit_set_by_max_body_bytes(
    tmp_path: Path, upstream: SandboxServer
) -> None:
    settings = widget_settings(tmp_path, upstream, max_body_bytes=65536)
    with TestClient(create_app(settings)) as client:
        response = client.post(
            FORM, content=b"message=" + b"a" * 70_000, headers={**FORM_URLENCODED, **SAME_ORIGIN}
        )
    page = assert_widget_page(response, 413)
    assert "Your answers were too long to send: the limit is 64 KB." in page
    assert "Use your browser’s back button to return to your answers" in page
    assert response.headers["connection"] == "close"


def test_the_way_back_keeps_the_page_and_campaign_the_form_was_opened_with(
    client: TestClient,
) -> None:
    opened = (
        f"http://testserver{FORM}?host={quote(AGENCY_ORIGIN + '/sell', safe='')}&utm_source=mail"
    )
    response = client.post(
        FORM,
        content=b"message=" + b"a" * 40_000,
        headers={**FORM_URLENCODED, **SAME_ORIGIN, "referer": opened},
    )
    page = assert_widget_page(response, 413)
    assert link_back(page) == opened.removeprefix("http://testserver")
    # The page reports its height to the agency's page the form was framed by.
    assert f'data-parent-origin="{AGENCY_ORIGIN}"' in page


def test_a_body_over_the_limit_after_a_reshown_form_still_finds_the_agency_page(
    client: TestClient,
) -> None:
    """The form shown again with errors is at the POST's bare address; the press after it
    must still lead back to the agency's page and campaign (the Referer is all we have)."""
    opened = f"{FORM}?host={quote(AGENCY_ORIGIN + '/sell', safe='')}&utm_source=mail"
    token = form_token(client.get(opened).text)
    reshown = client.post(
        FORM, data=answers(token=token, email="not an email"), headers=SAME_ORIGIN
    )
    assert reshown.status_code == 422
    action = re.search(r'<form method="post" action="([^"]+)"', reshown.text)
    assert action, "the re-shown form has an action"
    next_press = action.group(1).replace("&amp;", "&")
    assert next_press.startswith(FORM + "?")

    response = client.post(
        FORM,
        content=b"message=" + b"a" * 40_000,
        headers={**FORM_URLENCODED, **SAME_ORIGIN, "referer": f"http://testserver{next_press}"},
    )
    page = assert_widget_page(response, 413)
    assert f'data-parent-origin="{AGENCY_ORIGIN}"' in page
    back = link_back(page)
    assert "utm_source=mail" in back
    assert quote(AGENCY_ORIGIN + "/sell", safe="") in back


@pytest.mark.parametrize("step", ["manual-address", "property", "visit", "details"])
def test_a_body_over_the_limit_from_a_step_page_still_finds_the_agency_page(
    client: TestClient, step: str
) -> None:
    """A step of the journey is shown at the address its press posted to (`/w/ID/steps/…`,
    with the page and campaign in its query): the Referer of the next press, refused unread,
    must still lead back to the form with them."""
    opened = f"{FORM}?host={quote(AGENCY_ORIGIN + '/sell', safe='')}&utm_source=mail"
    shown = walk(client, until=step, query=opened.removeprefix(FORM))
    assert shown.status_code == 200
    page_address = str(shown.request.url)
    assert f"{FORM}/steps/" in page_address

    response = client.post(
        form_action(shown.text),  # Continue, or "Get my valuation" on the details step
        content=b"message=" + b"a" * 40_000,
        headers={**FORM_URLENCODED, **SAME_ORIGIN, "referer": page_address},
    )
    page = assert_widget_page(response, 413)
    assert f'data-parent-origin="{AGENCY_ORIGIN}"' in page
    back = link_back(page)
    assert back.startswith(f"{FORM}?")
    assert "utm_source=mail" in back
    assert quote(AGENCY_ORIGIN + "/sell", safe="") in back


def test_an_unexpected_failure_on_a_widget_page_is_the_widgets_own_page(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = result_page(client)
    services = client.app.state.services  # type: ignore[attr-defined]

    async def broken(*args: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services.store, "get", broken)
    page = assert_widget_page(client.get(result), 500)
    assert "Sorry, there is a problem with the service" in page


def test_an_unknown_widget_may_be_framed_only_by_an_agency_some_widget_allows(
    client: TestClient,
) -> None:
    from_agency = client.get("/w/acme-typo", headers={"referer": f"{AGENCY_ORIGIN}/sell"})
    assert from_agency.status_code == 404
    assert "There is no valuation form at this address." in from_agency.text
    assert frame_ancestors(from_agency) == ["'self'", AGENCY_ORIGIN]
    elsewhere = client.get("/w/acme-typo", headers={"referer": "https://evil.example/"})
    assert elsewhere.status_code == 404
    assert frame_ancestors(elsewhere) == ["'none'"]
    assert AGENCY_ORIGIN not in elsewhere.headers["content-security-policy"]


def test_a_page_outside_the_widgets_stays_neutral_and_unframable(client: TestClient) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert frame_ancestors(response) == ["'none'"]


API_REFUSALS = {
    "body-over-the-limit": (
        lambda c: c.post(API, content=b"{" * 40_000, headers={"content-type": "application/json"}),
        413,
    ),
    "unknown-widget": (lambda c: c.post("/api/widgets/nobody/valuations", json={}), 404),
    "method-not-allowed": (lambda c: c.put(API, json={}), 405),
    "malformed-json": (
        lambda c: c.post(API, content=b"{nope", headers={"content-type": "application/json"}),
        400,
    ),
}


@pytest.mark.parametrize("name", list(API_REFUSALS))
def test_api_refusals_stay_json(client: TestClient, name: str) -> None:
    send, status = API_REFUSALS[name]
    response = send(client)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert isinstance(response.json()["message"], str)


@pytest.mark.parametrize(
    ("size", "words"),
    [
        (32768, "32 KB"),
        (65536, "64 KB"),
        (1_048_576, "1,024 KB"),
        (50_000, "48.8 KB"),
        (1024, "1 KB"),
        (900, "900 bytes"),
    ],
)
def test_a_size_in_words(size: int, words: str) -> None:
    assert size_in_words(size) == words


# HEAD


def result_page(client: TestClient) -> str:
    token = form_token(client.get(FORM).text)
    response = client.post(
        FORM, data={"token": token, **answers()}, headers=SAME_ORIGIN, follow_redirects=False
    )
    assert response.status_code == 303
    return response.headers["location"]


def head_paths(client: TestClient) -> list[str]:
    return [FORM, f"{FORM}/embed", result_page(client), "/demo", "/embed.js", "/healthz"]


def test_head_is_answered_like_get_with_no_body(client: TestClient) -> None:
    for path in head_paths(client):
        get, head = client.get(path), client.head(path)
        assert get.status_code == 200, path
        assert head.status_code == 200, path
        assert head.content == b"", path
        assert head.headers["content-type"] == get.headers["content-type"], path
        assert head.headers.get("cache-control") == get.headers.get("cache-control"), path
    assert client.head("/embed.js").headers["content-length"] == str(
        len(client.get("/embed.js").content)
    )


def test_head_on_a_refused_widget_path_gives_the_get_status(client: TestClient) -> None:
    assert client.head(f"{FORM}/nowhere").status_code == 404
    assert client.head("/w/nobody").status_code == 404
