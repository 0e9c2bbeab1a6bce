"""Prometheus metrics of address lookups (labels: provider and outcome; no postcode, ever).

Declared like `app/metrics.py`'s and served by the same `/metrics` (the default registry).
- `address_lookups_total{provider,outcome}`: calls to a provider, each a paid transaction or an
  attempt at one, by outcome (found, no_addresses, unknown_postcode, timeout, unavailable,
  no_credit, limited, bad_key);
- `address_lookup_requests_total{provider,result}`: what the journey asked for, by how it was
  answered: `provider` (a call above), `cached`, `shared` (joined a call already in flight),
  `rate_limited`, `invalid_postcode` (never sent);
- `address_lookup_seconds{provider}`: latency of provider calls, whatever their outcome.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

PROVIDERS = ("sandbox", "ideal-postcodes", "os-places")
CALL_OUTCOMES = (
    "found", "no_addresses", "unknown_postcode", "timeout", "unavailable", "no_credit",
    "limited", "bad_key",
)
REQUEST_RESULTS = ("provider", "cached", "shared", "rate_limited", "invalid_postcode")

LOOKUPS = Counter(
    "address_lookups_total",
    "Address provider calls by provider and outcome",
    ["provider", "outcome"],
)
REQUESTS = Counter(
    "address_lookup_requests_total",
    "Address lookups asked for, by provider and how they were answered",
    ["provider", "result"],
)
LATENCY = Histogram(
    "address_lookup_seconds",
    "Latency of address provider calls",
    ["provider"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3),
)

# Every series exists from the start at 0, so rates and alerts work before the first lookup.
for _provider in PROVIDERS:
    for _outcome in CALL_OUTCOMES:
        LOOKUPS.labels(_provider, _outcome)
    for _result in REQUEST_RESULTS:
        REQUESTS.labels(_provider, _result)
    LATENCY.labels(_provider)
