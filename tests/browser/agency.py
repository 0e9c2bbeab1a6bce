"""Agency websites for the embedding tests: small static servers on their own origins, pages
that record what the loader does, and driving the widget inside its frame (`fill_in` walks the
journey's steps to the details page, `send` is the final press; see `tests.browser.support`)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode, urlsplit

from playwright.sync_api import Frame, Page

from tests.browser import support

# The journey's walk and final press, driven inside the widget's frame as in a tab of its own.
from tests.browser.support import fill_in as fill_in
from tests.browser.support import send as send
from tests.support.servers import free_port

# Every answer the homeowner gives on the journey that is personal data.
HOMEOWNER = {**support.HOMEOWNER, "address": support.ADDRESS, "postcode": support.POSTCODE}
EVENT_NAMES = ("form_started", "form_submitted", "estimate_shown", "no_estimate_shown")
WIDGET_FRAME = "iframe[src*='/w/']"


class StaticSite:
    """An agency's website: in-memory HTML pages on their own origin, each with optional
    response headers (such as a Content-Security-Policy)."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        self.headers: dict[str, dict[str, str]] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                body = site.pages.get(path)
                data = (body or "Not found").encode()
                self.send_response(200 if body is not None else 404)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.send_header("content-length", str(len(data)))
                self.send_header("cache-control", "no-store")
                for name, value in site.headers.get(path, {}).items():
                    self.send_header(name, value)
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


RECORDER = f"""<script>
window.dataLayer = [];
window.widgetEvents = [];
window.messagesSeen = [];
{json.dumps(EVENT_NAMES)}.forEach(function (n) {{
  document.addEventListener('valuation-widget:' + n, function (e) {{
    widgetEvents.push({{type: e.type, detail: e.detail, on: e.target.getAttribute('data-widget')}});
  }});
}});
window.addEventListener('message', function (e) {{ messagesSeen.push(e.origin); }});
</script>"""


def agency_page(body: str, head: str = RECORDER) -> str:
    """A page of the agency's site; by default it records the widget's DOM events, dataLayer
    entries and every window message (an inline script: pages under a strict CSP pass none)."""
    return f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Sell with Test Agency</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
{head}
</head><body style="margin:0">
<h1>Sell with Test Agency</h1>
{body}
</body></html>"""


def one_line(widget_url: str, widget: str = "default") -> str:
    """The older one-line snippet: a script that shows its widget right where it is."""
    return f'<script src="{widget_url}/embed.js" data-widget="{widget}" async></script>'


def target(widget_url: str, widget: str = "default", attributes: str = "") -> str:
    """A target as the snippet page gives it: a div holding the link to the form."""
    return (
        f'<div data-widget="{widget}"{attributes}>'
        f'<a href="{widget_url}/w/{widget}">Get an instant valuation</a></div>'
    )


def loader(widget_url: str) -> str:
    return f'<script src="{widget_url}/embed.js" async></script>'


def widget_frame(page: Page, selector: str = WIDGET_FRAME) -> Frame:
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


def settled_height(page: Page, frame: Frame, selector: str = WIDGET_FRAME) -> int:
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
