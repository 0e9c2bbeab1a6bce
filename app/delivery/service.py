"""The delivery service: claims stored submissions and sends them to the Lead API, once in the
request (bounded wait) and then from the background worker on the retry schedule."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import random
import secrets
import socket
import time
from datetime import timedelta

import httpx
from pydantic import ValidationError

from app import metrics
from app.delivery.outcomes import Outcomes
from app.leadapi import (
    LeadApiClient,
    LeadRejected,
    LeadRequest,
    UpstreamMisconfigured,
    UpstreamUnavailable,
    Valuation,
)
from app.settings import Settings
from app.store import PENDING, Store, Submission
from app.widgets import Widget

log = logging.getLogger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Delivery:
    """Sends claimed submissions and records the outcome. One per process."""

    # How often the background worker strips personal data past the retention period.
    retention_every_seconds = 3600.0
    # How long shutdown lets attempts in flight finish before cancelling them.
    shutdown_grace_seconds = 5.0

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
        self.random = random.Random()
        # Every attempt in flight (in the request or the worker), so shutdown can end them.
        self._in_flight: dict[asyncio.Task[Submission], str] = {}
        self._closing = False
        self._last_retention = -math.inf
        self.outcomes = Outcomes(store, self.owner, settings, self.retry_delay)

    # Scheduling

    def retry_delay(self, failures: int) -> float:
        """Seconds before the next attempt after `failures` failed ones (1 or more).

        Full jitter: uniform in [0, min(cap, base·2^(failures-1))], which spreads the retries
        of everything that failed together during an outage.
        """
        ceiling = min(
            self.settings.retry_max_seconds,
            self.settings.retry_base_seconds * 2 ** min(max(failures - 1, 0), 40),
        )
        return self.random.uniform(0, ceiling)

    # One attempt

    async def attempt(self, submission: Submission, lead: LeadRequest | None = None) -> Submission:
        """Send one claimed submission and record the outcome; returns it as recorded.

        `lead` is the request the submission was built from when this process has it in hand
        (it was checked when built); otherwise it is read back from the stored payload.
        """
        if submission.payload is None:
            # Erased while queued: nothing may be sent.
            return await self.outcomes.erased(submission)
        widget = self.widgets.get(submission.widget_id)
        if widget is None:
            # Removed from the configuration, or this instance runs an older one: keep the lead
            # and retry on the schedule, so restoring the widget (or `retry`) still delivers it.
            log.error(
                "delivery.unknown_widget: the submission's widget is not configured here",
                extra={"submission": submission.id, "widget": submission.widget_id},
            )
            return await self.outcomes.retry_later(
                submission, f"widget {submission.widget_id!r} not configured", maybe_sent=False
            )
        try:
            lead = lead or LeadRequest.model_validate(submission.payload)
        except ValidationError as exc:
            fields = sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]})
            return await self.outcomes.unsendable(submission, fields)
        try:
            valuation = await self._call(lead, widget)
        except LeadRejected as exc:
            return await self.outcomes.rejected(submission, exc)
        except UpstreamMisconfigured as exc:
            log.error(
                "leadapi.misconfigured: check this widget's Lead API key and base URL",
                extra={"widget": widget.id, "status": exc.status, "submission": submission.id},
            )
            return await self.outcomes.retry_later(submission, str(exc), maybe_sent=False)
        except UpstreamUnavailable as exc:
            return await self.outcomes.retry_later(
                submission, str(exc), maybe_sent=exc.maybe_delivered
            )
        return await self.outcomes.delivered(submission, valuation)

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

    # Attempts in flight

    def _start(
        self, submission: Submission, lead: LeadRequest | None = None
    ) -> asyncio.Task[Submission]:
        task = asyncio.create_task(self._guarded_attempt(submission, lead))
        self._in_flight[task] = submission.id
        task.add_done_callback(self._in_flight.pop)
        return task

    async def _guarded_attempt(
        self, submission: Submission, lead: LeadRequest | None = None
    ) -> Submission:
        try:
            return await self.attempt(submission, lead)
        except asyncio.CancelledError:
            # Shutdown cut the attempt short, maybe after the Lead API got the lead: flag it and
            # hand it back on the normal schedule (if even that fails, the claim lapses).
            with contextlib.suppress(Exception):
                await self.outcomes.retry_later(
                    submission, "interrupted by shutdown", maybe_sent=True
                )
            log.warning("delivery.interrupted", extra={"submission": submission.id})
            raise
        except Exception:
            # A database hiccup must not kill the worker; the claim will lapse and be retried.
            log.exception("delivery.attempt_failed", extra={"submission": submission.id})
            return submission

    # In the request

    async def deliver_now(self, submission_id: str, wait: float) -> None:
        """Claim and send at once, waiting at most `wait` seconds; the attempt outlives it."""
        if self._closing:
            await self.store.release(submission_id, self.owner)
            return
        submission = await self.store.claim(submission_id, self.owner, self.hold)
        if submission is None:
            return  # someone else is on it, or it is done
        await self.deliver_claimed(submission, None, wait)

    async def deliver_claimed(
        self, submission: Submission, lead: LeadRequest | None, wait: float
    ) -> Submission:
        """Send a submission this process holds the claim on (e.g. stored claimed by the request
        that made it), waiting at most `wait` seconds; the attempt outlives the wait.

        Returns the submission as the attempt left it, or as it was if the wait ran out.
        """
        if self._closing:
            await self.store.release(submission.id, self.owner)
            return submission
        task = self._start(submission, lead)
        try:
            return await asyncio.wait_for(asyncio.shield(task), timeout=wait)
        except TimeoutError:
            log.info("delivery.still_waiting", extra={"submission": submission.id, "wait": wait})
            return submission

    async def wait_for_outcome(
        self, submission_id: str, wait: float, first: Submission | None = None
    ) -> Submission | None:
        """For a re-submit: give an attempt already under way the same time to finish.

        `first` is the row the caller has just read, so the first look costs no query.
        """
        in_flight = next((t for t, sid in self._in_flight.items() if sid == submission_id), None)
        if in_flight is not None:
            # The attempt runs in this process: await it rather than poll the database.
            with contextlib.suppress(TimeoutError):
                return await asyncio.wait_for(asyncio.shield(in_flight), timeout=wait)
            return await self.store.get(submission_id)
        deadline = time.monotonic() + wait
        submission = first
        while True:
            if submission is None:
                submission = await self.store.get(submission_id)
            if (
                submission is None
                or submission.state != PENDING
                or not submission.attempt_under_way()
                or time.monotonic() > deadline
            ):
                return submission
            await asyncio.sleep(0.1)
            submission = None

    # In the background

    async def drain_once(self, batch: int = 20) -> int:
        """Attempt every due submission once (up to `batch`); returns how many were attempted."""
        if self._closing:
            return 0
        due = await self.store.claim_due(self.owner, self.hold, batch)
        if self._closing:
            # Shutdown began while we were claiming: nothing was sent, hand them straight back.
            for submission in due:
                await self.store.release(submission.id, self.owner)
            return 0
        if due:
            await asyncio.gather(*(self._start(s) for s in due), return_exceptions=True)
        return len(due)

    async def apply_retention_if_due(self) -> int:
        """Strip personal data past the retention period, at most once per interval."""
        if time.monotonic() - self._last_retention < self.retention_every_seconds:
            return 0
        self._last_retention = time.monotonic()
        count = await self.store.apply_retention(self.settings.retention_days)
        if count:
            log.info(
                "retention.applied",
                extra={"submissions": count, "retention_days": self.settings.retention_days},
            )
        return count

    async def run_worker(self, stop: asyncio.Event) -> None:
        log.info("worker.started", extra={"owner": self.owner})
        while not stop.is_set() and not self._closing:
            try:
                await self.apply_retention_if_due()
            except Exception:
                log.exception("retention.failed")
            try:
                attempted = await self.drain_once()
            except Exception:
                log.exception("worker.poll_failed")
                attempted = 0
            if attempted == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.settings.worker_poll_seconds)
        log.info("worker.stopped", extra={"owner": self.owner})

    async def close(self, grace: float | None = None) -> None:
        """On shutdown: no new attempts; those in flight get `grace` seconds, then are cancelled.

        A cancelled attempt is flagged as maybe sent and put back on the schedule, so another
        process (or this one after a restart) finishes it.
        """
        self._closing = True
        grace = self.shutdown_grace_seconds if grace is None else grace
        tasks = set(self._in_flight)
        if not tasks:
            return
        _, unfinished = await asyncio.wait(tasks, timeout=grace)
        for task in unfinished:
            task.cancel()
        if unfinished:
            await asyncio.wait(unfinished)
            log.warning("delivery.shutdown_interrupted", extra={"attempts": len(unfinished)})


def _transport_class(exc: UpstreamUnavailable) -> str:
    # The bound on the whole call is asyncio's TimeoutError; httpx's phase timeouts are its own.
    timed_out = isinstance(exc.__cause__, TimeoutError | httpx.TimeoutException)
    return "timeout" if timed_out else "error"
