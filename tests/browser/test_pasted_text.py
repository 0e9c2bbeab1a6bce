"""Pasted text and email addresses typed into the real form in Chromium: what the homeowner sees
back, and what the sandbox Lead API received."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.test_homeowner_flow import fill_valid_form
from tests.support.apps import LiveApp
from tests.support.servers import SandboxServer

SUBMIT = "Get my valuation"


def test_pasted_invisible_characters_reach_the_lead_api_as_the_text_the_homeowner_saw(
    page: Page, live_app: LiveApp, upstream: SandboxServer
) -> None:
    page.goto(f"{live_app.base_url}/w/default")
    fill_valid_form(page)
    page.get_by_label("First name").fill("Jo\u200bhn")
    page.get_by_label("Last name").fill("Sia\u0302n")
    page.get_by_label("Email address").fill("\u200balex@example.com")
    page.get_by_label("Postcode").fill("de1\u00a01jx")
    page.get_by_label("Phone number").fill("07911\u2009123\u2009456")
    page.get_by_role("button", name=SUBMIT).click()

    expect(page.get_by_role("heading", name="Your instant valuation")).to_be_visible()
    [lead] = upstream.leads()
    body = lead["body"]
    assert (body["first_name"], body["last_name"]) == ("John", "Si\u00e2n")
    assert body["email"] == "alex@example.com"
    assert (body["postcode"], body["phone"]) == ("DE1 1JX", "07911123456")


def test_internationalised_domain_is_shown_as_typed_and_sent_in_ascii(
    page: Page, live_app: LiveApp, upstream: SandboxServer
) -> None:
    page.goto(f"{live_app.base_url}/w/default")
    fill_valid_form(page)
    page.get_by_label("Email address").fill("marla@b\u00fccher.de")
    page.get_by_label("Postcode").fill("not a postcode")
    page.get_by_role("button", name=SUBMIT).click()

    expect(page).to_have_title(re.compile("^Error: "))
    # Chromium posts an email input's domain in xn-- form and reports that as `.value`, but
    # displays the Unicode form it is given: the page gives it the form the homeowner typed.
    expect(page.get_by_label("Email address")).to_have_attribute("value", "marla@b\u00fccher.de")
    page.get_by_label("Postcode").fill("de1 1jx")
    page.get_by_role("button", name=SUBMIT).click()

    expect(page.get_by_role("heading", name="Your instant valuation")).to_be_visible()
    [lead] = upstream.leads()
    assert lead["body"]["email"] == "marla@xn--bcher-kva.de"


def test_curly_apostrophe_in_an_email_is_named_and_the_link_leads_to_the_field(
    page: Page, live_app: LiveApp, upstream: SandboxServer
) -> None:
    page.goto(f"{live_app.base_url}/w/default")
    fill_valid_form(page)
    page.get_by_label("Email address").fill("tim.o\u2019connor@example.com")
    page.get_by_role("button", name=SUBMIT).click()

    expect(page).to_have_title(re.compile("^Error: "))
    message = (
        "Your email address has a curly apostrophe (\u2019). Use a straight apostrophe (') instead"
    )
    page.locator(".error-summary").get_by_role("link", name=message).click()
    email = page.get_by_label("Email address")
    expect(email).to_be_focused()
    expect(email).to_have_value("tim.o\u2019connor@example.com")
    expect(page.get_by_label("First name")).to_have_value("Marla")
    assert upstream.leads() == []
