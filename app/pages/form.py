"""The form page: blank (drawn once per widget and day, then filled in), or again with the
homeowner's answers, the errors on them, or a notice saying why they were not sent yet."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from app.admission import TRAP_FIELD, Deferral
from app.attribution import ATTRIBUTION_FIELDS, Attribution
from app.availability import MAX_SLOTS, Slot, offered_slots_by_day, uk_today
from app.deps import Services
from app.origins import origin_of
from app.pages.base import form_path, message_page, render
from app.pipeline import Result
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

TOO_FAST_NOTICE = (
    "Your answers have not been sent yet. Please check them, then select ‘Get my valuation’ again."
)
EXPIRED_NOTICE = (
    "For your security, this form timed out. Your answers are still here: "
    "check them and select ‘Get my valuation’ again."
)
UPSTREAM_FIELD_NOTE = "The valuation service could not accept this"


def parent_origin(widget: Widget, attribution: Attribution, own: str) -> str | None:
    """Where height and event messages may be posted: the framing page's origin, if trusted."""
    origin = origin_of(attribution.host) if attribution.host else None
    return origin if widget.trusts(origin, own) else None


def render_form(
    request: Request,
    services: Services,
    widget: Widget,
    token: str,
    form_token: FormToken,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    """The form with `values` filled in, `errors` on their fields (and in the summary) and a
    `notice` above it; `token` is the signed form token the next submit carries."""
    own = own_origin(request, services.settings.public_url)
    parent = parent_origin(widget, form_token.attribution, own)
    attribution = form_token.attribution.as_dict()
    context = _form_context(
        request, widget, token, attribution, parent, offered_slots_by_day(), values, errors
    )
    if attribution:
        # A re-shown form sits at the POST's address, which has no query. Its action keeps the
        # page and campaign, so that a refusal of the next press (a body over the limit, which
        # is refused unread) still finds the agency's page and the way back from the Referer.
        context["action"] += "?" + urlencode(attribution)
    return render(
        request,
        services,
        "form.html",
        widget,
        status_code=status_code,
        **context,
        form_notice=notice,
    )


def _form_context(
    request: Request,
    widget: Widget,
    token: str,
    attribution: dict[str, str],
    parent: str | None,
    days: list[tuple[date, list[Slot]]],
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "page_title": "Get an instant valuation",
        "page_kind": "form",
        "action": form_path(request, widget),
        "values": values or {},
        "errors": errors or {},
        "token": token,
        "attribution": attribution,
        "parent_origin": parent,
        "trap_field": TRAP_FIELD,
        "days": days,
        "max_slots": MAX_SLOTS,
        "bedroom_choices": BEDROOM_CHOICES,
        "property_types": PROPERTY_TYPE_LABELS,
        "lead_types": LEAD_TYPE_LABELS,
        "question_field": question_field,
    }


def blank_form(
    request: Request,
    services: Services,
    widget: Widget,
    token: str,
    attribution: dict[str, str],
    parent: str | None,
) -> Response | None:
    """The blank form, drawn once per widget and UK day with marks where the token, nonce,
    framing origin and attribution go, then filled in (escaped as Jinja would) per request.
    None if the template cannot be served this way: the caller renders it in full.
    """
    now = datetime.now(UTC)

    def draw(marks: Marks) -> str:
        days = offered_slots_by_day(now)
        optional = dict(marks.optional)
        context = _form_context(request, widget, marks.token, optional, marks.parent_origin, days)
        page = render(request, services, "form.html", widget, csp_nonce=marks.nonce, **context)
        return bytes(page.body).decode()

    key = (widget.id, request.scope.get("root_path", ""), uk_today(now))
    page = services.templates.blank_pages.get(key, ATTRIBUTION_FIELDS, draw)
    if page is None:
        return None
    allow_framing(request, widget.allowed_origins)
    html = page.fill(token, csp_nonce(request), parent, attribution)
    return HTMLResponse(html, headers={"cache-control": "no-store"})


def deferred_form(
    request: Request,
    services: Services,
    widget: Widget,
    token: str,
    form_token: FormToken,
    values: dict[str, Any],
    deferral: Deferral,
) -> Response:
    """The form again, every answer kept and the same token, saying why nothing was sent yet.

    Too fast: a check and a second press (autofill makes people fast; by the time they press
    again the form is old enough). Rate limited: 429 with `Retry-After`. Either way the same
    submission id keeps one more press exactly one lead.
    """
    if deferral.reason == "too_fast":
        return render_form(
            request, services, widget, token, form_token, values, notice=TOO_FAST_NOTICE
        )
    response = render_form(
        request,
        services,
        widget,
        token,
        form_token,
        values,
        notice=f"Sorry, too many valuations were requested just now. Your answers have "
        f"not been sent yet, but they are still here: please try again in "
        f"{duration_in_words(deferral.retry_after)}.",
        status_code=429,
    )
    response.headers["retry-after"] = str(deferral.retry_after)
    return response


def duration_in_words(seconds: int) -> str:
    """A wait as a homeowner reads it: 45 → "45 seconds", 600 → "10 minutes"."""
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{round(seconds / 60)} minutes"


def upstream_errors(result: Result, values: dict[str, Any], widget: Widget) -> dict[str, str]:
    """The Lead API's reasons for refusing data our checks let through, on the fields shown;
    a message for the summary alone (key `form`) when none is about a field of the form."""
    errors = {
        name: f"{UPSTREAM_FIELD_NOTE}: {reasons}"
        for name, reasons in result.rejection_errors().items()
        if name in values
    }
    if not errors:
        # Not about one field: the summary shows it as text, not a link.
        errors["form"] = (
            "Your details could not be sent. Check them and try again, or contact "
            f"{widget.agency_name} directly."
        )
    return errors


def cross_site_page(request: Request, services: Services, widget: Widget) -> Response:
    """403 for a form sent from another site (see `admission.forged`)."""
    return message_page(
        request,
        services,
        widget,
        403,
        "This form can’t be sent from here",
        "Open the valuation form on the agency’s website and send it from there.",
    )


def form_not_checked_page(request: Request, services: Services, widget: Widget) -> Response:
    """400 for a form whose token is not genuine: nothing to keep, start again."""
    return message_page(
        request,
        services,
        widget,
        400,
        "Sorry, there is a problem with this form",
        "The form could not be checked. Please start again.",
        link_url=form_path(request, widget),
        link_text="Start again",
    )
