"""The result page a submitted form redirects to: one page for each state of the submission."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from app.attribution import Attribution
from app.deps import Services
from app.pages.base import form_path, message_page, parent_origin, render
from app.pages.steps import action_query
from app.pipeline import Result, details_sent, property_summary
from app.security import own_origin
from app.store import Submission
from app.widgets import Widget

THANKS = "Thank you, we have your details"


def result_page(
    request: Request,
    services: Services,
    widget: Widget,
    submission: Submission,
    already_sent: bool,
    status_url: str,
) -> Response:
    """The page for where `submission` stands: an estimate, no estimate, still pending (it
    polls `status_url`), received (held), refused by the Lead API, or not deliverable.

    `already_sent`: the link answers a re-send with changed answers, so the page says which
    details were sent (only while the lead stands: a refused or dead one has its own advice).
    """
    result = Result(submission, created=False)
    own = own_origin(request, services.settings.public_url)
    attribution = Attribution.from_dict(submission.attribution)
    view = result.view
    common: dict[str, Any] = {
        "slots": submission.slots,
        "parent_origin": parent_origin(widget, attribution, own),
        # A fresh journey, credited to the same page and campaign: another home to value.
        "another_url": form_path(request, widget) + action_query(attribution.as_dict()),
        "already_sent": details_sent(submission)
        if already_sent and view in ("estimate", "no-estimate", "pending")
        else None,
    }
    if view == "estimate":
        return render(
            request,
            services,
            "estimate.html",
            widget,
            page_title="Your instant valuation",
            page_kind="estimate",
            estimate=result.estimate,
            property_summary=property_summary(submission),
            **common,
        )
    if view == "no-estimate":
        return render(
            request,
            services,
            "no_estimate.html",
            widget,
            page_title=THANKS,
            page_kind="no-estimate",
            **common,
        )
    if view == "pending":
        return render(
            request,
            services,
            "pending.html",
            widget,
            page_title=THANKS,
            page_kind="pending",
            result_url=request.url.path,
            status_url=status_url,
            **common,
        )
    if view == "received":
        # Held (the trap field was filled): true, and the same for a bot as for a person.
        return message_page(
            request,
            services,
            widget,
            200,
            THANKS,
            f"{widget.agency_name} will be in touch about your valuation.",
            **common,
        )
    if view == "rejected":
        return message_page(
            request,
            services,
            widget,
            200,
            "We could not send your details",
            f"Some of your answers were not accepted. Please fill in the form again, or "
            f"contact {widget.agency_name} directly.",
            link_url=form_path(request, widget),
            link_text="Fill in the form again",
            **common,
        )
    return message_page(
        request,
        services,
        widget,
        200,
        "Sorry, we could not pass on your details",
        f"Please contact {widget.agency_name} directly to arrange your valuation.",
        **common,
    )


def link_not_valid_page(request: Request, services: Services, widget: Widget) -> Response:
    """404 for a result link that is not genuine, has expired, or is another widget's."""
    return message_page(
        request,
        services,
        widget,
        404,
        "This link has expired",
        f"If you asked for a valuation, {widget.agency_name} has your details and will be in "
        "touch.",
        link_url=form_path(request, widget),
        link_text="Get a new valuation",
    )
