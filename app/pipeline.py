"""One pipeline for every submission, whether it came from the HTML form or the JSON API.

validated answers → Lead API request → stored (durable) → delivered within a bounded wait.
The edges (form or JSON) only differ in how they read input and show the outcome. A submission
the form's trap caught is stored held instead, and waits for an operator.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, Literal

from app import metrics
from app.attribution import ATTRIBUTION_FIELDS, Attribution
from app.availability import availability_body
from app.delivery import Delivery
from app.leadapi import Estimate, LeadRequest, Valuation
from app.store import DEAD, DELIVERED, HELD, PENDING, REJECTED, NewSubmission, Submission
from app.validation import LEAD_TYPE_LABELS, MAX_BEDROOMS, PROPERTY_TYPE_LABELS, Answers
from app.widgets import Widget

log = logging.getLogger(__name__)

# What a submission's result shows (the result page, and the JSON API's `status`).
View = Literal["estimate", "no-estimate", "pending", "received", "rejected", "dead"]


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
        # The chosen address's UPRN/UDPRN beside our ids (well within meta's 1,024 bytes).
        meta={"submission_id": submission_id, "widget": widget.id, **answers.address_ids},
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
    """What the homeowner should see for a stored submission.

    `answers_changed`: this was a re-send of a stored submission with other answers; the first
    ones stand (one submission, one lead) and the homeowner is told which were sent.
    """

    submission: Submission
    created: bool
    answers_changed: bool = False

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
    def view(self) -> View:
        """estimate | no-estimate | pending | received | rejected | dead.

        "received" is a held submission: the homeowner (or the bot) is told, truthfully, that
        their details are in, and nothing about being held, which would teach a bot the trap.
        """
        state = self.submission.state
        if state == DELIVERED:
            return "estimate" if self.estimate else "no-estimate"
        views: dict[str, View] = {
            PENDING: "pending",
            HELD: "received",
            REJECTED: "rejected",
            DEAD: "dead",
        }
        return views[state]

    @property
    def public_state(self) -> str:
        """The state as the result page's poll may see it: a held one reads "received"."""
        return "received" if self.submission.state == HELD else self.submission.state


async def submit(
    delivery: Delivery,
    widget: Widget,
    answers: Answers,
    attribution: Attribution,
    submission_id: str,
    wait: float,
    existing: Submission | None = None,
    held: bool = False,
) -> Result:
    """Store first, then deliver within `wait` seconds. A repeated id never makes a second lead.

    `existing` is the stored submission with this id, when the caller has read it already: a
    re-submit then writes nothing, and its answers are only compared with the stored ones.
    `held`: store it held (the form's trap field was filled) and send nothing; an operator may
    release it later.
    """
    lead = build_lead(answers, widget, attribution, submission_id)
    if existing is None and held:
        stored_held = await delivery.store.add_held(
            _new_submission(lead, widget, answers, attribution, submission_id)
        )
        if stored_held is not None:
            metrics.SUBMISSIONS.labels(widget.id, "held").inc()
            # The id only: what the operator needs to find it with `python -m app list`.
            log.info(
                "submission.held: the trap field was filled; stored, not sent "
                "(`python -m app release ID` sends it)",
                extra={"submission": submission_id, "widget": widget.id},
            )
            return Result(stored_held, created=True)
    elif existing is None:
        stored = await _store(delivery, widget, answers, attribution, submission_id, lead)
        if stored is not None:
            metrics.SUBMISSIONS.labels(widget.id, "accepted").inc()
            # Stored claimed by us: send it straight away, with the request already checked.
            submission = await delivery.deliver_claimed(stored, lead, wait)
            return Result(submission, created=True)
    metrics.SUBMISSIONS.labels(widget.id, "resubmitted").inc()
    found = await delivery.wait_for_outcome(submission_id, wait, first=existing)
    assert found is not None, "a stored submission cannot vanish"
    return Result(found, created=False, answers_changed=answers_differ(found, lead))


def answers_differ(sent: Submission, lead: LeadRequest) -> bool:
    """Whether a re-send carries other answers than the stored submission's.

    Attribution (`host`, `utm_*`) is left out: it says where the form was, not what the
    homeowner answered. Once retention has removed the stored answers there is nothing to
    compare, and the re-send is taken as the same.
    """
    if not sent.payload:
        return False
    return _answers_only(sent.payload) != _answers_only(lead.body())


def _answers_only(body: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in body.items() if name not in ATTRIBUTION_FIELDS}


def details_sent(submission: Submission) -> list[tuple[str, str]]:
    """The stored answers a homeowner would check, as (label, value) rows, for the page that
    tells them their details were already sent; empty once personal data is removed."""
    payload = submission.payload or {}
    if not payload:
        return []
    name = " ".join(payload.get(k, "") for k in ("title", "first_name", "last_name")).split()
    address = ", ".join(v for v in (payload.get("address"), payload.get("postcode")) if v)
    rows = [
        ("You want to", LEAD_TYPE_LABELS.get(payload.get("type", ""), "")),
        ("Property", address),
        ("Property details", _property_words(payload)),
        ("Name", " ".join(name)),
        ("Email address", payload.get("email", "")),
        ("Phone number", payload.get("phone", "")),
    ]
    return [(label, value) for label, value in rows if value]


def _new_submission(
    lead: LeadRequest,
    widget: Widget,
    answers: Answers,
    attribution: Attribution,
    submission_id: str,
) -> NewSubmission:
    return NewSubmission(
        id=submission_id,
        widget_id=widget.id,
        lead_type=answers.type,
        payload=lead.body(),
        email=answers.email,
        attribution=attribution.as_dict(),
        consent=consent_record(widget, answers, attribution.host),
        slots=[slot.label for slot in answers.slots],
    )


async def _store(
    delivery: Delivery,
    widget: Widget,
    answers: Answers,
    attribution: Attribution,
    submission_id: str,
    lead: LeadRequest,
) -> Submission | None:
    """Write the submission, claimed by this process; None when the id is stored already."""
    return await delivery.store.add(
        _new_submission(lead, widget, answers, attribution, submission_id),
        # Stored already claimed, so the worker leaves it to this request's attempt.
        owner=delivery.owner,
        hold=delivery.hold,
    )


def property_summary(submission: Submission) -> str:
    """E.g. "3 bedroom semi-detached house, DE1 1JX" (empty once personal data is removed)."""
    payload = submission.payload or {}
    if not payload:
        return ""
    return f"{_property_words(payload)}, {payload.get('postcode', '')}".strip(", ")


def _property_words(payload: dict[str, Any]) -> str:
    """E.g. "3 bedroom semi-detached house", "10+ bedroom detached house", "Studio flat",
    "Property"."""
    bedrooms = payload.get("property_bedrooms")
    kind = PROPERTY_TYPE_LABELS.get(payload.get("property_type", ""), "property").lower()
    rooms = "Studio" if bedrooms == 0 else f"{bedrooms} bedroom"
    if bedrooms == MAX_BEDROOMS:  # the form's "10 bedrooms or more"
        rooms = f"{bedrooms}+ bedroom"
    return f"{rooms} {kind}" if bedrooms is not None else kind.capitalize()
