"""What tests send: the contract's example request, a homeowner's valid answers, the form token,
and the journey's steps pressed one by one as a browser without script does."""

from __future__ import annotations

import html
import re
from typing import Any

from tests.support.apps import SAME_ORIGIN

# The example request body of the Lead API contract, verbatim.
CONTRACT_EXAMPLE: dict[str, Any] = {
    "type": "vendor",
    "phone": "07986000000",
    "property_bedrooms": 4,
    "first_name": "Marla",
    "last_name": "Singer",
    "email": "cloud9@cloud.com",
    "title": "Mrs",
    "address": "123 Example street, Example town",
    "postcode": "De1 1JX",
    "appointment_availability": {"hours": ["2021-01-01T08:00:00.000Z", "2021-01-01T09:00:00.000Z"]},
    "message": "I would like to know how much my home is worth",
    "meta": {"virtual tour": "true"},
    "gdpr_checkbox": True,
    "host": "https://www.yourdomain.ivt.com",
}

FIRST_NAME, LAST_NAME = "Marla", "Singer"


def answers(**changes: Any) -> dict[str, Any]:
    """A valid form submission, as the form posts it; a change of None leaves the field out."""
    base: dict[str, Any] = {
        "type": "vendor",
        "address": "12 Friar Gate, Derby",
        "postcode": "de1 1jx",
        "property_type": "semi-detached",
        "property_bedrooms": "3",
        "title": "Mrs",
        "first_name": FIRST_NAME,
        "last_name": LAST_NAME,
        "email": "marla@example.com",
        "phone": "07911 123456",
        "gdpr_checkbox": "yes",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def form_token(page: str) -> str:
    """The signed token a rendered form carries."""
    found = re.search(r'name="token" value="([^"]+)"', page)
    assert found, "the page carries a form token"
    return found.group(1)


# The step-by-step journey, walked over HTTP as a browser without script posts its pages.

# The answers the details step asks for; the rest are asked on the steps before it.
DETAILS = ("title", "first_name", "last_name", "email", "phone", "message", "gdpr_checkbox")
STEP_ORDER = ("postcode", "address", "manual-address", "property", "visit", "details")


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of a step page's form: the token, the other steps' answers (signed),
    `return_to`, `host` and `utm_*`."""
    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)
    return {name: html.unescape(value) for name, value in found}


def carried_answers(client: Any, page: str, widget: str = "default") -> dict[str, Any]:
    """The other steps' answers a step page carries signed, read back as the app reads them
    (`client` a TestClient of the app that drew the page)."""
    signer = client.app.state.services.signer
    return dict(signer.read_answers(hidden_fields(page)["answers"], widget))


def step_of(page: str) -> str | None:
    """The journey step a page asks (its form's `data-step`), None on any other page."""
    found = re.search(r'<form method="post"[^>]*data-step="([^"]+)"', page)
    return found.group(1) if found else None


def form_action(page: str) -> str:
    """Where a page's main button posts (the final press for the details step)."""
    found = re.search(r'<form method="post" action="([^"]*)"', page)
    assert found, "the page has a form"
    return html.unescape(found.group(1))


def step_address(page: str) -> str:
    """Where this step's own buttons post (`/w/{id}/steps/{step}` with the page's query)."""
    step = step_of(page)
    assert step, "the page is a step of the journey"
    path, _, query = form_action(page).partition("?")
    widget_path = path.split("/steps/")[0]
    return f"{widget_path}/steps/{step}" + (f"?{query}" if query else "")


def press(client: Any, page: str, go: str | None = None, **fields: Any) -> Any:
    """Press a step page's main button (or the secondary button `go`: back, manual, skip,
    change-<step>) with its hidden fields and `fields` as this page's answers; a field of None
    is left out, as an unticked box is."""
    data = {**hidden_fields(page), **{k: v for k, v in fields.items() if v is not None}}
    if go is not None:
        data["go"] = go
        url = step_address(page)
    else:
        url = form_action(page)
    return client.post(url, data=data, headers=SAME_ORIGIN, follow_redirects=False)


def walk(
    client: Any,
    until: str = "details",
    widget: str = "default",
    query: str = "",
    headers: dict[str, str] | None = None,
    **changes: Any,
) -> Any:
    """The response showing step `until`, reached from the first page by answering each step
    with `answers(**changes)`: sell or let where the page asks it, the postcode, the address
    typed by hand ("My address is not listed" where a list is offered), the property and the
    widget's questions, the visit's times (skipped when there are none). Each step must pass.
    `headers` go with the first page's GET (a Referer, say)."""
    wanted = answers(**changes)
    response = client.get(f"/w/{widget}{query}", headers=headers or {})
    while (step := step_of(response.text)) != until:
        assert response.status_code == 200, (step, response.status_code, response.text[-2000:])
        assert step is not None and STEP_ORDER.index(step) < STEP_ORDER.index(until), step
        page = response.text
        if step == "postcode":
            lead_type = wanted.get("type") if 'name="type"' in page else None
            response = press(client, page, postcode=wanted["postcode"], type=lead_type)
        elif step == "address":
            response = press(client, page, go="manual")
        elif step == "manual-address":
            line_1, _, town = str(wanted["address"]).rpartition(", ")
            response = press(
                client, page, address_line_1=line_1, town=town, postcode=wanted["postcode"]
            )
        elif step == "property":
            asked = ("property_type", "property_bedrooms")
            property_answers = {
                k: v for k, v in wanted.items() if k in asked or k.startswith("questionnaire[")
            }
            response = press(client, page, **property_answers)
        elif step == "visit":
            times = wanted.get("appointment_availability")
            response = (
                press(client, page, appointment_availability=times)
                if times
                else press(client, page, go="skip")
            )
    return response


def details_answers(**changes: Any) -> dict[str, Any]:
    """The details step's answers of `answers(**changes)`."""
    return {k: v for k, v in answers(**changes).items() if k in DETAILS}


def send_through_journey(
    client: Any,
    widget: str = "default",
    query: str = "",
    headers: dict[str, str] | None = None,
    **changes: Any,
) -> Any:
    """Every step answered with `answers(**changes)`, then "Get my valuation" pressed: the
    final press's response (303 to the result page, or a step again with errors)."""
    details = walk(client, "details", widget, query, headers, **changes)
    assert details.status_code == 200, details.text[-2000:]
    return press(client, details.text, **details_answers(**changes))
