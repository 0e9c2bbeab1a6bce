"""Shared by the homeowner-page browser tests: walking the journey step by step (in a tab of its
own or inside the agency's frame: a Playwright `Page` and `Frame` are driven alike), axe checks,
and a slow upstream."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Frame, Locator, Page, expect

from tests.browser.conftest import app_env
from tests.support.apps import LiveApp, run_app
from tests.support.servers import SandboxServer

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
AXE = Axe()
UNVALUABLE_POSTCODE = "BT1 1AA"  # the sandbox cannot value Northern Ireland postcodes
SUBMIT = "Get my valuation"
FIND_ADDRESS = "Find address"
CONTINUE = "Continue"

# Where the journey is shown: a tab of its own, or the widget's frame on an agency's page.
Where = Page | Frame

HEADINGS = {
    "postcode": "What is the property’s postcode?",
    "address": "Select the address",
    "manual-address": "Enter the address",
    "property": "About the property",
    "visit": "When could an agent visit? (optional)",
    "details": "Your details",
}
POSTCODE = "DE1 1JX"
ADDRESS = "1 Orchard Close, Derby"  # the first of the 22 the sandbox provider lists for DE1 1JX
HOMEOWNER = {
    "first_name": "Marla",
    "last_name": "Singer",
    "email": "marla@example.com",
    "phone": "07911 123456",
}
DETAILS_LABELS = {
    "title": "Title (optional)",
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email address",
    "phone": "Phone number",
    "message": "Your message (optional)",
}


def assert_no_axe_violations(page: Page | Frame, what: str) -> None:
    """axe-core with every WCAG 2.0/2.1/2.2 A and AA rule, in a page or a frame (a Frame runs
    scripts as a Page does); the full report on failure."""
    results = AXE.run(
        page,  # type: ignore[arg-type]
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    assert results.violations_count == 0, f"{what}: {results.generate_report()}"


def heading(where: Where) -> Locator:
    return where.get_by_role("heading", level=1)


# Resolves once the page has not scrolled for ten animation frames in a row.
STILL = """() => new Promise(done => {
  let last = scrollY, still = 0;
  const tick = () => {
    if (scrollY !== last) { last = scrollY; still = 0; } else if (++still >= 10) return done(true);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})"""


def expect_step(where: Where, step: str) -> None:
    """Wait until `step`'s page is shown (each step has its own heading). In the agency's frame,
    also until the loader has brought it into view: a homeowner reads the page before clicking,
    and a click while the agency's page still scrolls smoothly would land somewhere else."""
    expect(heading(where)).to_have_text(HEADINGS[step])
    if isinstance(where, Frame) and where.parent_frame is not None:
        where.wait_for_load_state()
        where.page.evaluate(STILL)


def press(where: Where, button: str) -> None:
    """Press the button named `button` (exactly) on the page shown."""
    where.get_by_role("button", name=button, exact=True).click()


def open_form(page: Page, app: LiveApp, **query: str) -> None:
    """The journey's first page, as the agency's fallback link opens it."""
    suffix = f"?{urlencode(query)}" if query else ""
    page.goto(f"{app.base_url}/w/default{suffix}")
    expect_step(page, "postcode")


def answer_postcode(where: Where, postcode: str = POSTCODE, lead: str | None = "Sell") -> None:
    """Step 1: sell or let (`lead`, "Sell" or "Let"; None leaves it), the postcode, and
    "Find address"."""
    expect_step(where, "postcode")
    if lead:
        where.get_by_label(lead, exact=True).check()
    where.get_by_label("Postcode").fill(postcode)
    press(where, FIND_ADDRESS)


def choose_address(where: Where, address: str | None = None) -> None:
    """Step 2: the address whose option reads `address`, else the first listed; Continue."""
    expect_step(where, "address")
    select = where.get_by_label("Select an address")
    if address:
        select.select_option(label=address)
    else:
        select.select_option(index=1)  # the first real option, after "N addresses found"
    press(where, CONTINUE)


def describe_property(
    where: Where, property_type: str = "Semi-detached house", bedrooms: str = "3"
) -> None:
    """Step 3: the type of property and the number of bedrooms; Continue."""
    expect_step(where, "property")
    where.get_by_label(property_type, exact=True).check()
    where.get_by_label("Number of bedrooms").select_option(bedrooms)
    press(where, CONTINUE)


def choose_visit_times(where: Where, times: int = 1) -> None:
    """Step 4: tick the first `times` slots and Continue, or "Skip this question" for none."""
    expect_step(where, "visit")
    if not times:
        press(where, "Skip this question")
        return
    boxes = where.locator("input[name=appointment_availability]")
    for n in range(times):
        boxes.nth(n).check()
    press(where, CONTINUE)


def fill_details(where: Where, consent: bool = True, **changes: str) -> None:
    """Step 5: the homeowner's details (HOMEOWNER with `changes`) and the consent box; not sent.
    Only the details fields may be changed here; the other steps have their own helpers."""
    expect_step(where, "details")
    for name, value in {**HOMEOWNER, **changes}.items():
        where.get_by_label(DETAILS_LABELS[name], exact=True).fill(value)
    if consent:
        where.locator("input[name=gdpr_checkbox]").check()


def walk_to_details(
    where: Where,
    *,
    lead: str | None = "Sell",
    postcode: str = POSTCODE,
    address: str | None = None,
    property_type: str = "Semi-detached house",
    bedrooms: str = "3",
    times: int = 1,
) -> None:
    """Steps 1 to 4 as a homeowner answers them, ending on the details page."""
    answer_postcode(where, postcode, lead)
    choose_address(where, address)
    describe_property(where, property_type, bedrooms)
    choose_visit_times(where, times)
    expect_step(where, "details")


def fill_in(
    where: Where, *, postcode: str = POSTCODE, lead: str | None = "Sell", **details: str
) -> None:
    """The whole journey up to the final press: every step answered, the details filled in and
    consent given (`details` changes the homeowner's answers on the details page)."""
    walk_to_details(where, lead=lead, postcode=postcode)
    fill_details(where, **details)


def send(where: Where) -> None:
    """The final press: "Get my valuation" on the details page."""
    press(where, SUBMIT)


def submit(page: Page) -> None:
    send(page)
    page.wait_for_load_state()


def submit_with_errors(page: Page, app: LiveApp) -> None:
    """The final press with an email address that is not one and the consent left unticked:
    the details page again, with both errors."""
    open_form(page, app)
    walk_to_details(page)
    fill_details(page, consent=False, email="marla@example")
    submit(page)
    expect(page).to_have_title(re.compile("^Error: " + HEADINGS["details"]))


def submit_valid(page: Page, app: LiveApp, lead: str = "Sell", postcode: str = "de1 1jx") -> None:
    """The whole journey as a homeowner would take it; `lead` is "Sell" or "Let"."""
    open_form(page, app)
    fill_in(page, lead=lead, postcode=postcode)
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
