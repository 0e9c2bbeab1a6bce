"""Getting stored submissions to the Lead API: once in the request, then retried in the background.

The request claims its submission and waits a bounded time for the upstream; if that runs out the
attempt carries on in the background and the result page picks up the outcome. Anything that
failed transiently is retried by the worker with capped exponential backoff and full jitter, until
the schedule runs out and the submission is marked dead (and logged loudly).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import secrets
import socket
import time
from datetime import timedelta

from pydantic import ValidationError

from app import metrics
from app.leadapi import (
    LeadApiClient,
    LeadRejected,
    LeadRequest,
    UpstreamMisconfigured,
    UpstreamUnavailable,
    Valuation,
)
from app.settings import Settings
from app.store import DELIVERED, PENDING, REJECTED, Store, Submission, utcnow
from app.widgets import Widget

log = logging.getLogger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Delivery:
    def __init__(
        self,
        store: Store,
        client: LeadApiClient,
        widgets: dict[str, Widget],
        settings: Settings,
        owner: str | None = None,
    ):
        self.store = store
        self.client = client
        self.widgets = widgets
        self.settings = settings
        self.owner = owner or worker_name()
        self.hold = timedelta(seconds=settings.claim_timeout_seconds)
        self._background: set[asyncio.Task[str]] = set()

    # Scheduling

    def retry_delay(self, attempts_so_far: int) -> float:
        """Full jitter: uniform in [0, min(cap, base·2^n)] (spreads retries after an outage)."""
        ceiling = min(
            self.settings.retry_max_seconds,
            self.settings.retry_base_seconds * 2 ** min(attempts_so_far, 30),
        )
        return random.uniform(0, ceiling)

    # One attempt

    async def attempt(self, submission: Submission) -> str:
        """Send one claimed submission and record the outcome; returns its new state."""
        widget = self.widgets.get(submission.widget_id)
        if widget is None or submission.payload is None:
            await self.store.mark_dead(submission.id, self.owner, "widget or data no longer exists")
            log.error("delivery.dead", extra={"submission": submission.id, "why": "no widget/data"})
            return "dead"
        try:
            lead = LeadRequest.model_validate(submission.payload)
        except ValidationError as exc:
            fields = sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]})
            await self.store.mark_rejected(
                submission.id,
                self.owner,
                {"message": "stored data breaks the contract", "fields": fields},
            )
            return REJECTED
        try:
            valuation = await self._call(lead, widget)
        except LeadRejected as exc:
            return await self._rejected(submission, exc)
        except UpstreamMisconfigured as exc:
            log.error(
                "leadapi.misconfigured: check this widget's Lead API key and base URL",
                extra={"widget": widget.id, "status": exc.status, "submission": submission.id},
            )
            return await self._retry_later(submission, str(exc), maybe_sent=False)
        except UpstreamUnavailable as exc:
            return await self._retry_later(submission, str(exc), maybe_sent=exc.maybe_delivered)
        return await self._delivered(submission, valuation)

    async def _call(self, lead: LeadRequest, widget: Widget) -> Valuation:
        started = time.perf_counter()
        status_class = "error"
        try:
            valuation = await self.client.create_valuation(lead, widget.upstream)
            status_class = "2xx"
            return valuation
        except (LeadRejected, UpstreamMisconfigured) as exc:
            status_class = f"{exc.status // 100}xx"
            raise
        except UpstreamUnavailable as exc:
            status_class = f"{exc.status // 100}xx" if exc.status else _transport_class(exc)
            raise
        finally:
            metrics.UPSTREAM_CALLS.labels(status_class).inc()
            metrics.UPSTREAM_LATENCY.observe(time.perf_counter() - started)

    async def _delivered(self, submission: Submission, valuation: Valuation) -> str:
        recorded = await self.store.mark_delivered(
            submission.id, self.owner, valuation.model_dump(exclude_none=True)
        )
        if recorded:
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
                    "valuation_status": valuation.valuation_status,
                },
            )
        return DELIVERED

    async def _rejected(self, submission: Submission, exc: LeadRejected) -> str:
        reasons = {"status": exc.status, "message": exc.message, "errors": exc.errors}
        await self.store.mark_rejected(submission.id, self.owner, reasons)
        metrics.DELIVERIES.labels("rejected").inc()
        # Field names only: the reasons may quote the homeowner's data.
        log.warning(
            "delivery.rejected",
            extra={"submission": submission.id, "status": exc.status, "fields": sorted(exc.errors)},
        )
        return REJECTED

    async def _retry_later(self, submission: Submission, error: str, maybe_sent: bool) -> str:
        attempts = submission.attempts + 1
        if attempts >= self.settings.retry_max_attempts:
            await self.store.mark_dead(submission.id, self.owner, error)
            metrics.DELIVERIES.labels("dead").inc()
            log.error(
                "delivery.dead: gave up after the retry schedule; run `retry` once fixed",
                extra={
                    "submission": submission.id,
                    "widget": submission.widget_id,
                    "attempts": attempts,
                    "error": error,
                },
            )
            return "dead"
        at = utcnow() + timedelta(seconds=self.retry_delay(attempts))
        await self.store.schedule_retry(submission.id, self.owner, at, error, maybe_sent)
        metrics.DELIVERIES.labels("retry").inc()
        log.warning(
            "delivery.retry",
            extra={"submission": submission.id, "attempts": attempts, "error": error},
        )
        return PENDING

    # In the request

    async def deliver_now(self, submission_id: str, wait: float) -> None:
        """Claim and send at once, waiting at most `wait` seconds; the attempt outlives the wait."""
        if not await self.store.claim(submission_id, self.owner, self.hold):
            return
        submission = await self.store.get(submission_id)
        if submission is None:
            return
        task = asyncio.create_task(self.attempt(submission))
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=wait)
        except TimeoutError:
            log.info("delivery.still_waiting", extra={"submission": submission_id, "wait": wait})

    async def wait_for_outcome(self, submission_id: str, wait: float) -> Submission | None:
        """For a re-submit: give an attempt already under way the same time to finish."""
        deadline = time.monotonic() + wait
        while True:
            submission = await self.store.get(submission_id)
            if submission is None or submission.state != PENDING or time.monotonic() > deadline:
                return submission
            await asyncio.sleep(0.1)

    # In the background

    async def drain_once(self, batch: int = 20) -> int:
        """Attempt every due submission once (up to `batch`); returns how many were attempted."""
        due = await self.store.claim_due(self.owner, self.hold, batch)
        if due:
            await asyncio.gather(*(self._safe_attempt(s) for s in due))
        return len(due)

    async def _safe_attempt(self, submission: Submission) -> None:
        try:
            await self.attempt(submission)
        except Exception:  # a database hiccup must not kill the worker; the claim will lapse
            log.exception("delivery.attempt_failed", extra={"submission": submission.id})

    async def run_worker(self, stop: asyncio.Event) -> None:
        log.info("worker.started", extra={"owner": self.owner})
        while not stop.is_set():
            try:
                attempted = await self.drain_once()
            except Exception:
                log.exception("worker.poll_failed")
                attempted = 0
            if attempted == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.settings.worker_poll_seconds)
        log.info("worker.stopped", extra={"owner": self.owner})

    async def close(self) -> None:
        """On shutdown, let in-flight attempts finish briefly; unfinished claims lapse and retry."""
        if self._background:
            await asyncio.wait(self._background, timeout=5)


def _transport_class(exc: UpstreamUnavailable) -> str:
    return "timeout" if "imeout" in exc.reason else "error"
