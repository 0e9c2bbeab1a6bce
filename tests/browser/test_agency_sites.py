"""Agency websites that get in the way of the widget, in a real browser on another origin:
strict Content-Security-Policies, single-page sites, scripts that swallow messages, and where
the form goes when a page has scripts and targets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.agency import (
    RECORDER,
    WIDGET_FRAME,
    StaticSite,
    agency_page,
    fill_in,
    loader,
    one_line,
    send,
    settled_height,
    target,
    widget_frame,
)
from tests.browser.conftest import app_env
from tests.browser.support import (
    FIND_ADDRESS,
    SUBMIT,
    answer_postcode,
    choose_address,
    describe_property,
    expect_step,
)
from tests.support.apps import LiveApp, run_app
from tests.support.servers import SandboxServer

pytestmark = pytest.mark.browser

LINK = "Get an instant valuation"
FIRST_HEIGHT = 320  # the loader's frame before the widget's page reports its own height
# Runs before anything else on the page, as an analytics or chat script placed first would.
SWALLOWER = (
    "<script>addEventListener('message', e => e.stopImmediatePropagation(), true)</script>"
)
BELOW = '<div style="height:2500px">More about selling with us</div>'


def strict_policy(script_src: str, frame_src: str) -> dict[str, str]:
    """An agency's own strict policy: no inline script or style, and only what it lists."""
    return {
        "content-security-policy": f"default-src 'self'; script-src {script_src}; "
        f"frame-src {frame_src}; style-src 'self'; object-src 'none'; base-uri 'none'"
    }


@pytest.fixture(scope="module")
def widget_app(
    sandbox: SandboxServer, agency: StaticSite, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveApp]:
    database = tmp_path_factory.mktemp("agency-sites") / "widget.db"
    with run_app(app_env(sandbox, database, WIDGET_ALLOWED_ORIGINS=agency.origin)) as app:
        widget = app.base_url
        snippet = target(widget) + loader(widget)
        pages = {
            # Content-Security-Policy: blocks the loader; blocks the frame; allows both as the
            # snippet page says.
            "/csp-no-script.html": (snippet, strict_policy("'self'", "'self'")),
            "/csp-no-frame.html": (snippet, strict_policy(f"'self' {widget}", "'self'")),
            "/csp-as-documented.html": (snippet, strict_policy(widget, widget)),
            # A single-page site: the loader runs before any target exists.
            "/app.html": (loader(widget), {}),
            "/swallows-messages.html": (snippet + BELOW, {}),
            "/valuation-first.html": (snippet, {}),
            "/two-targets.html": (
                target(widget, attributes=' id="first"')
                + "<p>Between the two</p>"
                + target(widget, attributes=' id="second"')
                + loader(widget),
                {},
            ),
            # The page: a script with data-widget, and two targets for that widget.
            "/script-and-targets.html": (
                '<div id="first" data-widget="default"></div>'
                + one_line(widget)
                + '<div id="second" data-widget="default"></div>',
                {},
            ),
            "/one-line.html": ('<p id="before">Before</p>' + one_line(widget), {}),
            "/site-wide-and-one-line.html": (loader(widget) + one_line(widget), {}),
        }
        for path, (body, headers) in pages.items():
            strict = "content-security-policy" in headers
            head = RECORDER if not strict else ""  # a strict policy runs no inline script
            if path == "/swallows-messages.html":
                head = SWALLOWER + RECORDER
            agency.pages[path] = agency_page(body, head)
            agency.headers[path] = headers
        # The loader in <head> runs before the body (and its target) is parsed.
        agency.pages["/script-in-head.html"] = agency_page(
            '<div id="target" data-widget="default"></div>',
            f'<script src="{widget}/embed.js" data-widget="default"></script>',
        )
        yield app


def assert_link_to_the_form(page: Page, widget_app: LiveApp) -> None:
    link = page.get_by_role("link", name=LINK)
    expect(link).to_be_visible(timeout=8000)
    assert link.get_attribute("href") == f"{widget_app.base_url}/w/default"
    assert page.locator("iframe").count() == 0


def test_policy_that_blocks_the_loader_leaves_the_link_to_the_form(
    page: Page, agency: StaticSite, widget_app: LiveApp
) -> None:
    refusals: list[str] = []
    page.on("console", lambda m: refusals.append(m.text) if m.type == "error" else None)
    page.goto(agency.url("/csp-no-script.html"))
    page.wait_for_load_state("load")
    assert any("embed.js" in text and "script-src" in text for text in refusals), refusals
    assert_link_to_the_form(page, widget_app)


def test_policy_that_blocks_the_frame_gets_the_link_back(
    page: Page, agency: StaticSite, widget_app: LiveApp
) -> None:
    refusals: list[str] = []
    page.on("console", lambda m: refusals.append(m.text) if m.type == "error" else None)
    page.goto(agency.url("/csp-no-frame.html"))
    page.wait_for_function("window.ValuationWidget !== undefined")  # the loader did run
    assert_link_to_the_form(page, widget_app)
    framing = f"Framing '{widget_app.base_url}/' violates"
    assert any(framing in text and "frame-src" in text for text in refusals), refusals
    page.wait_for_timeout(500)  # and the link stays: the loader does not try again
    assert page.locator("iframe").count() == 0


def test_policy_with_the_documented_directives_shows_a_fitting_form(
    page: Page, agency: StaticSite, widget_app: LiveApp
) -> None:
    page.goto(agency.url("/csp-as-documented.html"))
    frame = widget_frame(page)
    expect(frame.get_by_role("button", name=FIND_ADDRESS)).to_be_visible()
    # Sized without inline styles on the page: beyond the loader's first height, to the step's.
    assert settled_height(page, frame) > FIRST_HEIGHT + 200
    expect(page.get_by_role("link", name=LINK)).to_have_count(0)


def test_single_page_site_gets_forms_in_targets_added_later(
    page: Page, agency: StaticSite, widget_app: LiveApp
) -> None:
    page.goto(agency.url("/app.html"))
    page.wait_for_function("window.ValuationWidget !== undefined")
    assert page.locator("iframe").count() == 0

    # The site renders its valuation route.
    page.evaluate(
        "html => document.body.insertAdjacentHTML('beforeend', html)",
        target(widget_app.base_url, attributes=' id="route"'),
    )
    frame = widget_frame(page, "#route iframe")
    expect(frame.get_by_role("button", name=FIND_ADDRESS)).to_be_visible()
    settled_height(page, frame, "#route iframe")
    expect(page.get_by_role("link", name=LINK)).to_have_count(0)

    # It leaves that route and comes back with a new element: a new form again.
    page.evaluate("document.getElementById('route').remove()")
    page.evaluate(
        "html => document.body.insertAdjacentHTML('beforeend', html)",
        target(widget_app.base_url, attributes=' id="again"'),
    )
    again = widget_frame(page, "#again iframe")
    settled_height(page, again, "#again iframe")
    assert page.locator("iframe").count() == 1


def test_forms_are_mounted_and_unmounted_by_hand(
    page: Page, agency: StaticSite, widget_app: LiveApp
) -> None:
    page.goto(agency.url("/app.html"))
    page.wait_for_function("window.ValuationWidget !== undefined")
    page.evaluate(
        "html => document.body.insertAdjacentHTML('beforeend', html)",
        target(widget_app.base_url, attributes=' id="route"'),
    )
    widget_frame(page, "#route iframe")

    page.evaluate("ValuationWidget.unmount(document.getElementById('route'))")
    expect(page.locator("#route").get_by_role("link", name=LINK)).to_be_visible()
    page.evaluate("document.body.append(document.createElement('p'))")  # any later change
    page.wait_for_timeout(300)
    assert page.locator("iframe").count() == 0  # unmounted by hand stays unmounted

    tag = page.evaluate("ValuationWidget.mount(document.getElementById('route')).tagName")
    assert tag == "IFRAME"
    frame = widget_frame(page, "#route iframe")
    expect(frame.get_by_role("button", name=FIND_ADDRESS)).to_be_visible()
    expect(page.locator("#route").get_by_role("link", name=LINK)).to_have_count(0)
    # Mounting twice keeps one form.
    page.evaluate("ValuationWidget.mount(document.getElementById('route'))")
    assert page.locator("#route iframe").count() == 1


def test_page_that_swallows_messages_still_fits_the_form_and_shows_the_estimate(
    browser: Browser, agency: StaticSite, widget_app: LiveApp, upstream: SandboxServer
) -> None:
    page = browser.new_context(viewport={"width": 375, "height": 667}).new_page()
    page.goto(agency.url("/swallows-messages.html"))
    frame = widget_frame(page)
    assert settled_height(page, frame) > FIRST_HEIGHT + 200  # the first step, fitted
    fill_in(frame)
    page.wait_for_function("widgetEvents.length === 1")  # form_started, over the channel
    frame.get_by_role("button", name=SUBMIT).scroll_into_view_if_needed()
    send(frame)

    heading = frame.get_by_role("heading", name="Your instant valuation")
    expect(heading).to_be_focused()
    box = heading.evaluate("h => { const r = h.getBoundingClientRect(); return [r.top, r.bottom] }")
    page.wait_for_function(
        "([sel, top, bottom]) => { const r = document.querySelector(sel).getBoundingClientRect();"
        " return r.top + top >= 0 && r.top + bottom <= innerHeight }",
        arg=[WIDGET_FRAME, *box],
    )
    page.wait_for_function("widgetEvents.length === 3")
    assert page.evaluate("messagesSeen") == []  # the page's own listeners never saw a message
    page.context.close()


def test_two_targets_on_one_page_both_get_a_form(
    page: Page, agency: StaticSite, widget_app: LiveApp
) -> None:
    page.goto(agency.url("/two-targets.html"))
    for selector in ("#first iframe", "#second iframe"):
        frame = widget_frame(page, selector)
        expect(frame.get_by_role("button", name=FIND_ADDRESS)).to_be_visible()
        settled_height(page, frame, selector)
    assert page.locator("iframe").count() == 2
    expect(page.get_by_role("link", name=LINK)).to_have_count(0)


def test_script_with_data_widget_leaves_the_form_to_the_targets_for_its_widget(
    page: Page, agency: StaticSite, widget_app: LiveApp
) -> None:
    page.goto(agency.url("/script-and-targets.html"))
    for selector in ("#first iframe", "#second iframe"):
        settled_height(page, widget_frame(page, selector), selector)
    assert page.locator("iframe").count() == 2  # none added after the script


def test_script_with_data_widget_alone_shows_the_form_right_after_itself(
    page: Page, agency: StaticSite, widget_app: LiveApp
) -> None:
    page.goto(agency.url("/one-line.html"))
    settled_height(page, widget_frame(page))
    placed = page.evaluate(
        "() => { const s = document.querySelector('script[data-widget]');"
        " const next = s.nextElementSibling;"
        " return [next.getAttribute('data-widget'), next.querySelectorAll('iframe').length] }"
    )
    assert placed == ["default", 1]


def test_script_with_data_widget_waits_for_the_page_to_find_its_targets(
    page: Page, agency: StaticSite, widget_app: LiveApp
) -> None:
    page.goto(agency.url("/script-in-head.html"))
    settled_height(page, widget_frame(page, "#target iframe"), "#target iframe")
    assert page.locator("iframe").count() == 1


def test_two_loaders_on_one_page_show_one_form(
    page: Page, agency: StaticSite, widget_app: LiveApp
) -> None:
    page.goto(agency.url("/site-wide-and-one-line.html"))
    settled_height(page, widget_frame(page))
    page.wait_for_timeout(300)
    assert page.locator("iframe").count() == 1


PREVIOUS = Path(__file__).parent / "previous_release"  # the scripts as last released


def test_cached_previous_loader_still_fits_the_new_widget_pages(
    page: Page, agency: StaticSite, widget_app: LiveApp
) -> None:
    """A visitor's browser may serve the previous loader from its cache for a day."""
    page.route(
        f"{widget_app.base_url}/embed.js",
        lambda route: route.fulfill(
            body=(PREVIOUS / "embed.js").read_text(), content_type="text/javascript"
        ),
    )
    page.goto(agency.url("/two-targets.html"))
    frame = widget_frame(page, "#first iframe")
    first = settled_height(page, frame, "#first iframe")
    assert first > FIRST_HEIGHT + 200
    # It follows the journey's pages too: the visit step's 42 time slots make it far longer.
    answer_postcode(frame)
    choose_address(frame)
    describe_property(frame)
    expect_step(frame, "visit")
    assert settled_height(page, frame, "#first iframe") > first + 500


def test_cached_previous_widget_page_script_keeps_the_form_in_place(
    page: Page, agency: StaticSite, widget_app: LiveApp
) -> None:
    """The frame may run the previous widget.js from the cache: no port, but never the link."""
    page.route(
        f"{widget_app.base_url}/static/widget.js",
        lambda route: route.fulfill(
            body=(PREVIOUS / "widget.js").read_text(), content_type="text/javascript"
        ),
    )
    page.goto(agency.url("/valuation-first.html"))
    frame = widget_frame(page)
    expect(frame.get_by_role("button", name=FIND_ADDRESS)).to_be_attached()
    page.wait_for_timeout(5000)  # past the loader's patience
    assert page.locator("iframe").count() == 1
    expect(page.get_by_role("link", name=LINK)).to_have_count(0)
