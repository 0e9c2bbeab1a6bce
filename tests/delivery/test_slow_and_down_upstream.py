"""The homeowner never waits long and no lead is lost: slow, down, unknown widget, shutdown."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest

from app.store import DELIVERED, PENDING
from tests.delivery.support import (
    delivery_for,
    expected_average,
    form_fields,
    form_token,
    new_submission,
    sandbox_counts,
    wait_until,
)
from tests.support.apps import SAME_ORIGIN, app_client, make_settings
from tests.support.servers import SandboxServer

PENDING_HEADING = "Thank you, we have your details"
EXPECTED_AVERAGE = expected_average()


def test_a_slow_lead_api_shows_the_pending_page_then_the_result_page_shows_the_estimate(
    tmp_path: Path, lead_api: SandboxServer
) -> None:
    lead_api.set_faults(latency_ms=1500)
    settings = make_settings(
        tmp_path,
        lead_api.base_url,
        submit_wait_seconds=0.3,
        leadpro_total_timeout=8,
        claim_timeout_seconds=10,
    )
    with app_client(settings) as client:
        fields = form_fields(form_token(client.get("/w/default").text))
        started = time.monotonic()
        posted = client.post("/w/default", data=fields, headers=SAME_ORIGIN, follow_redirects=False)
        assert time.monotonic() - started < 1.4, "the homeowner waited for the slow upstream"
        assert posted.status_code == 303
        result_url = posted.headers["location"]
        page = client.get(result_url)
        assert PENDING_HEADING in page.text and "data-poll" in page.text
        status_url = f"{result_url}/status"
        assert client.get(status_url).json() == {"state": PENDING}

        # The attempt carries on after the request; the page's poll sees it land.
        wait_until(lambda: client.get(status_url).json()["state"] == DELIVERED, 10, "the delivery")
        assert EXPECTED_AVERAGE in client.get(result_url).text
    assert list(sandbox_counts(lead_api).values()) == [1]


def test_while_the_lead_api_is_down_the_homeowner_is_reassured_and_the_worker_delivers_later(
    tmp_path: Path, lead_api: SandboxServer
) -> None:
    lead_api.set_faults(down=True)
    settings = make_settings(
        tmp_path,
        lead_api.base_url,
        worker_in_process=True,
        worker_poll_seconds=0.05,
        retry_base_seconds=0.05,
        retry_max_seconds=0.2,
    )
    with app_client(settings) as client:
        fields = form_fields(form_token(client.get("/w/default").text))
        posted = client.post("/w/default", data=fields, headers=SAME_ORIGIN)
        assert posted.status_code == 200 and PENDING_HEADING in posted.text
        status_url = f"{posted.url.path}/status"
        time.sleep(0.8)  # the worker keeps retrying meanwhile
        assert client.get(status_url).json() == {"state": PENDING}
        assert lead_api.stats()["failed_injected"] >= 3

        lead_api.set_faults(down=False)
        wait_until(lambda: client.get(status_url).json()["state"] == DELIVERED, 10, "the delivery")
        assert EXPECTED_AVERAGE in client.get(posted.url.path).text
    assert list(sandbox_counts(lead_api).values()) == [1]


def test_a_submission_whose_widget_was_removed_is_kept_and_retried_not_dropped(
    tmp_path: Path, lead_api: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(
        tmp_path, lead_api.base_url, retry_base_seconds=0.01, retry_max_seconds=0.01
    )
    new = new_submission()

    async def scenario() -> None:
        # An instance whose configuration no longer has the widget...
        async with delivery_for(settings, widgets={}) as without_widget:
            await without_widget.store.add(new)
            assert await without_widget.drain_once() == 1
            stored = await without_widget.store.get(new.id)
            assert stored and stored.state == PENDING and "not configured" in str(stored.last_error)
        await asyncio.sleep(0.05)
        # ...and once the widget is back, the lead goes out.
        async with delivery_for(settings) as with_widget:
            assert await with_widget.drain_once() == 1
            stored = await with_widget.store.get(new.id)
            assert stored and stored.state == DELIVERED

    with caplog.at_level(logging.ERROR):
        asyncio.run(scenario())
    assert any(r.getMessage().startswith("delivery.unknown_widget") for r in caplog.records)
    assert sandbox_counts(lead_api) == {new.id: 1}


def test_shutdown_cancels_an_attempt_in_flight_and_hands_it_back_flagged_maybe_sent(
    tmp_path: Path, lead_api: SandboxServer
) -> None:
    lead_api.set_faults(latency_ms=1500)
    settings = make_settings(
        tmp_path, lead_api.base_url, retry_base_seconds=0.01, retry_max_seconds=0.01
    )
    new = new_submission()

    async def scenario() -> None:
        async with delivery_for(settings) as first:
            await first.store.add(new, owner=first.owner, hold=first.hold)
            await first.deliver_now(new.id, wait=0.1)  # the homeowner got the pending page
            assert len(first._in_flight) == 1
            started = time.monotonic()
            await first.close(grace=0.1)
            assert time.monotonic() - started < 1.0 and not first._in_flight
            stored = await first.store.get(new.id)
            # Handed back at once, not left to a lapsing claim; flagged as possibly received.
            assert stored and stored.state == PENDING and not stored.attempt_under_way()
            assert stored.maybe_sent_before and stored.last_error == "interrupted by shutdown"
        lead_api.set_faults(latency_ms=0)
        await asyncio.sleep(0.05)
        async with delivery_for(settings) as second:
            assert await second.drain_once() == 1
            stored = await second.store.get(new.id)
            assert stored and stored.state == DELIVERED
            assert (await second.store.delivery_stats())["possible_duplicates"] == 1

    asyncio.run(scenario())
    # The cut-off request never reached the sandbox's records (it saw the client leave).
    time.sleep(1.6)
    assert sandbox_counts(lead_api) == {new.id: 1}
