"""The homeowner's pages: the form (`/w/{widget}`), and the result page it redirects to."""

from __future__ import annotations

import logging
import time
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from app import metrics
from app.attribution import ATTRIBUTION_FIELDS, Attribution, attribution_from_request
from app.availability import MAX_SLOTS, Slot, offered_slots_by_day, uk_today
from app.deps import Services, ServicesDep, UnknownWidget, WidgetDep
from app.pipeline import Result, details_sent, property_summary, submit
from app.security import allow_framing, client_ip, csp_nonce, is_same_origin_post, own_origin
from app.store import Submission
from app.templating import Marks
from app.tokens import FormToken, TokenExpired, TokenInvalid
from app.validation import (
    BEDROOM_CHOICES,
    LEAD_TYPE_LABELS,
    PROPERTY_TYPE_LABELS,
    question_field,
    validate_answers,
)
from app.widgets import Widget, origin_of

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

# The trap field: hidden from people, so a value in it means a bot (or an autofill that got it
# wrong). Its label and attributes are in templates/form.html, which says why.
TRAP_FIELD = "follow_up_note"
TOO_FAST_NOTICE = (
    "Your answers have not been sent yet. Please check them, then select "
    "‘Get my valuation’ again."
)
EXPIRED_NOTICE = (
    "For your security, this form timed out. Your answers are still here: "
    "check them and select ‘Get my valuation’ again."
)
UPSTREAM_FIELD_NOTE = "The valuation service could not accept this"


def render(
    request: Request,
    services: Services,
    template: str,
    widget: Widget | None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """Render a page with what every page needs (brand, sandbox notice, nonce, framing)."""
    if widget is not None:
        allow_framing(request, widget.allowed_origins)
    context.setdefault("parent_origin", None)
    response = services.templates.TemplateResponse(
        request,
        template,
        {
            "widget": widget,
            "csp_nonce": csp_nonce(request),
            **context,
        },
        status_code=status_code,
    )
    response.headers["cache-control"] = "no-store"
    return response


def message_page(
    request: Request,
    services: Services,
    widget: Widget | None,
    status_code: int,
    heading: str,
    message: str,
    **extra: Any,
) -> Response:
    return render(
        request,
        services,
        "message.html",
        widget,
        status_code=status_code,
        page_title=heading,
        page_kind="message",
        heading=heading,
        message=message,
        **extra,
    )


def parent_origin(widget: Widget, attribution: Attribution, own: str) -> str | None:
    """Where height and event messages may be posted: the framing page's origin, if trusted."""
    origin = origin_of(attribution.host) if attribution.host else None
    return origin if widget.trusts(origin, own) else None


def _form_path(request: Request, widget: Widget) -> str:
    """The form's path (what `url_for("widget_form")` gives, without building a URL: widget
    ids are URL-safe, app/widgets.py checks them)."""
    return f"{request.scope.get('root_path', '')}/w/{widget.id}"


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
    own = own_origin(request, services.settings.public_url)
    parent = parent_origin(widget, form_token.attribution, own)
    attribution = form_token.attribution.as_dict()
    return render(
        request,
        services,
        "form.html",
        widget,
        status_code=status_code,
        **_form_context(
            request, widget, token, attribution, parent, offered_slots_by_day(), values, errors
        ),
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
        "action": _form_path(request, widget),
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


def _blank_form(
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
    body = page.fill(token, csp_nonce(request), parent, attribution)
    return HTMLResponse(body, headers={"cache-control": "no-store"})


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
        form_address=own + _form_path(request, widget),
    )
    token, form_token = services.signer.issue_form_token(widget.id, attribution)
    parent = parent_origin(widget, attribution, own)
    blank = _blank_form(request, services, widget, token, attribution.as_dict(), parent)
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
    if not is_same_origin_post(request, own):
        metrics.REJECTS.labels("cross_site").inc()
        return message_page(
            request,
            services,
            widget,
            403,
            "This form can’t be sent from here",
            "Open the valuation form on the agency’s website and send it from there.",
        )
    form = await request.form()
    raw = _answers(form)
    signer = services.signer
    token = str(form.get("token", ""))
    try:
        form_token = signer.read_form_token(token, widget.id)
    except TokenExpired as expired:
        return _expired(request, services, widget, raw, expired.token)
    except TokenInvalid:
        metrics.REJECTS.labels("bad_token").inc()
        return message_page(
            request,
            services,
            widget,
            400,
            "Sorry, there is a problem with this form",
            "The form could not be checked. Please start again.",
            link_url=_form_path(request, widget),
            link_text="Start again",
        )

    # Validation first: whoever sent it, a person who made a mistake sees their errors.
    outcome = validate_answers(raw, widget)
    if not outcome.ok:
        metrics.SUBMISSIONS.labels(widget.id, "invalid").inc()
        metrics.REJECTS.labels("validation").inc()
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

    trapped = _trap_filled(raw)
    existing = await services.store.get(form_token.submission_id)
    if existing is None:
        if not trapped and _too_fast(form_token, services.settings.min_fill_seconds):
            return _too_fast_form(request, services, widget, token, form_token, outcome.values)
        verdict = await services.limiter.hit(
            widget.id, client_ip(request, services.settings.trusted_proxies)
        )
        if not verdict.allowed:
            metrics.REJECTS.labels("rate_limit").inc()
            # The form again with every answer kept and the same token: one more press later
            # still makes exactly one lead.
            response = render_form(
                request,
                services,
                widget,
                token,
                form_token,
                outcome.values,
                notice=f"Sorry, too many valuations were requested just now. Your answers have "
                f"not been sent yet, but they are still here: please try again in "
                f"{_duration(verdict.retry_after)}.",
                status_code=429,
            )
            response.headers["retry-after"] = str(verdict.retry_after)
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
        return _upstream_refused(request, services, widget, result, outcome.values, form_token)
    # Sent before with other answers (Back restored the old token): the result page says so.
    link = signer.result_link(
        widget.id, form_token.submission_id, already_sent=result.answers_changed
    )
    return RedirectResponse(
        request.url_for("widget_result", widget_id=widget.id, link=link).path, status_code=303
    )


def _trap_filled(raw: dict[str, Any]) -> bool:
    """Something was typed (or autofilled) into the field people never see."""
    return bool(str(raw.get(TRAP_FIELD, "")).strip())


def _too_fast(token: FormToken, min_fill_seconds: float) -> bool:
    """Sent sooner after the form was issued than a person could read and fill it."""
    return time.time() - token.issued_at < min_fill_seconds


def _too_fast_form(
    request: Request,
    services: Services,
    widget: Widget,
    token: str,
    form_token: FormToken,
    values: dict[str, Any],
) -> Response:
    """The form again, every answer kept and the same token, asking for a check and a second
    press. Autofill makes people fast, so nothing is thrown away: by the time they press again
    the form is old enough, and the same submission id keeps it one lead."""
    metrics.REJECTS.labels("too_fast").inc()
    metrics.SUBMISSIONS.labels(widget.id, "too_fast").inc()
    log.info(
        "submission.too_fast",
        extra={"widget": widget.id, "seconds": round(time.time() - form_token.issued_at, 2)},
    )
    return render_form(
        request, services, widget, token, form_token, values, notice=TOO_FAST_NOTICE
    )


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{round(seconds / 60)} minutes"


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
    # A fresh submission id: the corrected answers are a new submission.
    token, form_token = services.signer.issue_form_token(
        widget.id, old.attribution, issued_at=old.issued_at
    )
    return render_form(
        request, services, widget, token, form_token, values, errors, status_code=422
    )


@router.get("/w/{widget_id}/result/{link}", name="widget_result")
async def show_result(
    request: Request, link: str, widget: WidgetDep, services: ServicesDep
) -> Response:
    linked = await _linked_submission(services, widget, link)
    if linked is None:
        return _link_not_valid(request, services, widget)
    submission, already_sent = linked
    result = Result(submission, created=False)
    own = own_origin(request, services.settings.public_url)
    attribution = Attribution.from_dict(submission.attribution)
    view = result.view
    common: dict[str, Any] = {
        "slots": submission.slots,
        "parent_origin": parent_origin(widget, attribution, own),
        # Only where the lead stands: a refused or dead one has its own advice.
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
            page_title="Thank you, we have your details",
            page_kind="no-estimate",
            **common,
        )
    if view == "pending":
        return render(
            request,
            services,
            "pending.html",
            widget,
            page_title="Thank you, we have your details",
            page_kind="pending",
            result_url=request.url.path,
            status_url=str(
                request.url_for("widget_result_status", widget_id=widget.id, link=link).path
            ),
            **common,
        )
    if view == "received":
        # Held (the trap field was filled): true, and the same for a bot as for a person.
        return message_page(
            request,
            services,
            widget,
            200,
            "Thank you, we have your details",
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
            link_url=_form_path(request, widget),
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


@router.get("/w/{widget_id}/result/{link}/status", name="widget_result_status")
async def result_status(link: str, widget: WidgetDep, services: ServicesDep) -> Response:
    """What the result page polls: only the state, nothing personal."""
    linked = await _linked_submission(services, widget, link)
    if linked is None:
        return JSONResponse({"state": "unknown"}, status_code=404)
    state = Result(linked[0], created=False).public_state
    return JSONResponse({"state": state}, headers={"cache-control": "no-store"})


async def _linked_submission(
    services: Services, widget: Widget, link: str
) -> tuple[Submission, bool] | None:
    """The submission a result link names, if the link is genuine, unexpired and this widget's,
    and whether the link answers a re-send with changed answers."""
    try:
        read = services.signer.read_result(link, widget.id)
    except (TokenInvalid, TokenExpired):
        return None
    submission = await services.store.get(read.submission_id)
    if submission is None or submission.widget_id != widget.id:
        return None
    return submission, read.already_sent


def _link_not_valid(request: Request, services: Services, widget: Widget) -> Response:
    return message_page(
        request,
        services,
        widget,
        404,
        "This link has expired",
        f"If you asked for a valuation, {widget.agency_name} has your details and will be in "
        "touch.",
        link_url=_form_path(request, widget),
        link_text="Get a new valuation",
    )
