"""The pages fit a 320 px phone, a 1280 px desktop and 1280 px at 200% zoom, with big targets.

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
    UNVALUABLE_POSTCODE,
    open_form,
    submit,
    submit_valid,
)
from tests.browser.test_homeowner_flow import fill_valid_form
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


def test_form_errors_and_estimate_fit_without_sideways_scrolling(
    sized: Page, viewport: str, live_app: LiveApp, upstream: SandboxServer, artifacts: Path
) -> None:
    open_form(sized, live_app)
    check_and_shoot(sized, artifacts, f"{viewport}-form-empty")

    sized.locator("input[name=appointment_availability]").nth(4).check()
    submit(sized)  # everything else missing: an error on every required field
    expect(sized.locator(".error-summary")).to_be_visible()
    check_and_shoot(sized, artifacts, f"{viewport}-form-errors")

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
    """The slot grid with its error bar is the narrowest part of the form."""
    page = sized_page(browser, "320px", javascript=False)  # so a tenth slot can be ticked
    try:
        open_form(page, live_app)
        fill_valid_form(page)
        boxes = page.locator("input[name=appointment_availability]")
        for n in range(MAX_SLOTS + 1):
            boxes.nth(n).check()
        submit(page)
        expect(page.locator("#appointment_availability-error")).to_be_visible()
        check_and_shoot(page, artifacts, "320px-form-too-many-slots")
    finally:
        page.context.close()


@pytest.mark.parametrize("viewport", ["320px", "1280px"])
def test_every_control_is_at_least_24px_square(
    sized: Page, viewport: str, live_app: LiveApp
) -> None:
    open_form(sized, live_app)
    assert sized.evaluate(SMALL_TARGETS) == []
    submit(sized)  # the error page adds the summary's links
    expect(sized.locator(".error-summary a")).to_have_count(10)
    assert sized.evaluate(SMALL_TARGETS) == []
    sized.keyboard.press("Shift+Tab")  # from the focused summary back to the skip link
    skip = sized.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box and box["width"] >= MIN_TARGET_PX and box["height"] >= MIN_TARGET_PX, box


def test_radios_and_checkboxes_are_large_and_their_labels_click_them(
    page: Page, live_app: LiveApp
) -> None:
    open_form(page, live_app)
    for control in page.locator("input[type=radio], input[type=checkbox]").all():
        box = control.bounding_box()
        assert box and box["width"] >= 32 and box["height"] >= 32, box
    page.locator("label[for=av5]").click()  # the words under a slot's box
    expect(page.locator("#av5")).to_be_checked()
    page.get_by_text("Flat or maisonette").click()
    expect(page.get_by_label("Flat or maisonette")).to_be_checked()


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
