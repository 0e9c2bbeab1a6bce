"""Friendly pages (or JSON for the API) for every error and early refusal: never a bare 500.

Inside an agency's iframe every page must be a widget page. So on `/w/{widget}/…` an error or a
refusal made before any route ran (a body over the limit, a body that cannot be read, an unknown
path, a method the page does not take, an unexpected failure) is drawn with that widget's brand,
may be framed by its allowed origins, reports its height to the agency's page, and links back to
its form. `/api/…` paths keep JSON.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from app.deps import Services, UnknownWidget
from app.middleware import HeaderPolicy, bound_request_id
from app.routes.widget import message_page
from app.security import allow_framing, own_origin
from app.widgets import Widget, origin_of

log = logging.getLogger(__name__)

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


def _route_path(request: Request) -> str:
    path: str = request.scope.get("path", "")
    return path.removeprefix(request.scope.get("root_path", "")) or "/"


def _wants_json(request: Request) -> bool:
    return _route_path(request).startswith("/api/")


def _services(request: Request) -> Services | None:
    return getattr(request.app.state, "services", None)


def _form_path(request: Request, widget: Widget) -> str:
    return str(request.url_for("widget_form", widget_id=widget.id).path)


def way_back(request: Request, widget: Widget, own: str) -> str:
    """The widget's form, with the `host` and `utm_*` it was opened with when the Referer is
    that form page (so attribution survives starting again); else the bare form path."""
    form = _form_path(request, widget)
    referer = request.headers.get("referer", "")
    parts = urlsplit(referer)
    if referer and origin_of(referer) == own and parts.path == form and parts.query:
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
    services = _services(request)
    if services is None:  # before start-up finished: nothing to draw a page with
        return PlainTextResponse(f"{refusal.heading}\n", status, headers=headers)
    match = WIDGET_PATH.match(_route_path(request))
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


def too_large_page(app: FastAPI) -> Callable[[Scope, int], Response | None]:
    """For the BodyLimit middleware: on a widget path, the widget's page refusing a body over the
    limit; None elsewhere (the middleware answers in JSON or plain text itself).

    The middleware refuses before the app runs, so the request is given the app and its router
    here, for the services and the form's address.
    """

    def page(scope: Scope, limit: int) -> Response | None:
        scope.setdefault("app", app)
        scope.setdefault("router", app.router)
        request = Request(scope)
        if _services(request) is None or not WIDGET_PATH.match(_route_path(request)):
            return None
        return refusal_page(request, 413, too_large(limit))

    return page


def _with_head(headers: Mapping[str, str] | None) -> dict[str, str]:
    """A 405's `Allow`, naming HEAD wherever GET is allowed (HEAD is answered like GET)."""
    result = dict(headers or {})
    allowed = [m.strip() for m in result.get("Allow", "").split(",") if m.strip()]
    if "GET" in allowed and "HEAD" not in allowed:
        result["Allow"] = ", ".join([*allowed, "HEAD"])
    return result


def _field_of(location: tuple) -> str:
    parts = [str(p) for p in location if p not in ("body",)]
    return parts[0] if parts else "body"


def install(app: FastAPI, header_policy: HeaderPolicy) -> None:
    """Registers the error handlers. The one for unexpected exceptions runs in Starlette's
    ServerErrorMiddleware, outside the app's middlewares: it names the request id in its log
    line and adds the security headers (`header_policy`) itself."""

    @app.exception_handler(UnknownWidget)
    async def unknown_widget(request: Request, exc: UnknownWidget) -> Response:
        if _wants_json(request):
            return JSONResponse({"message": "Unknown widget", "errors": {}}, 404)
        return refusal_page(request, 404, NO_SUCH_WIDGET)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if not _wants_json(request):
            return refusal_page(request, 400, REFUSALS[400])
        errors: dict[str, str] = {}
        for error in exc.errors():
            errors.setdefault(_field_of(tuple(error.get("loc", ()))), error.get("msg", "Invalid"))
        return JSONResponse({"message": "The request is not valid", "errors": errors}, 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = _with_head(exc.headers)
        if _wants_json(request):
            return JSONResponse(
                {"message": str(exc.detail), "errors": {}}, exc.status_code, headers=headers
            )
        status = exc.status_code
        refusal = REFUSALS.get(status) or REFUSALS[400 if status < 500 else 500]
        return refusal_page(request, status, refusal, headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        with bound_request_id(request.scope):
            log.exception("unhandled_error", extra={"path": request.url.path})
        if _wants_json(request):
            response = JSONResponse({"message": "Something went wrong", "errors": {}}, 500)
        else:
            response = refusal_page(request, 500, REFUSALS[500])
        return header_policy.secure(request.scope, response)
