"""The page the homeowner asked for comes into view on the agency's page, in a real browser.

Whenever the homeowner presses something in the frame (a step's Find address or Continue, the
final button, "Check again"), the frame shrinks or grows to its new page; the agency's page must
then show that page's heading (or error summary) and focus it, and never move on its own on the
first load.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Frame, Page, expect

from tests.browser.agency import (
    RECORDER,
    WIDGET_FRAME,
    StaticSite,
    agency_page,
    fill_in,
    loader,
    send,
    settled_height,
    target,
    widget_frame,
)
from tests.browser.conftest import app_env
from tests.browser.support import (
    CONTINUE,
    FIND_ADDRESS,
    HEADINGS,
    POSTCODE,
    UNVALUABLE_POSTCODE,
    expect_step,
    press,
)
from tests.support.apps import LiveApp, run_app
from tests.support.servers import SandboxServer

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 900}
BELOW = '<div style="height:2500px;background:#eee">More about selling with us</div>'
ABOVE = '<div style="height:1500px;background:#eee">Why sell with us</div>'
SCROLLS = (
    "<script>window.scrolls = []; addEventListener('scroll', () => scrolls.push(scrollY))</script>"
)

# Where the first thing to read sits inside the frame, and where the frame sits on the page.
IN_VIEW = """([frame, top, bottom]) => {
  const r = document.querySelector(frame).getBoundingClientRect();
  return r.top + top >= 0 && r.top + bottom <= innerHeight;
}"""


@pytest.fixture(scope="module")
def widget_app(
    sandbox: SandboxServer, agency: StaticSite, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveApp]:
    database = tmp_path_factory.mktemp("in-view") / "widget.db"
    # A slow Lead API (set per test) leaves the homeowner on the "we have your details" page.
    env = app_env(
        sandbox, database, WIDGET_ALLOWED_ORIGINS=agency.origin, SUBMIT_WAIT_SECONDS="0.3"
    )
    with run_app(env) as app:
        snippet = target(app.base_url) + loader(app.base_url)
        head = RECORDER + SCROLLS
        agency.pages["/valuation.html"] = agency_page(snippet + BELOW, head)
        agency.pages["/further-down.html"] = agency_page(ABOVE + snippet + BELOW, head)
        yield app


def open_page(browser: Browser, viewport: dict[str, int], motion: str = "no-preference") -> Page:
    context = browser.new_context(viewport=viewport, reduced_motion=motion)  # type: ignore[arg-type]
    return context.new_page()


def press_at_the_bottom(page: Page, frame: Frame) -> None:
    """The homeowner scrolls down to the button (the frame's top leaves the screen), presses."""
    button = frame.get_by_role("button", name="Get my valuation")
    button.scroll_into_view_if_needed()
    frame_top = page.eval_on_selector(WIDGET_FRAME, "f => f.getBoundingClientRect().top")
    assert frame_top < -500, "the form's top should be well above the screen before the press"
    page.evaluate("scrolls.length = 0")
    send(frame)


def first_thing_to_read(frame: Frame, selector: str, text: str) -> dict[str, Any]:
    """The heading or error summary the new page starts with, once shown: its box and name."""
    element = frame.locator(selector)
    expect(element).to_contain_text(text)
    box = element.evaluate(
        "e => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom}; }"
    )
    return box


def assert_in_view_and_focused(page: Page, frame: Frame, selector: str, text: str) -> None:
    box = first_thing_to_read(frame, selector, text)
    page.wait_for_function(IN_VIEW, arg=[WIDGET_FRAME, box["top"], box["bottom"]], timeout=5000)
    expect(frame.locator(selector)).to_be_focused()
    assert page.evaluate("document.activeElement.tagName") == "IFRAME"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375x667", "1280x900"])
def test_estimate_comes_into_view_after_the_final_press(
    browser: Browser,
    agency: StaticSite,
    widget_app: LiveApp,
    upstream: SandboxServer,
    viewport: dict[str, int],
) -> None:
    page = open_page(browser, viewport)
    page.goto(agency.url("/valuation.html"))
    frame = widget_frame(page)
    settled_height(page, frame)
    fill_in(frame)
    press_at_the_bottom(page, frame)

    assert_in_view_and_focused(page, frame, "main h1", "Your instant valuation")
    assert settled_height(page, frame) < 2000  # the frame shrank to its new page
    page.context.close()


def scroll_button_to_the_top(page: Page, frame: Frame, button: str) -> None:
    """The homeowner scrolls until the step's main button is at the top of the screen: the
    step's heading has left the screen above."""
    top = frame.get_by_role("button", name=button, exact=True).evaluate(
        "b => b.getBoundingClientRect().top"
    )
    page.evaluate(
        "([frame, top]) => scrollTo(0, scrollY + document.querySelector(frame)"
        ".getBoundingClientRect().top + top - 10)",
        [WIDGET_FRAME, top],
    )
    box = first_thing_to_read(frame, "main h1", "")
    assert not page.evaluate(IN_VIEW, [WIDGET_FRAME, box["top"], box["bottom"]])
    page.evaluate("scrolls.length = 0")


# Each step's main button, what it leads to, and how the step is answered first.
STEP_PRESSES = [
    ("postcode", FIND_ADDRESS, "address"),
    ("address", CONTINUE, "property"),
    ("property", CONTINUE, "visit"),
    ("visit", CONTINUE, "details"),
]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375x667", "1280x900"])
def test_each_next_step_comes_into_view_after_its_press(
    browser: Browser, agency: StaticSite, widget_app: LiveApp, viewport: dict[str, int]
) -> None:
    page = open_page(browser, viewport)
    page.goto(agency.url("/valuation.html"))  # 2,500 px of the agency's page below the frame
    frame = widget_frame(page)
    settled_height(page, frame)
    for step, button, following in STEP_PRESSES:
        expect_step(frame, step)
        if step == "postcode":
            frame.get_by_label("Sell", exact=True).check()
            frame.get_by_label("Postcode").fill(POSTCODE)
        elif step == "address":
            frame.get_by_label("Select an address").select_option(index=1)
        elif step == "property":
            frame.get_by_label("Detached house", exact=True).check()
            frame.get_by_label("Number of bedrooms").select_option("4")
        else:
            frame.locator("input[name=appointment_availability]").first.check()
        scroll_button_to_the_top(page, frame, button)
        press(frame, button)

        assert_in_view_and_focused(page, frame, "main h1", HEADINGS[following])
        settled_height(page, frame)  # and the frame fits the new step
    page.context.close()


@pytest.mark.parametrize(
    ("outcome", "selector", "text"),
    [
        ("errors", ".error-summary", "There is a problem"),
        ("no estimate", "main h1", "Thank you, we have your details"),
        ("pending", "main h1", "Thank you, we have your details"),
    ],
)
def test_every_page_after_a_press_comes_into_view(
    browser: Browser,
    agency: StaticSite,
    widget_app: LiveApp,
    upstream: SandboxServer,
    outcome: str,
    selector: str,
    text: str,
) -> None:
    page = open_page(browser, PHONE)
    page.goto(agency.url("/valuation.html"))
    frame = widget_frame(page)
    settled_height(page, frame)
    if outcome == "errors":
        fill_in(frame, email="marla@example")
    elif outcome == "no estimate":
        fill_in(frame, postcode=UNVALUABLE_POSTCODE)
    else:
        fill_in(frame)
        upstream.set_faults(latency_ms=1500)
    press_at_the_bottom(page, frame)

    assert_in_view_and_focused(page, frame, selector, text)
    if outcome == "pending":
        expect(frame.locator("[data-check]")).to_be_visible()
    page.context.close()


def test_first_load_never_scrolls_the_agency_page(
    browser: Browser, agency: StaticSite, widget_app: LiveApp
) -> None:
    page = open_page(browser, PHONE)
    page.goto(agency.url("/further-down.html"))
    frame = widget_frame(page)
    settled_height(page, frame)  # the frame has reported in over its channel
    page.wait_for_timeout(300)
    assert page.evaluate("scrollY") == 0
    assert page.evaluate("scrolls") == []
    top = page.eval_on_selector(WIDGET_FRAME, "f => f.getBoundingClientRect().top")
    assert top > PHONE["height"]  # the form is still below the screen, where the agency put it
    page.context.close()


@pytest.mark.parametrize("motion", ["reduce", "no-preference"])
def test_scrolling_is_smooth_only_when_motion_is_welcome(
    browser: Browser, agency: StaticSite, widget_app: LiveApp, upstream: SandboxServer, motion: str
) -> None:
    page = open_page(browser, PHONE, motion)
    page.goto(agency.url("/valuation.html"))
    frame = widget_frame(page)
    settled_height(page, frame)
    fill_in(frame)
    press_at_the_bottom(page, frame)
    assert_in_view_and_focused(page, frame, "main h1", "Your instant valuation")
    page.wait_for_timeout(600)  # a smooth scroll has ended by now

    positions = page.evaluate("scrolls")
    final = page.evaluate("scrollY")
    # The shrinking frame may clamp the position once; then one jump, or many small steps.
    steps = [p for p in dict.fromkeys(positions) if p != final]
    if motion == "reduce":
        assert len(steps) <= 1, positions
    else:
        assert len(steps) >= 3, positions
    page.context.close()
