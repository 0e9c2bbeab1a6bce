"""With JavaScript off the homeowner can still do everything, the whole journey included (Back,
Change, manual entry, skip): the server does all the work."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from app.availability import MAX_SLOTS
from tests.browser.support import (
    ADDRESS,
    CONTINUE,
    FIND_ADDRESS,
    answer_postcode,
    choose_address,
    choose_visit_times,
    describe_property,
    expect_step,
    fill_details,
    open_form,
    press,
    slow_upstream_app,
    submit,
    submit_valid,
    submit_with_errors,
    wait_for_lead,
    walk_to_details,
)
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
    answer_postcode(page)
    choose_address(page)
    describe_property(page)
    expect_step(page, "visit")
    expect(page.locator(".cnt")).to_be_empty()  # widget.js would fill in the live slot count


def test_the_whole_journey_to_an_estimate(
    page: Page, live_app: LiveApp, upstream: SandboxServer
) -> None:
    submit_valid(page, live_app)
    expect(page.get_by_role("heading", name="Your instant valuation")).to_be_visible()
    expect(page.get_by_text(re.compile(r"£\d{2,3},\d{3}")).first).to_be_visible()
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    expect(page.locator("[data-print]")).to_be_hidden()  # printing is the browser's own menu
    [lead] = upstream.leads()
    assert (lead["body"]["postcode"], lead["body"]["address"]) == ("DE1 1JX", ADDRESS)
    assert len(lead["body"]["appointment_availability"]["hours"]) == 4


def test_rent_estimate_without_javascript(
    page: Page, live_app: LiveApp, upstream: SandboxServer
) -> None:
    submit_valid(page, live_app, lead="Let")
    expect(page.get_by_text("Estimated rent, per calendar month")).to_be_visible()
    expect(page.get_by_text(re.compile(r"£[\d,]+ a month")).first).to_be_visible()
    assert upstream.leads()[0]["body"]["type"] == "landlord"


def test_a_typed_address_and_a_skipped_visit_reach_the_lead(
    page: Page, live_app: LiveApp, upstream: SandboxServer
) -> None:
    open_form(page, live_app)
    answer_postcode(page)
    expect_step(page, "address")
    press(page, "My address is not listed")
    expect_step(page, "manual-address")
    expect(page.get_by_label("Postcode")).to_have_value("DE1 1JX")  # kept from the first step
    page.get_by_label("Address line 1").fill("12 Friar Gate")
    page.get_by_label("Town or city").fill("Derby")
    press(page, CONTINUE)
    describe_property(page)
    choose_visit_times(page, times=0)
    expect(page.locator("dl.sl")).to_contain_text("12 Friar Gate, Derby, DE1 1JX")
    expect(page.locator("dl.sl")).to_contain_text("No times chosen")
    fill_details(page)
    submit(page)
    expect(page.get_by_role("heading", name="Your instant valuation")).to_be_visible()
    [lead] = upstream.leads()
    body = lead["body"]
    assert (body["address"], body["postcode"]) == ("12 Friar Gate, Derby", "DE1 1JX")
    assert "uprn" not in body.get("meta", {})
    assert "appointment_availability" not in body


def test_errors_keep_answers_and_the_summary_links_to_fields(
    page: Page, live_app: LiveApp, upstream: SandboxServer
) -> None:
    submit_with_errors(page, live_app)
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(page.locator("#email-error")).to_be_visible()
    expect(page.locator("#gdpr_checkbox-error")).to_be_visible()
    expect(page.get_by_label("Email address")).to_have_value("marla@example")
    expect(page.get_by_label("First name")).to_have_value("Marla")
    expect(page.locator("input[name=gdpr_checkbox]")).not_to_be_checked()
    expect(page.locator("dl.sl")).to_contain_text("Semi-detached house, 3 bedrooms")

    summary.locator("a").first.click()
    assert page.url.endswith("#email")
    # Corrected, the same page goes through: nothing had to be typed again.
    page.get_by_label("Email address").fill("marla@example.com")
    page.locator("input[name=gdpr_checkbox]").check()
    submit(page)
    expect(page.get_by_role("heading", name="Your instant valuation")).to_be_visible()
    assert len(upstream.leads()) == 1


def test_back_and_change_keep_every_answer(
    page: Page, live_app: LiveApp, upstream: SandboxServer
) -> None:
    open_form(page, live_app)
    walk_to_details(page, lead="Let", times=2)
    fill_details(page, first_name="Tyler")
    # Change the property from the summary: back to it, every answer shown, then details again.
    page.get_by_role("button", name="Change property").click()
    expect_step(page, "property")
    expect(page.get_by_label("Semi-detached house")).to_be_checked()
    expect(page.get_by_label("Number of bedrooms")).to_have_value("3")
    page.get_by_label("Terraced house").check()
    press(page, CONTINUE)
    expect_step(page, "details")  # not the visit step: Change comes back here
    expect(page.get_by_label("First name")).to_have_value("Tyler")
    expect(page.locator("input[name=gdpr_checkbox]")).to_be_checked()
    expect(page.locator("dl.sl")).to_contain_text("Terraced house, 3 bedrooms")
    # Back, step by step, to the first page: each shows what was answered.
    press(page, "Back")
    expect_step(page, "visit")
    expect(page.locator("input[name=appointment_availability]:checked")).to_have_count(2)
    press(page, "Back")
    expect_step(page, "property")
    expect(page.get_by_label("Terraced house")).to_be_checked()
    press(page, "Back")
    expect_step(page, "address")
    expect(page.get_by_label("Select an address").locator("option:checked")).to_have_text(ADDRESS)
    press(page, "Back")
    expect_step(page, "postcode")
    expect(page.get_by_label("Let", exact=True)).to_be_checked()
    expect(page.get_by_label("Postcode")).to_have_value("DE1 1JX")
    # And forward again to the final press, answering nothing anew.
    press(page, FIND_ADDRESS)
    for step in ("address", "property", "visit"):
        expect_step(page, step)
        press(page, CONTINUE)
    expect_step(page, "details")
    submit(page)
    expect(page.get_by_text("Estimated rent, per calendar month")).to_be_visible()
    [lead] = upstream.leads()
    body = lead["body"]
    assert (body["type"], body["property_type"], body["first_name"]) == (
        "landlord",
        "terraced",
        "Tyler",
    )
    assert len(body["appointment_availability"]["hours"]) == 8


def test_too_many_slots_are_refused_with_the_limit(
    page: Page, live_app: LiveApp, upstream: SandboxServer
) -> None:
    open_form(page, live_app)
    answer_postcode(page)
    choose_address(page)
    describe_property(page)
    choose_visit_times(page, times=MAX_SLOTS + 1)  # without JavaScript nothing stops the tenth
    expect_step(page, "visit")
    message = (
        f"Choose up to {MAX_SLOTS} times when an agent could visit (you chose {MAX_SLOTS + 1})"
    )
    expect(page.locator("#appointment_availability-error")).to_contain_text(message)
    boxes = page.locator("input[name=appointment_availability]")
    expect(page.locator("input[name=appointment_availability]:checked")).to_have_count(
        MAX_SLOTS + 1
    )
    boxes.nth(MAX_SLOTS).uncheck()
    press(page, CONTINUE)
    fill_details(page)
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
