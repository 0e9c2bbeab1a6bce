"""What the final press answers besides the result: why the answers were not sent yet (a notice
for the details page), the Lead API's reasons on the fields, and the form's refusal pages.
The pages themselves are the journey's steps (`app.pages.steps`)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from app.admission import Deferral
from app.deps import Services
from app.pages.base import message_page
from app.pages.refusals import framing_origin, way_back
from app.pipeline import Result
from app.security import own_origin
from app.widgets import Widget

TOO_FAST_NOTICE = (
    "Your answers have not been sent yet. Please check them, then select ‘Get my valuation’ again."
)
EXPIRED_NOTICE = (
    "For your security, this form timed out. Your answers are still here: "
    "check them and select ‘Get my valuation’ again."
)
UPSTREAM_FIELD_NOTE = "The valuation service could not accept this"


def deferral_notice(deferral: Deferral) -> tuple[str, int, dict[str, str]]:
    """Why nothing was sent yet, for the details page shown again with every answer and the
    same token: (notice, status, headers).

    Too fast: a check and a second press (autofill makes people fast; by the time they press
    again the form is old enough). Rate limited: 429 with `Retry-After`. Either way the same
    submission id keeps one more press exactly one lead.
    """
    if deferral.reason == "too_fast":
        return TOO_FAST_NOTICE, 200, {}
    notice = (
        "Sorry, too many valuations were requested just now. Your answers have not been sent "
        "yet, but they are still here: please try again in "
        f"{duration_in_words(deferral.retry_after)}."
    )
    return notice, 429, {"retry-after": str(deferral.retry_after)}


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
    """400 for a form whose token or signed answers are not genuine: nothing to keep, start
    again, credited to the same page and campaign and framed by it, as every refusal is."""
    own = own_origin(request, services.settings.public_url)
    return message_page(
        request,
        services,
        widget,
        400,
        "Sorry, there is a problem with this form",
        "The form could not be checked. Please start again.",
        link_url=way_back(request, widget, own),
        link_text="Start again",
        parent_origin=framing_origin(request, widget, own),
    )
