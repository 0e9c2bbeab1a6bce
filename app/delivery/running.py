"""Delivery's life in a process: opened with the app (database, Lead API pool, the worker) and
closed in the one order that loses no lead."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
from starlette.types import ASGIApp

from app.delivery.service import Delivery
from app.leadapi import LeadApiClient, build_http_client
from app.settings import Settings
from app.store import Store
from app.widgets import SANDBOX_BASE, Widget


@contextlib.asynccontextmanager
async def running_delivery(
    settings: Settings,
    widgets: dict[str, Widget],
    stop: asyncio.Event,
    *,
    worker: bool,
    sandbox_app: ASGIApp | None = None,
) -> AsyncIterator[Delivery]:
    """Open what delivery needs (database, connection pools, the worker if asked) and close it
    in the one order that loses no lead: stop, let attempts in flight finish or go back on the
    schedule, wait for the worker, then close the pools and the database.

    `sandbox_app` is the built-in sandbox Lead API, for widgets without a key.
    """
    store = Store.connect(settings.async_database_url, settings.signing_key)
    await store.migrate()
    # One pool for the Lead API; the sandbox, when used, is a transport mounted on it.
    sandbox = {SANDBOX_BASE: httpx.ASGITransport(app=sandbox_app)} if sandbox_app else None
    http = build_http_client(
        settings.leadpro_connect_timeout, settings.leadpro_read_timeout, mounts=sandbox
    )
    client = LeadApiClient(http, settings.leadpro_total_timeout)
    delivery = Delivery(store, client, widgets, settings)
    task = asyncio.create_task(delivery.run_worker(stop)) if worker else None
    try:
        yield delivery
    finally:
        stop.set()
        await delivery.close()  # before waiting for the worker: its attempt may be in flight
        if task:
            await task
        await http.aclose()
        await store.close()
