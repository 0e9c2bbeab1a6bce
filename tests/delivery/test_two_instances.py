"""Two app instances on one PostgreSQL share a backlog: every lead is sent, none twice."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import timedelta

import pytest

from app.store import DELIVERED, submissions, utcnow
from tests.delivery.support import app_env, new_submission, open_store, sandbox_counts, wait_until
from tests.support.apps import LiveApp, run_app
from tests.support.servers import SandboxServer

BACKLOG = 200


async def set_due(database_url: str, when: timedelta) -> None:
    store = await open_store(database_url)
    try:
        async with store.engine.begin() as conn:
            await conn.execute(submissions.update().values(next_attempt_at=utcnow() + when))
    finally:
        await store.close()


def delivered_by(app: LiveApp) -> list[str]:
    ids = []
    for line in app.process.read_output().splitlines():
        with contextlib.suppress(ValueError):
            event = json.loads(line)
            if event.get("event") == "delivery.delivered":
                ids.append(event["submission"])
    return ids


@pytest.mark.postgres
def test_two_instances_drain_one_backlog_and_never_send_a_lead_twice(
    lead_api: SandboxServer, postgres_url: str
) -> None:
    backlog = [new_submission() for _ in range(BACKLOG)]

    async def store_backlog() -> None:
        store = await open_store(postgres_url)
        try:
            for new in backlog:
                await store.add(new)
        finally:
            await store.close()

    asyncio.run(store_backlog())
    asyncio.run(set_due(postgres_url, timedelta(hours=1)))  # held back until both are up
    lead_api.set_faults(latency_ms=150)
    env = app_env(lead_api.base_url, postgres_url, worker_poll_seconds=0.05)

    async def count_delivered() -> int:
        store = await open_store(postgres_url)
        try:
            return (await store.counts())[DELIVERED]
        finally:
            await store.close()

    with ExitStack() as stack, ThreadPoolExecutor(2) as pool:
        apps = list(pool.map(lambda _: stack.enter_context(run_app(env)), range(2)))
        asyncio.run(set_due(postgres_url, timedelta(0)))  # the whole backlog falls due at once
        wait_until(lambda: asyncio.run(count_delivered()) == BACKLOG, 90, "the backlog", 0.5)
        shares = [delivered_by(app) for app in apps]

    recorded = sandbox_counts(lead_api)
    assert set(recorded) == {new.id for new in backlog}
    assert [i for i, n in recorded.items() if n > 1] == []
    # Both instances did part of the work, and no submission was delivered by both.
    assert all(shares), [len(share) for share in shares]
    assert not Counter(shares[0]) & Counter(shares[1])
    assert len(shares[0]) + len(shares[1]) == BACKLOG
