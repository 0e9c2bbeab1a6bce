"""The widget embedded in an agency's page on another origin, in a real browser.

Agency pages are served by small static servers on their own ports (other origins than the
widget's); the widget app runs as a real server whose allowed origin is the agency's only.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.agency import (
    HOMEOWNER,
    StaticSite,
    agency_page,
    assert_no_inner_scrollbar,
    fill_in,
    loader,
    one_line,
    send,
    settled_height,
    static_site,
    target,
    widget_frame,
)
from tests.browser.conftest import app_env
from tests.browser.support import (
    CONTINUE,
    FIND_ADDRESS,
    answer_postcode,
    choose_address,
    choose_visit_times,
    describe_property,
    expect_step,
    fill_details,
    press,
    walk_to_details,
)
from tests.support.apps import LiveApp, run_app
from tests.support.servers import SandboxServer, free_port

pytestmark = pytest.mark.browser

CAMPAIGN = {
    "utm_source": "spring-mailer",
    "utm_medium": "email",
    "utm_campaign": "Spring valuations £0 fee",
    "utm_term": "house price derby",
    "utm_content": "hero+button",
}


@pytest.fixture(scope="module")
def stranger() -> Iterator[StaticSite]:
    """A site on a third origin, not allowed to frame the widget."""
    with static_site() as site:
        yield site


@pytest.fixture(scope="module")
def widget_app(
    sandbox: SandboxServer,
    agency: StaticSite,
    stranger: StaticSite,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveApp]:
    database = tmp_path_factory.mktemp("embed") / "widget.db"
    env = app_env(sandbox, database, WIDGET_ALLOWED_ORIGINS=agency.origin)
    with run_app(env) as app:
        snippet = target(app.base_url) + loader(app.base_url)
        agency.pages.update(
            {
                "/valuation.html": agency_page(snippet),
                "/one-line.html": agency_page(one_line(app.base_url)),
                # Page A of a visit: the loader without a widget only records the campaign.
                "/landing.html": agency_page(loader(app.base_url)),
                "/two.html": agency_page(
                    '<div style="width:320px"><div data-widget="default" id="narrow"></div></div>'
                    '<div data-widget="default" id="wide"></div>'
                    f'<iframe id="other" title="Another site" src="{stranger.origin}/blank.html">'
                    f"</iframe>{loader(app.base_url)}",
                ),
            }
        )
        stranger.pages.update(
            {
                "/valuation.html": agency_page(snippet),
                "/blank.html": "<!DOCTYPE html><title>Another site</title><p>Hello</p>",
            }
        )
        yield app


def test_lead_from_an_agency_page_carries_its_address_and_campaign(
    page: Page, agency: StaticSite, widget_app: LiveApp, upstream: SandboxServer
) -> None:
    address = agency.url("/valuation.html", **CAMPAIGN)
    page.goto(f"{address}#get-a-valuation")
    frame = widget_frame(page)
    assert page.get_attribute("iframe", "title") == "Instant valuation"
    assert page.get_attribute("iframe", "loading") == "lazy"
    fill_in(frame)
    send(frame)

    expect(frame.get_by_role("heading", name="Your instant valuation")).to_be_visible()
    [lead] = upstream.leads()
    assert lead["api_key"] == "test-key"
    assert lead["body"]["host"] == address
    for name, value in CAMPAIGN.items():
        assert lead["body"][name] == value
    # Height messages still flow from the result page (its parent origin comes from the lead).
    settled_height(page, frame)
    assert_no_inner_scrollbar(frame)


def test_frame_fits_every_step_and_the_error_summary(
    page: Page, agency: StaticSite, widget_app: LiveApp, upstream: SandboxServer
) -> None:
    page.goto(agency.url("/valuation.html"))
    frame = widget_frame(page)
    expect(frame.get_by_role("button", name=FIND_ADDRESS)).to_be_visible()
    before = settled_height(page, frame)
    assert_no_inner_scrollbar(frame)

    frame.get_by_label("Sell", exact=True).check()
    frame.get_by_label("Postcode").fill("not a postcode")
    press(frame, FIND_ADDRESS)
    expect(frame.locator(".error-summary")).to_contain_text("There is a problem")
    after = settled_height(page, frame)
    assert_no_inner_scrollbar(frame)
    assert after > before

    # Each step's page is its own length: the frame follows it, growing and shrinking.
    heights = {}
    answer_postcode(frame)
    for step, answer in (
        ("address", choose_address),
        ("property", describe_property),
        ("visit", choose_visit_times),
        ("details", fill_details),
    ):
        expect_step(frame, step)
        heights[step] = settled_height(page, frame)
        assert_no_inner_scrollbar(frame)
        answer(frame)
    assert heights["address"] < after  # shrank to a shorter page
    assert heights["visit"] > heights["property"] + 500  # grew to 42 time slots
    assert upstream.leads() == []


def test_site_that_is_not_allowed_cannot_frame_the_widget_and_shows_the_link(
    page: Page, stranger: StaticSite, widget_app: LiveApp
) -> None:
    with page.expect_response(re.compile(r"/w/default\?")) as answered:
        page.goto(stranger.url("/valuation.html"))
    response = answered.value
    assert response.status == 200  # served, but with a policy that forbids this page
    assert "frame-ancestors 'self' http://127.0.0.1:" in response.headers["content-security-policy"]
    assert stranger.origin not in response.headers["content-security-policy"]
    frame = widget_frame(page)
    # Chromium shows its own error page instead of ours, so the frame never reports in ...
    assert not frame.url.startswith(widget_app.base_url)
    # ... and the loader takes the frame away and puts the target's link back.
    link = page.get_by_role("link", name="Get an instant valuation")
    expect(link).to_be_visible(timeout=8000)
    assert link.get_attribute("href") == f"{widget_app.base_url}/w/default"
    assert page.locator("iframe").count() == 0
    assert page.evaluate("widgetEvents.length") == 0


FORGED = [
    {"type": "valuation-widget:height", "height": 5},
    {"type": "height", "height": 5},
    {"type": "ready", "height": 5, "top": 0},
    {"type": "valuation-widget:event", "name": "estimate_shown"},
    {"type": "event", "name": "estimate_shown"},
]
POST_ALL = "m => m.forEach(x => parent.postMessage(x, '*'))"


def test_loader_obeys_only_its_private_channel_never_window_messages(
    page: Page, agency: StaticSite, stranger: StaticSite, widget_app: LiveApp
) -> None:
    page.goto(agency.url("/two.html"))
    narrow_selector, wide_selector = "#narrow iframe", "#wide iframe"
    narrow, wide = widget_frame(page, narrow_selector), widget_frame(page, wide_selector)
    # The narrow frame goes on to the visit step (42 time slots), the wide stays on the first.
    answer_postcode(narrow)
    choose_address(narrow)
    describe_property(narrow)
    expect_step(narrow, "visit")
    narrow_height = settled_height(page, narrow, narrow_selector)
    wide_height = settled_height(page, wide, wide_selector)
    assert narrow_height > wide_height + 1000  # each frame follows its own content
    events = page.evaluate("widgetEvents")
    assert [e["type"] for e in events] == ["valuation-widget:form_started"]  # the narrow frame's

    def unchanged_after(sender: str, post: Callable[[], None], count: int) -> None:
        seen = page.evaluate("messagesSeen.length")
        post()
        page.wait_for_function("n => messagesSeen.length >= n", arg=seen + count)
        assert page.eval_on_selector(narrow_selector, "f => f.offsetHeight") == narrow_height
        assert page.eval_on_selector(wide_selector, "f => f.offsetHeight") == wide_height
        assert page.evaluate("widgetEvents") == events, sender

    other = page.frame(url=f"{stranger.origin}/blank.html")
    assert other is not None
    unchanged_after("another origin", lambda: other.evaluate(POST_ALL, FORGED), len(FORGED))
    unchanged_after(
        "the page itself",
        lambda: page.evaluate("m => m.forEach(x => postMessage(x, '*'))", FORGED),
        len(FORGED),
    )
    # From the widget's origin and our own frame, but not over its port: ignored too.
    unchanged_after("our frame's window", lambda: narrow.evaluate(POST_ALL, FORGED), len(FORGED))

    # The widget's own frame, navigated to another origin, is no longer the widget: its
    # "hello" gets no port (the loader posts ports to the widget's exact origin only).
    wide.goto(f"{stranger.origin}/blank.html")
    count_ports = "window.ports = []; addEventListener('message', e => ports.push(e.ports.length))"
    wide.evaluate(count_ports)
    narrow.evaluate(count_ports)
    hello = {"type": "valuation-widget:hello"}
    wide.evaluate("m => parent.postMessage(m, '*')", hello)
    narrow.evaluate("m => parent.postMessage(m, '*')", hello)
    narrow.wait_for_function("ports.length === 1 && ports[0] === 1")  # ours gets a new port
    page.wait_for_timeout(200)
    assert wide.evaluate("ports") == []
    unchanged_after("a frame that left the widget", lambda: wide.evaluate(POST_ALL, FORGED), 5)


def test_first_campaign_of_the_visit_follows_the_homeowner_to_the_valuation_page(
    page: Page, agency: StaticSite, widget_app: LiveApp, upstream: SandboxServer
) -> None:
    page.goto(agency.url("/landing.html", **CAMPAIGN))
    page.wait_for_function("sessionStorage.getItem('valuation-widget:utm') !== null")
    assert page.locator("iframe").count() == 0  # the loader without a widget shows nothing
    # A later campaign in the same visit does not replace the first.
    page.goto(agency.url("/landing.html", utm_source="retargeting", utm_campaign="later"))
    page.wait_for_load_state("load")
    page.goto(agency.url("/valuation.html"))
    frame = widget_frame(page)
    fill_in(frame)
    send(frame)

    expect(frame.get_by_role("heading", name="Your instant valuation")).to_be_visible()
    [lead] = upstream.leads()
    assert lead["body"]["host"] == agency.url("/valuation.html")
    for name, value in CAMPAIGN.items():
        assert lead["body"][name] == value


def test_events_reach_the_page_and_its_data_layer_without_personal_data(
    page: Page, agency: StaticSite, widget_app: LiveApp, upstream: SandboxServer
) -> None:
    page.goto(agency.url("/valuation.html"))
    frame = widget_frame(page)
    frame.get_by_label("Postcode").press_sequentially("D")  # the first input of the first step
    page.wait_for_function("widgetEvents.length === 1")
    assert page.evaluate("widgetEvents[0].type") == "valuation-widget:form_started"
    frame.get_by_label("Postcode").fill("")
    walk_to_details(frame)
    fill_details(frame)
    # A press on the details page that is not the final one (a Change) sends nothing.
    frame.get_by_role("button", name="Change property").click()
    expect_step(frame, "property")
    press(frame, CONTINUE)
    expect_step(frame, "details")
    assert page.evaluate("widgetEvents.length") == 1  # no second start, nothing submitted yet
    send(frame)
    expect(frame.get_by_role("heading", name="Your instant valuation")).to_be_visible()
    page.wait_for_function("widgetEvents.length === 3")

    events = page.evaluate("widgetEvents")
    data_layer = page.evaluate("dataLayer")
    names = ["form_started", "form_submitted", "estimate_shown"]
    assert events == [
        {"type": f"valuation-widget:{n}", "detail": {"widget": "default"}, "on": "default"}
        for n in names
    ]
    assert data_layer == [{"event": f"valuation_widget_{n}", "widget": "default"} for n in names]
    recorded = json.dumps([events, data_layer]).lower()
    for value in HOMEOWNER.values():
        assert value.lower() not in recorded
        assert value.lower().split()[0] not in recorded
    assert len(upstream.leads()) == 1


def test_demo_embeds_the_sandbox_widget_across_loopback_origins_out_of_the_box(
    page: Page, sandbox: SandboxServer, tmp_path: Path
) -> None:
    env = app_env(sandbox, tmp_path / "widget.db")
    del env["LEADPRO_API_KEY"]  # development: the built-in sandbox, no origins configured
    env["WIDGET_ALLOWED_ORIGINS"] = ""
    port = free_port()
    with run_app(env, port=port) as app:
        page.goto(f"http://localhost:{port}/demo")
        frame = widget_frame(page)
        assert frame.url.startswith(f"http://127.0.0.1:{port}/w/default?")
        expect(frame.get_by_text("Sandbox: no real lead is sent")).to_be_visible()
        fill_in(frame)
        send(frame)
        expect(frame.get_by_role("heading", name="Your instant valuation")).to_be_visible()
        [lead] = page.request.get(f"{app.base_url}/sandbox/_sandbox/leads").json()["leads"]
        assert lead["body"]["host"] == f"http://localhost:{port}/demo"

        # The snippet page's live preview runs the same loader.
        page.goto(f"{app.base_url}/w/default/embed")
        snippet = page.locator("pre").first
        expect(snippet).to_contain_text(
            f'<div data-widget="default" data-title="Instant valuation from Acme Estates">'
            f'<a href="{app.base_url}/w/default">Get an instant valuation</a></div>'
        )
        expect(snippet).to_contain_text(f'<script src="{app.base_url}/embed.js" async></script>')
        csp = page.get_by_role("heading", name="If your site has a Content-Security-Policy")
        expect(csp).to_be_visible()
        expect(page.locator("pre", has_text="script-src")).to_have_text(
            f"script-src {app.base_url}; frame-src {app.base_url}"
        )
        preview = widget_frame(page)
        expect(preview.get_by_role("button", name=FIND_ADDRESS)).to_be_visible()
        settled_height(page, preview)


def test_loader_is_small_cacheable_javascript(page: Page, widget_app: LiveApp) -> None:
    response = page.request.get(f"{widget_app.base_url}/embed.js")
    assert response.ok
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "max-age=3600" in response.headers["cache-control"]
    body = response.body()
    assert b"/*" not in body and b"// " not in body  # served without its comments
    assert len(body) < 6 * 1024
    assert len(gzip.compress(body, 6)) <= 3000  # the budget in the README
    again = page.request.get(
        f"{widget_app.base_url}/embed.js", headers={"if-none-match": response.headers["etag"]}
    )
    assert again.status == 304
