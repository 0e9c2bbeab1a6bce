"""Every page of the journey fits a 320 px phone, a 1280 px desktop and 1280 px at 200% zoom,
without sideways scrolling, one short step per screen, with big targets.

Screenshots of each page at each size go to test-artifacts/ (git-ignored) for people to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from app.availability import MAX_SLOTS
from tests.browser.support import (
    CONTINUE,
    FIND_ADDRESS,
    UNVALUABLE_POSTCODE,
    answer_postcode,
    choose_address,
    choose_visit_times,
    describe_property,
    expect_step,
    open_form,
    press,
    submit,
    submit_valid,
)
from tests.support.apps import LiveApp
from tests.support.servers import SandboxServer

# name → (CSS viewport width, height, device pixels per CSS pixel). 1280 px at 200% zoom lays
# out exactly like a 640 px CSS viewport drawn at twice the density.
VIEWPORTS = {
    "320px": (320, 720, 1),
    "1280px": (1280, 900, 1),
    "1280px-zoom-200pc": (640, 450, 2),
}
MIN_TARGET_PX = 24  # WCAG 2.2 SC 2.5.8 Target Size (Minimum)
# The longest a long step's page may be, at any of the sizes (about 2,150 and 1,650 px at 320 px
# wide); every other step fits one screen at 320×720 and 1280×900.
LONG_STEPS_PX = {"visit": 2400, "details": 1800}

# Controls smaller than 24×24 CSS px. Exempt, as 2.5.8 allows: links inside a sentence, the
# honeypot (off-screen, never for people) and the skip link while it is off-screen.
SMALL_TARGETS = """() => {
  const small = [];
  for (const e of document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    if (e.closest('.hp')) continue;
    const r = e.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right <= 0 || r.bottom <= 0) continue;
    if (e.tagName === 'A' && e.parentElement.textContent.trim() !== e.textContent.trim()) continue;
    if (r.width < 24 || r.height < 24)
      small.push(`${e.tagName.toLowerCase()}#${e.id} "${e.textContent.trim().slice(0, 30)}" `
                 + `${r.width.toFixed(1)}×${r.height.toFixed(1)}`);
  }
  return small;
}"""
NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def sized_page(browser: Browser, viewport: str, javascript: bool = True) -> Page:
    width, height, scale = VIEWPORTS[viewport]
    context = browser.new_context(
        viewport={"width": width, "height": height},
        device_scale_factor=scale,
        java_script_enabled=javascript,
    )
    return context.new_page()


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sized(browser: Browser, viewport: str) -> Iterator[Page]:
    page = sized_page(browser, viewport)
    yield page
    page.context.close()


def check_and_shoot(page: Page, artifacts: Path, name: str) -> None:
    """No sideways scrolling, and a full-page screenshot to look at."""
    page.screenshot(path=artifacts / f"{name}.png", full_page=True)
    widths: dict[str, Any] = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert page.evaluate(NO_HORIZONTAL_SCROLL), f"{name} scrolls sideways: {widths}"


def page_length(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollHeight"))


def check_length(page: Page, viewport: str, step: str) -> None:
    """One thing per page: the short steps fit one phone or desktop screen without scrolling;
    the visit and details steps stay within their lengths."""
    length = page_length(page)
    if step in LONG_STEPS_PX:
        assert length <= LONG_STEPS_PX[step], f"{step} step is {length} px long at {viewport}"
    elif viewport in ("320px", "1280px"):
        assert length <= VIEWPORTS[viewport][1], f"{step} step needs scrolling at {viewport}"


def test_every_step_and_result_fit_without_sideways_scrolling(
    sized: Page, viewport: str, live_app: LiveApp, upstream: SandboxServer, artifacts: Path
) -> None:
    open_form(sized, live_app)
    check_and_shoot(sized, artifacts, f"{viewport}-step-postcode")
    check_length(sized, viewport, "postcode")
    press(sized, FIND_ADDRESS)  # nothing answered: both errors
    expect(sized.locator(".error-summary")).to_be_visible()
    check_and_shoot(sized, artifacts, f"{viewport}-step-postcode-errors")

    answer_postcode(sized)
    expect_step(sized, "address")
    check_and_shoot(sized, artifacts, f"{viewport}-step-address")
    check_length(sized, viewport, "address")
    press(sized, "My address is not listed")
    expect_step(sized, "manual-address")
    check_and_shoot(sized, artifacts, f"{viewport}-step-manual-address")
    check_length(sized, viewport, "manual-address")
    sized.get_by_label("Address line 1").fill("12 Friar Gate")
    sized.get_by_label("Town or city").fill("Derby")
    press(sized, CONTINUE)
    expect_step(sized, "property")
    check_and_shoot(sized, artifacts, f"{viewport}-step-property")
    check_length(sized, viewport, "property")
    describe_property(sized)
    expect_step(sized, "visit")
    check_and_shoot(sized, artifacts, f"{viewport}-step-visit")
    check_length(sized, viewport, "visit")
    choose_visit_times(sized)
    expect_step(sized, "details")
    check_and_shoot(sized, artifacts, f"{viewport}-step-details")
    check_length(sized, viewport, "details")
    submit(sized)  # nothing filled in: an error on every required field
    expect(sized.locator(".error-summary")).to_be_visible()
    check_and_shoot(sized, artifacts, f"{viewport}-step-details-errors")

    submit_valid(sized, live_app)
    expect(sized.get_by_text("Estimated sale price")).to_be_visible()
    check_and_shoot(sized, artifacts, f"{viewport}-estimate-sale")

    submit_valid(sized, live_app, lead="Let", postcode="SW1A 1AA")
    expect(sized.get_by_text("Estimated rent, per calendar month")).to_be_visible()
    check_and_shoot(sized, artifacts, f"{viewport}-estimate-rent")

    submit_valid(sized, live_app, postcode=UNVALUABLE_POSTCODE)
    expect(sized.get_by_text("Your home needs a personal valuation")).to_be_visible()
    check_and_shoot(sized, artifacts, f"{viewport}-could-not-value")


def test_availability_error_fits_a_phone(
    browser: Browser, live_app: LiveApp, upstream: SandboxServer, artifacts: Path
) -> None:
    """The slot grid with its error bar is the narrowest part of the journey."""
    page = sized_page(browser, "320px", javascript=False)  # so a tenth slot can be ticked
    try:
        open_form(page, live_app)
        answer_postcode(page)
        choose_address(page)
        describe_property(page)
        choose_visit_times(page, times=MAX_SLOTS + 1)
        expect_step(page, "visit")
        expect(page.locator("#appointment_availability-error")).to_be_visible()
        check_and_shoot(page, artifacts, "320px-step-visit-too-many-slots")
    finally:
        page.context.close()


@pytest.mark.parametrize("viewport", ["320px", "1280px"])
def test_every_control_is_at_least_24px_square(
    sized: Page, viewport: str, live_app: LiveApp
) -> None:
    open_form(sized, live_app)
    assert sized.evaluate(SMALL_TARGETS) == [], "postcode step"
    answer_postcode(sized)
    for step, answer in (
        ("address", lambda: choose_address(sized)),
        ("property", lambda: describe_property(sized)),
        ("visit", lambda: choose_visit_times(sized)),
    ):
        expect_step(sized, step)
        assert sized.evaluate(SMALL_TARGETS) == [], f"{step} step"
        answer()
    expect_step(sized, "details")
    assert sized.evaluate(SMALL_TARGETS) == [], "details step"
    submit(sized)  # the error page adds the summary's links
    expect(sized.locator(".error-summary a")).to_have_count(5)
    assert sized.evaluate(SMALL_TARGETS) == [], "details step with errors"
    sized.keyboard.press("Shift+Tab")  # from the focused summary back to the skip link
    skip = sized.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box and box["width"] >= MIN_TARGET_PX and box["height"] >= MIN_TARGET_PX, box


def assert_large(page: Page, what: str) -> None:
    controls = page.locator("input[type=radio], input[type=checkbox]").all()
    assert controls, f"no radio or checkbox on the {what} step"
    for control in controls:
        box = control.bounding_box()
        assert box and box["width"] >= 32 and box["height"] >= 32, (what, box)


def test_radios_and_checkboxes_are_large_and_their_labels_click_them(
    page: Page, live_app: LiveApp
) -> None:
    open_form(page, live_app)
    assert_large(page, "postcode")
    page.get_by_text("Let", exact=True).click()
    expect(page.get_by_label("Let", exact=True)).to_be_checked()
    page.get_by_label("Postcode").fill("DE1 1JX")
    press(page, FIND_ADDRESS)
    choose_address(page)
    expect_step(page, "property")
    assert_large(page, "property")
    page.get_by_text("Flat or maisonette").click()
    expect(page.get_by_label("Flat or maisonette")).to_be_checked()
    page.get_by_label("Number of bedrooms").select_option("2")
    press(page, CONTINUE)
    expect_step(page, "visit")
    assert_large(page, "visit")
    page.locator("label[for=av5]").click()  # the words under a slot's box
    expect(page.locator("#av5")).to_be_checked()
    press(page, CONTINUE)
    expect_step(page, "details")
    assert_large(page, "details")
    page.locator("label[for=gdpr_checkbox]").click()
    expect(page.locator("#gdpr_checkbox")).to_be_checked()


def test_the_estimate_prints_without_buttons_or_colour_blocks(
    page: Page, live_app: LiveApp, upstream: SandboxServer, artifacts: Path
) -> None:
    submit_valid(page, live_app)
    print_button = page.get_by_role("button", name="Print this page")
    expect(print_button).to_be_visible()
    page.emulate_media(media="print")
    expect(print_button).to_be_hidden()
    expect(page.get_by_text("Estimated sale price")).to_be_visible()
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    colours = page.evaluate(
        "[...document.querySelectorAll('body *')].map(e => getComputedStyle(e))"
        ".filter(s => s.display !== 'none')"
        ".map(s => [s.color, s.backgroundColor])"
    )
    assert {colour for colour, _ in colours} == {"rgb(0, 0, 0)"}
    assert {background for _, background in colours} == {"rgba(0, 0, 0, 0)"}
    page.screenshot(path=artifacts / "print-estimate-sale.png", full_page=True)
