"""Logs: one JSON object a line when not on a terminal (text on one), each request with its id
and timing, and every line of a request carrying that request's id."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.ops.support import SUBMIT_PATH, submission
from tests.support.apps import TEST_SECRET, LiveApp, run_app
from tests.support.servers import REPO_ROOT, SandboxServer, free_port


def server_env(tmp_path: Path, upstream: SandboxServer, **extra: str) -> dict[str, str]:
    return {
        "LEADPRO_API_BASE": upstream.base_url,
        "LEADPRO_API_KEY": "test-key",
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": f"sqlite:///{tmp_path}/widget.db",
        "MIN_FILL_SECONDS": "0",
        "WORKERS": "1",
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "auto",
        **extra,
    }


def json_lines(app: LiveApp) -> list[dict[str, Any]]:
    """Every line the server wrote; each must be a JSON object."""
    lines = [line for line in app.process.read_output().splitlines() if line.strip()]
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not a JSON log line: {line!r}")
    return parsed


def wait_for_line(
    app: LiveApp, match: Callable[[dict[str, Any]], bool], timeout: float = 10
) -> dict[str, Any]:
    """The request log line is written as the response finishes: give it a moment."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [line for line in json_lines(app) if match(line)]
        if found:
            return found[-1]
        time.sleep(0.1)
    raise AssertionError("no such log line")


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory, sandbox: SandboxServer) -> Iterator[LiveApp]:
    """One server for this module's tests (starting one takes seconds)."""
    with run_app(server_env(tmp_path_factory.mktemp("logs"), sandbox)) as app:
        yield app


def test_each_request_is_a_json_line_with_its_request_id_and_milliseconds(
    live_app: LiveApp,
) -> None:
    answer = httpx.get(f"{live_app.base_url}/w/default", headers={"x-request-id": "probe-42"})
    assert answer.headers["x-request-id"] == "probe-42"
    line = wait_for_line(
        live_app, lambda line: line.get("event") == "request" and line.get("path") == "/w/default"
    )
    assert line["request_id"] == "probe-42"
    assert line["method"] == "GET" and line["status"] == 200
    assert isinstance(line["ms"], int | float) and line["ms"] > 0
    assert line["level"] == "info" and line["logger"] == "app.access"
    assert {"time", "pid"} <= line.keys()


def test_a_request_without_an_id_gets_one_that_the_response_and_log_share(
    live_app: LiveApp,
) -> None:
    answer = httpx.get(f"{live_app.base_url}/readyz", headers={"x-request-id": "bad id!"})
    given = answer.headers["x-request-id"]
    assert given and given != "bad id!", "an unsafe incoming id is replaced"
    line = wait_for_line(live_app, lambda line: line.get("path") == "/readyz")
    assert line["request_id"] == given


def test_every_line_of_a_submission_carries_its_request_id(live_app: LiveApp) -> None:
    answer = httpx.post(
        f"{live_app.base_url}{SUBMIT_PATH}",
        json=submission(),
        headers={"x-request-id": "submit-7"},
        timeout=30,
    )
    assert answer.status_code == 200
    wait_for_line(live_app, lambda line: line.get("path") == SUBMIT_PATH)
    own = [line for line in json_lines(live_app) if line.get("request_id") == "submit-7"]
    events = {line["event"] for line in own}
    assert {"request", "delivery.delivered"} <= events, events


def test_logs_are_text_on_a_terminal(tmp_path: Path, upstream: SandboxServer) -> None:
    port = free_port()
    env = {**os.environ, **server_env(tmp_path, upstream), "HOST": "127.0.0.1", "PORT": str(port)}
    leader, follower = pty.openpty()
    server = subprocess.Popen(
        [sys.executable, "-m", "app", "serve"],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
    )
    os.close(follower)
    output = b""
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and b"path=/healthz" not in output:
            with contextlib.suppress(httpx.TransportError):
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            while select.select([leader], [], [], 0.2)[0]:
                try:
                    output += os.read(leader, 65536)
                except OSError:
                    break
    finally:
        server.terminate()
        server.wait(timeout=10)
        os.close(leader)
    text = output.decode(errors="replace")
    request_lines = [line for line in text.splitlines() if "path=/healthz" in line]
    assert request_lines, text[-2000:]
    assert not request_lines[0].lstrip().startswith("{")
    assert "request_id=" in request_lines[0] and "ms=" in request_lines[0]
