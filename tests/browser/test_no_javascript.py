"""With JavaScript off the homeowner can still do everything: the server does all the work."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from app.availability import MAX_SLOTS
from tests.browser.support import (
    open_form,
    slow_upstream_app,
    submit,
    submit_valid,
    submit_with_errors,
    wait_for_lead,
)
from tests.browser.test_homeowner_flow import fill_valid_form
from tests.support.apps import LiveApp
from tests.support.servers import SandboxServer


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """Overrides the shared `page`: a context with JavaScript disabled."""
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    yield page
    context.close()


def test_javascript_really_is_off(page: Page, live_app: LiveApp) -> None:
    open_form(page, live_app)
    expect(page.locator(".cnt")).to_be_empty()  # widget.js would fill in the live slot count


def test_empty_form_to_estimate(page: Page, live_app: LiveApp, upstream: SandboxServer) -> None:
    submit_valid(page, live_app)
    expect(page.get_by_role("heading", name="Your instant valuation")).to_be_visible()
    expect(page.get_by_text(re.compile(r"£\d{2,3},\d{3}")).first).to_be_visible()
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    expect(page.locator("[data-print]")).to_be_hidden()  # printing is the browser's own menu
    [lead] = upstream.leads()
    assert lead["body"]["postcode"] == "DE1 1JX"
    assert len(lead["body"]["appointment_availability"]["hours"]) == 4


def test_rent_estimate_without_javascript(
    page: Page, live_app: LiveApp, upstream: SandboxServer
) -> None:
    submit_valid(page, live_app, lead="Let")
    expect(page.get_by_text("Estimated rent, per calendar month")).to_be_visible()
    expect(page.get_by_text(re.compile(r"£[\d,]+ a month")).first).to_be_visible()
    assert upstream.leads()[0]["body"]["type"] == "landlord"


def test_errors_keep_answers_and_the_summary_links_to_fields(
    page: Page, live_app: LiveApp, upstream: SandboxServer
) -> None:
    submit_with_errors(page, live_app)
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("There is a problem")
    error = page.locator("#postcode-error")
    expect(error).to_contain_text("Enter a full UK postcode, like DE1 1JX")
    expect(page.get_by_label("Postcode")).to_have_value("not a postcode")
    expect(page.get_by_label("First name")).to_have_value("Marla")
    expect(page.get_by_label("Semi-detached house")).to_be_checked()
    expect(page.get_by_label("Number of bedrooms")).to_have_value("3")
    expect(page.locator("input[name=appointment_availability]").first).to_be_checked()
    expect(page.locator("input[name=gdpr_checkbox]")).not_to_be_checked()

    summary.get_by_role("link", name=re.compile("full UK postcode")).click()
    assert page.url.endswith("#postcode")
    # Corrected, the same form goes through: nothing had to be typed again.
    page.get_by_label("Postcode").fill("DE1 1JX")
    page.locator("input[name=gdpr_checkbox]").check()
    submit(page)
    expect(page.get_by_role("heading", name="Your instant valuation")).to_be_visible()
    assert len(upstream.leads()) == 1


def test_too_many_slots_are_refused_with_the_limit(
    page: Page, live_app: LiveApp, upstream: SandboxServer
) -> None:
    open_form(page, live_app)
    fill_valid_form(page)
    boxes = page.locator("input[name=appointment_availability]")
    for n in range(MAX_SLOTS + 1):
        boxes.nth(n).check()  # without JavaScript nothing stops the tenth
    submit(page)
    message = (
        f"Choose up to {MAX_SLOTS} times when an agent could visit (you chose {MAX_SLOTS + 1})"
    )
    expect(page.locator("#appointment_availability-error")).to_contain_text(message)
    expect(page.locator("input[name=appointment_availability]:checked")).to_have_count(
        MAX_SLOTS + 1
    )
    boxes.nth(MAX_SLOTS).uncheck()
    submit(page)
    expect(page.get_by_role("heading", name="Your instant valuation")).to_be_visible()
    [lead] = upstream.leads()
    assert len(lead["body"]["appointment_availability"]["hours"]) == MAX_SLOTS * 4


def test_pending_page_check_again_shows_the_estimate(
    page: Page, upstream: SandboxServer, tmp_path: Path
) -> None:
    with slow_upstream_app(upstream, tmp_path) as app:
        submit_valid(page, app)
        expect(page.get_by_role("heading", name="Thank you, we have your details")).to_be_visible()
        expect(page.get_by_text("Your valuation is being prepared.")).to_be_visible()
        expect(page.get_by_text("This page will update by itself")).to_be_hidden()  # JS only
        wait_for_lead(upstream)
        # The lead has reached the sandbox; the app records the answer a moment later.
        for _ in range(50):
            page.get_by_role("link", name="Check again").click()
            page.wait_for_load_state()
            if page.get_by_role("heading", name="Your instant valuation").count():
                break
            page.wait_for_timeout(100)
        expect(page.get_by_role("heading", name="Your instant valuation")).to_be_visible()
        expect(page.get_by_text(re.compile(r"£\d{2,3},\d{3}")).first).to_be_visible()
