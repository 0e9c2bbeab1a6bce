"""One submission, one lead: double clicks, refreshes and re-sends never make a second lead."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from app.tokens import Signer
from tests.delivery.support import (
    api_body,
    expected_average,
    form_fields,
    form_token,
    sandbox_counts,
)
from tests.support.apps import SAME_ORIGIN, TEST_SECRET, app_client, make_settings
from tests.support.servers import SandboxServer

EXPECTED_AVERAGE = expected_average()


def result_submission(location: str) -> str:
    """The submission a result link names (links are signed and carry their issue time)."""
    link = location.rstrip("/").split("/result/")[1]
    return Signer(TEST_SECRET, 3600, 3600).read_result_link(link, "default")


def test_submitting_the_same_form_ten_times_creates_one_lead_and_one_result(
    tmp_path: Path, lead_api: SandboxServer
) -> None:
    with app_client(make_settings(tmp_path, lead_api.base_url)) as client:
        token = form_token(client.get("/w/default").text)
        fields = form_fields(token)
        responses = [
            client.post("/w/default", data=fields, headers=SAME_ORIGIN, follow_redirects=False)
            for _ in range(10)
        ]
        assert [r.status_code for r in responses] == [303] * 10
        submissions = {result_submission(r.headers["location"]) for r in responses}
        assert len(submissions) == 1
        # Every one of them (the back button, a refresh) shows the same estimate.
        for response in (responses[0], responses[-1]):
            page = client.get(response.headers["location"])
            assert page.status_code == 200 and EXPECTED_AVERAGE in page.text
    assert sandbox_counts(lead_api) == {submissions.pop(): 1}


def test_a_double_click_while_the_lead_api_is_slow_creates_one_lead(
    tmp_path: Path, lead_api: SandboxServer
) -> None:
    lead_api.set_faults(latency_ms=400)
    with app_client(make_settings(tmp_path, lead_api.base_url)) as client:
        fields = form_fields(form_token(client.get("/w/default").text))

        def post(_: int) -> str:
            response = client.post(
                "/w/default", data=fields, headers=SAME_ORIGIN, follow_redirects=False
            )
            assert response.status_code == 303
            return response.headers["location"]

        with ThreadPoolExecutor(2) as pool:
            locations = list(pool.map(post, range(2)))
        assert len({result_submission(location) for location in locations}) == 1
        # The second click waited for the first one's attempt: both see the estimate at once.
        for location in locations:
            assert EXPECTED_AVERAGE in client.get(location).text
    assert list(sandbox_counts(lead_api).values()) == [1]


def test_the_json_api_with_the_same_submission_id_ten_times_creates_one_lead(
    tmp_path: Path, lead_api: SandboxServer
) -> None:
    submission_id = secrets.token_hex(16)
    with app_client(make_settings(tmp_path, lead_api.base_url)) as client:
        answers = [
            client.post("/api/widgets/default/valuations", json=api_body(submission_id))
            for _ in range(10)
        ]
    assert {r.status_code for r in answers} == {200}
    assert {r.json()["submission_id"] for r in answers} == {submission_id}
    assert {r.json()["status"] for r in answers} == {"estimate"}
    assert sandbox_counts(lead_api) == {submission_id: 1}
