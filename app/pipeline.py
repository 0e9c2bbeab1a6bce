"""One pipeline for every submission, whether it came from the HTML form or the JSON API.

validated answers → Lead API request → stored (durable) → delivered within a bounded wait.
The edges (form or JSON) only differ in how they read input and show the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from app import metrics
from app.attribution import Attribution
from app.availability import availability_body
from app.delivery import Delivery
from app.leadapi import Estimate, LeadRequest, Valuation
from app.store import DEAD, DELIVERED, PENDING, REJECTED, NewSubmission, Submission
from app.validation import PROPERTY_TYPE_LABELS, Answers
from app.widgets import Widget


def build_lead(
    answers: Answers, widget: Widget, attribution: Attribution, submission_id: str
) -> LeadRequest:
    """The Lead API request for one submission; the id goes in `meta` to spot duplicates."""
    return LeadRequest(
        type=answers.type,
        first_name=answers.first_name,
        last_name=answers.last_name,
        email=answers.email,
        phone=answers.phone,
        postcode=answers.postcode,
        title=answers.title,
        address=answers.address,
        property_bedrooms=answers.property_bedrooms,
        property_type=answers.property_type,
        message=answers.message,
        appointment_availability=availability_body(answers.slots),
        questionnaire=answers.questionnaire or None,
        gdpr_checkbox=answers.gdpr_checkbox,
        office_id=widget.office_id,
        source=widget.source,
        meta={"submission_id": submission_id, "widget": widget.id},
        **attribution.as_dict(),
    )


def consent_record(widget: Widget, answers: Answers, page: str | None) -> dict[str, Any]:
    """What the homeowner agreed to, when and where: kept with the submission."""
    return {
        "given": answers.gdpr_checkbox,
        "required": widget.consent_required,
        "wording": widget.consent_wording,
        "version": widget.consent_version,
        "privacy_url": widget.privacy_url or None,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "page": page,
    }


@dataclass
class Result:
    """What the homeowner should see for a stored submission."""

    submission: Submission
    created: bool

    @cached_property  # `view` reads it, and so does the page or JSON built from the view
    def estimate(self) -> Estimate | None:
        if self.submission.state != DELIVERED or not self.submission.valuation:
            return None
        valuation = Valuation.model_validate(self.submission.valuation)
        return valuation.estimate_for(self.submission.lead_type)

    def rejection_errors(self) -> dict[str, str]:
        """The Lead API's reasons for refusing this submission, one line per field."""
        rejection = self.submission.rejection or {}
        return {
            name: "; ".join(reasons) for name, reasons in (rejection.get("errors") or {}).items()
        }

    @property
    def view(self) -> str:
        """estimate | no-estimate | pending | rejected | dead."""
        state = self.submission.state
        if state == DELIVERED:
            return "estimate" if self.estimate else "no-estimate"
        return {PENDING: "pending", REJECTED: "rejected", DEAD: "dead"}[state]


async def submit(
    delivery: Delivery,
    widget: Widget,
    answers: Answers,
    attribution: Attribution,
    submission_id: str,
    wait: float,
    existing: Submission | None = None,
) -> Result:
    """Store first, then deliver within `wait` seconds. A repeated id never makes a second lead.

    `existing` is the stored submission with this id, when the caller has read it already: a
    re-submit then builds, validates and writes nothing.
    """
    if existing is None:
        stored = await _store(delivery, widget, answers, attribution, submission_id)
        if stored is not None:
            metrics.SUBMISSIONS.labels(widget.id, "accepted").inc()
            # Stored claimed by us: send it straight away, with the request already checked.
            submission = await delivery.deliver_claimed(*stored, wait)
            return Result(submission, created=True)
    metrics.SUBMISSIONS.labels(widget.id, "resubmitted").inc()
    found = await delivery.wait_for_outcome(submission_id, wait, first=existing)
    assert found is not None, "a stored submission cannot vanish"
    return Result(found, created=False)


async def _store(
    delivery: Delivery,
    widget: Widget,
    answers: Answers,
    attribution: Attribution,
    submission_id: str,
) -> tuple[Submission, LeadRequest] | None:
    """Write the submission, claimed by this process; None when the id is stored already."""
    lead = build_lead(answers, widget, attribution, submission_id)
    stored = await delivery.store.add(
        NewSubmission(
            id=submission_id,
            widget_id=widget.id,
            lead_type=answers.type,
            payload=lead.body(),
            email=answers.email,
            attribution=attribution.as_dict(),
            consent=consent_record(widget, answers, attribution.host),
            slots=[slot.label for slot in answers.slots],
        ),
        # Stored already claimed, so the worker leaves it to this request's attempt.
        owner=delivery.owner,
        hold=delivery.hold,
    )
    return None if stored is None else (stored, lead)


def property_summary(submission: Submission) -> str:
    """E.g. "3 bedroom semi-detached house, DE1 1JX" (empty once personal data is removed)."""
    payload = submission.payload or {}
    if not payload:
        return ""
    bedrooms = payload.get("property_bedrooms")
    kind = PROPERTY_TYPE_LABELS.get(payload.get("property_type", ""), "property").lower()
    rooms = "Studio" if bedrooms == 0 else f"{bedrooms} bedroom"
    summary = f"{rooms} {kind}" if bedrooms is not None else kind.capitalize()
    return f"{summary}, {payload.get('postcode', '')}".strip(", ")
