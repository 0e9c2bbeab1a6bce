"""The widget embedded in an agency's page on another origin, in a real browser.

Agency pages are served by small static servers on their own ports (other origins than the
widget's); the widget app runs as a real server whose allowed origin is the agency's only.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import Frame, Page, expect

from tests.browser.conftest import app_env
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
HOMEOWNER = {
    "first_name": "Marla",
    "last_name": "Singer",
    "email": "marla@example.com",
    "phone": "07911 123456",
    "address": "12 Friar Gate, Derby",
    "postcode": "DE1 1JX",
}
EVENT_NAMES = ("form_started", "form_submitted", "estimate_shown", "no_estimate_shown")


class StaticSite:
    """An agency's website: a few in-memory HTML pages on their own origin."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = site.pages.get(urlsplit(self.path).path)
                data = (body or "Not found").encode()
                self.send_response(200 if body is not None else 404)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.send_header("content-length", str(len(data)))
                self.send_header("cache-control", "no-store")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str, **query: str) -> str:
        return f"{self.origin}{path}" + (f"?{urlencode(query)}" if query else "")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def static_site() -> Iterator[StaticSite]:
    site = StaticSite()
    try:
        yield site
    finally:
        site.close()


def agency_page(widget_url: str, body: str) -> str:
    """A page that records the widget's DOM events, dataLayer entries and every message."""
    names = json.dumps(EVENT_NAMES)
    return f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Sell with Test Agency</title>
<script>
window.dataLayer = [];
window.widgetEvents = [];
window.messagesSeen = [];
{names}.forEach(function (n) {{
  document.addEventListener('valuation-widget:' + n, function (e) {{
    widgetEvents.push({{type: e.type, detail: e.detail, on: e.target.getAttribute('data-widget')}});
  }});
}});
window.addEventListener('message', function (e) {{ messagesSeen.push(e.origin); }});
</script>
</head><body style="margin:0">
<h1>Sell with Test Agency</h1>
{body}
</body></html>"""


def snippet(widget_url: str, widget: str = "default") -> str:
    return f'<script src="{widget_url}/embed.js" data-widget="{widget}" async></script>'


@pytest.fixture(scope="module")
def agency() -> Iterator[StaticSite]:
    with static_site() as site:
        yield site


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
        one_liner = snippet(app.base_url)
        agency.pages.update(
            {
                "/valuation.html": agency_page(app.base_url, one_liner),
                # Page A of a visit: the loader without a widget only records the campaign.
                "/landing.html": agency_page(
                    app.base_url, f'<script src="{app.base_url}/embed.js" async></script>'
                ),
                "/two.html": agency_page(
                    app.base_url,
                    '<div style="width:320px"><div data-widget="default" id="narrow"></div></div>'
                    '<div data-widget="default" id="wide"></div>'
                    f'<iframe id="other" title="Another site" src="{stranger.origin}/blank.html">'
                    f'</iframe><script src="{app.base_url}/embed.js" async></script>',
                ),
            }
        )
        stranger.pages.update(
            {
                "/valuation.html": agency_page(app.base_url, one_liner),
                "/blank.html": "<!DOCTYPE html><title>Another site</title><p>Hello</p>",
            }
        )
        yield app


def widget_frame(page: Page, selector: str = "iframe[src*='/w/']") -> Frame:
    handle = page.wait_for_selector(selector, state="attached")
    assert handle is not None
    frame = handle.content_frame()
    assert frame is not None
    deadline = time.monotonic() + 10
    while frame.url in ("", "about:blank"):  # inserted, not yet navigated
        assert time.monotonic() < deadline, "the widget frame never started loading"
        page.wait_for_timeout(20)
    frame.wait_for_load_state()
    return frame


def fill_in(frame: Frame, **changes: str) -> None:
    answers = {**HOMEOWNER, **changes}
    frame.get_by_label("Sell").check()
    frame.get_by_label("Address of the property").fill(answers["address"])
    frame.get_by_label("Postcode").fill(answers["postcode"])
    frame.get_by_label("Semi-detached house").check()
    frame.get_by_label("Number of bedrooms").select_option("3")
    frame.locator("input[name=appointment_availability]").first.check()
    frame.get_by_label("First name").fill(answers["first_name"])
    frame.get_by_label("Last name").fill(answers["last_name"])
    frame.get_by_label("Email address").fill(answers["email"])
    frame.get_by_label("Phone number").fill(answers["phone"])
    frame.locator("input[name=gdpr_checkbox]").check()


def send(frame: Frame) -> None:
    frame.get_by_role("button", name="Get my valuation").click()


def settled_height(page: Page, frame: Frame, selector: str = "iframe[src*='/w/']") -> int:
    """The iframe's height once it equals its content's, which the loader must bring about."""
    deadline = time.monotonic() + 10
    while True:
        outer = page.eval_on_selector(selector, "f => f.getBoundingClientRect().height")
        with contextlib.suppress(Exception):  # the frame may be between pages
            inner = frame.evaluate("Math.ceil(document.body.getBoundingClientRect().height)")
            if inner > 100 and outer == inner:
                return int(outer)
        if time.monotonic() > deadline:
            raise AssertionError(f"iframe height {outer} never matched its content")
        page.wait_for_timeout(50)


def assert_no_inner_scrollbar(frame: Frame) -> None:
    sizes = frame.evaluate(
        "({sh: document.documentElement.scrollHeight, ch: document.documentElement.clientHeight,"
        " sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth,"
        " iw: window.innerWidth})"
    )
    assert sizes["sh"] <= sizes["ch"], sizes
    assert sizes["sw"] <= sizes["cw"], sizes
    assert sizes["cw"] == sizes["iw"], f"a vertical scrollbar takes room: {sizes}"


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


def test_frame_fits_its_content_before_and_after_the_error_summary(
    page: Page, agency: StaticSite, widget_app: LiveApp, upstream: SandboxServer
) -> None:
    page.goto(agency.url("/valuation.html"))
    frame = widget_frame(page)
    expect(frame.get_by_role("button", name="Get my valuation")).to_be_visible()
    before = settled_height(page, frame)
    assert_no_inner_scrollbar(frame)

    fill_in(frame, postcode="not a postcode")
    send(frame)
    expect(frame.locator(".error-summary")).to_contain_text("There is a problem")
    after = settled_height(page, frame)
    assert_no_inner_scrollbar(frame)
    assert after > before
    assert upstream.leads() == []


def test_site_that_is_not_allowed_cannot_frame_the_widget(
    page: Page, stranger: StaticSite, widget_app: LiveApp
) -> None:
    with page.expect_response(re.compile(r"/w/default\?")) as answered:
        page.goto(stranger.url("/valuation.html"))
    response = answered.value
    assert response.status == 200  # served, but with a policy that forbids this page
    assert "frame-ancestors 'self' http://127.0.0.1:" in response.headers["content-security-policy"]
    assert stranger.origin not in response.headers["content-security-policy"]
    frame = widget_frame(page)
    page.wait_for_load_state("load")
    # Chromium shows its own error page instead of ours.
    assert not frame.url.startswith(widget_app.base_url)
    assert frame.locator("form").count() == 0
    assert page.evaluate("widgetEvents.length") == 0


def test_loader_ignores_messages_from_other_origins_and_other_frames(
    page: Page, agency: StaticSite, stranger: StaticSite, widget_app: LiveApp
) -> None:
    page.goto(agency.url("/two.html"))
    narrow_selector, wide_selector = "#narrow iframe", "#wide iframe"
    narrow, wide = widget_frame(page, narrow_selector), widget_frame(page, wide_selector)
    narrow_height = settled_height(page, narrow, narrow_selector)
    wide_height = settled_height(page, wide, wide_selector)
    assert narrow_height > wide_height  # each frame follows its own content

    forged = {"type": "valuation-widget:height", "height": 5}
    event = {"type": "valuation-widget:event", "name": "estimate_shown"}
    other = page.frame(url=f"{stranger.origin}/blank.html")
    assert other is not None
    other.evaluate(
        "m => { parent.postMessage(m[0], '*'); parent.postMessage(m[1], '*'); }", [forged, event]
    )
    page.evaluate("m => { postMessage(m[0], '*'); postMessage(m[1], '*'); }", [forged, event])
    page.wait_for_function(
        "o => messagesSeen.filter(x => x === o).length >= 2", arg=stranger.origin
    )
    page.wait_for_function("o => messagesSeen.filter(x => x === o).length >= 2", arg=agency.origin)
    assert page.eval_on_selector(narrow_selector, "f => f.offsetHeight") == narrow_height
    assert page.eval_on_selector(wide_selector, "f => f.offsetHeight") == wide_height
    assert page.evaluate("widgetEvents") == []

    # The widget's origin, but the narrow frame: only the narrow frame may be resized by it.
    seen = page.evaluate("messagesSeen.length")
    narrow.evaluate("m => parent.postMessage(m, '*')", forged)
    page.wait_for_function("n => messagesSeen.length > n", arg=seen)
    assert page.eval_on_selector(narrow_selector, "f => f.offsetHeight") == 5
    assert page.eval_on_selector(wide_selector, "f => f.offsetHeight") == wide_height

    # The widget's own frame, navigated to another origin, is no longer the widget.
    wide.goto(f"{stranger.origin}/blank.html")
    seen = page.evaluate("messagesSeen.length")
    wide.evaluate(
        "m => { parent.postMessage(m[0], '*'); parent.postMessage(m[1], '*'); }", [forged, event]
    )
    page.wait_for_function("n => messagesSeen.length >= n + 2", arg=seen)
    assert page.eval_on_selector(wide_selector, "f => f.offsetHeight") == wide_height
    assert page.evaluate("widgetEvents") == []


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
    fill_in(frame)
    page.wait_for_function("widgetEvents.length === 1")
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
        expect(page.locator("pre").first).to_contain_text(
            f'<script src="{app.base_url}/embed.js" data-widget="default"'
        )
        preview = widget_frame(page)
        expect(preview.get_by_role("button", name="Get my valuation")).to_be_visible()
        settled_height(page, preview)


def test_loader_is_small_cacheable_javascript(page: Page, widget_app: LiveApp) -> None:
    response = page.request.get(f"{widget_app.base_url}/embed.js")
    assert response.ok
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "max-age=3600" in response.headers["cache-control"]
    assert len(response.body()) < 8 * 1024
    again = page.request.get(
        f"{widget_app.base_url}/embed.js", headers={"if-none-match": response.headers["etag"]}
    )
    assert again.status == 304
