"""A homeowner goes from the journey's first page to an estimate in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.support import (
    ADDRESS,
    FIND_ADDRESS,
    HEADINGS,
    SUBMIT,
    answer_postcode,
    choose_address,
    choose_visit_times,
    describe_property,
    expect_step,
    fill_details,
    open_form,
    press,
    walk_to_details,
)
from tests.support.apps import LiveApp
from tests.support.servers import SandboxServer


def test_the_journey_from_the_postcode_to_an_estimate(
    page: Page, live_app: LiveApp, upstream: SandboxServer
) -> None:
    open_form(page, live_app)
    expect(page).to_have_title(re.compile("^" + HEADINGS["postcode"]))
    expect(page.get_by_text("Step 1 of 5")).to_be_visible()
    answer_postcode(page, "de1 1jx")
    expect(page.get_by_text("Step 2 of 5")).to_be_visible()
    expect(page.locator("#address_key option").first).to_have_text("22 addresses found")
    choose_address(page, ADDRESS)
    describe_property(page)
    choose_visit_times(page)
    expect_step(page, "details")
    summary = page.locator("dl.sl")
    expect(summary).to_contain_text(f"{ADDRESS}, DE1 1JX")
    expect(summary).to_contain_text("Semi-detached house, 3 bedrooms")
    expect(summary).to_contain_text("1 time chosen")
    fill_details(page)
    press(page, SUBMIT)

    expect(page.get_by_role("heading", name="Your instant valuation")).to_be_visible()
    expect(page.get_by_text(re.compile(r"£\d{2,3},\d{3}")).first).to_be_visible()
    [lead] = upstream.leads()
    body = lead["body"]
    assert (body["address"], body["postcode"]) == (ADDRESS, "DE1 1JX")
    assert re.fullmatch(r"\d+", body["meta"]["uprn"])  # the chosen address, exactly
    assert re.fullmatch(r"\d+", body["meta"]["udprn"])
    assert body["property_bedrooms"] == 3
    assert body["property_type"] == "semi-detached"
    assert body["gdpr_checkbox"] is True
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:00:00\.000Z", body["appointment_availability"]["hours"][0]
    )
    assert "test-key" not in page.content()


def test_a_wrong_postcode_is_named_on_its_step_and_the_link_leads_to_the_field(
    page: Page, live_app: LiveApp
) -> None:
    open_form(page, live_app)
    page.get_by_label("Sell", exact=True).check()
    page.get_by_label("Postcode").fill("not a postcode")
    press(page, FIND_ADDRESS)

    expect(page).to_have_title(re.compile("^Error: " + HEADINGS["postcode"]))
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("There is a problem")
    summary.get_by_role("link", name=re.compile("full UK postcode")).click()
    expect(page.get_by_label("Postcode")).to_be_focused()
    expect(page.get_by_label("Postcode")).to_have_value("not a postcode")
    expect(page.get_by_label("Sell", exact=True)).to_be_checked()


def test_errors_of_the_final_press_keep_answers_and_lead_to_the_field(
    page: Page, live_app: LiveApp, upstream: SandboxServer
) -> None:
    open_form(page, live_app)
    walk_to_details(page)
    fill_details(page, email="marla@example")
    press(page, SUBMIT)

    expect(page).to_have_title(re.compile("^Error: " + HEADINGS["details"]))
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("There is a problem")
    summary.get_by_role("link", name=re.compile("email address")).click()
    expect(page.get_by_label("Email address")).to_be_focused()
    expect(page.get_by_label("Email address")).to_have_value("marla@example")
    expect(page.get_by_label("First name")).to_have_value("Marla")
    expect(page.locator("input[name=gdpr_checkbox]")).to_be_checked()
    # The other steps' answers are still there, shown in the summary and sent once corrected.
    expect(page.locator("dl.sl")).to_contain_text(ADDRESS)
    page.get_by_label("Email address").fill("marla@example.com")
    press(page, SUBMIT)
    expect(page.get_by_role("heading", name="Your instant valuation")).to_be_visible()
    [lead] = upstream.leads()
    assert (lead["body"]["address"], lead["body"]["email"]) == (ADDRESS, "marla@example.com")
