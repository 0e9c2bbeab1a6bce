"""Helpers for the delivery tests: submissions, a Delivery wired to the sandbox, PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from app.delivery import Delivery
from app.leadapi import LeadApiClient, LeadRequest, build_http_client
from app.settings import Settings
from app.store import NewSubmission, Store, submissions
from app.widgets import load_widgets
from tests.support.apps import TEST_SECRET
from tests.support.forms import form_token  # noqa: F401 - shared here
from tests.support.servers import REPO_ROOT, SandboxServer

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"

# Personal data every test submission carries, so tests can look for it where it must not be.
FIRST_NAME, LAST_NAME, PHONE, POSTCODE = "Marla", "Singer", "07911 123456", "DE1 1JX"


def expected_average() -> str:
    """The sale estimate the sandbox gives the test property, as the pages show it."""
    from app.sandbox.estimates import estimate
    from app.templating import money

    return money(estimate(POSTCODE, 3, "semi-detached")["average_sale_estimation"])


def email_for(submission_id: str) -> str:
    return f"homeowner-{submission_id[:8]}@example.com"


def api_body(submission_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    """A valid body for `POST /api/widgets/default/valuations`."""
    body: dict[str, Any] = {
        "type": "vendor",
        "first_name": FIRST_NAME,
        "last_name": LAST_NAME,
        "email": email_for(submission_id or secrets.token_hex(16)),
        "phone": PHONE,
        "address": "123 Example Street, Derby",
        "postcode": POSTCODE,
        "property_type": "semi-detached",
        "property_bedrooms": 3,
        "gdpr_checkbox": True,
    }
    if submission_id:
        body["submission_id"] = submission_id
    body.update(overrides)
    return body


def form_fields(token: str) -> dict[str, str]:
    """The form's answers as the browser posts them."""
    return {
        "token": token,
        "type": "vendor",
        "first_name": FIRST_NAME,
        "last_name": LAST_NAME,
        "email": "marla@example.com",
        "phone": PHONE,
        "address": "123 Example Street, Derby",
        "postcode": POSTCODE,
        "property_type": "semi-detached",
        "property_bedrooms": "3",
        "gdpr_checkbox": "yes",
    }


def new_submission(
    submission_id: str | None = None, email: str | None = None, widget_id: str = "default"
) -> NewSubmission:
    """A stored submission as the pipeline makes it, with the id in meta."""
    submission_id = submission_id or secrets.token_hex(16)
    email = email or email_for(submission_id)
    lead = LeadRequest(
        type="vendor",
        first_name=FIRST_NAME,
        last_name=LAST_NAME,
        email=email,
        phone=PHONE,
        postcode=POSTCODE,
        property_bedrooms=3,
        property_type="semi-detached",
        gdpr_checkbox=True,
        meta={"submission_id": submission_id, "widget": widget_id},
    )
    return NewSubmission(
        id=submission_id,
        widget_id=widget_id,
        lead_type="vendor",
        payload=lead.body(),
        email=email,
        attribution={"utm_source": "newsletter"},
        consent={"given": True, "version": "1"},
        slots=["Monday morning"],
    )


def async_url(url: str) -> str:
    return Settings(_env_file=None, database_url=url).async_database_url


async def open_store(database_url: str) -> Store:
    store = Store.connect(async_url(database_url), TEST_SECRET)
    await store.migrate()
    return store


@contextlib.asynccontextmanager
async def delivery_for(
    settings: Settings, widgets: dict[str, Any] | None = None, owner: str | None = None
) -> AsyncIterator[Delivery]:
    """A Delivery on the settings' database, sending to the settings' Lead API base."""
    store = Store.connect(settings.async_database_url, settings.signing_key)
    await store.migrate()
    http = build_http_client(settings.leadpro_connect_timeout, settings.leadpro_read_timeout)
    client = LeadApiClient(http, settings.leadpro_total_timeout)
    delivery = Delivery(
        store, client, load_widgets(settings) if widgets is None else widgets, settings, owner
    )
    try:
        yield delivery
    finally:
        await delivery.close(grace=0)
        await http.aclose()
        await store.close()


async def backdate(store: Store, days: float) -> None:
    """Make every stored submission `days` older, as if time had passed."""
    async with store.engine.begin() as conn:
        for row in (await conn.execute(submissions.select())).all():
            await conn.execute(
                submissions.update()
                .where(submissions.c.id == row.id)
                .values(created_at=row.created_at - timedelta(days=days))
            )


def sandbox_counts(sandbox: SandboxServer) -> Counter[str]:
    """How many times the sandbox recorded each submission id (from meta)."""
    return Counter(
        lead["body"]["meta"]["submission_id"] for lead in sandbox.leads(meta_key="submission_id")
    )


def wait_until(check: Callable[[], bool], timeout: float, what: str, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def run_cli(args: list[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """`python -m app ARGS` as an operator runs it."""
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=REPO_ROOT,
        env={**base_env(), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def base_env() -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SANDBOX_", "LEADPRO_"))}
    env.update({"SECRET_KEY": TEST_SECRET, "LOG_FORMAT": "json", "LEADPRO_API_KEY": "test-key"})
    return env


def app_env(sandbox_url: str, database_url: str, **settings: Any) -> dict[str, str]:
    """Environment for a real app process against the sandbox, with quick retries."""
    values: dict[str, Any] = {
        "LEADPRO_API_BASE": sandbox_url,
        "DATABASE_URL": database_url,
        "MIN_FILL_SECONDS": 0,
        "RATE_LIMIT_PER_IP": "100000/minute",
        "RATE_LIMIT_PER_WIDGET": "100000/minute",
        "RETRY_BASE_SECONDS": 0.05,
        "RETRY_MAX_SECONDS": 0.5,
        "RETRY_MAX_ATTEMPTS": 10_000,
        "WORKER_POLL_SECONDS": 0.1,
        "LOG_LEVEL": "INFO",
    }
    values.update({key.upper(): value for key, value in settings.items()})
    return {**base_env(), **{key: str(value) for key, value in values.items()}}


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards (parallel runs never clash)."""
    name = f"t_{secrets.token_hex(6)}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(POSTGRES_ADMIN_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    # template0 takes no connections, so another engineer's session on template1 cannot block us.
    asyncio.run(admin(f'CREATE DATABASE "{name}" TEMPLATE template0'))
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder}/widget.db"


def http_client(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=30)
