"""The journey's ends: `GET /w/{widget}` shows its first page, `POST /w/{widget}` is the final
press ("Get my valuation") that sends the homeowner's answers.

The final press passes admission (`app.admission`), validation of every answer
(`app.validation`), then the pipeline (`app.pipeline.submit`), and ends on the result page
(`app.routes.result`) or a step of the journey again (`app.routes.journey`). It also takes
every answer in one post, as the one-page form of earlier releases sent them, so a page an
agency's site cached before an upgrade still delivers its lead.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from app import admission
from app.admission import TRAP_FIELD
from app.attribution import attribution_from_request
from app.deps import Services, ServicesDep, UnknownWidget, WidgetDep
from app.journey import funnel
from app.journey.answers import JourneyAnswers
from app.journey.steps import DETAILS_FIELDS, FIRST_STEP, STEPS
from app.pages.base import form_path, parent_origin
from app.pages.form import (
    EXPIRED_NOTICE,
    deferral_notice,
    upstream_errors,
)
from app.pages.steps import blank_first_step, render_first_step
from app.pipeline import submit
from app.routes.journey import Journey, admit_press, show_expired, step_answers
from app.security import own_origin
from app.tokens import TokenExpired
from app.validation import validate_answers

router = APIRouter(include_in_schema=False)


async def show_form(request: Request) -> Response:
    """GET /w/{widget_id}: the journey's first page with a fresh token, on every agency page
    that shows the widget. A plain Starlette route: FastAPI's parameter and dependency
    resolution cost as much CPU as the rest of the page, and this page needs only the path's
    widget id."""
    services: Services = request.app.state.services
    widget_id = request.path_params["widget_id"]
    widget = services.widgets.get(widget_id)
    if widget is None:
        raise UnknownWidget(widget_id)
    own = own_origin(request, services.settings.public_url)
    attribution = attribution_from_request(
        request.query_params,
        request.headers.get("referer"),
        widget,
        own,
        form_address=own + form_path(request, widget),
    )
    token, form_token = services.signer.issue_form_token(widget.id, attribution)
    parent = parent_origin(widget, attribution, own)
    funnel.viewed(widget.id, FIRST_STEP)
    blank = blank_first_step(request, services, widget, token, attribution.as_dict(), parent)
    return blank or render_first_step(request, services, widget, token, form_token)


router.add_route("/w/{widget_id}", show_form, ["GET"], name="widget_form", include_in_schema=False)

# Answers that only the journey's signed answers may set: never taken from a plain post.
SIGNED_ONLY = ("uprn", "udprn", "address_key", "address_via")


def final_answers(form: FormData, carried: JourneyAnswers) -> JourneyAnswers:
    """Every answer of the final press: the journey's signed answers (`carried`) with the
    details page's own; or, for a whole form posted at once (an earlier release's page), the
    post itself."""
    if form.get("answers"):
        return {**carried, **step_answers(form, DETAILS_FIELDS)}
    names = tuple(k for k in form if k not in SIGNED_ONLY and k not in ("token", TRAP_FIELD))
    posted = step_answers(form, names)
    # Shown again on the manual entry page when the address needs putting right.
    return {**posted, "address_line_1": posted.get("address", ""), "address_via": "manual"}


@router.post("/w/{widget_id}")
async def submit_form(request: Request, widget: WidgetDep, services: ServicesDep) -> Response:
    press = await admit_press(request, services, widget)
    if isinstance(press, Response):
        return press
    form, token, form_token = press.form, press.token, press.form_token
    answers = final_answers(form, press.carried)
    if isinstance(form_token, TokenExpired):
        details = STEPS["details"]
        return await show_expired(
            request, services, widget, form_token, answers, details, EXPIRED_NOTICE
        )
    journey = Journey(request, services, widget, token, form_token, answers)

    # Validation first: whoever sent it, a person who made a mistake sees their errors.
    outcome = validate_answers(answers, widget)
    # Shown back as checked: an email's domain as the homeowner typed it (a browser posts its
    # xn-- form), the postcode in capitals.
    answers = {**answers, **outcome.values}
    journey = Journey(request, services, widget, token, form_token, answers)
    if not outcome.ok:
        admission.count_invalid(widget)
        return await journey.show_errors(outcome.errors)
    assert outcome.answers is not None

    trapped = admission.trap_filled(form)
    existing = await services.store.get(form_token.submission_id)
    if existing is None:
        deferral = await admission.defer_new_submission(
            request, services, widget, form_token, trapped
        )
        if deferral is not None:
            notice, status, headers = deferral_notice(deferral)
            response = journey.show(STEPS["details"], notice=notice, status_code=status)
            response.headers.update(headers)
            return response

    result = await submit(
        services.delivery,
        widget,
        outcome.answers,
        form_token.attribution,
        form_token.submission_id,
        services.settings.submit_wait_seconds,
        existing,
        # Kept, not sent: the bot sees the same "we have your details" as a person, and a person
        # whose autofill filled the trap is not lost (an operator can release the submission).
        held=trapped,
    )
    if result.view == "rejected" and result.created:
        # The Lead API refused data our checks let through: its reasons on the fields, and a
        # fresh submission id (the corrected answers are a new submission).
        token, fresh = services.signer.issue_form_token(
            widget.id, form_token.attribution, issued_at=form_token.issued_at
        )
        refused = Journey(request, services, widget, token, fresh, answers)
        return await refused.show_errors(upstream_errors(result, answers, widget))
    if form.get("answers"):  # the journey's last step (a whole form posted at once has none)
        funnel.completed(widget.id, STEPS["details"])
    # Sent before with other answers (Back restored the old token): the result page says so.
    link = services.signer.result_link(
        widget.id, form_token.submission_id, already_sent=result.answers_changed
    )
    return RedirectResponse(
        request.url_for("widget_result", widget_id=widget.id, link=link).path, status_code=303
    )
