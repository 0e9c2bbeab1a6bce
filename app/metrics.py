"""Prometheus metrics: what operators watch. Labels stay low-cardinality (no ids, no data).

With several workers (`WORKERS` > 1) every process counts on its own, so `python -m app serve`
calls `prepare_multiprocess` before starting them: each worker then writes its counts to files in
`PROMETHEUS_MULTIPROC_DIR` and `/metrics`, whichever worker answers it, adds them all up.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

SUBMISSIONS = Counter(
    "widget_submissions_total",
    "Form and API submissions by widget and outcome",
    ["widget", "outcome"],
)
REJECTS = Counter(
    "widget_rejects_total",
    "Requests turned away before reaching the pipeline, by reason",
    ["reason"],
)
JOURNEY_STEPS = Counter(
    "widget_journey_steps_total",
    "Journey pages by widget, step and event (viewed, completed, went_back): the funnel",
    ["widget", "step", "event"],
)
UPSTREAM_CALLS = Counter(
    "leadapi_requests_total",
    "Calls to the Lead API by status class (2xx, 4xx, 5xx, timeout, error)",
    ["status_class"],
)
UPSTREAM_LATENCY = Histogram(
    "leadapi_request_seconds",
    "Latency of Lead API calls",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20),
)
DELIVERIES = Counter(
    "lead_deliveries_total",
    "Delivery attempts by result (delivered, rejected, retry, dead)",
    ["result"],
)
POSSIBLE_DUPLICATES = Counter(
    "lead_possible_duplicates_total",
    "Leads delivered after an attempt whose reply was lost: the upstream may hold two",
)
# Set from the database when /metrics is read; with several workers the latest reading counts.
BACKLOG = Gauge(
    "lead_delivery_backlog",
    "Submissions waiting for delivery",
    multiprocess_mode="mostrecent",
)
OLDEST_PENDING = Gauge(
    "lead_delivery_oldest_pending_seconds",
    "Age of the oldest submission waiting for delivery",
    multiprocess_mode="mostrecent",
)
HELD = Gauge(
    "lead_held_submissions",
    "Submissions held because the form's trap field was filled: stored, not sent until released",
    multiprocess_mode="mostrecent",
)

# too_fast: sent sooner than MIN_FILL_SECONDS, so shown again to be checked and re-sent (nothing
# stored yet); held: the trap field was filled, so stored but not sent.
SUBMISSION_OUTCOMES = ("accepted", "resubmitted", "invalid", "too_fast", "held")
REJECT_REASONS = ("validation", "too_fast", "rate_limit", "cross_site", "bad_token", "too_large")
STATUS_CLASSES = ("2xx", "4xx", "5xx", "timeout", "error")
DELIVERY_RESULTS = ("delivered", "rejected", "retry", "dead")

# Every known series exists from the start at 0, so rates and alerts work before the first event.
for _reason in REJECT_REASONS:
    REJECTS.labels(_reason)
for _status_class in STATUS_CLASSES:
    UPSTREAM_CALLS.labels(_status_class)
for _result in DELIVERY_RESULTS:
    DELIVERIES.labels(_result)


def declare_widgets(widget_ids: Iterable[str]) -> None:
    """Create each widget's submission series at 0 (the widget list is only known at run time;
    the journey's series: `app.journey.funnel.declare_widgets`)."""
    for widget_id in widget_ids:
        for outcome in SUBMISSION_OUTCOMES:
            SUBMISSIONS.labels(widget_id, outcome)


def prepare_multiprocess(workers: int) -> None:
    """In the parent, before starting `workers` processes: give them a shared metrics folder.

    An operator may choose the folder with PROMETHEUS_MULTIPROC_DIR; counts left there by an
    earlier run are removed, or they would be added to this run's.
    """
    if workers <= 1:
        return
    folder = os.environ.get(MULTIPROC_ENV)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()
    else:
        folder = tempfile.mkdtemp(prefix="widget-metrics-")
        os.environ[MULTIPROC_ENV] = folder
        atexit.register(shutil.rmtree, folder, ignore_errors=True)  # the parent outlives workers


def exposition() -> bytes:
    """The text Prometheus scrapes: this process's metrics, or every worker's added up."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest()
