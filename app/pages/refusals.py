"""The page for an error or a refusal made before any route ran, on a widget's path.

Inside an agency's iframe every page must be a widget page. So on `/w/{widget}/…` a refusal is
drawn with that widget's brand, may be framed by its allowed origins, reports its height to the
agency's page, and links back to its form (see `app.routes.errors` for when each is used).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from fastapi import Request
from fastapi.responses import PlainTextResponse, Response

from app.deps import Services
from app.origins import origin_of
from app.pages.base import form_path, message_page
from app.security import allow_framing, own_origin
from app.widgets import Widget

# `/w/{widget}` and everything under it: the pages an agency's iframe shows.
WIDGET_PATH = re.compile(r"^/w/(?P<widget_id>[^/]+)(?:/|$)")


@dataclass(frozen=True)
class Refusal:
    """What a refusal page says: a heading, a paragraph or two, and the words of its link."""

    heading: str
    message: str
    link_text: str = "Go back to the form"


REFUSALS: dict[int, Refusal] = {
    400: Refusal(
        "Sorry, your answers could not be read",
        "Something went wrong while your answers were being sent, so they have not been sent. "
        "Go back to the form and send them again.",
    ),
    404: Refusal("Page not found", "There is no page at this address. Check the address."),
    405: Refusal("This page can’t do that", "Go back to the form and try again."),
    500: Refusal(
        "Sorry, there is a problem with the service",
        "Please try again later. Your details have not been lost if you saw a confirmation.",
    ),
}
NO_SUCH_WIDGET = Refusal("Page not found", "There is no valuation form at this address.")


def size_in_words(size: int) -> str:
    """A byte count as a homeowner reads it: 32768 → "32 KB", 50000 → "48.8 KB", 900 → "900
    bytes" (1 KB = 1,024 bytes, as browsers and operating systems count file sizes)."""
    if size < 1024:
        return f"{size:,} bytes"
    kilobytes = size / 1024
    return f"{kilobytes:,.0f} KB" if size % 1024 == 0 else f"{kilobytes:,.1f} KB"


def too_large(limit: int) -> Refusal:
    """The refusal of a body over `limit` bytes (MAX_BODY_BYTES), the limit in words."""
    return Refusal(
        "Your answers were too long to send",
        f"Your answers were too long to send: the limit is {size_in_words(limit)}. This "
        "usually happens when a lot of text is pasted into a box. Nothing has been sent.\n\n"
        "Use your browser’s back button to return to your answers, shorten the longest one "
        "and send them again, or start again with an empty form.",
        link_text="Start again",
    )


def route_path(request: Request) -> str:
    """The request's path without the root path the service is mounted under."""
    path: str = request.scope.get("path", "")
    return path.removeprefix(request.scope.get("root_path", "")) or "/"


def services_of(request: Request) -> Services | None:
    """The app's services, or None before start-up has finished."""
    return getattr(request.app.state, "services", None)


def way_back(request: Request, widget: Widget, own: str) -> str:
    """The widget's form, with the `host` and `utm_*` it was opened with when the Referer is
    that form page or one of its steps (so attribution survives starting again); else the
    bare form path."""
    form = form_path(request, widget)
    referer = request.headers.get("referer", "")
    parts = urlsplit(referer)
    ours = parts.path == form or parts.path.startswith(f"{form}/steps/")
    if referer and origin_of(referer) == own and ours and parts.query:
        return f"{form}?{parts.query}"
    return form


def framing_origin(request: Request, widget: Widget, own: str) -> str | None:
    """The agency page this refusal is shown to, when we can believe it: from the `host` of the
    widget page that sent the request, or the Referer's origin. Height messages go there."""
    referer = request.headers.get("referer", "")
    origin = origin_of(referer) if referer else None
    if origin == own:
        host = parse_qs(urlsplit(referer).query).get("host", [""])[0]
        origin = origin_of(host) if host else None
    return origin if widget.trusts(origin, own) else None


def refusal_page(
    request: Request,
    status: int,
    refusal: Refusal,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The HTML page for a refusal: the widget's own on a widget path, else a neutral one."""
    services = services_of(request)
    if services is None:  # before start-up finished: nothing to draw a page with
        return PlainTextResponse(f"{refusal.heading}\n", status, headers=headers)
    match = WIDGET_PATH.match(route_path(request))
    widget = services.widgets.get(match["widget_id"]) if match else None
    if widget is None:
        framers = _framers_of_any_widget(request, services) if match else []
        if framers:
            allow_framing(request, framers)
        if match and status == 404:
            refusal = NO_SUCH_WIDGET
        response = message_page(request, services, None, status, refusal.heading, refusal.message)
    else:
        own = own_origin(request, services.settings.public_url)
        response = message_page(
            request,
            services,
            widget,
            status,
            refusal.heading,
            refusal.message,
            link_url=way_back(request, widget, own),
            link_text=refusal.link_text,
            parent_origin=framing_origin(request, widget, own),
        )
    response.headers.update(headers or {})
    return response


def _framers_of_any_widget(request: Request, services: Services) -> list[str]:
    """For an unknown widget id (a typo in the snippet): the Referer's origin when some widget
    allows it, so the agency sees "no form here" instead of the browser's blocked-frame box.
    Only that origin is named: the list of every agency's site stays private."""
    referer = request.headers.get("referer", "")
    origin = origin_of(referer) if referer else None
    if origin and any(origin in w.allowed_origins for w in services.widgets.values()):
        return [origin]
    return []
