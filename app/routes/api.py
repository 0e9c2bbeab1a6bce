"""The JSON twin of the form: `POST /api/widgets/{widget}/valuations`.

Same validation, storage and delivery as the form; only reading input and answering differ.
Browsers may call it cross-origin only from the widget's allowed origins (CORS).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, create_model

from app import admission
from app.attribution import attribution_from_request
from app.deps import ServicesDep, WidgetDep
from app.leadapi import UTM_FIELDS, PropertyType, ValuationType
from app.pipeline import Result, View, submit
from app.routes.cors import cors_headers, preflight_response
from app.security import own_origin
from app.tokens import new_submission_id
from app.validation import MAX_BEDROOMS, question_field, validate_answers
from app.widgets import Widget

router = APIRouter(prefix="/api/widgets/{widget_id}", tags=["valuations"])

Short = Annotated[str, Field(max_length=2000)]
# The length bound above is only against abuse: the form's rules (app.validation) give each field
# its contract limit with a message saying what to do.


class ValuationAnswers(BaseModel):
    """A homeowner's answers. Field names are the Lead API's; the rules are the form's."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "type": "vendor",
                    "first_name": "Marla",
                    "last_name": "Singer",
                    "email": "marla@example.com",
                    "phone": "07911 123456",
                    "address": "123 Example Street, Derby",
                    "postcode": "DE1 1JX",
                    "property_type": "semi-detached",
                    "property_bedrooms": 3,
                    "gdpr_checkbox": True,
                }
            ]
        },
    )

    submission_id: str | None = Field(
        None,
        pattern=r"^[0-9a-f]{32}$",
        description="Idempotency key (32 hex digits). Sending the same id again returns the "
        "first outcome and never creates a second lead; if the answers differ from the first "
        "ones, those stand and `answers_changed` says so.",
    )
    type: ValuationType | None = Field(
        None, description="vendor: sale estimate; landlord: rent estimate"
    )
    title: Short | None = None
    first_name: Short | None = None
    last_name: Short | None = None
    email: Short | None = None
    phone: Short | None = None
    address: Short | None = None
    postcode: Short | None = None
    property_type: PropertyType | None = None
    property_bedrooms: int | None = Field(
        None, ge=0, le=MAX_BEDROOMS, description="0 is a studio; 10 is 10+"
    )
    appointment_availability: list[Annotated[str, Field(max_length=40)]] = Field(
        default_factory=list,
        max_length=100,
        description="Slots like 2026-11-27/morning (morning, afternoon, evening; UK time)",
    )
    message: Short | None = None
    questionnaire: dict[Annotated[str, Field(max_length=40)], Short] = Field(
        default_factory=dict, description="The widget's own questions: question id → answer"
    )
    gdpr_checkbox: bool = False

    def raw_answers(self) -> dict[str, str | list[str]]:
        """The answers as the form sends them, for `validate_answers`."""
        raw: dict[str, str | list[str]] = {
            name: "" if value is None else str(value)
            for name, value in self.model_dump(
                exclude={"appointment_availability", "questionnaire", "gdpr_checkbox"}
            ).items()
        }
        raw["appointment_availability"] = self.appointment_availability
        raw["gdpr_checkbox"] = "yes" if self.gdpr_checkbox else ""
        for question_id, answer in self.questionnaire.items():
            raw[question_field(question_id)] = answer
        return raw


def _attribution_fields() -> dict[str, Any]:
    """`host` and the contract's `utm_*` fields, as pydantic field definitions."""
    host = (
        Short | None,
        Field(None, description="Page the homeowner was on (allowed origins only)"),
    )
    return {"host": host, **{name: (Short | None, None) for name in UTM_FIELDS}}


if TYPE_CHECKING:
    # Type checkers see the answers' fields; the attribution fields, made from the contract's
    # list below, are only read through `model_dump`.
    ValuationIn = ValuationAnswers
else:
    ValuationIn = create_model(
        "ValuationIn",
        __base__=ValuationAnswers,
        __doc__=ValuationAnswers.__doc__,
        __module__=__name__,
        **_attribution_fields(),
    )


class EstimateOut(BaseModel):
    kind: Literal["sale", "rent"]
    minimum: int
    average: int
    maximum: int
    currency: Literal["GBP"] = "GBP"
    per: Literal["month"] | None = Field(None, description="rent is per calendar month")


class ValuationOut(BaseModel):
    submission_id: str
    status: View = Field(
        description="estimate: figures below; no-estimate: the agency will follow up; "
        "pending: being delivered, poll result_url; received: stored, the agency will follow up"
    )
    estimate: EstimateOut | None = None
    result_url: str
    answers_changed: bool = Field(
        False,
        description="true when this submission id was sent before with other answers: the "
        "first answers stand (one lead), and result_url shows the homeowner what was sent",
    )


class ErrorOut(BaseModel):
    message: str
    errors: dict[str, str] = Field(default_factory=dict, description="field → what to do")


@router.options("/valuations", include_in_schema=False)
async def preflight(request: Request, widget: WidgetDep) -> Response:
    return preflight_response(request, widget, "POST")


@router.post(
    "/valuations",
    response_model=ValuationOut,
    status_code=200,
    responses={
        202: {"model": ValuationOut, "description": "Stored; delivery still under way"},
        400: {"model": ErrorOut, "description": "The body could not be read as JSON"},
        403: {"model": ErrorOut, "description": "Cross-origin call from an origin not allowed"},
        404: {"model": ErrorOut, "description": "Unknown widget"},
        413: {"model": ErrorOut, "description": "Request body over the size limit"},
        422: {"model": ErrorOut, "description": "The answers need correcting"},
        429: {"model": ErrorOut, "description": "Too many requests"},
    },
    summary="Request an instant valuation",
)
async def create_valuation(
    body: ValuationIn, request: Request, widget: WidgetDep, services: ServicesDep
) -> Response:
    own = own_origin(request, services.settings.public_url)
    cors = cors_headers(request, widget)
    if admission.forged(request, widget, own, "api"):
        return JSONResponse({"message": "Origin not allowed", "errors": {}}, 403, headers=cors)

    outcome = validate_answers(body.raw_answers(), widget)
    if not outcome.ok:
        admission.count_invalid(widget)
        return JSONResponse(
            {"message": "There is a problem with the answers", "errors": outcome.errors},
            422,
            headers=cors,
        )
    assert outcome.answers is not None
    submission_id = body.submission_id or new_submission_id()
    existing = await services.store.get(submission_id)
    if existing is not None and existing.widget_id != widget.id:
        # Another widget's submission: neither its outcome nor its result link is ours to give.
        return JSONResponse(
            {
                "message": "There is a problem with the answers",
                "errors": {"submission_id": "Use a new submission id"},
            },
            422,
            headers=cors,
        )
    if existing is None:
        deferral = await admission.defer_new_submission(request, services, widget)
        if deferral is not None:  # the API has no fill time: only the rate limit defers it
            return JSONResponse(
                {"message": "Too many requests; try again later", "errors": {}},
                429,
                headers={**cors, "retry-after": str(deferral.retry_after)},
            )
    attribution = attribution_from_request(
        body.model_dump(include={"host", *UTM_FIELDS}, exclude_none=True),
        request.headers.get("referer"),
        widget,
        own,
    )
    result = await submit(
        services.delivery,
        widget,
        outcome.answers,
        attribution,
        submission_id,
        services.settings.submit_wait_seconds,
        existing,
    )
    return _answer(request, services, widget, result, cors)


def _answer(
    request: Request, services: ServicesDep, widget: Widget, result: Result, cors: dict[str, str]
) -> Response:
    submission = result.submission
    link = services.signer.result_link(
        widget.id, submission.id, already_sent=result.answers_changed
    )
    result_url = str(request.url_for("widget_result", widget_id=widget.id, link=link))
    if result.view == "rejected":
        rejection = submission.rejection or {}
        return JSONResponse(
            {
                "message": rejection.get("message") or "The Lead API refused the lead",
                "errors": result.rejection_errors(),
            },
            422,
            headers=cors,
        )
    estimate = result.estimate
    out = ValuationOut(
        submission_id=submission.id,
        status=result.view,
        estimate=EstimateOut(
            kind=estimate.kind,
            minimum=estimate.minimum,
            average=estimate.average,
            maximum=estimate.maximum,
            per="month" if estimate.kind == "rent" else None,
        )
        if estimate
        else None,
        result_url=result_url,
        answers_changed=result.answers_changed,
    )
    status = 202 if result.view == "pending" else 200
    return JSONResponse(out.model_dump(mode="json"), status, headers=cors)
