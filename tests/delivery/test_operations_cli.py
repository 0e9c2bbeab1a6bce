"""The operator's command line: list, stats and retry, run as real commands."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from app.store import DEAD, DELIVERED, PENDING
from tests.delivery.support import (
    FIRST_NAME,
    LAST_NAME,
    PHONE,
    POSTCODE,
    delivery_for,
    email_for,
    new_submission,
    run_cli,
    sandbox_counts,
    sqlite_url,
)
from tests.support.apps import make_settings
from tests.support.servers import SandboxServer


def test_list_stats_and_retry_all_dead_from_the_command_line(
    tmp_path: Path, lead_api: SandboxServer
) -> None:
    database_url = sqlite_url(tmp_path)
    settings = make_settings(tmp_path, lead_api.base_url, retry_max_attempts=1)
    delivered, dead = new_submission(), [new_submission(), new_submission()]

    async def setup() -> None:
        async with delivery_for(settings) as delivery:
            await delivery.store.add(delivered)
            assert await delivery.drain_once() == 1
            lead_api.set_faults(down=True)
            for new in dead:
                await delivery.store.add(new)
            assert await delivery.drain_once() == 2  # one attempt allowed: dead at once

    asyncio.run(setup())
    env = {"DATABASE_URL": database_url, "LEADPRO_API_BASE": lead_api.base_url}

    listing = run_cli(["list"], env)
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert lines[0].split() == ["id", "widget", "created", "(UTC)", "state", "attempts"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert set(rows) == {delivered.id, *(new.id for new in dead)}
    assert rows[delivered.id][1] == "default" and rows[delivered.id][4] == DELIVERED
    every_email = [email_for(new.id) for new in (delivered, *dead)]
    for personal in (*every_email, FIRST_NAME, LAST_NAME, PHONE, POSTCODE):
        assert personal not in listing.stdout + listing.stderr

    only_dead = run_cli(["list", "--state", DEAD], env)
    assert {line.split()[0] for line in only_dead.stdout.splitlines()[1:]} == {
        new.id for new in dead
    }

    stats = run_cli(["stats"], env)
    assert stats.returncode == 0, stats.stderr
    figures = json.loads(stats.stdout)
    assert figures["accepted"] == 3 and figures["delivered"] == 1 and figures["dead"] == 2
    assert figures["pending"] == 0

    assert run_cli(["retry", "0" * 32], env).returncode == 1  # no such dead submission
    retried = run_cli(["retry", "--all-dead"], env)
    assert retried.returncode == 0 and retried.stdout.startswith("2 submission(s)")
    lead_api.set_faults(down=False)

    async def redeliver() -> None:
        async with delivery_for(settings) as delivery:
            for new in dead:
                stored = await delivery.store.get(new.id)
                assert stored and stored.state == PENDING and stored.attempts == 0
            assert await delivery.drain_once() == 2
            assert (await delivery.store.counts())[DELIVERED] == 3

    asyncio.run(redeliver())
    assert sandbox_counts(lead_api) == {delivered.id: 1, dead[0].id: 1, dead[1].id: 1}
