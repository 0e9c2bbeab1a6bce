"""Shared by the homeowner-page browser tests: axe checks, getting to each page, a slow upstream."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import app_env
from tests.browser.test_homeowner_flow import fill_valid_form
from tests.support.apps import LiveApp, run_app
from tests.support.servers import SandboxServer

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
AXE = Axe()
UNVALUABLE_POSTCODE = "BT1 1AA"  # the sandbox cannot value Northern Ireland postcodes
SUBMIT = "Get my valuation"


def assert_no_axe_violations(page: Page, what: str) -> None:
    """axe-core with every WCAG 2.0/2.1/2.2 A and AA rule; the full report on failure."""
    results = AXE.run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    assert results.violations_count == 0, f"{what}: {results.generate_report()}"


def open_form(page: Page, app: LiveApp) -> None:
    page.goto(f"{app.base_url}/w/default")
    expect(page.get_by_role("heading", level=1)).to_have_text("Get an instant valuation")


def submit(page: Page) -> None:
    page.get_by_role("button", name=SUBMIT).click()
    page.wait_for_load_state()


def submit_with_errors(page: Page, app: LiveApp) -> None:
    """A form sent with a wrong postcode, an unticked consent and nothing else changed."""
    open_form(page, app)
    fill_valid_form(page)
    page.get_by_label("Postcode").fill("not a postcode")
    page.locator("input[name=gdpr_checkbox]").uncheck()
    submit(page)
    expect(page).to_have_title(re.compile("^Error: "))


def submit_valid(page: Page, app: LiveApp, lead: str = "Sell", postcode: str = "de1 1jx") -> None:
    """A valid form as a homeowner would fill it in; `lead` is "Sell" or "Let"."""
    open_form(page, app)
    fill_valid_form(page)
    page.get_by_label(lead, exact=True).check()
    page.get_by_label("Postcode").fill(postcode)
    submit(page)


def wait_for_lead(upstream: SandboxServer, timeout: float = 10.0) -> dict[str, Any]:
    """The one lead the sandbox has accepted, once it has."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        leads = upstream.leads()
        if leads:
            return leads[0]
        time.sleep(0.1)
    raise AssertionError(f"no lead reached the sandbox within {timeout}s")


@contextlib.contextmanager
def slow_upstream_app(upstream: SandboxServer, tmp_path: Path) -> Iterator[LiveApp]:
    """An app that waits 0.2 s for a sandbox that takes 1.5 s: the homeowner sees the pending
    page, and the background delivery finishes the lead a moment later."""
    with run_app(app_env(upstream, tmp_path / "slow.db", SUBMIT_WAIT_SECONDS="0.2")) as app:
        upstream.set_faults(latency_ms=1500)
        try:
            yield app
        finally:
            upstream.set_faults(latency_ms=0)
