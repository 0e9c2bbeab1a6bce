"""The /_sandbox/ control endpoints that tests and demos use to inspect and steer the sandbox."""

from __future__ import annotations

import httpx

from tests.sandbox.bodies import minimal_body, valuation_body
from tests.support.servers import SandboxServer


def test_control_endpoints_need_no_api_key(anonymous: httpx.Client) -> None:
    for path in ("/_sandbox/leads", "/_sandbox/faults", "/_sandbox/stats"):
        assert anonymous.get(path).status_code == 200


def test_leads_can_be_found_by_a_meta_value(api: httpx.Client, upstream: SandboxServer) -> None:
    for submission in ("sub-1", "sub-2"):
        api.post("/leads/valuation", json=valuation_body(meta={"submission_id": submission}))
    api.post("/leads/valuation", json=valuation_body(meta=...))
    found = upstream.leads(meta_key="submission_id", meta_value="sub-2")
    assert [lead["body"]["meta"]["submission_id"] for lead in found] == ["sub-2"]
    assert len(upstream.leads(meta_key="submission_id")) == 2
    assert len(upstream.leads()) == 3


def test_delete_clears_the_leads(api: httpx.Client, upstream: SandboxServer) -> None:
    api.post("/leads", json=minimal_body())
    assert httpx.delete(f"{upstream.base_url}/_sandbox/leads").status_code == 200
    assert upstream.leads() == []


def test_stats_count_accepted_rejected_and_injected_failures(
    api: httpx.Client, upstream: SandboxServer
) -> None:
    api.post("/leads/valuation", json=valuation_body())
    api.post("/leads", json=minimal_body())
    api.post("/leads", json=minimal_body(email="nope"))
    api.post("/leads", json=minimal_body(), headers={"X-API-KEY": "wrong"})
    upstream.set_faults(error_rate=1)
    api.post("/leads", json=minimal_body())
    assert upstream.stats() == {"received": 5, "accepted": 2, "rejected": 2, "failed_injected": 1}


def test_faults_can_be_updated_partially(upstream: SandboxServer) -> None:
    assert upstream.set_faults(latency_ms=5) == {"latency_ms": 5, "error_rate": 0.0, "down": False}
    assert upstream.set_faults(down=True) == {"latency_ms": 5, "error_rate": 0.0, "down": True}
    assert upstream.faults() == {"latency_ms": 5, "error_rate": 0.0, "down": True}


def test_nonsense_faults_are_refused_and_change_nothing(upstream: SandboxServer) -> None:
    url = f"{upstream.base_url}/_sandbox/faults"
    for bad in ({"error_rate": 2}, {"latency_ms": -1}, {"down": "yes"}, {"sloth": 1},
                {"latency_ms": 10, "error_rate": "high"}):
        assert httpx.put(url, json=bad).status_code == 422, bad
    assert upstream.faults() == {"latency_ms": 0, "error_rate": 0.0, "down": False}
