"""For agencies' websites: the loader script, the snippet page and an example agency page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.assets import JAVASCRIPT, etag_of, minified_script
from app.deps import ServicesDep, WidgetDep
from app.security import csp_nonce, own_origin
from app.templating import STATIC_DIR

router = APIRouter(include_in_schema=False)

LOADER = minified_script(STATIC_DIR / "embed.js")
LOADER_ETAG = etag_of(LOADER)
# The snippet's URL never changes, so browsers recheck hourly (cheap: a 304 by ETag).
LOADER_CACHE = "public, max-age=3600, stale-while-revalidate=86400"
LOOPBACK_TWINS = {"localhost": "127.0.0.1", "127.0.0.1": "localhost"}

# (attribute, where it goes, what it does, default) for the snippet page.
OPTIONS = [
    (
        "data-widget",
        "target or script",
        "Which widget to show. Every element with it (a target, such as a <div>) gets its own "
        "form, in place of what it holds, also when your site adds it later. On the script it "
        "puts the form right after the script, unless the page has a target for that widget. "
        "A script without it only records the campaign.",
        "default",
    ),
    (
        "data-title",
        "script or target",
        "The frame's accessible title, read out by screen readers.",
        "Instant valuation",
    ),
    (
        "data-min-height",
        "script or target",
        "Never shorter than this many pixels (the frame otherwise fits its content).",
        "0",
    ),
]
EVENTS = [
    ("form_started", "the homeowner first changed an answer"),
    ("form_submitted", "the homeowner sent the form (also sent again after corrections)"),
    ("estimate_shown", "an estimate was shown"),
    ("no_estimate_shown", "the lead was taken but no estimate could be made"),
]


@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/demo", status_code=307)


@router.get("/embed.js")
async def loader(request: Request) -> Response:
    headers = {
        "cache-control": LOADER_CACHE,
        "etag": LOADER_ETAG,
        "content-type": JAVASCRIPT,
    }
    if LOADER_ETAG in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(LOADER, headers=headers)


def _page(
    request: Request, services: ServicesDep, template: str, csp: str | None, **context: Any
) -> Response:
    response = services.templates.TemplateResponse(
        request, template, {"csp_nonce": csp_nonce(request), **context}
    )
    response.headers["cache-control"] = "no-store"
    if csp:
        response.headers["content-security-policy"] = csp
    return response


@router.get("/w/{widget_id}/embed", name="widget_embed")
async def snippet(request: Request, widget: WidgetDep, services: ServicesDep) -> Response:
    """What an agency's web developer copies, with the loader running as a live preview."""
    origin = own_origin(request, services.settings.public_url)
    title = f"Instant valuation from {widget.agency_name}"
    link = f'<a href="{origin}/w/{widget.id}">Get an instant valuation</a>'
    return _page(
        request,
        services,
        "embed.html",
        None,
        widget=widget,
        origin=origin,
        snippet=(
            f'<div data-widget="{widget.id}" data-title="{title}">{link}</div>\n'
            f'<script src="{origin}/embed.js" async></script>'
        ),
        one_line=f'<script src="{origin}/embed.js" data-widget="{widget.id}" async></script>',
        target=f'<div data-widget="{widget.id}">{link}</div>',
        sitewide=f'<script src="{origin}/embed.js" async></script>',
        title=title,
        options=OPTIONS,
        events=EVENTS,
    )


def demo_widget_origin(request: Request, public_url: str | None) -> str:
    """Where the demo loads the widget from: the loopback twin of this origin when local.

    Opened at http://localhost:PORT/demo, the widget comes from http://127.0.0.1:PORT (and the
    other way round), so the demo is a real cross-origin embed without a second server.
    """
    own = own_origin(request, public_url)
    host = request.url.hostname or ""
    if public_url or host not in LOOPBACK_TWINS:
        return own
    port = f":{request.url.port}" if request.url.port else ""
    return f"{request.url.scheme}://{LOOPBACK_TWINS[host]}{port}"


@router.get("/demo")
async def demo(request: Request, services: ServicesDep) -> Response:
    """An example agency page ("Acme Estates") embedding the default widget with the snippet."""
    widgets = services.widgets
    widget = widgets.get("default") or next(iter(widgets.values()))
    origin = own_origin(request, services.settings.public_url)
    widget_origin = demo_widget_origin(request, services.settings.public_url)
    nonce = csp_nonce(request)
    # This page plays the agency's site: it may load the loader and frame the widget from
    # the widget's origin, and nothing else.
    csp = (
        f"default-src 'self'; script-src 'self' {widget_origin}; "
        f"frame-src 'self' {widget_origin}; style-src 'self' 'nonce-{nonce}'; "
        "img-src 'self' data:; connect-src 'self'; form-action 'self'; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'"
    )
    return _page(
        request,
        services,
        "demo.html",
        csp,
        widget=widget,
        widget_origin=widget_origin,
        cross_origin=widget_origin != origin,
        framable=widget.trusts(origin, widget_origin),
        origin=origin,
        port=request.url.port,
    )
