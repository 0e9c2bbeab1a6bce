"""axe-core finds no WCAG 2.2 A/AA violation on any page a homeowner can see."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.support import (
    UNVALUABLE_POSTCODE,
    assert_no_axe_violations,
    open_form,
    slow_upstream_app,
    submit_valid,
    submit_with_errors,
)
from tests.support.apps import LiveApp
from tests.support.servers import SandboxServer


def test_empty_form(page: Page, live_app: LiveApp) -> None:
    open_form(page, live_app)
    assert_no_axe_violations(page, "empty form")


def test_form_with_errors(page: Page, live_app: LiveApp) -> None:
    submit_with_errors(page, live_app)
    expect(page.locator(".error-summary")).to_be_focused()
    assert_no_axe_violations(page, "form with errors")


def test_form_with_every_field_in_error(page: Page, live_app: LiveApp) -> None:
    open_form(page, live_app)
    page.get_by_role("button", name="Get my valuation").click()
    expect(page.locator(".em")).to_have_count(10)  # every required field, the consent included
    assert_no_axe_violations(page, "form with every required field in error")


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
