"""The time trap and the trap field on the journey's last step, in a real browser.

A homeowner whose browser fills the details at once, and who went through the steps faster than
MIN_FILL_SECONDS: the details page comes back with every answer kept, and pressing again a
moment later reaches the estimate, as one lead. A bot that fills the trap field on the details
page sees what a person would, and nothing is sent."""

from __future__ import annotations

import time
from pathlib import Path

from playwright.sync_api import Page, expect

from app.admission import TRAP_FIELD
from tests.browser.conftest import app_env
from tests.browser.support import (
    ADDRESS,
    SUBMIT,
    answer_postcode,
    assert_no_axe_violations,
    choose_address,
    choose_visit_times,
    describe_property,
    expect_step,
    fill_in,
    open_form,
    press,
    wait_for_lead,
)
from tests.support.apps import LiveApp, run_app
from tests.support.servers import SandboxServer

MIN_FILL_SECONDS = 8.0  # longer than the four steps take a test, far shorter than a person

# Every detail set in one go, the way browser autofill fills a form.
AUTOFILL = """() => {
  const set = (name, value) => { document.querySelector(`[name=${name}]`).value = value; };
  set('first_name', 'Marla');
  set('last_name', 'Singer');
  set('email', 'marla@example.com');
  set('phone', '07911 123456');
  document.querySelector('[name=gdpr_checkbox]').checked = true;
}"""


def test_a_homeowner_faster_than_the_time_trap_checks_presses_again_and_gets_the_estimate(
    page: Page, upstream: SandboxServer, tmp_path: Path
) -> None:
    env = app_env(upstream, tmp_path / "fast.db", MIN_FILL_SECONDS=str(MIN_FILL_SECONDS))
    with run_app(env) as app:
        opened = time.monotonic()
        open_form(page, app)
        answer_postcode(page)
        choose_address(page)
        describe_property(page, property_type="Terraced house")
        choose_visit_times(page)
        expect_step(page, "details")
        page.evaluate(AUTOFILL)
        press(page, SUBMIT)
        page.wait_for_load_state()
        expect(page.get_by_text("Your answers have not been sent yet")).to_be_visible()
        assert time.monotonic() - opened < MIN_FILL_SECONDS, "the test was not fast enough"

        expect_step(page, "details")
        expect(page.locator(".error-summary")).to_have_count(0)
        for label, answer in (
            ("First name", "Marla"),
            ("Last name", "Singer"),
            ("Email address", "marla@example.com"),
            ("Phone number", "07911 123456"),
        ):
            expect(page.get_by_label(label)).to_have_value(answer)
        expect(page.locator("input[name=gdpr_checkbox]")).to_be_checked()
        summary = page.locator("dl.sl")
        for answer in ("Sell", ADDRESS, "Terraced house, 3 bedrooms", "1 time chosen"):
            expect(summary).to_contain_text(answer)
        expect(page.locator(f"input[name={TRAP_FIELD}]")).to_have_value("")
        assert_no_axe_violations(page, "details sent too fast")
        assert upstream.leads() == []

        time.sleep(max(0.0, MIN_FILL_SECONDS + 0.5 - (time.monotonic() - opened)))
        press(page, SUBMIT)
        expect(page.get_by_role("heading", name="Your instant valuation")).to_be_visible()
        lead = wait_for_lead(upstream)
        assert (lead["body"]["first_name"], lead["body"]["property_type"]) == ("Marla", "terraced")
        assert lead["body"]["address"] == ADDRESS
        assert len(upstream.leads()) == 1


def test_the_trap_field_is_on_the_details_step_only_and_a_bot_filling_it_sends_nothing(
    page: Page, live_app: LiveApp, upstream: SandboxServer
) -> None:
    trap = page.locator(f"input[name={TRAP_FIELD}]")
    open_form(page, live_app)
    answer_postcode(page)
    for step, answer in (
        ("address", choose_address),
        ("property", describe_property),
        ("visit", choose_visit_times),
    ):
        expect_step(page, step)
        expect(trap).to_have_count(0)
        answer(page)
    expect_step(page, "details")
    expect(trap).to_have_count(1)
    expect(trap).not_to_be_in_viewport()  # off-screen: no person sees it ...
    expect(trap).to_have_attribute("tabindex", "-1")  # ... or reaches it by Tab

    page.evaluate(AUTOFILL)
    page.evaluate(
        "name => { document.querySelector(`[name=${name}]`).value = 'https://spam.example'; }",
        TRAP_FIELD,
    )
    press(page, SUBMIT)
    # The bot is told what is true for a person too, and nothing about the trap.
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, we have your details")
    expect(page.locator("main")).to_contain_text("Acme Estates will be in touch")

    # A person after it is sent at once: theirs is the only lead the Lead API receives.
    open_form(page, live_app)
    fill_in(page, first_name="Tyler")
    press(page, SUBMIT)
    expect(page.get_by_role("heading", name="Your instant valuation")).to_be_visible()
    [lead] = upstream.leads()
    assert lead["body"]["first_name"] == "Tyler"
