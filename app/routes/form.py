"""The form: `GET /w/{widget}` shows it, `POST /w/{widget}` takes the homeowner's answers.

A submit passes admission (`app.admission`), validation (`app.validation`), then the pipeline
(`app.pipeline.submit`), and ends on the result page (`app.routes.result`) or the form again.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from app import admission
from app.admission import TRAP_FIELD
from app.attribution import Attribution, attribution_from_request
from app.deps import Services, ServicesDep, UnknownWidget, WidgetDep
from app.pages.base import form_path
from app.pages.form import (
    EXPIRED_NOTICE,
    blank_form,
    cross_site_page,
    deferred_form,
    form_not_checked_page,
    parent_origin,
    render_form,
    upstream_errors,
)
from app.pipeline import Result, submit
from app.security import own_origin
from app.tokens import FormToken, TokenExpired, TokenInvalid
from app.validation import validate_answers
from app.widgets import Widget

router = APIRouter(include_in_schema=False)


async def show_form(request: Request) -> Response:
    """GET /w/{widget_id}: the blank form with a fresh token, on every agency page that shows
    the widget. A plain Starlette route: FastAPI's parameter and dependency resolution cost as
    much CPU as the rest of the page, and this page needs only the path's widget id."""
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
    blank = blank_form(request, services, widget, token, attribution.as_dict(), parent)
    return blank or render_form(request, services, widget, token, form_token)


router.add_route("/w/{widget_id}", show_form, ["GET"], name="widget_form", include_in_schema=False)


def _answers(form: FormData) -> dict[str, str | list[str]]:
    raw: dict[str, str | list[str]] = {}
    for key in form:
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        raw[key] = values if key == "appointment_availability" else (values[0] if values else "")
    return raw


@router.post("/w/{widget_id}")
async def submit_form(request: Request, widget: WidgetDep, services: ServicesDep) -> Response:
    own = own_origin(request, services.settings.public_url)
    if admission.forged(request, widget, own, "form"):
        return cross_site_page(request, services, widget)
    form = await request.form()
    raw = _answers(form)
    token = str(form.get("token", ""))
    try:
        form_token = admission.read_form_token(services, token, widget)
    except TokenInvalid:
        return form_not_checked_page(request, services, widget)
    if isinstance(form_token, TokenExpired):
        return _expired(request, services, widget, raw, form_token.token)

    # Validation first: whoever sent it, a person who made a mistake sees their errors.
    outcome = validate_answers(raw, widget)
    if not outcome.ok:
        admission.count_invalid(widget)
        return render_form(
            request,
            services,
            widget,
            token,
            form_token,
            outcome.values,
            outcome.errors,
            status_code=422,
        )
    assert outcome.answers is not None

    trapped = admission.trap_filled(raw)
    existing = await services.store.get(form_token.submission_id)
    if existing is None:
        deferral = await admission.defer_new_submission(
            request, services, widget, form_token, trapped
        )
        if deferral is not None:
            return deferred_form(
                request, services, widget, token, form_token, outcome.values, deferral
            )

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
        return _upstream_refused(request, services, widget, result, outcome.values, form_token)
    # Sent before with other answers (Back restored the old token): the result page says so.
    link = services.signer.result_link(
        widget.id, form_token.submission_id, already_sent=result.answers_changed
    )
    return RedirectResponse(
        request.url_for("widget_result", widget_id=widget.id, link=link).path, status_code=303
    )


def _expired(
    request: Request,
    services: Services,
    widget: Widget,
    raw: dict[str, Any],
    old: FormToken | None,
) -> Response:
    """A genuine but old form: a fresh token, the same submission id, every answer kept."""
    attribution = old.attribution if old else Attribution()
    # Same submission id (a re-send stays one lead); the first form's time, so the quick
    # second submit does not look like a bot.
    token, form_token = services.signer.issue_form_token(
        widget.id,
        attribution,
        old.submission_id if old else None,
        issued_at=old.issued_at if old else None,
    )
    values = {k: v for k, v in raw.items() if k not in ("token", TRAP_FIELD)}
    return render_form(request, services, widget, token, form_token, values, notice=EXPIRED_NOTICE)


def _upstream_refused(
    request: Request,
    services: Services,
    widget: Widget,
    result: Result,
    values: dict[str, Any],
    old: FormToken,
) -> Response:
    """The Lead API refused data our checks let through: show its reasons on the fields."""
    errors = upstream_errors(result, values, widget)
    # A fresh submission id: the corrected answers are a new submission.
    token, form_token = services.signer.issue_form_token(
        widget.id, old.attribution, issued_at=old.issued_at
    )
    return render_form(
        request, services, widget, token, form_token, values, errors, status_code=422
    )
