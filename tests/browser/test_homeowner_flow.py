"""A homeowner goes from an empty form to an estimate in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.support.apps import LiveApp
from tests.support.servers import SandboxServer


def fill_valid_form(page: Page) -> None:
    page.get_by_label("Sell").check()
    page.get_by_label("Address of the property").fill("12 Friar Gate, Derby")
    page.get_by_label("Postcode").fill("de1 1jx")
    page.get_by_label("Semi-detached house").check()
    page.get_by_label("Number of bedrooms").select_option("3")
    page.locator("input[name=appointment_availability]").first.check()
    page.get_by_label("First name").fill("Marla")
    page.get_by_label("Last name").fill("Singer")
    page.get_by_label("Email address").fill("marla@example.com")
    page.get_by_label("Phone number").fill("07911 123456")
    page.locator("input[name=gdpr_checkbox]").check()


def test_empty_form_to_estimate(page: Page, live_app: LiveApp, upstream: SandboxServer) -> None:
    page.goto(f"{live_app.base_url}/w/default")
    expect(page).to_have_title(re.compile("instant valuation", re.I))
    fill_valid_form(page)
    page.get_by_role("button", name="Get my valuation").click()

    expect(page.get_by_role("heading", name="Your instant valuation")).to_be_visible()
    expect(page.get_by_text(re.compile(r"£\d{2,3},\d{3}")).first).to_be_visible()
    [lead] = upstream.leads()
    assert lead["body"]["postcode"] == "DE1 1JX"
    assert lead["body"]["property_bedrooms"] == 3
    assert lead["body"]["property_type"] == "semi-detached"
    assert lead["body"]["gdpr_checkbox"] is True
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:00:00\.000Z", lead["body"]["appointment_availability"]["hours"][0]
    )
    assert "test-key" not in page.content()


def test_errors_keep_answers_and_lead_to_the_field(page: Page, live_app: LiveApp) -> None:
    page.goto(f"{live_app.base_url}/w/default")
    fill_valid_form(page)
    page.get_by_label("Postcode").fill("not a postcode")
    page.get_by_role("button", name="Get my valuation").click()

    expect(page).to_have_title(re.compile("^Error: "))
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("There is a problem")
    summary.get_by_role("link", name=re.compile("full UK postcode")).click()
    expect(page.get_by_label("Postcode")).to_be_focused()
    expect(page.get_by_label("First name")).to_have_value("Marla")
    expect(page.get_by_label("Postcode")).to_have_value("not a postcode")
