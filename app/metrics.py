"""Prometheus metrics: what operators watch. Labels stay low-cardinality (no ids, no data)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

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
BACKLOG = Gauge("lead_delivery_backlog", "Submissions waiting for delivery")
OLDEST_PENDING = Gauge(
    "lead_delivery_oldest_pending_seconds", "Age of the oldest submission waiting for delivery"
)
