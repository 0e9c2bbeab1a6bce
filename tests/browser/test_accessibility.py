"""axe-core finds no WCAG 2.2 A/AA violation on any page a homeowner can see: every step of the
journey, empty and in error, and every page after it."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.support import (
    CONTINUE,
    FIND_ADDRESS,
    SUBMIT,
    UNVALUABLE_POSTCODE,
    answer_postcode,
    assert_no_axe_violations,
    choose_visit_times,
    describe_property,
    expect_step,
    open_form,
    press,
    slow_upstream_app,
    submit_valid,
    submit_with_errors,
)
from tests.support.apps import LiveApp
from tests.support.servers import SandboxServer

NO_ADDRESSES_POSTCODE = "DE1 1YY"  # the sandbox provider knows it but lists no address


def test_every_step_page_of_the_journey(page: Page, live_app: LiveApp) -> None:
    open_form(page, live_app)
    assert_no_axe_violations(page, "postcode step")
    answer_postcode(page)
    expect_step(page, "address")
    assert_no_axe_violations(page, "address step")
    press(page, "My address is not listed")
    expect_step(page, "manual-address")
    assert_no_axe_violations(page, "manual address step")
    page.get_by_label("Address line 1").fill("12 Friar Gate")
    page.get_by_label("Town or city").fill("Derby")
    press(page, CONTINUE)
    expect_step(page, "property")
    assert_no_axe_violations(page, "property step")
    describe_property(page)
    expect_step(page, "visit")
    assert_no_axe_violations(page, "visit step")
    choose_visit_times(page)
    expect_step(page, "details")
    assert_no_axe_violations(page, "details step")


def test_manual_entry_when_the_postcode_has_no_addresses(page: Page, live_app: LiveApp) -> None:
    open_form(page, live_app)
    answer_postcode(page, NO_ADDRESSES_POSTCODE)
    expect_step(page, "manual-address")
    expect(page.get_by_text("We could not find any addresses for DE1 1YY")).to_be_visible()
    assert_no_axe_violations(page, "manual address step, no addresses found")


def test_form_with_errors(page: Page, live_app: LiveApp) -> None:
    submit_with_errors(page, live_app)
    expect(page.locator(".error-summary")).to_be_focused()
    assert_no_axe_violations(page, "details step with errors")


# Each step pressed with nothing answered: its errors, the consent included (the visit asks
# nothing that must be answered); together every required answer of the journey.
EMPTY_PRESSES = [
    ("postcode", FIND_ADDRESS, 2),  # sell or let, postcode
    ("address", CONTINUE, 1),
    ("manual-address", CONTINUE, 2),  # line 1, town (the postcode is kept)
    ("property", CONTINUE, 2),
    ("details", SUBMIT, 5),  # first and last name, email, phone, consent
]


def test_every_step_pressed_empty_shows_each_error(page: Page, live_app: LiveApp) -> None:
    open_form(page, live_app)
    for step, button, errors in EMPTY_PRESSES:
        if step == "address":
            answer_postcode(page)
        elif step == "manual-address":
            page.get_by_label("Select an address").select_option(index=1)
            press(page, "My address is not listed")
        elif step == "property":
            page.get_by_label("Address line 1").fill("12 Friar Gate")
            page.get_by_label("Town or city").fill("Derby")
            press(page, CONTINUE)
        elif step == "details":
            describe_property(page)
            choose_visit_times(page, times=0)
        expect_step(page, step)
        press(page, button)
        expect(page.locator(".error-summary")).to_be_focused()
        expect_step(page, step)
        expect(page.locator(".em")).to_have_count(errors)
        expect(page.locator(".error-summary a")).to_have_count(errors)
        assert_no_axe_violations(page, f"{step} step with every required answer in error")


def test_sale_estimate_page(page: Page, live_app: LiveApp, upstream: SandboxServer) -> None:
    submit_valid(page, live_app, lead="Sell")
    expect(page.get_by_text("Estimated sale price")).to_be_visible()
    assert_no_axe_violations(page, "sale estimate page")


def test_rent_estimate_page(page: Page, live_app: LiveApp, upstream: SandboxServer) -> None:
    submit_valid(page, live_app, lead="Let")
    expect(page.get_by_text("Estimated rent, per calendar month")).to_be_visible()
    assert_no_axe_violations(page, "rent estimate page")


def test_could_not_value_page(page: Page, live_app: LiveApp, upstream: SandboxServer) -> None:
    submit_valid(page, live_app, postcode=UNVALUABLE_POSTCODE)
    expect(page.get_by_text("Your home needs a personal valuation")).to_be_visible()
    assert_no_axe_violations(page, "could-not-value page")


def test_pending_page(page: Page, upstream: SandboxServer, tmp_path: Path) -> None:
    with slow_upstream_app(upstream, tmp_path) as app:
        submit_valid(page, app)
        expect(page.get_by_role("link", name="Check again")).to_be_visible()
        assert_no_axe_violations(page, "pending page")


def test_expired_link_page(page: Page, live_app: LiveApp) -> None:
    response = page.goto(f"{live_app.base_url}/w/default/result/not-a-real-link")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="This link has expired")).to_be_visible()
    assert_no_axe_violations(page, "404 message page")


def test_unknown_widget_page(page: Page, live_app: LiveApp) -> None:
    response = page.goto(f"{live_app.base_url}/w/nobody")
    assert response is not None and response.status == 404
    expect(page).to_have_title(re.compile("not found", re.I))
    assert_no_axe_violations(page, "unknown widget page")
