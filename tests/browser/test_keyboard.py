"""A homeowner with only a keyboard: every step of the journey answered with Tab, Space and
Enter, every field reachable in order, focus always visible."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from app.availability import MAX_SLOTS
from tests.browser.support import (
    ADDRESS,
    CONTINUE,
    SUBMIT,
    answer_postcode,
    choose_address,
    describe_property,
    expect_step,
    open_form,
)
from tests.support.apps import LiveApp
from tests.support.servers import SandboxServer

MAX_TABS = 80  # the visit step has about 50 stops; more means focus is stuck or lost

# What the focused element is and whether it shows a focus indicator: an outline that is not
# transparent, or a box-shadow (links and boxes use a yellow background with a shadow).
FOCUS_STATE = """() => {
  const e = document.activeElement;
  const s = getComputedStyle(e);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
    && s.outlineColor !== 'rgba(0, 0, 0, 0)';
  return {tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name') || '',
          type: e.getAttribute('type') || '', text: (e.textContent || '').trim().slice(0, 40),
          visible: outline || s.boxShadow !== 'none'};
}"""


def focused(page: Page) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate(FOCUS_STATE)
    assert state["visible"], f"no visible focus indicator on {state}"
    return state


def tab_to(page: Page, want: str, visited: list[str]) -> None:
    """Press Tab until the element with id `want` (or, for a button, that text) has focus,
    checking every stop shows focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        state = focused(page)
        visited.append(state["id"] or state["text"])
        if want in (state["id"], state["text"]):
            return
    raise AssertionError(f"Tab never reached {want}; it went: {visited[-20:]}")


def on_step(page: Page, step: str, visited: list[str]) -> None:
    """A new step page has loaded: its stops are recorded from here on."""
    expect_step(page, step)
    visited.clear()


def test_the_whole_journey_by_keyboard_to_an_estimate(
    page: Page, live_app: LiveApp, upstream: SandboxServer
) -> None:
    open_form(page, live_app)
    keys = page.keyboard
    visited: list[str] = []

    tab_to(page, "type", visited)  # first radio of "sell or let"
    keys.press("Space")
    tab_to(page, "postcode", visited)
    keys.type("de11jx")
    keys.press("Enter")  # Enter in a field means the main button: Find address

    on_step(page, "address", visited)
    tab_to(page, "address_key", visited)
    keys.press("ArrowDown")  # from "22 addresses found" to the first address
    tab_to(page, CONTINUE, visited)
    keys.press("Enter")
    assert visited.index("Change postcode") < visited.index("address_key")

    on_step(page, "property", visited)
    tab_to(page, "property_type", visited)  # Detached
    keys.press("ArrowDown")  # moves to, and picks, Semi-detached
    tab_to(page, "property_bedrooms", visited)
    keys.press("3")  # type-ahead picks "3 bedrooms"
    tab_to(page, CONTINUE, visited)
    keys.press("Enter")

    on_step(page, "visit", visited)
    tab_to(page, "appointment_availability", visited)  # first slot
    keys.press("Space")
    tab_to(page, CONTINUE, visited)
    # Every slot, in the page's order (day by day, morning to evening), then the main button.
    slots = [stop for stop in visited if re.fullmatch(r"appointment_availability|av\d+", stop)]
    assert slots == ["appointment_availability"] + [f"av{n}" for n in range(2, 43)]
    keys.press("Enter")

    on_step(page, "details", visited)
    tab_to(page, "first_name", visited)
    keys.type("Marla")
    tab_to(page, "last_name", visited)
    keys.type("Singer")
    tab_to(page, "email", visited)
    keys.type("marla@example.com")
    tab_to(page, "phone", visited)
    keys.type("07911 123456")
    tab_to(page, "gdpr_checkbox", visited)
    keys.press("Space")
    keys.press("Tab")
    assert focused(page)["text"] == SUBMIT
    # The order followed the page: the summary's Change buttons, then the homeowner's details.
    order = [stop for stop in visited if stop.startswith("Change") or stop in ("title", "message")]
    assert order == [
        "Change sell or let",
        "Change address",
        "Change property",
        "Change when an agent could visit",
        "title",
        "message",
    ]
    keys.press("Enter")

    expect(page.get_by_role("heading", name="Your instant valuation")).to_be_visible()
    [lead] = upstream.leads()
    body = lead["body"]
    assert (body["type"], body["postcode"], body["property_type"], body["property_bedrooms"]) == (
        "vendor",
        "DE1 1JX",
        "semi-detached",
        3,
    )
    assert body["address"] == ADDRESS
    assert len(body["appointment_availability"]["hours"]) == 4 and body["gdpr_checkbox"] is True


def test_the_error_summary_leads_to_the_field_by_keyboard(page: Page, live_app: LiveApp) -> None:
    open_form(page, live_app)
    visited: list[str] = []
    tab_to(page, "type", visited)
    page.keyboard.press("Space")
    tab_to(page, "postcode", visited)
    page.keyboard.type("not a postcode")
    page.keyboard.press("Enter")

    expect(page.locator(".error-summary")).to_be_focused()
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Enter a full UK postcode, like DE1 1JX"
    page.keyboard.press("Enter")
    expect(page.get_by_label("Postcode")).to_be_focused()
    assert focused(page)["id"] == "postcode"
    expect(page.get_by_label("Postcode")).to_be_in_viewport()


def test_back_is_after_the_main_button_and_keeps_the_answers(page: Page, live_app: LiveApp) -> None:
    open_form(page, live_app)
    answer_postcode(page)
    choose_address(page, ADDRESS)
    expect_step(page, "property")
    page.get_by_label("Flat or maisonette").check()
    visited: list[str] = []
    tab_to(page, "Back", visited)
    assert visited.index(CONTINUE) < visited.index("Back")
    page.keyboard.press("Enter")
    expect_step(page, "address")
    expect(page.get_by_label("Select an address")).to_have_value(re.compile("^uprn:"))
    expect(page.get_by_label("Select an address").locator("option:checked")).to_have_text(ADDRESS)
    tab_to(page, CONTINUE, visited)
    page.keyboard.press("Enter")
    expect_step(page, "property")
    expect(page.get_by_label("Flat or maisonette")).to_be_checked()


def test_focus_is_visible_on_the_skip_link_and_it_jumps_to_the_content(
    page: Page, live_app: LiveApp
) -> None:
    open_form(page, live_app)
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skip to main content"
    box = page.get_by_role("link", name="Skip to main content").bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, "the focused skip link is on screen"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")


def test_slots_stop_at_the_maximum_with_a_message(page: Page, live_app: LiveApp) -> None:
    """With JavaScript the count is live, and once full the other boxes are out of the way."""
    open_form(page, live_app)
    answer_postcode(page)
    choose_address(page)
    describe_property(page)
    expect_step(page, "visit")
    boxes = page.locator("input[name=appointment_availability]")
    boxes.first.focus()
    for _ in range(MAX_SLOTS):
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
    count = page.locator(".cnt")
    expect(count).to_contain_text(f"You have chosen {MAX_SLOTS} of up to {MAX_SLOTS} times")
    expect(count).to_contain_text("untick one first")
    # Focus moved past the disabled boxes to the main button: nothing more can be ticked.
    assert focused(page)["text"] == CONTINUE
    expect(page.locator("input[name=appointment_availability]:checked")).to_have_count(MAX_SLOTS)
    expect(boxes.nth(MAX_SLOTS)).to_be_disabled()
