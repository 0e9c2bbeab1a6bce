"""What a delivery attempt ended in, written to the store under the attempt's claim, counted
and logged: delivered, refused by the Lead API, unsendable, to be retried, or dead."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from app import metrics
from app.leadapi import LeadRejected, Valuation
from app.settings import Settings
from app.store import Store, Submission, utcnow

log = logging.getLogger(__name__)


class Outcomes:
    """Records outcomes for the process holding the claim (`owner`); each method returns the
    submission as recorded, or as it is when the write did not apply (the claim was lost).

    `retry_delay(failures)` gives the seconds before the next attempt (`Delivery.retry_delay`).
    """

    def __init__(
        self,
        store: Store,
        owner: str,
        settings: Settings,
        retry_delay: Callable[[int], float],
    ):
        self.store = store
        self.owner = owner
        self.settings = settings
        self.retry_delay = retry_delay

    async def as_recorded(self, submission: Submission, row: Submission | None) -> Submission:
        """The row our write left; if it did not apply (the claim was lost), the row as it is."""
        if row is not None:
            return row
        return await self.store.get(submission.id) or submission

    async def delivered(self, submission: Submission, valuation: Valuation) -> Submission:
        recorded = await self.store.mark_delivered(
            submission.id, self.owner, valuation.model_dump(exclude_none=True)
        )
        if recorded is None:
            # Sent, but meanwhile our claim lapsed and another process took the submission (or
            # it was erased): the agency may see it twice.
            await self.store.note_maybe_sent(submission.id)
            metrics.POSSIBLE_DUPLICATES.inc()
            log.error(
                "delivery.outcome_not_recorded: sent after losing the claim; the agency may see "
                "it twice (is CLAIM_TIMEOUT_SECONDS long enough?)",
                extra={"submission": submission.id},
            )
            return await self.as_recorded(submission, None)
        metrics.DELIVERIES.labels("delivered").inc()
        if submission.maybe_sent_before:
            # An earlier attempt's reply was lost: the agency may see this lead twice.
            metrics.POSSIBLE_DUPLICATES.inc()
            log.warning("delivery.possible_duplicate", extra={"submission": submission.id})
        log.info(
            "delivery.delivered",
            extra={
                "submission": submission.id,
                "widget": submission.widget_id,
                "attempts": submission.attempts + 1,
                "valuation_status": valuation.valuation_status,
            },
        )
        return recorded

    async def rejected(self, submission: Submission, exc: LeadRejected) -> Submission:
        reasons = {"status": exc.status, "message": exc.message, "errors": exc.errors}
        row = await self.store.mark_rejected(submission.id, self.owner, reasons)
        metrics.DELIVERIES.labels("rejected").inc()
        # Field names only: the reasons may quote the homeowner's data.
        log.warning(
            "delivery.rejected",
            extra={"submission": submission.id, "status": exc.status, "fields": sorted(exc.errors)},
        )
        return await self.as_recorded(submission, row)

    async def retry_later(self, submission: Submission, error: str, maybe_sent: bool) -> Submission:
        failures = submission.attempts + 1
        if failures >= self.settings.retry_max_attempts:
            row = await self.store.mark_dead(submission.id, self.owner, error)
            metrics.DELIVERIES.labels("dead").inc()
            log.error(
                "delivery.dead: LEAD NOT DELIVERED, gave up after the retry schedule; "
                "run `python -m app retry --all-dead` once the cause is fixed",
                extra={
                    "submission": submission.id,
                    "widget": submission.widget_id,
                    "attempts": failures,
                    "error": error,
                },
            )
            return await self.as_recorded(submission, row)
        delay = self.retry_delay(failures)
        at = utcnow() + timedelta(seconds=delay)
        row = await self.store.schedule_retry(submission.id, self.owner, at, error, maybe_sent)
        metrics.DELIVERIES.labels("retry").inc()
        log.warning(
            "delivery.retry",
            extra={
                "submission": submission.id,
                "attempts": failures,
                "retry_in_seconds": round(delay, 3),
                "error": error,
            },
        )
        return await self.as_recorded(submission, row)

    async def erased(self, submission: Submission) -> Submission:
        """Erased while queued: nothing may be sent, so it is dead."""
        row = await self.store.mark_dead(submission.id, self.owner, "personal data erased")
        metrics.DELIVERIES.labels("dead").inc()
        log.error("delivery.dead", extra={"submission": submission.id, "why": "erased"})
        return await self.as_recorded(submission, row)

    async def unsendable(self, submission: Submission, fields: list[str]) -> Submission:
        """The stored payload breaks the contract (`fields` name where): refused without a call."""
        row = await self.store.mark_rejected(
            submission.id,
            self.owner,
            {"message": "stored data breaks the contract", "fields": fields},
        )
        metrics.DELIVERIES.labels("rejected").inc()
        log.error(
            "delivery.unsendable: stored data breaks the Lead API contract",
            extra={"submission": submission.id, "fields": fields},
        )
        return await self.as_recorded(submission, row)
