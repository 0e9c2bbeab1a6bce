"""Pasted text and email addresses typed into the journey's pages in Chromium: what the homeowner
sees back, and what the sandbox Lead API received."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.support import (
    ADDRESS,
    HEADINGS,
    SUBMIT,
    expect_step,
    fill_details,
    fill_in,
    open_form,
    press,
    walk_to_details,
)
from tests.support.apps import LiveApp
from tests.support.servers import SandboxServer


def test_pasted_invisible_characters_reach_the_lead_api_as_the_text_the_homeowner_saw(
    page: Page, live_app: LiveApp, upstream: SandboxServer
) -> None:
    open_form(page, live_app)
    # A postcode pasted with a no-break space still finds the addresses.
    fill_in(
        page,
        postcode="de1\u00a01jx",
        first_name="Jo\u200bhn",
        last_name="Sia\u0302n",
        email="\u200balex@example.com",
        phone="07911\u2009123\u2009456",
    )
    press(page, SUBMIT)

    expect(page.get_by_role("heading", name="Your instant valuation")).to_be_visible()
    [lead] = upstream.leads()
    body = lead["body"]
    assert (body["first_name"], body["last_name"]) == ("John", "Si\u00e2n")
    assert body["email"] == "alex@example.com"
    assert (body["postcode"], body["phone"], body["address"]) == (
        "DE1 1JX",
        "07911123456",
        ADDRESS,
    )


def test_internationalised_domain_is_shown_as_typed_and_sent_in_ascii(
    page: Page, live_app: LiveApp, upstream: SandboxServer
) -> None:
    open_form(page, live_app)
    walk_to_details(page)
    fill_details(page, email="marla@b\u00fccher.de", phone="0791")
    press(page, SUBMIT)

    expect(page).to_have_title(re.compile("^Error: " + HEADINGS["details"]))
    # Chromium posts an email input's domain in xn-- form and reports that as `.value`, but
    # displays the Unicode form it is given: the page gives it the form the homeowner typed.
    expect(page.get_by_label("Email address")).to_have_attribute("value", "marla@b\u00fccher.de")
    page.get_by_label("Phone number").fill("07911 123456")
    press(page, SUBMIT)

    expect(page.get_by_role("heading", name="Your instant valuation")).to_be_visible()
    [lead] = upstream.leads()
    assert lead["body"]["email"] == "marla@xn--bcher-kva.de"


def test_curly_apostrophe_in_an_email_is_named_and_the_link_leads_to_the_field(
    page: Page, live_app: LiveApp, upstream: SandboxServer
) -> None:
    open_form(page, live_app)
    fill_in(page, email="tim.o\u2019connor@example.com")
    press(page, SUBMIT)

    expect(page).to_have_title(re.compile("^Error: "))
    expect_step(page, "details")
    message = (
        "Your email address has a curly apostrophe (\u2019). Use a straight apostrophe (') instead"
    )
    page.locator(".error-summary").get_by_role("link", name=message).click()
    email = page.get_by_label("Email address")
    expect(email).to_be_focused()
    expect(email).to_have_value("tim.o\u2019connor@example.com")
    expect(page.get_by_label("First name")).to_have_value("Marla")
    assert upstream.leads() == []
