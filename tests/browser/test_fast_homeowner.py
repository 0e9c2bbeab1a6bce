"""A homeowner whose browser fills the form at once, faster than MIN_FILL_SECONDS: the form comes
back with every answer kept, and pressing again a moment later reaches the estimate, as one lead."""

from __future__ import annotations

import time
from pathlib import Path

from playwright.sync_api import Page, expect

from app.admission import TRAP_FIELD
from tests.browser.conftest import app_env
from tests.browser.support import SUBMIT, assert_no_axe_violations, wait_for_lead
from tests.support.apps import run_app
from tests.support.servers import SandboxServer

MIN_FILL_SECONDS = 5.0

# Every answer set in one go, the way browser autofill fills a form.
AUTOFILL = """() => {
  const set = (name, value) => { document.querySelector(`[name=${name}]`).value = value; };
  set('address', '12 Friar Gate, Derby');
  set('postcode', 'DE1 1JX');
  set('first_name', 'Marla');
  set('last_name', 'Singer');
  set('email', 'marla@example.com');
  set('phone', '07911 123456');
  set('property_bedrooms', '3');
  for (const selector of ['[name=type][value=vendor]', '[name=property_type][value=terraced]',
                          '[name=appointment_availability]', '[name=gdpr_checkbox]']) {
    document.querySelector(selector).checked = true;
  }
}"""


def test_a_homeowner_faster_than_the_time_trap_checks_presses_again_and_gets_the_estimate(
    page: Page, upstream: SandboxServer, tmp_path: Path
) -> None:
    env = app_env(upstream, tmp_path / "fast.db", MIN_FILL_SECONDS=str(MIN_FILL_SECONDS))
    with run_app(env) as app:
        opened = time.monotonic()
        page.goto(f"{app.base_url}/w/default")
        page.evaluate(AUTOFILL)
        page.get_by_role("button", name=SUBMIT).click()
        page.wait_for_load_state()
        assert time.monotonic() - opened < MIN_FILL_SECONDS, "the test was not fast enough"

        expect(page.get_by_text("Your answers have not been sent yet")).to_be_visible()
        expect(page.locator(".error-summary")).to_have_count(0)
        for label, answer in (
            ("Address of the property", "12 Friar Gate, Derby"),
            ("Postcode", "DE1 1JX"),
            ("First name", "Marla"),
            ("Last name", "Singer"),
            ("Email address", "marla@example.com"),
            ("Phone number", "07911 123456"),
        ):
            expect(page.get_by_label(label)).to_have_value(answer)
        expect(page.get_by_label("Sell")).to_be_checked()
        expect(page.get_by_label("Terraced house")).to_be_checked()
        expect(page.get_by_label("Number of bedrooms")).to_have_value("3")
        expect(page.locator("input[name=gdpr_checkbox]")).to_be_checked()
        expect(page.locator(f"input[name={TRAP_FIELD}]")).to_have_value("")
        assert_no_axe_violations(page, "form sent too fast")
        assert upstream.leads() == []

        time.sleep(max(0.0, MIN_FILL_SECONDS + 0.5 - (time.monotonic() - opened)))
        page.get_by_role("button", name=SUBMIT).click()
        expect(page.get_by_role("heading", name="Your instant valuation")).to_be_visible()
        lead = wait_for_lead(upstream)
        assert (lead["body"]["first_name"], lead["body"]["property_type"]) == ("Marla", "terraced")
        assert len(upstream.leads()) == 1
