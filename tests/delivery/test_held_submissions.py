"""Held submissions (the form's trap field was filled): stored and counted, never claimed or sent,
listed and released by the operator (then sent exactly once), and covered by retention and
erasure like every other submission. On SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from app.admission import TRAP_FIELD
from app.store import DEAD, DELIVERED, HELD, PENDING, Store, submissions
from app.tokens import Signer
from tests.delivery.support import (
    FIRST_NAME,
    LAST_NAME,
    PHONE,
    POSTCODE,
    app_env,
    backdate,
    delivery_for,
    expected_average,
    form_fields,
    form_token,
    http_client,
    new_submission,
    open_store,
    run_cli,
    sandbox_counts,
    wait_until,
)
from tests.support.apps import SAME_ORIGIN, TEST_SECRET, make_settings, run_app
from tests.support.servers import SandboxServer

HOLD = timedelta(seconds=30)


def submission_of(token: str) -> str:
    return Signer(TEST_SECRET, 7200, 3600).read_form_token(token, "default").submission_id


async def row(store: Store, submission_id: str) -> dict:
    async with store.engine.connect() as conn:
        found = await conn.execute(sa.select(submissions).where(submissions.c.id == submission_id))
        return dict(found.one()._mapping)


def test_a_held_submission_is_never_claimed_and_its_id_is_never_stored_twice(
    database_url: str,
) -> None:
    held, other = new_submission(), new_submission()

    async def scenario() -> None:
        store = await open_store(database_url)
        try:
            kept = await store.add_held(held)
            assert kept is not None and kept.state == HELD and kept.claimed_until is None
            assert await store.add_held(held) is None
            assert await store.add(held) is None, "a re-sent held form does not become pending"
            await store.add(other)
            assert [s.id for s in await store.claim_due("w1", HOLD, 10)] == [other.id]
            assert await store.claim(held.id, "w1", HOLD) is None
            stored = await store.get(held.id)
            assert stored is not None and stored.state == HELD and stored.payload == held.payload
            counts = await store.counts()
            assert (counts[HELD], counts[PENDING]) == (1, 1)
            assert await store.release_held(other.id) == 0, "only held submissions are released"
            assert await store.release_held(held.id) == 1
            assert await store.release_held(held.id) == 0, "released once"
            released = await store.get(held.id)
            assert released is not None and released.state == PENDING
            assert [s.id for s in await store.claim_due("w1", HOLD, 10)] == [held.id]
        finally:
            await store.close()

    asyncio.run(scenario())


def test_a_held_form_is_listed_counted_and_sent_exactly_once_when_the_operator_releases_it(
    database_url: str, lead_api: SandboxServer
) -> None:
    cli_env = {"DATABASE_URL": database_url, "LEADPRO_API_BASE": lead_api.base_url}
    app_settings = app_env(lead_api.base_url, database_url)
    with run_app(app_settings) as app, http_client(app.base_url) as http:

        def send(extra: dict[str, str]) -> tuple[str, str]:
            token = form_token(http.get("/w/default").text)
            response = http.post(
                "/w/default",
                data={**form_fields(token), **extra},
                headers=SAME_ORIGIN,
                follow_redirects=True,
            )
            assert response.status_code == 200, response.status_code
            return submission_of(token), str(response.url)

        held_id, held_result = send({TRAP_FIELD: "http://spam.example"})
        person_id, _ = send({})
        assert "Thank you, we have your details" in http.get(held_result).text
        wait_until(lambda: person_id in sandbox_counts(lead_api), 60, "the person's lead")
        time.sleep(1.0)  # ten more polls of the app's own worker (WORKER_POLL_SECONDS=0.1)
        assert sandbox_counts(lead_api) == {person_id: 1}

        listing = run_cli(["list", "--state", HELD], cli_env)
        assert listing.returncode == 0, listing.stderr
        assert [line.split()[0] for line in listing.stdout.splitlines()[1:]] == [held_id]
        assert listing.stdout.splitlines()[1].split()[4] == HELD
        for personal in ("marla@example.com", FIRST_NAME, LAST_NAME, PHONE, POSTCODE):
            assert personal not in listing.stdout + listing.stderr
        figures = json.loads(run_cli(["stats"], cli_env).stdout)
        assert (figures["held"], figures["delivered"], figures["pending"]) == (1, 1, 0)

        released = run_cli(["release", held_id], cli_env)
        assert released.returncode == 0, released.stderr
        assert released.stdout.startswith("1 submission(s) released")
        wait_until(lambda: held_id in sandbox_counts(lead_api), 60, "the released lead")
        again = run_cli(["release", held_id], cli_env)
        assert again.returncode == 1 and again.stdout.startswith("0 submission(s) released")
        assert held_id in again.stderr
        time.sleep(1.0)
        assert sandbox_counts(lead_api) == {person_id: 1, held_id: 1}
        [lead] = lead_api.leads(meta_key="submission_id", meta_value=held_id)
        assert (lead["body"]["first_name"], lead["body"]["postcode"]) == (FIRST_NAME, POSTCODE)
        # The person caught by the trap now finds their estimate behind the same link.
        assert expected_average() in http.get(held_result).text


def test_retention_and_erasure_remove_held_personal_data_and_leave_nothing_to_release(
    database_url: str, tmp_path: Path, lead_api: SandboxServer
) -> None:
    old, recent = new_submission(), new_submission()
    forget = new_submission(email="Forget.Me@Example.com")

    async def setup() -> None:
        store = await open_store(database_url)
        try:
            await store.add_held(old)
            await backdate(store, 91)
            await store.add_held(recent)
            await store.add_held(forget)
        finally:
            await store.close()

    asyncio.run(setup())
    env = {"DATABASE_URL": database_url, "LEADPRO_API_BASE": lead_api.base_url}
    retention = run_cli(["retention"], {**env, "RETENTION_DAYS": "90"})
    assert retention.stdout.startswith("personal data removed from 1 submission(s)")
    erased = run_cli(["erase", "forget.me@example.com"], env)
    assert erased.stdout.startswith("personal data erased from 1 submission(s)")
    refused = run_cli(["release", old.id, forget.id], env)
    assert refused.returncode == 1 and refused.stdout.startswith("0 submission(s) released")
    assert old.id in refused.stderr and forget.id in refused.stderr
    assert "forget.me" not in (erased.stdout + erased.stderr + refused.stderr).lower()

    settings = make_settings(tmp_path, lead_api.base_url, database_url=database_url)

    async def check() -> None:
        async with delivery_for(settings) as delivery:
            stripped = await row(delivery.store, old.id)
            assert stripped["state"] == HELD and stripped["payload"] is None
            assert stripped["email_digest"] is None and stripped["personal_data_removed_at"]
            gone = await row(delivery.store, forget.id)
            assert gone["state"] == DEAD and gone["payload"] is None
            assert gone["last_error"] == "erased on request"
            assert (await row(delivery.store, recent.id))["payload"] is not None
            assert await delivery.drain_once() == 0
            counts = await delivery.store.counts()
            assert (counts[HELD], counts[DEAD], counts[DELIVERED]) == (2, 1, 0)

    asyncio.run(check())
    assert sandbox_counts(lead_api) == {}
