"""The durable store: state transitions and claims, on SQLite and PostgreSQL alike.

Migrations have their own module, test_migrations.py."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import sqlalchemy as sa

from app.store import DEAD, DELIVERED, PENDING, REJECTED, Store, submissions, utcnow
from tests.delivery.support import new_submission, open_store

HOLD = timedelta(seconds=30)


async def row_count(store: Store) -> int:
    async with store.engine.connect() as conn:
        return int(
            (await conn.execute(sa.select(sa.func.count()).select_from(submissions))).scalar()
        )


def test_states_move_from_pending_to_delivered_rejected_or_dead_and_no_row_is_deleted(
    database_url: str,
) -> None:
    async def scenario() -> None:
        store = await open_store(database_url)
        try:
            ids = [new_submission() for _ in range(4)]
            for new in ids:
                assert await store.add(new)
                stored = await store.get(new.id)
                assert stored is not None and stored.state == PENDING
            claimed = {s.id for s in await store.claim_due("w1", HOLD, 10)}
            assert claimed == {new.id for new in ids}

            assert await store.mark_delivered(ids[0].id, "w1", {"valuation_status": "Success"})
            assert await store.mark_rejected(ids[1].id, "w1", {"status": 422, "errors": {}})
            assert await store.mark_dead(ids[2].id, "w1", "HTTP 503")
            at = utcnow() + timedelta(minutes=5)
            assert await store.schedule_retry(ids[3].id, "w1", at, "HTTP 500", maybe_sent=False)

            # get() may answer None; these rows were inserted above, so a None fails the test.
            states = {new.id: (await store.get(new.id)).state for new in ids}  # type: ignore[union-attr]
            assert states == {
                ids[0].id: DELIVERED,
                ids[1].id: REJECTED,
                ids[2].id: DEAD,
                ids[3].id: PENDING,
            }
            delivered = await store.get(ids[0].id)
            assert delivered and delivered.valuation == {"valuation_status": "Success"}
            rejected = await store.get(ids[1].id)
            assert rejected and rejected.rejection == {"status": 422, "errors": {}}
            # A finished submission never goes back: a late outcome from anyone is ignored.
            assert not await store.mark_dead(ids[0].id, "w1", "late")
            # The row exists (inserted above); a None would fail the test, as it should.
            assert (await store.get(ids[0].id)).state == DELIVERED  # type: ignore[union-attr]
            # The retried one is not due yet, so nobody claims it early.
            assert await store.claim_due("w2", HOLD, 10) == []
            # Retention and erasure strip data but keep every row, like delivery does.
            await store.erase_email(ids[3].email)
            assert await store.apply_retention(0) == 3
            assert await row_count(store) == 4
        finally:
            await store.close()

    asyncio.run(scenario())


def test_the_same_submission_id_is_stored_once(database_url: str) -> None:
    async def scenario() -> None:
        store = await open_store(database_url)
        try:
            new = new_submission()
            assert await store.add(new)
            assert not await store.add(new)
            assert await row_count(store) == 1
        finally:
            await store.close()

    asyncio.run(scenario())


def test_only_the_claim_holder_records_an_outcome(database_url: str) -> None:
    async def scenario() -> None:
        store = await open_store(database_url)
        try:
            new = new_submission()
            await store.add(new, owner="request", hold=HOLD)
            # Stored already claimed: a worker polling right now leaves it to the request.
            assert await store.claim_due("worker", HOLD, 10) == []
            assert await store.claim(new.id, "worker", HOLD) is None
            assert not await store.mark_delivered(new.id, "worker", {})
            assert await store.mark_delivered(new.id, "request", {})
        finally:
            await store.close()

    asyncio.run(scenario())


def test_a_claim_left_by_a_crashed_process_is_taken_over_once_it_lapses(
    database_url: str,
) -> None:
    async def scenario() -> None:
        store = await open_store(database_url)
        try:
            new = new_submission()
            await store.add(new, owner="crashed", hold=HOLD)
            assert await store.claim_due("survivor", HOLD, 10) == []
            # The holder died; its claim runs out.
            async with store.engine.begin() as conn:
                await conn.execute(
                    submissions.update().values(claimed_until=utcnow() - timedelta(seconds=1))
                )
            taken = await store.claim_due("survivor", HOLD, 10)
            assert [s.id for s in taken] == [new.id]
            # The dead holder may have sent it before dying: counted as a possible duplicate.
            assert taken[0].maybe_sent_before
            assert await store.mark_delivered(new.id, "survivor", {})
            assert not await store.mark_delivered(new.id, "crashed", {})
            assert (await store.delivery_stats())["possible_duplicates"] == 1
        finally:
            await store.close()

    asyncio.run(scenario())


def test_concurrent_claimers_never_claim_the_same_submission(database_url: str) -> None:
    async def scenario() -> None:
        stores = [await open_store(database_url) for _ in range(2)]
        try:
            ids = {new.id for new in [new_submission() for _ in range(60)]}
            for submission_id in ids:
                await stores[0].add(new_submission(submission_id))
            rounds = [stores[i % 2].claim_due(f"w{i}", HOLD, 7) for i in range(12)]
            claimed = [[s.id for s in batch] for batch in await asyncio.gather(*rounds)]
            # One claim never takes more than asked for (a rescanned SKIP LOCKED subquery would).
            assert max(len(batch) for batch in claimed) <= 7
            flat = [i for batch in claimed for i in batch]
            assert len(flat) == len(set(flat)), "a submission was claimed twice"
            assert set(flat) == ids
        finally:
            for store in stores:
                await store.close()

    asyncio.run(scenario())
