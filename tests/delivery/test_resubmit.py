"""One submission, one lead: double clicks, refreshes and re-sends never make a second lead."""

from __future__ import annotations

import re
import secrets
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from app.tokens import Signer
from tests.delivery.support import (
    FIRST_NAME,
    LAST_NAME,
    PHONE,
    api_body,
    expected_average,
    form_fields,
    form_token,
    sandbox_counts,
)
from tests.support.apps import SAME_ORIGIN, TEST_SECRET, app_client, make_settings
from tests.support.servers import SandboxServer

EXPECTED_AVERAGE = expected_average()
ALREADY_SENT = "You have already sent your details"
FIRST_PHONE = "07911123456"  # PHONE as the Lead API received it
CHANGED = {"first_name": "Marlene", "phone": "07911 123999", "postcode": "DE22 1AA"}


def visible_text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


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
        # Every one of them (the back button, a refresh) shows the same estimate, and no
        # "already sent" notice: nothing was changed.
        for response in (responses[0], responses[-1]):
            page = client.get(response.headers["location"])
            assert page.status_code == 200 and EXPECTED_AVERAGE in page.text
            assert ALREADY_SENT not in page.text
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


def test_a_re_sent_form_with_changed_answers_says_they_were_already_sent_and_shows_which(
    tmp_path: Path, lead_api: SandboxServer
) -> None:
    with app_client(make_settings(tmp_path, lead_api.base_url)) as client:
        fields = form_fields(form_token(client.get("/w/default").text))
        first = client.post("/w/default", data=fields, headers=SAME_ORIGIN, follow_redirects=False)
        assert ALREADY_SENT not in client.get(first.headers["location"]).text
        # Back to the form (the browser kept its token), some answers changed, sent again.
        again = client.post(
            "/w/default",
            data={**fields, **CHANGED},
            headers=SAME_ORIGIN,
            follow_redirects=False,
        )
        assert again.status_code == 303
        location = again.headers["location"]
        assert result_submission(location) == result_submission(first.headers["location"])
        for personal in (FIRST_NAME, LAST_NAME, PHONE, FIRST_PHONE, "Marlene", "DE22"):
            assert personal.replace(" ", "") not in location.replace("%20", "")
        page = visible_text(client.get(location).text)
    assert ALREADY_SENT in page
    assert "the changes you made have not been sent" in page
    for row in (
        "You want to: Sell",
        "Property: 123 Example Street, Derby, DE1 1JX",
        "Property details: 3 bedroom semi-detached house",
        f"Name: {FIRST_NAME} {LAST_NAME}",
        "Email address: marla@example.com",
        f"Phone number: {FIRST_PHONE}",
    ):
        assert row in page, row
    assert "Marlene" not in page and "123999" not in page and "DE22" not in page
    assert EXPECTED_AVERAGE in page  # the first outcome, as before
    [lead] = lead_api.leads()
    assert (lead["body"]["first_name"], lead["body"]["phone"]) == (FIRST_NAME, FIRST_PHONE)


def test_the_already_sent_notice_cannot_be_added_to_a_plain_result_link(
    tmp_path: Path, lead_api: SandboxServer
) -> None:
    with app_client(make_settings(tmp_path, lead_api.base_url)) as client:
        fields = form_fields(form_token(client.get("/w/default").text))
        plain = client.post("/w/default", data=fields, headers=SAME_ORIGIN, follow_redirects=False)
        location = plain.headers["location"]
        for tampered in (f"{location}?already_sent=1", f"{location}?r=1"):
            page = client.get(tampered).text
            assert ALREADY_SENT not in page and "marla@example.com" not in page


def test_the_json_api_says_when_a_re_send_carried_other_answers(
    tmp_path: Path, lead_api: SandboxServer
) -> None:
    submission_id = secrets.token_hex(16)
    api = "/api/widgets/default/valuations"
    with app_client(make_settings(tmp_path, lead_api.base_url)) as client:
        first = client.post(api, json=api_body(submission_id))
        same = client.post(api, json={**api_body(submission_id), "utm_source": "newsletter"})
        changed = client.post(api, json=api_body(submission_id, first_name="Marlene"))
        assert [r.status_code for r in (first, same, changed)] == [200, 200, 200]
        assert [r.json()["answers_changed"] for r in (first, same, changed)] == [
            False,
            False,  # where the form was (utm_*) is not an answer
            True,
        ]
        assert changed.json()["status"] == "estimate"
        page = visible_text(client.get(changed.json()["result_url"]).text)
        assert ALREADY_SENT in page and f"Name: {FIRST_NAME} {LAST_NAME}" in page
        assert ALREADY_SENT not in client.get(first.json()["result_url"]).text
    assert sandbox_counts(lead_api) == {submission_id: 1}
