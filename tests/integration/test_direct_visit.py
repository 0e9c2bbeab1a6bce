"""A homeowner who opens the form directly (no loader, so no `host`) and answers every step of
the journey: the lead the Lead API receives still says where it came from, over real HTTP
between a real app server and the sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import SANDBOX_KEY
from tests.support.apps import TEST_SECRET, LiveApp, run_app
from tests.support.forms import send_through_journey
from tests.support.servers import SandboxServer

AGENCY = "https://www.acme.example"
PUBLIC_URL = "https://valuations.example.com"


@pytest.fixture(scope="module")
def live_app(sandbox: SandboxServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    database = tmp_path_factory.mktemp("direct-visit") / "widget.db"
    env = {
        "LEADPRO_API_BASE": sandbox.base_url,
        "LEADPRO_API_KEY": SANDBOX_KEY,
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": f"sqlite:///{database}",
        "MIN_FILL_SECONDS": "0",
        "PUBLIC_URL": PUBLIC_URL,
        "WIDGET_ALLOWED_ORIGINS": AGENCY,
        "LOG_FORMAT": "json",
    }
    with run_app(env) as app:
        yield app


def host_sent(app: LiveApp, upstream: SandboxServer, headers: dict[str, str]) -> str | None:
    """Open the form with `headers` (no host parameter), answer every step of the journey,
    send it, and return the lead's host."""
    with httpx.Client(base_url=app.base_url, timeout=10) as http:
        sent = send_through_journey(http, headers=headers)
    assert sent.status_code == 303, sent.text[:300]  # to the result page
    [lead] = upstream.leads()
    return lead["body"].get("host")


def test_a_direct_visit_is_credited_to_the_widgets_own_form_address(
    live_app: LiveApp, upstream: SandboxServer
) -> None:
    assert host_sent(live_app, upstream, {}) == f"{PUBLIC_URL}/w/default"


def test_a_visit_from_a_link_on_the_agencys_site_is_credited_to_that_site(
    live_app: LiveApp, upstream: SandboxServer
) -> None:
    assert host_sent(live_app, upstream, {"referer": f"{AGENCY}/sell"}) == AGENCY


def test_a_visit_from_another_site_is_credited_to_the_form_address_not_that_site(
    live_app: LiveApp, upstream: SandboxServer
) -> None:
    referer = {"referer": "https://www.search.example/?q=valuation"}
    assert host_sent(live_app, upstream, referer) == f"{PUBLIC_URL}/w/default"
