"""UK GDPR: personal data is stripped after the retention period and erased on request."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

from app.store import DEAD, DELIVERED, HELD, PENDING, Store, submissions
from tests.delivery.support import (
    backdate,
    delivery_for,
    new_submission,
    open_store,
    run_cli,
    sandbox_counts,
)
from tests.support.apps import TEST_SECRET, make_settings
from tests.support.servers import SandboxServer


async def raw_row(store: Store, submission_id: str) -> dict:
    async with store.engine.connect() as conn:
        row = (
            await conn.execute(submissions.select().where(submissions.c.id == submission_id))
        ).one()
    return dict(row._mapping)


def assert_stripped(row: dict) -> None:
    assert row["payload"] is None and row["email_digest"] is None
    assert row["slots"] == "[]" and row["personal_data_removed_at"] is not None
    # What is kept: ids, times, state, widget, attribution and the consent record.
    assert row["id"] and row["created_at"] and row["widget_id"] == "default"
    assert json.loads(row["attribution"]) == {"utm_source": "newsletter"}
    assert json.loads(row["consent"])["given"] is True


def test_retention_strips_personal_fields_of_old_finished_submissions_and_keeps_statistics(
    database_url: str,
) -> None:
    old_delivered, old_dead, old_pending = new_submission(), new_submission(), new_submission()
    recent = new_submission()

    async def setup() -> dict:
        store = await open_store(database_url)
        try:
            for new in (old_delivered, old_dead, old_pending):
                await store.add(new)
            await store.claim_due("w", timedelta(seconds=30), 10)
            await store.mark_delivered(old_delivered.id, "w", {"valuation_status": "Success"})
            await store.mark_dead(old_dead.id, "w", "HTTP 503")
            await store.release(old_pending.id, "w")
            await backdate(store, 91)
            await store.add(recent)
            return await store.delivery_stats()
        finally:
            await store.close()

    before = asyncio.run(setup())
    done = run_cli(["retention"], {"DATABASE_URL": database_url, "RETENTION_DAYS": "90"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("personal data removed from 2 submission(s)")

    async def check() -> None:
        store = await open_store(database_url)
        try:
            for new in (old_delivered, old_dead):
                assert_stripped(await raw_row(store, new.id))
            delivered = await raw_row(store, old_delivered.id)
            assert delivered["state"] == DELIVERED and delivered["valuation"]
            # Still being delivered, or too recent: untouched.
            for new in (old_pending, recent):
                assert (await raw_row(store, new.id))["payload"] is not None
            after = await store.delivery_stats()
            assert after.pop("personal_data_removed") == 2
            before.pop("personal_data_removed")
            after.pop("oldest_pending_seconds")
            before.pop("oldest_pending_seconds")
            assert after == before
        finally:
            await store.close()

    asyncio.run(check())


def test_the_background_worker_applies_retention_by_itself(
    tmp_path: Path, lead_api: SandboxServer
) -> None:
    settings = make_settings(tmp_path, lead_api.base_url, retention_days=30)
    new = new_submission()

    async def scenario() -> None:
        async with delivery_for(settings) as delivery:
            await delivery.store.add(new)
            assert await delivery.drain_once() == 1
            await backdate(delivery.store, 31)
            stop = asyncio.Event()
            worker = asyncio.create_task(delivery.run_worker(stop))
            await asyncio.sleep(0.5)
            stop.set()
            await worker
            assert_stripped(await raw_row(delivery.store, new.id))
            assert (await delivery.store.counts())[DELIVERED] == 1

    asyncio.run(scenario())


def test_erasure_by_email_removes_personal_data_and_an_erased_pending_lead_is_never_sent(
    tmp_path: Path, lead_api: SandboxServer
) -> None:
    settings = make_settings(tmp_path, lead_api.base_url)
    email = "Erase.Me@Example.com"
    sent, queued, other = new_submission(email=email), new_submission(email=email), new_submission()

    async def setup() -> None:
        async with delivery_for(settings) as delivery:
            await delivery.store.add(sent)
            assert await delivery.drain_once() == 1
            lead_api.set_faults(down=True)
            await delivery.store.add(queued)
            await delivery.store.add(other)
            assert await delivery.drain_once() == 2  # both wait for a retry

    asyncio.run(setup())
    env = {"DATABASE_URL": settings.database_url, "SECRET_KEY": TEST_SECRET}
    erased = run_cli(["erase", "  erase.me@example.COM "], env)
    assert erased.returncode == 0, erased.stderr
    assert erased.stdout.startswith("personal data erased from 2 submission(s)")
    assert email.lower() not in (erased.stdout + erased.stderr).lower()
    lead_api.set_faults(down=False)

    async def check() -> None:
        async with delivery_for(settings) as delivery:
            async with delivery.store.engine.begin() as conn:  # every retry due now
                await conn.execute(
                    submissions.update().values(next_attempt_at=submissions.c.created_at)
                )
            assert await delivery.drain_once() == 1  # only the other person's lead
            for new in (sent, queued):
                assert_stripped(await raw_row(delivery.store, new.id))
            assert (await raw_row(delivery.store, sent.id))["state"] == DELIVERED
            erased_row = await raw_row(delivery.store, queued.id)
            assert erased_row["state"] == DEAD and erased_row["last_error"] == "erased on request"
            assert (await raw_row(delivery.store, other.id))["payload"] is not None
            assert await delivery.store.retry_dead() == 0  # nothing left to send
            counts = await delivery.store.counts()
            assert counts == {PENDING: 0, DELIVERED: 2, "rejected": 0, DEAD: 1, HELD: 0}

    asyncio.run(check())
    # The erased pending lead never reached the Lead API.
    assert sandbox_counts(lead_api) == {sent.id: 1, other.id: 1}


def test_erasure_finds_an_internationalised_address_in_either_form_it_was_stored_in(
    tmp_path: Path, lead_api: SandboxServer
) -> None:
    """Leads store the address as sent (xn-- domain); earlier ones as typed (Unicode)."""
    settings = make_settings(tmp_path, lead_api.base_url)
    as_sent = new_submission(email="marla@xn--bcher-kva.de")
    as_typed = new_submission(email="marla@b\u00fccher.de")
    other = new_submission()

    async def setup() -> None:
        async with delivery_for(settings) as delivery:
            for new in (as_sent, as_typed, other):
                await delivery.store.add(new)

    asyncio.run(setup())
    env = {"DATABASE_URL": settings.database_url, "SECRET_KEY": TEST_SECRET}
    erased = run_cli(["erase", "Marla@B\u00dcCHER.de"], env)
    assert erased.returncode == 0, erased.stderr
    assert erased.stdout.startswith("personal data erased from 2 submission(s)")

    async def check() -> None:
        async with delivery_for(settings) as delivery:
            for new in (as_sent, as_typed):
                row = await raw_row(delivery.store, new.id)
                assert row["payload"] is None and row["email_digest"] is None
            assert (await raw_row(delivery.store, other.id))["payload"] is not None

    asyncio.run(check())
