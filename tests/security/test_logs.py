"""Logs are structured, carry the request id, and hold no email, phone, name or secret.

tests/support/log_scan.py scans every log line of the whole session (and every server's output) and
fails the run on a finding; these tests prove the scanner sees what it must, and check the
lines of a full, hostile session directly.
"""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi.testclient import TestClient

from app.admission import TRAP_FIELD
from tests.security.conftest import ClientFactory
from tests.security.support import answers, api_answers, form_token, post_form, submit
from tests.support.apps import SAME_ORIGIN, LiveApp
from tests.support.log_scan import SCAN, findings
from tests.support.servers import SandboxServer, run_sandbox


@pytest.mark.parametrize(
    ("line", "kinds"),
    [
        ('{"event": "x", "email": "marla@example.com"}', ["email"]),
        ("called 07911 123456 back", ["uk_phone"]),
        ("phone=+44 (0)7911 123456", ["uk_phone"]),
        ("landline 01332 123456", ["uk_phone"]),
        ("+447986000000", ["uk_phone"]),
        ("first_name=Marla", ["name"]),
        ("Durden", ["name"]),
        ("x-api-key: test-key", ["secret"]),
        ("key other-key", ["secret"]),
        ("secret test-secret-key-not-for-production", ["secret"]),
    ],
)
def test_the_log_scanner_finds_personal_data_and_secrets(line: str, kinds: list[str]) -> None:
    assert findings(line) == kinds


@pytest.mark.parametrize(
    "line",
    [
        '{"time": "2026-11-26T20:14:52.320+00:00", "status": 200, "ms": 0.52}',
        '{"submission": "0791112345601234567890123456789a", "request_id": "07911123456abcde"}',
        "/w/default/result/eyJ3IjoiZGVmYXVsdCJ9.awiSWA.wlzUy3s9TFpcEuuSYTSdRXfIq_07911123456",
        "Sandbox Lead API on http://127.0.0.1:54321 (2 key(s)), sandbox-key, latest-key",
        "delivery.rejected fields=['email', 'phone'] Marlastone",
    ],
)
def test_the_log_scanner_passes_ids_times_addresses_and_field_names(line: str) -> None:
    assert findings(line) == []


def test_the_scanner_captures_server_output_when_a_server_stops() -> None:
    before = (SCAN.server_outputs, SCAN.lines_scanned)
    with run_sandbox(keys=("scan-check",)):
        pass
    assert SCAN.server_outputs == before[0] + 1
    assert SCAN.lines_scanned > before[1]


def test_a_hostile_session_leaves_json_lines_with_request_ids_and_nothing_personal(
    make_client: ClientFactory, upstream: SandboxServer, log_lines: list[str]
) -> None:
    client = make_client(rate_limit_per_ip="4/minute", min_fill_seconds=0)
    sent = submit(client)
    held = submit(client, **{TRAP_FIELD: "x"})  # stored held: its log line names only the id
    post_form(client, {"token": "forged", **answers()})
    post_form(client, {**answers()}, headers={"sec-fetch-site": "cross-site"})
    client.post("/api/widgets/default/valuations", json=api_answers(email="marla@"))
    client.post("/api/widgets/default/valuations", json=api_answers())
    upstream.set_faults(down=True)
    submit(client, phone="01332 123456")  # the upstream is down: delivery is retried later
    upstream.set_faults(down=False)
    submit(client)  # over the rate limit
    assert sent.status_code == held.status_code == 303

    events = [json.loads(line) for line in log_lines]
    assert [e for e in events if e["logger"] == "app.access" and not e.get("request_id")] == []
    delivered = [e for e in events if e["event"] == "delivery.delivered"]
    assert delivered and all(e.get("request_id") for e in delivered)
    assert [line for line in log_lines if findings(line)] == []


def test_a_request_id_sent_by_a_load_balancer_is_on_every_line_of_that_request(
    client: TestClient, upstream: SandboxServer, log_lines: list[str]
) -> None:
    token = form_token(client.get("/w/default").text)
    response = client.post(
        "/w/default",
        data={"token": token, **answers()},
        headers={**SAME_ORIGIN, "x-request-id": "lb-7f3a9c"},
        follow_redirects=False,
    )
    assert response.headers["x-request-id"] == "lb-7f3a9c"
    tagged = [json.loads(line) for line in log_lines if '"lb-7f3a9c"' in line]
    assert {e["event"] for e in tagged} >= {"request", "delivery.delivered"}


def test_the_real_servers_log_is_json_with_request_ids_and_nothing_personal(
    live_widget: LiveApp, sandbox: SandboxServer
) -> None:
    with httpx.Client(base_url=live_widget.base_url, timeout=10, follow_redirects=True) as http:
        token = form_token(http.get("/w/default").text)
        sent = http.post("/w/default", data={"token": token, **answers()}, headers=SAME_ORIGIN)
        assert sent.status_code == 200  # followed the redirect to the estimate
        http.post("/api/widgets/default/valuations", json=api_answers(phone="nope"))
    lines = [line for line in live_widget.process.read_output().splitlines() if line.strip()]
    requests = [json.loads(line) for line in lines if '"app.access"' in line]
    assert requests and all(r["request_id"] for r in requests)
    assert [line for line in lines if findings(line)] == []
