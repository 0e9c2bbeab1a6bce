"""One deployment, many agencies: two widgets from one WIDGETS_FILE, each with its own key,
office, source, question, brand and allowed origins, against the sandbox over HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.settings import Settings
from app.widgets import load_widgets
from tests.support.apps import SAME_ORIGIN, app_client, make_settings
from tests.support.forms import answers, form_token, walk
from tests.support.servers import REPO_ROOT, SandboxServer

ALPHA_ORIGINS = ("https://www.alpha-homes.example", "https://alpha-homes.example")
BRAVO_ORIGIN = "https://bravo-lettings.example"
WIDGETS = f"""
[widgets.alpha]
agency_name = "Alpha Homes"
api_key_env = "ALPHA_LEADPRO_KEY"
allowed_origins = {list(ALPHA_ORIGINS)!r}
office_id = 1213
source = "homepage"
lead_type = "vendor"
privacy_url = "https://www.alpha-homes.example/privacy"

[widgets.alpha.brand]
primary_colour = "#1d4f91"

[widgets.bravo]
agency_name = "Bravo Lettings"
api_key_env = "BRAVO_LEADPRO_KEY"
allowed_origins = ["{BRAVO_ORIGIN}"]
office_id = 1214
lead_type = "landlord"

[widgets.bravo.brand]
primary_colour = "#8a1538"

[[widgets.bravo.questions]]
id = "moving"
text = "When are you thinking of letting?"
options = ["Within 3 months", "Later this year", "Just curious"]
required = true
"""


@pytest.fixture
def client(
    tmp_path: Path, upstream: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("ALPHA_LEADPRO_KEY", "test-key")
    monkeypatch.setenv("BRAVO_LEADPRO_KEY", "other-key")
    widgets_file = tmp_path / "widgets.toml"
    widgets_file.write_text(WIDGETS)
    # The service-wide key is one the sandbox refuses: only the widgets' own keys can work.
    settings = make_settings(
        tmp_path, upstream.base_url, widgets_file=widgets_file, leadpro_api_key="no-such-key"
    )
    with app_client(settings) as client:
        yield client


def send(client: TestClient, widget: str, **changes: Any) -> Any:
    page = client.get(f"/w/{widget}").text
    data = {"token": form_token(page), **answers(**changes)}
    return client.post(f"/w/{widget}", data=data, headers=SAME_ORIGIN, follow_redirects=False)


def test_each_lead_reaches_the_lead_api_with_its_widgets_key_office_and_source(
    client: TestClient, upstream: SandboxServer
) -> None:
    assert send(client, "alpha").status_code == 303
    assert (
        send(client, "bravo", type=None, **{"questionnaire[moving]": "Later this year"}).status_code
        == 303
    )

    alpha, bravo = upstream.leads()
    assert alpha["api_key"] == "test-key"
    assert alpha["body"]["office_id"] == 1213
    assert alpha["body"]["source"] == "homepage"
    assert alpha["body"]["type"] == "vendor"
    assert "questionnaire" not in alpha["body"]

    assert bravo["api_key"] == "other-key"
    assert bravo["body"]["office_id"] == 1214
    assert bravo["body"]["source"] == "ivt"
    assert bravo["body"]["type"] == "landlord"
    assert bravo["body"]["questionnaire"] == {
        "moving": ["When are you thinking of letting?", "Later this year"]
    }


def test_each_page_shows_its_own_brand(client: TestClient) -> None:
    alpha = client.get("/w/alpha").text
    bravo = client.get("/w/bravo").text
    assert "Alpha Homes" in alpha and "Bravo Lettings" not in alpha
    assert "Bravo Lettings" in bravo and "Alpha Homes" not in bravo
    assert re.search(r"<style[^>]*>[^<]*--primary:#1d4f91", alpha)
    assert re.search(r"<style[^>]*>[^<]*--primary:#8a1538", bravo)
    # The agency's own question, on the property step of its journey only.
    alpha_property = walk(client, until="property", widget="alpha").text
    bravo_property = walk(client, until="property", widget="bravo").text
    assert "Alpha Homes" in alpha_property and "Bravo Lettings" in bravo_property
    assert "When are you thinking of letting?" in bravo_property
    assert "When are you thinking of letting?" not in alpha_property


def frame_ancestors(response: Any) -> list[str]:
    policy = response.headers["content-security-policy"]
    [directive] = [d.strip() for d in policy.split(";") if d.strip().startswith("frame-ancestors")]
    return directive.split()[1:]


def test_each_widget_may_be_framed_by_exactly_its_own_origins(client: TestClient) -> None:
    for path in ("/w/alpha", "/w/bravo"):
        assert "x-frame-options" not in client.get(path).headers
    assert frame_ancestors(client.get("/w/alpha")) == ["'self'", *ALPHA_ORIGINS]
    assert frame_ancestors(client.get("/w/bravo")) == ["'self'", BRAVO_ORIGIN]
    # Its result pages too.
    location = send(client, "alpha").headers["location"]
    assert frame_ancestors(client.get(location)) == ["'self'", *ALPHA_ORIGINS]
    # Pages that are no widget's are never framed.
    for path in ("/w/alpha/embed", "/demo", "/healthz", "/w/nobody"):
        assert frame_ancestors(client.get(path)) == ["'none'"], path


def test_json_api_answers_cors_only_to_the_widgets_own_origins(client: TestClient) -> None:
    def preflight(widget: str, origin: str) -> Any:
        return client.options(
            f"/api/widgets/{widget}/valuations",
            headers={
                "origin": origin,
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type",
            },
        )

    allowed = preflight("alpha", ALPHA_ORIGINS[0])
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == ALPHA_ORIGINS[0]
    refused = preflight("alpha", BRAVO_ORIGIN)
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers
    assert preflight("bravo", BRAVO_ORIGIN).headers["access-control-allow-origin"] == BRAVO_ORIGIN

    sent = client.post(
        "/api/widgets/alpha/valuations",
        json={"type": "vendor"},
        headers={"origin": BRAVO_ORIGIN},
    )
    assert sent.status_code == 403
    assert "access-control-allow-origin" not in sent.headers


def test_unknown_widget_is_a_plain_404_everywhere(client: TestClient) -> None:
    for path in ("/w/default", "/w/nobody", "/w/nobody/embed"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Page not found" in response.text
        assert "Alpha Homes" not in response.text and "Bravo Lettings" not in response.text
    assert client.post("/api/widgets/nobody/valuations", json={}).status_code == 404


def test_demo_and_snippet_page_use_the_first_widget_when_there_is_no_default(
    client: TestClient,
) -> None:
    demo = client.get("/demo").text
    assert 'data-widget="alpha"' in demo
    snippet = client.get("/w/bravo/embed").text
    assert "data-widget=&#34;bravo&#34;" in snippet
    assert BRAVO_ORIGIN in snippet and ALPHA_ORIGINS[0] not in snippet


def test_documented_example_widgets_file_is_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "bloggs_key"
    key_file.write_text("bloggs-key\n")
    example = (REPO_ROOT / "widgets.example.toml").read_text()
    path = tmp_path / "widgets.toml"
    path.write_text(example.replace("/run/secrets/bloggs_leadpro_key", str(key_file)))
    monkeypatch.setenv("ACME_LEADPRO_KEY", "acme-key")

    widgets = load_widgets(Settings(_env_file=None, widgets_file=path))

    assert list(widgets) == ["acme", "bloggs-lettings"]
    acme, bloggs = widgets["acme"], widgets["bloggs-lettings"]
    assert acme.api_key is not None and acme.api_key.get_secret_value() == "acme-key"
    assert bloggs.api_key is not None and bloggs.api_key.get_secret_value() == "bloggs-key"
    assert acme.office_id == 1213 and [q.id for q in acme.questions] == ["moving"]
    assert bloggs.lead_type == "landlord" and bloggs.source == "homepage"
