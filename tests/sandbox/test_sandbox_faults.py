"""Injected faults: latency, errors and outages, set at run time or from the environment."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.sandbox.bodies import valuation_body
from tests.support.servers import SANDBOX_KEY, SandboxServer, run_sandbox


def timed_post(client: httpx.Client) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = client.post("/leads/valuation", json=valuation_body())
    return response, time.monotonic() - started


def test_latency_set_at_run_time_delays_the_answer(
    api: httpx.Client, upstream: SandboxServer
) -> None:
    upstream.set_faults(latency_ms=400)
    response, elapsed = timed_post(api)
    assert response.status_code == 200
    assert elapsed >= 0.4


def test_request_abandoned_during_latency_is_not_recorded(
    api: httpx.Client, upstream: SandboxServer
) -> None:
    upstream.set_faults(latency_ms=600)
    with pytest.raises(httpx.ReadTimeout):
        api.post("/leads/valuation", json=valuation_body(), timeout=0.2)
    time.sleep(0.8)  # let the sandbox finish sleeping and notice nobody is waiting
    assert upstream.leads() == []


def test_error_rate_of_one_fails_every_request_with_500_unrecorded(
    api: httpx.Client, upstream: SandboxServer
) -> None:
    upstream.set_faults(error_rate=1)
    for path in ("/leads/valuation", "/leads"):
        response = api.post(path, json=valuation_body())
        assert response.status_code == 500
        assert response.json() == {"message": "Server Error"}
    assert upstream.leads() == []


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/leads/valuation"), ("POST", "/leads"), ("GET", "/offices")]
)
def test_down_answers_503_on_every_contract_endpoint(
    api: httpx.Client, upstream: SandboxServer, method: str, path: str
) -> None:
    upstream.set_faults(down=True)
    body = valuation_body() if method == "POST" else None
    response = api.request(method, path, json=body)
    assert response.status_code == 503
    assert response.json() == {"message": "Service unavailable"}
    assert upstream.leads() == []


def test_reset_brings_a_downed_sandbox_back(api: httpx.Client, upstream: SandboxServer) -> None:
    upstream.set_faults(down=True, error_rate=1, latency_ms=1)
    upstream.reset()
    assert api.post("/leads/valuation", json=valuation_body()).status_code == 200


# --- faults from the environment (each starts a sandbox of its own) ---

def keyed(server: SandboxServer) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, headers={"X-API-KEY": SANDBOX_KEY}, timeout=10)


def test_environment_sets_latency_and_down_at_start_up() -> None:
    env = {"SANDBOX_LATENCY_MS": "300", "SANDBOX_DOWN": "true"}
    with run_sandbox(keys=(SANDBOX_KEY,), env=env) as server, keyed(server) as client:
        assert server.faults() == {"latency_ms": 300, "error_rate": 0.0, "down": True}
        response, elapsed = timed_post(client)
        assert response.status_code == 503
        assert elapsed >= 0.3


def statuses_with_seed(seed: str) -> list[int]:
    env = {"SANDBOX_ERROR_RATE": "0.5", "SANDBOX_SEED": seed}
    with run_sandbox(keys=(SANDBOX_KEY,), env=env) as server, keyed(server) as client:
        statuses = [timed_post(client)[0].status_code for _ in range(20)]
        assert len(server.leads()) == statuses.count(200)  # only the successes are recorded
        return statuses


def test_seeded_error_rate_fails_a_repeatable_share_of_requests() -> None:
    first, second = statuses_with_seed("7"), statuses_with_seed("7")
    assert first == second
    assert set(first) == {200, 500}


def test_start_up_refuses_a_nonsense_error_rate() -> None:
    with pytest.raises(RuntimeError, match="SANDBOX_ERROR_RATE"), run_sandbox(
        env={"SANDBOX_ERROR_RATE": "lots"}
    ):
        pass
