"""The retry schedule: capped exponential backoff with full jitter, then dead, loudly."""

from __future__ import annotations

import asyncio
import logging
import random
from pathlib import Path

import pytest

from app.settings import SettingsError, load_settings
from app.store import DEAD, PENDING
from tests.delivery.support import (
    FIRST_NAME,
    LAST_NAME,
    PHONE,
    POSTCODE,
    delivery_for,
    email_for,
    new_submission,
    sandbox_counts,
)
from tests.support.apps import make_settings
from tests.support.servers import SandboxServer


def test_retry_delays_are_full_jitter_under_a_capped_exponential_ceiling(
    tmp_path: Path,
) -> None:
    settings = make_settings(
        tmp_path, "http://127.0.0.1:1", retry_base_seconds=30, retry_max_seconds=3600
    )

    async def scenario() -> None:
        async with delivery_for(settings) as delivery:
            delivery.random = random.Random(7)
            for failures in range(1, 12):
                ceiling = min(3600.0, 30.0 * 2 ** (failures - 1))
                draws = [delivery.retry_delay(failures) for _ in range(400)]
                assert all(0 <= d <= ceiling for d in draws), failures
                # Full jitter spreads the whole range, not just near the ceiling.
                assert min(draws) < ceiling * 0.05 and max(draws) > ceiling * 0.95
            # Past 8 failures the cap holds however many more there are.
            assert max(delivery.retry_delay(200) for _ in range(400)) > 3600 * 0.95
            assert max(delivery.retry_delay(10_000) for _ in range(400)) <= 3600

    asyncio.run(scenario())


def test_the_default_schedule_keeps_trying_for_many_hours() -> None:
    settings = load_settings(_env_file=None)
    ceilings = [
        min(settings.retry_max_seconds, settings.retry_base_seconds * 2 ** (n - 1))
        for n in range(1, settings.retry_max_attempts)
    ]
    # With full jitter the expected wait is half the ceilings: about 11.5 hours (23 at most).
    assert sum(ceilings) / 2 > 10 * 3600


def test_a_submission_goes_dead_after_the_last_attempt_and_is_logged_loudly_without_personal_data(
    tmp_path: Path, lead_api: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    lead_api.set_faults(down=True)
    settings = make_settings(
        tmp_path,
        lead_api.base_url,
        retry_base_seconds=0.01,
        retry_max_seconds=0.02,
        retry_max_attempts=3,
    )
    new = new_submission()

    async def scenario() -> None:
        async with delivery_for(settings) as delivery:
            await delivery.store.add(new)
            for expected_attempts in (1, 2):
                assert await delivery.drain_once() == 1
                stored = await delivery.store.get(new.id)
                assert stored and stored.state == PENDING
                assert stored.attempts == expected_attempts
                assert stored.last_error and "503" in stored.last_error
                await asyncio.sleep(0.05)
            assert await delivery.drain_once() == 1
            stored = await delivery.store.get(new.id)
            assert stored and stored.state == DEAD and stored.attempts == 3
            assert (await delivery.store.delivery_stats())["dead"] == 1
            assert await delivery.drain_once() == 0  # dead stays dead

    with caplog.at_level(logging.INFO):
        asyncio.run(scenario())
    dead = [r for r in caplog.records if r.getMessage().startswith("delivery.dead")]
    assert len(dead) == 1 and dead[0].levelno == logging.ERROR
    # `submission` arrives through the log call's `extra`, which LogRecord's type cannot know.
    assert dead[0].submission == new.id  # type: ignore[attr-defined]
    logged = caplog.text + " ".join(str(r.__dict__) for r in caplog.records)
    for personal in (email_for(new.id), FIRST_NAME, LAST_NAME, PHONE, POSTCODE):
        assert personal not in logged
    assert sandbox_counts(lead_api) == {}


def test_a_claim_must_outlive_the_longest_lead_api_call() -> None:
    with pytest.raises(SettingsError, match="CLAIM_TIMEOUT_SECONDS"):
        load_settings(_env_file=None, claim_timeout_seconds=15, leadpro_total_timeout=15)
    ok = load_settings(_env_file=None, claim_timeout_seconds=16, leadpro_total_timeout=15)
    assert ok.claim_timeout_seconds == 16
