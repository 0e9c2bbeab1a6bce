"""Walking the step-by-step journey in a real browser: inside the widget's frame on an agency's
page (a second origin), or in a tab of its own (JavaScript off, from the agency's fallback link).

`Journey` drives one homeowner's pages: it counts the pages the widget showed (the frame's
navigations), and after each press waits for the next page and proves what every step page
must do: come into view on the agency's page with its heading focused, pass axe, not scroll
sideways, and stay within the page weight budget.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, Frame, Locator, Page, ViewportSize, expect

from tests.browser.agency import WIDGET_FRAME, agency_page, loader, target
from tests.browser.conftest import app_env
from tests.browser.support import HEADINGS as STEP_HEADINGS
from tests.browser.support import assert_no_axe_violations
from tests.support.servers import SANDBOX_KEY, SandboxServer

PHONE: ViewportSize = {"width": 375, "height": 667}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
NARROW: ViewportSize = {"width": 320, "height": 568}
BELOW = '<div style="height:2500px;background:#eee">More about selling with us</div>'

POSTCODE = "DE1 1JX"  # the sandbox provider lists 22 addresses for it
HEADINGS = {**STEP_HEADINGS, "estimate": "Your instant valuation"}
MAX_PAGES = 6  # the first page to the estimate, both included
BUDGET_BYTES = 30_000  # HTML + CSS + JS, uncompressed: the page weight budget of the README
MAX_TABS = 80  # the visit step has 42 boxes: more presses than this means focus is lost

# Whether the frame's element at [top, bottom] (inside the frame) is within the agency's window.
IN_VIEW = """([frame, top, bottom]) => {
  const r = document.querySelector(frame).getBoundingClientRect();
  return r.top + top >= 0 && r.top + bottom <= innerHeight;
}"""
# The widget page's focused element, and what is wrong with its focus indicator, if anything:
# it must match :focus-visible and show an outline that is not transparent, or a box-shadow
# (links and buttons drawn as links use a yellow background with a shadow).
FOCUS_STATE = """() => {
  const e = document.activeElement;
  const what = `${e.tagName.toLowerCase()}#${e.id} ${(e.textContent || '').trim().slice(0, 30)}`;
  if (!document.hasFocus() || e === document.body) return {focused: false, problem: '', what};
  const s = getComputedStyle(e);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
    && s.outlineColor !== 'rgba(0, 0, 0, 0)';
  const problem = !e.matches(':focus-visible') ? 'focused but not :focus-visible'
    : outline || s.boxShadow !== 'none' ? '' : 'no visible focus indicator';
  return {focused: true, problem, what};
}"""
SIDEWAYS = """() => ({scroll: document.documentElement.scrollWidth, inner: innerWidth,
  url: location.pathname})"""
WEIGHT = """() => ({
  html: performance.getEntriesByType('navigation')[0].decodedBodySize,
  assets: [...document.querySelectorAll('link[rel=stylesheet][href], script[src]')]
    .map(e => e.href || e.src),
})"""


def journey_env(sandbox: SandboxServer, agency_origin: str, database: Path) -> dict[str, str]:
    """An app whose widget may be framed by the agency's origin, sends leads to the sandbox
    Lead API and looks addresses up over HTTP at the sandbox's address provider."""
    return app_env(
        sandbox,
        database,
        WIDGET_ALLOWED_ORIGINS=agency_origin,
        ADDRESS_LOOKUP="sandbox",
        ADDRESS_LOOKUP_BASE=f"{sandbox.base_url}/addresses",
        ADDRESS_LOOKUP_API_KEY=SANDBOX_KEY,
        ADDRESS_LOOKUP_RATE_LIMIT_PER_IP="1000/minute",
        ADDRESS_LOOKUP_RATE_LIMIT_PER_WIDGET="1000/minute",
    )


def agency_valuation_page(widget_url: str) -> str:
    """The agency's valuation page: a heading, the snippet, and 2,500 px of content below."""
    return agency_page(target(widget_url) + loader(widget_url) + BELOW)


class AddressProvider:
    """The sandbox address provider's control endpoints, over HTTP."""

    def __init__(self, sandbox: SandboxServer) -> None:
        self.http = sandbox.http

    def _control(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, f"/addresses/_sandbox/{path}", **kwargs)
        response.raise_for_status()
        return response.json()

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        return self._control("PUT", "faults", json=faults)

    def clear_faults(self) -> None:
        self.set_faults(latency_ms=0, error_rate=0.0, down=False, answer=None)

    def stats(self) -> dict[str, int]:
        return self._control("GET", "stats")


def wait_for_lead(sandbox: SandboxServer, timeout: float = 10.0) -> dict[str, Any]:
    """The body of the one lead the sandbox Lead API has accepted, once it has."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        leads = sandbox.leads()
        if leads:
            assert len(leads) == 1, leads
            body: dict[str, Any] = leads[0]["body"]
            return body
        time.sleep(0.1)
    raise AssertionError(f"no lead reached the sandbox within {timeout}s")


@contextlib.contextmanager
def tab(browser: Browser, viewport: ViewportSize, javascript: bool = True) -> Iterator[Page]:
    """A fresh browser context (no cookies, no cache) at `viewport`, with one page."""
    context = browser.new_context(viewport=viewport, java_script_enabled=javascript)
    try:
        yield context.new_page()
    finally:
        context.close()


_asset_sizes: dict[str, int] = {}


def asset_size(url: str) -> int:
    """Bytes of a stylesheet or script the pages load (the same file for every page)."""
    if url not in _asset_sizes:
        response = httpx.get(url, timeout=10)
        assert response.status_code == 200, url
        _asset_sizes[url] = len(response.content)
    return _asset_sizes[url]


@dataclass
class Journey:
    """One homeowner's way through the widget's pages, in the agency page's frame (`framed`)
    or in a tab of its own; `doc` is the frame the pages show in.

    `steps` names each page the journey saw; `pages` lists the frame's navigations to the
    widget's pages (the first page included), as the browser reported them. With `audit`, every
    page is checked with axe, for sideways scrolling and against the page weight budget.
    """

    page: Page
    app_url: str
    framed: bool
    audit: bool = True
    javascript: bool = True
    doc: Frame | None = None
    steps: list[str] = field(default_factory=list)
    navigations: list[tuple[Frame, str]] = field(default_factory=list)
    # Presses made while the page's heading was above the agency's window: the next page's
    # heading coming into view after them is the loader's doing, not where the page was.
    presses_out_of_view: int = 0

    @classmethod
    def in_agency_page(
        cls, page: Page, agency_url: str, app_url: str, audit: bool = True
    ) -> Journey:
        """The agency's page opened, the widget's first page shown in its frame."""
        journey = cls(page, app_url, framed=True, audit=audit)
        page.on("framenavigated", journey._navigated)
        page.goto(agency_url)
        handle = page.wait_for_selector(WIDGET_FRAME, state="attached")
        assert handle is not None
        deadline = time.monotonic() + 10
        while (frame := handle.content_frame()) is None or not frame.url.startswith(app_url):
            assert time.monotonic() < deadline, "the widget frame never loaded the widget"
            page.wait_for_timeout(20)
        journey.doc = frame
        journey._first_page()
        return journey

    @classmethod
    def from_fallback_link(
        cls, page: Page, agency_url: str, app_url: str, audit: bool = True
    ) -> Journey:
        """The agency's page opened without JavaScript: its link to the widget, followed."""
        journey = cls(page, app_url, framed=False, audit=audit, javascript=False)
        page.on("framenavigated", journey._navigated)
        page.goto(agency_url)
        expect(page.locator(WIDGET_FRAME)).to_have_count(0)  # no loader ran: no frame
        with page.expect_navigation():
            page.get_by_role("link", name="Get an instant valuation").click()
        journey.doc = page.main_frame
        journey._first_page()
        return journey

    def _navigated(self, frame: Frame) -> None:
        if frame.url.startswith(self.app_url + "/"):
            self.navigations.append((frame, frame.url))

    @property
    def frame(self) -> Frame:
        assert self.doc is not None
        return self.doc

    @property
    def pages(self) -> list[str]:
        """The widget's pages the frame navigated to, from the first page on."""
        return [url for frame, url in self.navigations if frame == self.doc]

    def _first_page(self) -> None:
        expect(self.frame.locator("main h1")).to_have_text(HEADINGS["postcode"])
        self.frame.wait_for_load_state()
        self.steps.append("postcode")
        if self.framed:
            self._fitted()
        if self.audit:
            self.check("postcode")

    def _fitted(self) -> None:
        """Waits for the loader to fit the frame to its page: the private channel between them
        is open, so the next press is heard."""
        deadline = time.monotonic() + 10
        while True:
            outer = self.page.eval_on_selector(
                WIDGET_FRAME, "f => f.getBoundingClientRect().height"
            )
            inner = self.frame.evaluate("Math.ceil(document.body.getBoundingClientRect().height)")
            if outer == inner:
                return
            assert time.monotonic() < deadline, f"frame {outer}px never fitted its page {inner}px"
            self.page.wait_for_timeout(50)

    # Pressing, with the mouse (or a finger) or the keyboard

    def button(self, name: str) -> Locator:
        return self.frame.get_by_role("button", name=name, exact=True)

    def press(self, name: str, then: str, errors: bool = False) -> None:
        """Presses the button `name` and waits for the page `then` (a key of HEADINGS)."""
        button = self.button(name)
        if self.framed:
            self._scroll_as_a_reader(button)
        with self.frame.expect_navigation():
            button.click()
        self.arrive(then, errors)

    def enter(self, then: str, errors: bool = False) -> None:
        """Enter on the focused button; waits for the page `then`."""
        if self.framed:
            self._note_heading_out_of_view()
        with self.frame.expect_navigation():
            self.page.keyboard.press("Enter")
        self.arrive(then, errors)

    def tab_to(self, wanted: Locator, key: str = "Tab") -> None:
        """Presses Tab (or `key`) until `wanted` has the focus; every stop in the widget's page
        on the way must show a visible focus indicator."""
        stops: list[str] = []
        for _ in range(MAX_TABS):
            self.page.keyboard.press(key)
            state = self.frame.evaluate(FOCUS_STATE)
            stops.append(state["what"])
            if state["focused"]:
                assert state["problem"] == "", f"{state['what']}: {state['problem']}"
            if wanted.evaluate("e => e === document.activeElement && document.hasFocus()"):
                return
        raise AssertionError(f"{key} never reached {wanted}; it went: {stops[-20:]}")

    def _scroll_as_a_reader(self, button: Locator) -> None:
        """Scrolls the agency's page as a reader of the step would to reach `button`: its
        bottom at the window's bottom edge (not scrolled when it is in view at the top)."""
        bottom = button.evaluate("e => e.getBoundingClientRect().bottom")
        self.page.evaluate(
            """([frame, bottom]) => {
              const top = document.querySelector(frame).getBoundingClientRect().top + scrollY;
              scrollTo({top: Math.max(0, top + bottom + 16 - innerHeight), behavior: 'instant'});
            }""",
            [WIDGET_FRAME, bottom],
        )
        self._note_heading_out_of_view()

    def _note_heading_out_of_view(self) -> None:
        box = self._box(self.frame.locator("main h1"))
        if not self.page.evaluate(IN_VIEW, [WIDGET_FRAME, box["top"], box["bottom"]]):
            self.presses_out_of_view += 1

    @staticmethod
    def _box(element: Locator) -> dict[str, float]:
        box: dict[str, float] = element.evaluate(
            "e => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom}; }"
        )
        return box

    def arrive(self, step: str, errors: bool = False) -> None:
        """The page `step` is shown: in a frame, the loader brought it into view on the
        agency's page and its first thing to read (heading, or error summary) has the focus."""
        heading = self.frame.locator("main h1")
        expect(heading).to_have_text(HEADINGS[step])
        self.frame.wait_for_load_state()
        self.steps.append(step)
        first = self.frame.locator(".error-summary") if errors else heading
        if self.framed:
            expect(first).to_be_focused()  # the loader's answer once it has scrolled
            box = self._box(first)
            self.page.wait_for_function(
                IN_VIEW, arg=[WIDGET_FRAME, box["top"], box["bottom"]], timeout=5000
            )
        if self.audit:
            self.check(step + (" with errors" if errors else ""))

    # What every page must satisfy

    def check(self, what: str) -> None:
        """axe finds no violation, nothing scrolls sideways, the page is within its budget.
        axe-core is a script run in the page: without JavaScript it cannot run (the same
        pages are checked by it in the runs with JavaScript)."""
        if self.javascript:
            assert_no_axe_violations(self.frame, what)
        widths = self.frame.evaluate(SIDEWAYS)
        assert widths["scroll"] <= widths["inner"], f"{what} scrolls sideways: {widths}"
        if self.framed:
            outer = self.page.evaluate(SIDEWAYS)
            assert outer["scroll"] <= outer["inner"], f"agency page with {what}: {outer}"
        weight = self.frame.evaluate(WEIGHT)
        assert weight["html"] > 0, weight  # the browser measured the document
        sizes = {"html": weight["html"], **{url: asset_size(url) for url in weight["assets"]}}
        assert len(sizes) >= 3, sizes  # the page, its stylesheet and its script
        assert sum(sizes.values()) <= BUDGET_BYTES, f"{what} weighs {sum(sizes.values())}: {sizes}"

    # Answers, as a homeowner gives them with the mouse or a finger

    def answer_postcode(self, postcode: str = POSTCODE, lead: str = "Sell") -> None:
        self.frame.get_by_label(lead, exact=True).check()
        self.frame.get_by_label("Postcode").fill(postcode)

    def choose_address(self, label: str) -> str:
        """Picks the address shown as `label` from the list; returns its UPRN."""
        select = self.frame.get_by_label("Select an address")
        [value] = select.select_option(label=label)
        assert value.startswith("uprn:"), value
        return value.removeprefix("uprn:")

    def type_address(self, line_1: str, line_2: str, town: str) -> None:
        self.frame.get_by_label("Address line 1").fill(line_1)
        self.frame.get_by_label("Address line 2 (optional)").fill(line_2)
        self.frame.get_by_label("Town or city").fill(town)

    def answer_property(self, kind: str = "Semi-detached house", bedrooms: str = "3") -> None:
        self.frame.get_by_label(kind, exact=True).check()
        self.frame.get_by_label("Number of bedrooms").select_option(bedrooms)

    def fill_details(self, **changes: str) -> None:
        answers = {**HOMEOWNER, **changes}
        self.frame.get_by_label("First name").fill(answers["first_name"])
        self.frame.get_by_label("Last name").fill(answers["last_name"])
        self.frame.get_by_label("Email address").fill(answers["email"])
        self.frame.get_by_label("Phone number").fill(answers["phone"])
        self.frame.locator("input[name=gdpr_checkbox]").check()

    def summary(self, key: str) -> str:
        """The details page's summary answer for `key` ("Address", "Property"…)."""
        row = self.frame.locator("dl.sl > div").filter(has=self.frame.locator("dt", has_text=key))
        return row.locator("dd").first.inner_text()


HOMEOWNER = {
    "first_name": "Marla",
    "last_name": "Singer",
    "email": "marla@example.com",
    "phone": "07911 123456",
}
