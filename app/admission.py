"""Admission: whether a submission may go on to validation and delivery, for the form and the API.

One set of checks serves both ways in, in this order:

1. forgery: the form takes only a same-origin POST; the JSON API takes a browser's call only from
   an origin that may frame the widget (a call without `Origin` is server-to-server);
2. the form token (form only): genuine, this widget's, unexpired;
3. (validation runs here: whoever sent it, a person who made a mistake sees their errors);
4. for a submission not stored yet: the bot traps (form only: a filled trap field holds the
   submission; a form sent sooner than a person could fill it is shown again), then the rate
   limit per widget and client address.

Each refusal is counted here (`metrics.REJECTS`, and `metrics.SUBMISSIONS` where the outcome is
the homeowner's), so the form and the API cannot count differently. What the homeowner or the
caller is shown is the route's choice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from fastapi import Request

from app import metrics
from app.deps import Services
from app.security import client_ip, is_same_origin_post
from app.tokens import FormToken, TokenExpired, TokenInvalid
from app.widgets import Widget

log = logging.getLogger(__name__)

# The trap field: hidden from people, so a value in it means a bot (or an autofill that got it
# wrong). Its label and attributes are in templates/form.html, which says why.
TRAP_FIELD = "follow_up_note"

Entry = Literal["form", "api"]


@dataclass(frozen=True)
class Deferral:
    """Why a new submission was not taken now: `too_fast` (the form, sent sooner than a person
    could fill it) or `rate_limit` (`retry_after` seconds until the next one is allowed)."""

    reason: Literal["too_fast", "rate_limit"]
    retry_after: int = 0


def forged(request: Request, widget: Widget, own: str, entry: Entry) -> bool:
    """Whether the request must be refused as cross-site (counted as `cross_site`).

    `own` is this service's origin (`scheme://host[:port]`, lower case). The form: a
    same-origin POST only (Sec-Fetch-Site, else Origin). The API: when the browser names an
    `Origin`, it must be one the widget trusts; without one it is a server-to-server call.
    """
    if entry == "form":
        refused = not is_same_origin_post(request, own)
    else:
        origin = request.headers.get("origin")
        refused = bool(origin) and not widget.trusts((origin or "").rstrip("/").lower(), own)
    if refused:
        metrics.REJECTS.labels("cross_site").inc()
    return refused


def read_form_token(services: Services, token: str, widget: Widget) -> FormToken | TokenExpired:
    """The form token a submission carries, or `TokenExpired` (holding the old token, when it
    was genuine) for a form that timed out.

    Raises TokenInvalid (counted as `bad_token`) when the token is not genuine or not this
    widget's.
    """
    try:
        return services.signer.read_form_token(token, widget.id)
    except TokenExpired as expired:
        return expired
    except TokenInvalid:
        metrics.REJECTS.labels("bad_token").inc()
        raise


def count_invalid(widget: Widget) -> None:
    """Count answers refused by validation (the homeowner sees which ones and why)."""
    metrics.SUBMISSIONS.labels(widget.id, "invalid").inc()
    metrics.REJECTS.labels("validation").inc()


def trap_filled(raw: Mapping[str, object]) -> bool:
    """Something was typed (or autofilled) into the field people never see."""
    return bool(str(raw.get(TRAP_FIELD, "")).strip())


def too_fast(token: FormToken, min_fill_seconds: float) -> bool:
    """Sent sooner after the form was issued than a person could read and fill it."""
    return time.time() - token.issued_at < min_fill_seconds


async def defer_new_submission(
    request: Request,
    services: Services,
    widget: Widget,
    form_token: FormToken | None = None,
    trapped: bool = False,
) -> Deferral | None:
    """Why a submission not stored yet must wait, or None to take it now.

    `form_token` is the form's (None from the API, which has no fill time); a `trapped`
    submission is not timed, since it will be held rather than sent. A repeat of a stored
    submission never comes here: it is answered with its first outcome, uncounted.
    """
    # A trapped submission is held, not sent: no need to time it.
    if (
        form_token is not None
        and not trapped
        and too_fast(form_token, services.settings.min_fill_seconds)
    ):
        metrics.REJECTS.labels("too_fast").inc()
        metrics.SUBMISSIONS.labels(widget.id, "too_fast").inc()
        seconds = round(time.time() - form_token.issued_at, 2)
        log.info("submission.too_fast", extra={"widget": widget.id, "seconds": seconds})
        return Deferral("too_fast")
    verdict = await services.limiter.hit(
        widget.id, client_ip(request, services.settings.trusted_proxies)
    )
    if not verdict.allowed:
        metrics.REJECTS.labels("rate_limit").inc()
        return Deferral("rate_limit", verdict.retry_after)
    return None
