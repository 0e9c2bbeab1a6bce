"""The Lead API key and the secret key never leave the server: not in a page, a script, an error,
a JSON answer, a header or a log line. (Every response fetched through `make_client` is checked
for both, in several encodings; tests/support/log_scan.py checks every log line of the session.)"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Mount, Route

from app.templating import STATIC_DIR
from tests.security.conftest import ClientFactory
from tests.security.support import (
    LIVE_KEY,
    SECRETS,
    answers,
    api_answers,
    form_token,
    leads_for,
    leaks,
    post_form,
    result_of,
    submission_of,
    submit,
    token_payload,
    visible_text,
)
from tests.support.log_scan import findings
from tests.support.servers import SandboxServer


def all_routes(routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    """Every route, looking inside included routers (newer FastAPI keeps them whole)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from all_routes(included.routes)
        else:
            yield route


def test_crawling_every_route_finds_neither_the_key_nor_the_secret(
    client: TestClient, upstream: SandboxServer
) -> None:
    sent = submit(client)
    location = sent.headers["location"]
    link = location.rsplit("/", 1)[1]
    values = {"widget_id": "default", "link": link}
    responses = [sent]
    fetched: set[str] = set()
    # TestClient types its app as any ASGI app; this one is our FastAPI app, with routes.
    routes = list(all_routes(client.app.routes))  # type: ignore[attr-defined]
    for route in routes:
        if isinstance(route, Mount):
            assert route.path == "/static", "no /sandbox mount when every widget has a key"
            for file in sorted(STATIC_DIR.rglob("*")):
                if file.is_file():
                    responses.append(client.get(f"/static/{file.relative_to(STATIC_DIR)}"))
            fetched.add(route.path)
        elif isinstance(route, Route) and "GET" in (route.methods or ()):
            responses.append(client.get(route.path.format(**values)))
            fetched.add(route.path)
    get_routes = {
        r.path
        for r in routes
        if isinstance(r, Mount) or (isinstance(r, Route) and "GET" in (r.methods or ()))
    }
    assert fetched == get_routes
    assert {"/w/{widget_id}", "/openapi.json", "/docs", "/metrics"} <= fetched
    # Error pages and refusals of every kind.
    responses += [
        client.get("/nowhere"),
        client.get("/w/nobody"),
        client.post("/healthz"),
        client.get("/w/default/result/forged-link"),
        post_form(client, {"token": "forged"}),
        post_form(client, {}, headers={"sec-fetch-site": "cross-site"}),
        client.post("/api/widgets/default/valuations", json={"first_name": 1}),
        client.post("/api/widgets/default/valuations", json=api_answers(email="nope")),
        client.post("/api/widgets/default/valuations", content=b"x" * 40_000),
        client.post("/api/widgets/nobody/valuations", json=api_answers()),
    ]
    assert all(r.status_code < 500 for r in responses)
    assert [leak for r in responses for leak in leaks(r)] == []


def test_an_unexpected_error_shows_a_plain_page_and_logs_no_personal_data(
    make_client: ClientFactory, upstream: SandboxServer, tmp_path: Path, log_lines: list[str]
) -> None:
    client = make_client(raise_server_exceptions=False)
    assert submit(client).status_code == 303  # the database works at first
    database = sqlite3.connect(next(tmp_path.rglob("widget.db")))
    # From now on every insert fails: the database error quotes the row it could not write.
    database.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON submissions BEGIN SELECT RAISE(ABORT, 'no'); END"
    )
    database.commit()
    database.close()
    page = submit(client)
    api = client.post("/api/widgets/default/valuations", json=api_answers())
    assert page.status_code == api.status_code == 500
    assert "Sorry, there is a problem with the service" in visible_text(page.text)
    assert api.json() == {"message": "Something went wrong", "errors": {}}
    for response in (page, api):
        assert "Traceback" not in response.text and "INSERT" not in response.text
    errors = [json.loads(line) for line in log_lines if '"unhandled_error"' in line]
    assert [e["request_id"] for e in errors] == [
        page.headers["x-request-id"],
        api.headers["x-request-id"],
    ], "the error's log line carries the request id the response names"
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert [line for line in log_lines if findings(line)] == []


def test_the_built_in_sandbox_never_sees_or_shows_a_real_key(
    make_client: ClientFactory,
    upstream: SandboxServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SECURITY_TEST_LEAD_KEY", LIVE_KEY)
    (tmp_path / "widgets.toml").write_text(
        '[widgets.live]\nagency_name = "Live Agency"\napi_key_env = "SECURITY_TEST_LEAD_KEY"\n'
        '[widgets.trial]\nagency_name = "Trial Agency"\n'  # no key: the built-in sandbox
    )
    client = make_client(widgets_file=tmp_path / "widgets.toml", leadpro_api_key=None)
    live = client.get("/w/live")
    trial = client.get("/w/trial")
    assert "Sandbox: no real lead is sent" not in live.text
    assert "Sandbox: no real lead is sent" in trial.text
    trial_sent = submit(client, "trial")
    live_sent = submit(client, "live")
    assert trial_sent.status_code == live_sent.status_code == 303
    # The trial lead was valued by the in-process sandbox, never by the real upstream.
    trial_result = client.get(trial_sent.headers["location"])
    assert "£" in trial_result.text and leaks(trial_result) == []
    assert leads_for(upstream, result_of(trial_sent)) == []
    # With a live widget configured, the sandbox's records are not exposed at all.
    assert client.get("/sandbox/_sandbox/leads").status_code == 404
    assert client.get("/sandbox/_sandbox/faults").status_code == 404
    # The live widget's lead went to the real upstream, with its own key.
    assert leads_for(upstream, result_of(live_sent))[0]["api_key"] == LIVE_KEY


def test_there_is_no_sandbox_mount_when_every_widget_has_a_key(client: TestClient) -> None:
    assert client.get("/sandbox/_sandbox/leads").status_code == 404
    assert client.get("/sandbox/_sandbox/faults").status_code == 404


def test_signed_values_are_readable_so_they_hold_only_ids_times_and_attribution(
    client: TestClient, upstream: SandboxServer
) -> None:
    token = form_token(client.get("/w/default?utm_source=newsletter").text)
    payload = token_payload(token)  # itsdangerous signs; anyone can read the payload
    assert set(payload) == {"w", "s", "t", "a"}
    link = post_form(client, {"token": token, **answers()}).headers["location"].rsplit("/", 1)[1]
    assert token_payload(link, salt="result-link") == {"w": "default", "s": submission_of(token)}
    for secret in SECRETS:
        assert secret not in json.dumps(payload)
