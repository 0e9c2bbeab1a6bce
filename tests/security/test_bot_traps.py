"""The bot traps never drop a person: a form sent too fast comes back to be checked and sent
again; a filled trap field stores the submission held (never sent until released), behind the
same "we have your details" page a person gets; and a person's mistakes always come first."""

from __future__ import annotations

import re
import time

import httpx
from fastapi.testclient import TestClient

from app import metrics
from app.admission import TRAP_FIELD
from app.store import HELD
from tests.security.conftest import ClientFactory
from tests.security.support import (
    answers,
    fresh_token,
    input_value,
    leads_for,
    post_form,
    result_of,
    stored,
    submission_of,
    visible_text,
)
from tests.support.forms import (
    DETAILS,
    carried_answers,
    details_answers,
    hidden_fields,
    press,
    step_of,
    walk,
)
from tests.support.servers import SandboxServer

TOO_FAST_NOTICE = "Your answers have not been sent yet. Please check them"
RECEIVED = "Thank you, we have your details"
# Words browser autofill and password managers match a field's name on (Chrome's and Safari's
# heuristics; LastPass's "email/password/user").
AUTOFILL_WORDS = (
    "name", "mail", "phone", "tel", "address", "addr", "street", "city", "post", "zip",
    "company", "organi", "website", "url", "user", "pass", "login", "card", "code", "country",
)  # fmt: skip


def count(counter: object, *labels: str) -> float:
    return counter.labels(*labels)._value.get()  # type: ignore[attr-defined]


# The answers as the journey shows them back (the postcode as it is written, so it reads the same).
SENT = answers(postcode="DE1 1JX", message="Near the park")


def assert_answers_kept(client: TestClient, page: str) -> None:
    """Every answer in SENT is back: the details step's in its fields, the earlier steps' in the
    answers the page carries (signed) to the next press."""
    carried = carried_answers(client, page)
    for name, sent in SENT.items():
        if name == "gdpr_checkbox":
            assert re.search(r'name="gdpr_checkbox" value="yes" checked', page), name
        elif name == "message":
            assert re.search(rf"<textarea[^>]*>{sent}</textarea>", page), name
        elif name in DETAILS:
            assert input_value(page, name) == sent, name
        else:
            assert carried[name] == sent, name


def held_post(client: TestClient, trap: str = "http://spam.example") -> httpx.Response:
    return post_form(client, {"token": fresh_token(client), **answers(), TRAP_FIELD: trap})


# Too fast


def test_a_form_sent_too_fast_comes_back_with_every_answer_and_the_same_token(
    make_client: ClientFactory, upstream: SandboxServer, log_lines: list[str]
) -> None:
    client = make_client(min_fill_seconds=3)
    before = (count(metrics.REJECTS, "too_fast"), count(metrics.SUBMISSIONS, "default", "too_fast"))
    details = walk(client, postcode="DE1 1JX", message="Near the park").text
    token = hidden_fields(details)["token"]
    page = press(client, details, **details_answers(message="Near the park"))
    assert page.status_code == 200
    assert step_of(page.text) == "details"
    text = visible_text(page.text)
    assert TOO_FAST_NOTICE in text and "select ‘Get my valuation’ again" in text
    assert "There is a problem" not in text
    assert_answers_kept(client, page.text)
    assert input_value(page.text, "token") == token  # the same submission when pressed again
    assert input_value(page.text, TRAP_FIELD) == ""
    assert stored(client, submission_of(token)) is None
    assert upstream.leads() == []
    after = (count(metrics.REJECTS, "too_fast"), count(metrics.SUBMISSIONS, "default", "too_fast"))
    assert after == (before[0] + 1, before[1] + 1)
    [event] = [line for line in log_lines if '"submission.too_fast"' in line]
    assert '"widget": "default"' in event


def test_a_whole_form_sent_too_fast_comes_back_on_the_details_step_with_every_answer(
    make_client: ClientFactory, upstream: SandboxServer
) -> None:
    # An earlier release's one-page form, cached by an agency's site, posts every answer at once.
    client = make_client(min_fill_seconds=3)
    token = fresh_token(client)
    page = post_form(client, {"token": token, **SENT})
    assert page.status_code == 200
    assert step_of(page.text) == "details"
    assert TOO_FAST_NOTICE in visible_text(page.text)
    assert_answers_kept(client, page.text)
    assert input_value(page.text, "token") == token
    assert stored(client, submission_of(token)) is None
    assert upstream.leads() == []


def test_a_fast_person_who_made_a_mistake_sees_their_errors_not_the_notice(
    make_client: ClientFactory, upstream: SandboxServer
) -> None:
    client = make_client(min_fill_seconds=3)
    page = post_form(client, {"token": fresh_token(client), **answers(email="marla@")})
    assert page.status_code == 422
    text = visible_text(page.text)
    assert "There is a problem" in text
    assert "Enter an email address in the correct format" in text
    assert TOO_FAST_NOTICE not in text and RECEIVED not in text
    assert input_value(page.text, "email") == "marla@"
    assert upstream.leads() == []


def test_pressing_again_after_the_minimum_time_sends_exactly_one_lead(
    make_client: ClientFactory, upstream: SandboxServer
) -> None:
    client = make_client(min_fill_seconds=1)
    token = fresh_token(client)
    issued = time.monotonic()
    first = post_form(client, {"token": token, **answers()})
    assert TOO_FAST_NOTICE in visible_text(first.text)
    again_token = input_value(first.text, "token")
    assert again_token == token
    time.sleep(max(0.0, 1.2 - (time.monotonic() - issued)))

    sent = post_form(client, {"token": again_token, **answers()})
    assert sent.status_code == 303
    assert result_of(sent) == submission_of(token)
    double_click = post_form(client, {"token": again_token, **answers()})
    assert result_of(double_click) == submission_of(token)
    [lead] = leads_for(upstream, submission_of(token))
    assert lead["body"]["first_name"] == "Marla"
    assert len(upstream.leads()) == 1


def test_a_person_who_took_their_time_is_sent_at_the_first_press(
    make_client: ClientFactory, upstream: SandboxServer
) -> None:
    client = make_client(min_fill_seconds=1)
    token = fresh_token(client)
    time.sleep(1.1)
    response = post_form(client, {"token": token, **answers()})
    assert response.status_code == 303
    assert len(leads_for(upstream, submission_of(token))) == 1


# The trap field


def test_a_filled_trap_field_stores_the_submission_held_and_sends_nothing(
    make_client: ClientFactory, upstream: SandboxServer, log_lines: list[str]
) -> None:
    # Sent fast too, as bots are: a filled trap is held, not shown the form again.
    client = make_client(min_fill_seconds=3)
    before = count(metrics.SUBMISSIONS, "default", "held")
    token = fresh_token(client)
    response = post_form(client, {"token": token, **answers(), TRAP_FIELD: "http://spam.example"})
    assert response.status_code == 303
    assert result_of(response) == submission_of(token)

    kept = stored(client, submission_of(token))
    assert kept is not None and kept.state == HELD and kept.attempts == 0
    assert kept.payload is not None
    assert (kept.payload["first_name"], kept.payload["postcode"]) == ("Marla", "DE1 1JX")
    assert kept.payload["meta"]["submission_id"] == submission_of(token)
    # The worker never claims it.
    services = client.app.state.services  # type: ignore[attr-defined]
    assert client.portal.call(services.delivery.drain_once) == 0  # type: ignore[union-attr]
    assert upstream.leads() == []
    assert count(metrics.SUBMISSIONS, "default", "held") == before + 1
    assert any('"submission.held' in line and submission_of(token) in line for line in log_lines)


def test_a_held_submission_shows_the_bot_and_the_person_the_same_thank_you_and_nothing_more(
    client: TestClient, upstream: SandboxServer
) -> None:
    response = held_post(client)
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    text = visible_text(page.text)
    assert RECEIVED in text
    assert "Our agency will be in touch about your valuation." in text
    assert "held" not in text.lower()
    status = client.get(f"{response.headers['location']}/status")
    assert status.json() == {"state": "received"}, "the poll must not tell a bot it was caught"


def test_a_held_form_sent_again_stays_one_held_submission(
    client: TestClient, upstream: SandboxServer
) -> None:
    token = fresh_token(client)
    data = {"token": token, **answers(), TRAP_FIELD: "x"}
    first, again = post_form(client, data), post_form(client, {**data, TRAP_FIELD: ""})
    assert result_of(first) == result_of(again) == submission_of(token)
    kept = stored(client, submission_of(token))
    assert kept is not None and kept.state == HELD
    assert upstream.leads() == []


def test_a_filled_trap_field_with_mistakes_shows_the_errors_like_anyone_and_stores_nothing(
    client: TestClient, upstream: SandboxServer
) -> None:
    # A person whose autofill filled the trap must see their errors, not a false "thank you".
    details = walk(client).text
    token = hidden_fields(details)["token"]
    page = press(client, details, **details_answers(email="marla@"), **{TRAP_FIELD: "Marla"})
    assert page.status_code == 422
    assert step_of(page.text) == "details"
    text = visible_text(page.text)
    assert "There is a problem" in text and "Enter an email address in the correct format" in text
    assert RECEIVED not in text
    assert input_value(page.text, "email") == "marla@"
    assert input_value(page.text, TRAP_FIELD) == "", "the trap comes back empty"
    assert stored(client, submission_of(token)) is None
    assert upstream.leads() == []


def test_a_whole_form_with_a_filled_trap_and_a_wrong_postcode_shows_the_postcode_step(
    client: TestClient, upstream: SandboxServer
) -> None:
    token = fresh_token(client)
    page = post_form(
        client, {"token": token, **answers(postcode="not a postcode"), TRAP_FIELD: "Marla"}
    )
    assert page.status_code == 422
    assert step_of(page.text) == "postcode"
    text = visible_text(page.text)
    assert "There is a problem" in text and "Enter a full UK postcode" in text
    assert RECEIVED not in text
    assert input_value(page.text, "postcode") == "not a postcode"
    assert TRAP_FIELD not in carried_answers(client, page.text), "the trap is not carried on"
    assert stored(client, submission_of(token)) is None
    assert upstream.leads() == []


def test_the_trap_field_is_hidden_from_people_and_left_alone_by_autofill_and_password_managers(
    client: TestClient,
) -> None:
    page = walk(client).text  # the details step, where the trap is
    trap = re.search(r'<div class="hp" aria-hidden="true">(.*?)</div>', page, re.S)
    assert trap, "the trap field sits in an aria-hidden wrapper"
    label = re.search(r"<label[^>]*>([^<]*)</label>", trap.group(1))
    field = re.search(r"<input[^>]*>", trap.group(1))
    assert label is not None and field is not None
    attributes = dict(re.findall(r'([\w-]+)(?:="([^"]*)")?', field.group()[len("<input") : -1]))
    assert attributes["name"] == attributes["id"] == TRAP_FIELD
    assert attributes["type"] == "text" and attributes["tabindex"] == "-1"
    # Named and labelled with no word autofill matches on.
    words = f"{TRAP_FIELD} {label.group(1)}".lower()
    assert [word for word in AUTOFILL_WORDS if word in words] == []
    # Chrome ignores "off" for address autofill, but leaves an unrecognised token alone.
    assert attributes["autocomplete"] not in ("", "on", "off")
    assert re.fullmatch(r"[a-z-]+", attributes["autocomplete"])
    # Each password manager's own opt-out.
    assert "data-1p-ignore" in attributes  # 1Password
    assert attributes["data-lpignore"] == "true"  # LastPass
    assert "data-bwignore" in attributes  # Bitwarden
    assert attributes["data-form-type"] == "other"  # Dashlane
    css = client.get("/static/widget.css").text
    rules = re.findall(r"([^{}]+)\{([^}]*)\}", css)
    assert any(
        ".hp" in [s.strip() for s in selectors.split(",")]
        and "position:absolute" in body.replace(" ", "")
        and re.search(r"left:\s*-\d{4,}px", body)
        and "display:none" not in body.replace(" ", "")
        for selectors, body in rules
    ), "the trap field is moved off screen, not display:none (which bots skip)"
