"""The request's path through the middlewares (app/middleware/), seen from outside a real server.

Whoever answers (a route, the body limit's 413 before any route runs, or the 500 handler that
Starlette runs outside every middleware), the response carries the security headers and its
request id, and the log holds exactly one access line for it, with the status sent."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.ops.support import SUBMIT_PATH, submission
from tests.ops.test_logs import json_lines, server_env, wait_for_line
from tests.support.apps import SAME_ORIGIN, LiveApp, run_app
from tests.support.forms import answers, form_token
from tests.support.servers import SandboxServer

LIMIT = 2048  # MAX_BODY_BYTES for this server: a small body goes over it


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, sandbox: SandboxServer
) -> Iterator[tuple[LiveApp, Path]]:
    """A real server, and its database (to make every insert fail, for the 500s)."""
    folder = tmp_path_factory.mktemp("request-path")
    env = server_env(folder, sandbox, MAX_BODY_BYTES=str(LIMIT), LOG_FORMAT="json")
    with run_app(env) as app:
        yield app, folder / "widget.db"


def assert_secured(response: httpx.Response, request_id: str) -> None:
    headers = response.headers
    assert headers["x-request-id"] == request_id
    assert "default-src" in headers["content-security-policy"]
    assert "frame-ancestors" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["permissions-policy"]
    assert headers["cross-origin-opener-policy"] == "same-origin"


def access_lines(app: LiveApp, request_id: str, status: int) -> list[dict]:
    """The `request` lines for this id, once the one with this status has been written."""
    wait_for_line(
        app,
        lambda line: line.get("event") == "request" and line.get("request_id") == request_id,
    )
    found = [
        line
        for line in json_lines(app)
        if line.get("event") == "request" and line.get("request_id") == request_id
    ]
    assert [line["status"] for line in found] == [status], request_id
    return found


def test_a_page_and_a_refused_body_each_carry_the_headers_and_log_one_line(
    served: tuple[LiveApp, Path],
) -> None:
    app, _ = served
    with httpx.Client(base_url=app.base_url, timeout=10) as http:
        sent = {
            "page-200": http.get("/w/default", headers={"x-request-id": "page-200"}),
            "api-413": http.post(
                SUBMIT_PATH, content=b"{" * (LIMIT + 1), headers={"x-request-id": "api-413"}
            ),
            "form-413": http.post(
                "/w/default",
                content=b"a=" + b"x" * LIMIT,
                headers={
                    "x-request-id": "form-413",
                    "content-type": "application/x-www-form-urlencoded",
                    **SAME_ORIGIN,
                },
            ),
            "missing-404": http.get("/nowhere", headers={"x-request-id": "missing-404"}),
        }
    expected = {"page-200": 200, "api-413": 413, "form-413": 413, "missing-404": 404}
    for request_id, response in sent.items():
        assert response.status_code == expected[request_id], request_id
        assert_secured(response, request_id)
        access_lines(app, request_id, expected[request_id])
    assert sent["api-413"].json()["message"] == f"Request body too large (at most {LIMIT} bytes)"
    assert "Your answers were too long to send" in sent["form-413"].text


def test_an_unexpected_failure_carries_the_headers_and_logs_one_line_as_500(
    served: tuple[LiveApp, Path],
) -> None:
    app, database_path = served
    token = form_token(httpx.get(f"{app.base_url}/w/default", timeout=10).text)
    database = sqlite3.connect(database_path)
    # From now on every insert fails: the app meets an error it does not expect.
    database.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON submissions BEGIN SELECT RAISE(ABORT, 'no'); END"
    )
    database.commit()
    database.close()
    # One connection each: the server closes a connection after an exception.
    api = httpx.post(
        f"{app.base_url}{SUBMIT_PATH}",
        json=submission(),
        headers={"x-request-id": "api-500"},
        timeout=10,
    )
    page = httpx.post(
        f"{app.base_url}/w/default",
        data={"token": token, **answers()},
        headers={"x-request-id": "form-500", **SAME_ORIGIN},
        timeout=10,
    )
    for request_id, response in (("api-500", api), ("form-500", page)):
        assert response.status_code == 500, request_id
        assert_secured(response, request_id)
        access_lines(app, request_id, 500)
        errors = [
            line
            for line in json_lines(app)
            if line.get("event") == "unhandled_error" and line.get("request_id") == request_id
        ]
        assert len(errors) == 1, request_id
    assert api.json() == {"message": "Something went wrong", "errors": {}}
    assert "Sorry, there is a problem with the service" in page.text
    # The widget's own 500 page may be framed like its form: the framing policy got through.
    assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
