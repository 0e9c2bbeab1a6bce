"""`/metrics`: Prometheus text that moves with what the service does, optionally behind a token.

Counters are process-wide and other tests share them, so each test compares before and after.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from app.admission import TRAP_FIELD
from tests.ops.support import SUBMIT_PATH, moved, sample, submission, value
from tests.support.apps import SAME_ORIGIN, app_client, make_settings
from tests.support.forms import answers
from tests.support.servers import SandboxServer

REJECT_REASONS = ("validation", "too_fast", "rate_limit")


def scrape(client: TestClient) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    return response.text


def test_metrics_are_prometheus_text_with_every_series_from_the_start(
    tmp_path: Path, upstream: SandboxServer
) -> None:
    with app_client(make_settings(tmp_path, upstream.base_url)) as client:
        response = client.get("/metrics")
    assert response.status_code == 200
    # The Prometheus text exposition format (0.0.4, or 1.0.0 from prometheus-client 0.22 on).
    assert re.fullmatch(
        r"text/plain; version=(0\.0\.4|1\.0\.0); charset=utf-8", response.headers["content-type"]
    )
    text = response.text
    for reason in REJECT_REASONS:
        assert sample(text, "widget_rejects_total", reason=reason) is not None
    for outcome in ("accepted", "invalid", "too_fast", "held"):
        series = {"widget": "default", "outcome": outcome}
        assert sample(text, "widget_submissions_total", **series) is not None
    assert sample(text, "leadapi_requests_total", status_class="2xx") is not None
    assert sample(text, "leadapi_request_seconds_count") is not None
    assert value(text, "lead_delivery_backlog") == 0
    assert value(text, "lead_delivery_oldest_pending_seconds") == 0
    assert value(text, "lead_held_submissions") == 0


def test_a_delivered_submission_moves_submissions_upstream_calls_and_latency(
    tmp_path: Path, upstream: SandboxServer
) -> None:
    with app_client(make_settings(tmp_path, upstream.base_url)) as client:
        before = scrape(client)
        answer = client.post(SUBMIT_PATH, json=submission())
        after = scrape(client)
    assert answer.status_code == 200 and answer.json()["status"] == "estimate"
    accepted = {"widget": "default", "outcome": "accepted"}
    assert moved(before, after, "widget_submissions_total", **accepted) == 1
    assert moved(before, after, "leadapi_requests_total", status_class="2xx") == 1
    assert moved(before, after, "leadapi_request_seconds_count") == 1
    assert moved(before, after, "leadapi_request_seconds_sum") > 0
    assert moved(before, after, "lead_deliveries_total", result="delivered") == 1
    assert value(after, "lead_delivery_backlog") == 0


def test_an_invalid_submission_counts_as_a_validation_reject(
    tmp_path: Path, upstream: SandboxServer
) -> None:
    with app_client(make_settings(tmp_path, upstream.base_url)) as client:
        before = scrape(client)
        answer = client.post(SUBMIT_PATH, json=submission(postcode="not a postcode"))
        after = scrape(client)
    assert answer.status_code == 422
    assert moved(before, after, "widget_rejects_total", reason="validation") == 1
    invalid = {"widget": "default", "outcome": "invalid"}
    assert moved(before, after, "widget_submissions_total", **invalid) == 1
    assert upstream.stats()["received"] == 0, "nothing invalid goes upstream"


def form_token_of(client: TestClient) -> str:
    token = re.search(r'name="token" value="([^"]+)"', client.get("/w/default").text)
    assert token, "the form carries its signed token"
    return token.group(1)


def test_a_form_sent_too_fast_counts_as_a_too_fast_reject(
    tmp_path: Path, upstream: SandboxServer
) -> None:
    with app_client(make_settings(tmp_path, upstream.base_url, min_fill_seconds=3)) as client:
        token = form_token_of(client)
        before = scrape(client)
        answer = client.post(
            "/w/default", data={"token": token, **answers()}, headers=SAME_ORIGIN
        )
        after = scrape(client)
    assert answer.status_code == 200  # the form again, to be checked and sent again
    assert moved(before, after, "widget_rejects_total", reason="too_fast") == 1
    too_fast = {"widget": "default", "outcome": "too_fast"}
    assert moved(before, after, "widget_submissions_total", **too_fast) == 1
    assert upstream.stats()["received"] == 0


def test_a_filled_trap_field_counts_as_held_and_the_held_gauge_shows_it(
    tmp_path: Path, upstream: SandboxServer
) -> None:
    with app_client(make_settings(tmp_path, upstream.base_url)) as client:
        token = form_token_of(client)
        before = scrape(client)
        answer = client.post(
            "/w/default",
            data={"token": token, **answers(), TRAP_FIELD: "http://spam.example"},
            headers=SAME_ORIGIN,
            follow_redirects=False,
        )
        after = scrape(client)
    assert answer.status_code == 303  # to the same "we have your details" page a person gets
    held = {"widget": "default", "outcome": "held"}
    assert moved(before, after, "widget_submissions_total", **held) == 1
    accepted = {"widget": "default", "outcome": "accepted"}
    assert moved(before, after, "widget_submissions_total", **accepted) == 0
    assert value(after, "lead_held_submissions") == 1
    assert value(after, "lead_delivery_backlog") == 0, "held is not waiting for delivery"
    assert upstream.stats()["received"] == 0


def test_a_rate_limited_submission_counts_as_a_rate_limit_reject(
    tmp_path: Path, upstream: SandboxServer
) -> None:
    settings = make_settings(tmp_path, upstream.base_url, rate_limit_per_ip="1/minute")
    with app_client(settings) as client:
        assert client.post(SUBMIT_PATH, json=submission()).status_code == 200
        before = scrape(client)
        refused = client.post(SUBMIT_PATH, json=submission())
        after = scrape(client)
    assert refused.status_code == 429
    assert moved(before, after, "widget_rejects_total", reason="rate_limit") == 1


def test_the_backlog_gauges_show_a_submission_waiting_for_delivery(
    tmp_path: Path, upstream: SandboxServer
) -> None:
    upstream.set_faults(down=True)
    try:
        settings = make_settings(tmp_path, upstream.base_url, submit_wait_seconds=2)
        with app_client(settings) as client:
            before = scrape(client)
            answer = client.post(SUBMIT_PATH, json=submission())
            after = scrape(client)
    finally:
        upstream.set_faults(down=False)
    assert answer.status_code == 202 and answer.json()["status"] == "pending"
    assert value(after, "lead_delivery_backlog") == 1
    assert value(after, "lead_delivery_oldest_pending_seconds") > 0
    assert moved(before, after, "leadapi_requests_total", status_class="5xx") == 1


def test_metrics_need_the_bearer_token_when_one_is_set(
    tmp_path: Path, upstream: SandboxServer
) -> None:
    token = "metrics-token-for-this-test"
    settings = make_settings(tmp_path, upstream.base_url, metrics_token=token)
    with app_client(settings) as client:
        missing = client.get("/metrics")
        wrong = client.get("/metrics", headers={"authorization": "Bearer not-the-token"})
        basic = client.get("/metrics", headers={"authorization": f"Basic {token}"})
        right = client.get("/metrics", headers={"authorization": f"Bearer {token}"})
    for refused in (missing, wrong, basic):
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert "widget_submissions_total" not in refused.text
    assert right.status_code == 200
    assert "widget_submissions_total" in right.text
