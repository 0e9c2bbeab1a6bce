"""CPU time the Lead API client spends per call, measured in a process of its own.

    python -m bench.leadapi_cpu --base-url http://127.0.0.1:8001 --key bench-key [--calls 2000]

Sends the contract's example lead `--calls` times (after a warm-up) through the app's own client
(`build_http_client` + `LeadApiClient`) to a running Lead API (the sandbox, started by
`bench/run.py`) with `--concurrency` calls in flight, and prints one JSON object: calls, errors,
wall seconds and this process's CPU milliseconds per call. Only the client runs in this process,
so its CPU time is the client's cost: building the body, the HTTP exchange, reading the reply.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time

from pydantic import SecretStr

from app.leadapi import LeadApiClient, LeadApiError, LeadRequest, Upstream, build_http_client
from tests.support.forms import CONTRACT_EXAMPLE


async def measure(base_url: str, key: str, calls: int, concurrency: int, warmup: int) -> dict:
    """Send `warmup` then `calls` leads; the CPU and wall time of the measured calls only."""
    lead = LeadRequest.model_validate(CONTRACT_EXAMPLE)
    upstream = Upstream(base_url, SecretStr(key))
    http = build_http_client(connect_timeout=5.0, read_timeout=10.0)
    client = LeadApiClient(http, total_timeout=30.0)
    errors = 0

    async def send(count: int) -> None:
        nonlocal errors
        for _ in range(count):
            try:
                await client.create_valuation(lead, upstream)
            except LeadApiError:
                errors += 1

    async def batch(total: int) -> None:
        share, extra = divmod(total, concurrency)
        await asyncio.gather(*(send(share + (i < extra)) for i in range(concurrency)))

    try:
        await batch(warmup)
        errors = 0
        before, wall_before = os.times(), time.perf_counter()
        await batch(calls)
        after, wall = os.times(), time.perf_counter() - wall_before
    finally:
        await http.aclose()

    def per_call(end: float, start: float) -> float:
        return round((end - start) * 1000 / calls, 3)

    return {
        "calls": calls,
        "concurrency": concurrency,
        "errors": errors,
        "wall_s": round(wall, 3),
        "cpu_ms_per_call": per_call(after.user + after.system, before.user + before.system),
        "user_ms_per_call": per_call(after.user, before.user),
        "system_ms_per_call": per_call(after.system, before.system),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True, help="the Lead API's base URL")
    parser.add_argument("--key", required=True, help="its API key")
    parser.add_argument("--calls", type=int, default=2000, help="measured calls")
    parser.add_argument("--concurrency", type=int, default=8, help="calls in flight")
    parser.add_argument("--warmup", type=int, default=200, help="calls before measuring")
    args = parser.parse_args(argv)
    figures = asyncio.run(
        measure(args.base_url, args.key, args.calls, args.concurrency, args.warmup)
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
