"""The journey's pages: one step with the homeowner's answers so far, its errors, a notice.

Every step page is one form. It carries the form token, the answers of the other steps signed
(`Signer.sign_answers`), and its own questions; Back, Change and the step's other ways on are
buttons of that form (`name="go"`), so every answer survives them without cookies or script.
The first page (the postcode) is drawn once per widget and day and filled per request.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from app.admission import TRAP_FIELD
from app.attribution import ATTRIBUTION_FIELDS
from app.availability import MAX_SLOTS, offered_slots_by_day, uk_today
from app.deps import Services
from app.journey.answers import ListedAddress, typed_address
from app.journey.steps import FIRST_STEP, ORDER, Step
from app.pages.base import form_path, parent_origin, render
from app.security import allow_framing, csp_nonce, own_origin
from app.templating import Marks
from app.tokens import FormToken
from app.validation import (
    BEDROOM_CHOICES,
    LEAD_TYPE_LABELS,
    PROPERTY_TYPE_LABELS,
    question_field,
)
from app.widgets import Widget

Answers = Mapping[str, str | list[str]]
# A step is the answer to a POST: kept by the homeowner's own browser (never a shared cache), so
# its Back and Forward buttons show the step again instead of a resubmission error or, in a
# frame, a broken page. `no-cache` still keeps it from being reused unasked. (The first page,
# a GET, stays `no-store`: it is fetched afresh.)
HISTORY_CACHE = "private, no-cache"


@dataclass(frozen=True)
class AddressChoice:
    """What the address pages show besides the answers: the provider's list (`addresses`), or
    why the address must be typed (`manual_reason`, a calm line for the homeowner)."""

    addresses: tuple[ListedAddress, ...] = ()
    manual_reason: str | None = None


@dataclass(frozen=True)
class SummaryRow:
    """One answer on the details page's summary, with the step that changes it."""

    key: str
    value: str
    step: str
    what: str  # for screen readers: "Change <what>"


def step_path(request: Request, widget: Widget, step: Step) -> str:
    """The address a step's form posts to: `/w/{widget}/steps/{step}`."""
    return f"{form_path(request, widget)}/steps/{step.name}"


def render_step(
    request: Request,
    services: Services,
    widget: Widget,
    step: Step,
    token: str,
    form_token: FormToken,
    answers: Answers,
    *,
    errors: Mapping[str, str] | None = None,
    notice: str | None = None,
    choice: AddressChoice | None = None,
    return_to: str | None = None,
    status_code: int = 200,
) -> Response:
    """`step`'s page for the homeowner's `answers` (every step's, this one's shown in its
    fields), with `errors` on this step's fields and in the summary, a `notice` above the form,
    and the way back to the details page when a Change link brought the homeowner
    (`return_to="details"`). `token` is the signed form token the next press carries."""
    own = own_origin(request, services.settings.public_url)
    attribution = form_token.attribution.as_dict()
    # Every action keeps the page and campaign: a refusal of the next press (a body over the
    # limit is refused unread) still finds the agency's page and the way back from the Referer.
    query = action_query(attribution)
    context = _step_context(
        request,
        widget,
        step,
        token,
        attribution,
        parent_origin(widget, form_token.attribution, own),
        answers,
        errors or {},
        query,
    )
    context["carried"] = services.signer.sign_answers(widget.id, answers) if answers else ""
    context["return_to"] = return_to if return_to == "details" else ""
    context["lookup_on"] = services.addresses.provider_for(widget.id) is not None
    if step.name == "details":
        context["summary"] = summary_rows(widget, answers)
    if choice is not None:
        context["addresses"] = choice.addresses
        context["manual_reason"] = choice.manual_reason
        if choice.addresses:
            rows = [listed.as_row() for listed in choice.addresses]
            context["listed"] = services.signer.sign_address_list(widget.id, rows)
    response = render(
        request,
        services,
        step.template,
        widget,
        status_code=status_code,
        form_notice=notice,
        **context,
    )
    response.headers["cache-control"] = HISTORY_CACHE
    return response


def _step_context(
    request: Request,
    widget: Widget,
    step: Step,
    token: str,
    attribution: Mapping[str, str],
    parent: str | None,
    answers: Answers,
    errors: Mapping[str, str],
    query: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    names = step.fields(widget)
    context: dict[str, Any] = {
        "page_title": step.heading,
        "page_kind": "step",
        "step": step,
        "step_number": ORDER.index("address" if step.name == "manual-address" else step.name) + 1,
        "step_count": len(ORDER),
        "action": step_path(request, widget, step) + query,
        "final_action": form_path(request, widget) + query,
        "values": dict(answers),
        "errors": {name: message for name, message in errors.items() if name in names},
        "linked": names,
        "token": token,
        "attribution": attribution,
        "parent_origin": parent,
        "carried": "",
        "return_to": "",
        "lookup_on": True,
        "addresses": (),
        "manual_reason": None,
    }
    if step.name == "postcode":
        context["lead_types"] = LEAD_TYPE_LABELS
    elif step.name == "property":
        context.update(
            bedroom_choices=BEDROOM_CHOICES,
            property_types=PROPERTY_TYPE_LABELS,
            question_field=question_field,
        )
    elif step.name == "visit":
        context.update(days=offered_slots_by_day(now), max_slots=MAX_SLOTS)
    elif step.name == "details":
        context["trap_field"] = TRAP_FIELD
    return context


def summary_rows(widget: Widget, answers: Answers) -> list[SummaryRow]:
    """The property answers shown on the details page, each with the step that changes it."""
    rows: list[SummaryRow] = []
    if widget.lead_type == "choose":
        lead_type = LEAD_TYPE_LABELS.get(str(answers.get("type", "")), "")
        rows.append(SummaryRow("Sell or let", lead_type, "postcode", "sell or let"))
    address = ", ".join(str(answers.get(k, "")) for k in ("address", "postcode") if answers.get(k))
    rows.append(
        SummaryRow(
            "Address",
            address,
            "manual-address" if typed_address(answers) else "address",
            "address",
        )
    )
    property_type = PROPERTY_TYPE_LABELS.get(str(answers.get("property_type", "")), "")
    bedrooms = dict(BEDROOM_CHOICES).get(str(answers.get("property_bedrooms", "")), "")
    rows.append(
        SummaryRow(
            "Property", ", ".join(p for p in (property_type, bedrooms) if p), "property", "property"
        )
    )
    slots = answers.get("appointment_availability") or []
    count = len(set(slots)) if isinstance(slots, list) else 1  # a time sent twice is one
    visit = f"{count} time{'s' if count != 1 else ''} chosen" if count else "No times chosen"
    rows.append(SummaryRow("Agent visit", visit, "visit", "when an agent could visit"))
    return rows


def action_query(attribution: Mapping[str, str]) -> str:
    """`?host=…&utm_source=…` for a step's form action, "" without attribution."""
    return _encoded(tuple(attribution.items())) if attribution else ""


@functools.lru_cache(maxsize=1024)
def _encoded(pairs: tuple[tuple[str, str], ...]) -> str:
    # Cached: urlencode cost a fifth of the first page's CPU, and the visitors of one agency
    # page come with the same page and campaign.
    return "?" + urlencode(pairs)


def blank_first_step(
    request: Request,
    services: Services,
    widget: Widget,
    token: str,
    attribution: dict[str, str],
    parent: str | None,
) -> Response | None:
    """The first step (the postcode), blank: drawn once per widget and UK day with marks where
    the token, nonce, framing origin and attribution go, then filled in (escaped as Jinja
    would) per request. None if the template cannot be served this way: the caller renders it
    in full.
    """
    now = datetime.now(UTC)

    def draw(marks: Marks) -> str:
        optional = dict(marks.optional)
        context = _step_context(
            request,
            widget,
            FIRST_STEP,
            marks.token,
            optional,
            marks.parent_origin,
            {},
            {},
            marks.query,
            now,
        )
        context["lookup_on"] = services.addresses.provider_for(widget.id) is not None
        page = render(
            request, services, FIRST_STEP.template, widget, csp_nonce=marks.nonce, **context
        )
        return bytes(page.body).decode()

    key = (widget.id, request.scope.get("root_path", ""), uk_today(now))
    page = services.templates.blank_pages.get(key, ATTRIBUTION_FIELDS, draw)
    if page is None:
        return None
    allow_framing(request, widget.allowed_origins)
    # The action keeps the page and campaign, as every step's does (see `render_step`).
    query = action_query(attribution)
    html = page.fill(token, csp_nonce(request), parent, attribution, query)
    return HTMLResponse(html, headers={"cache-control": "no-store"})


def render_first_step(
    request: Request, services: Services, widget: Widget, token: str, form_token: FormToken
) -> Response:
    """The first step rendered in full (when the blank page cannot be used), `no-store` as the
    blank one is: a GET, fetched afresh."""
    response = render_step(request, services, widget, FIRST_STEP, token, form_token, {})
    response.headers["cache-control"] = "no-store"
    return response
