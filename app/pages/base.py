"""What every page needs: the widget's brand, the CSP nonce, framing by the widget's origins."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from app.attribution import Attribution
from app.deps import Services
from app.origins import origin_of
from app.security import allow_framing, csp_nonce
from app.widgets import Widget


def render(
    request: Request,
    services: Services,
    template: str,
    widget: Widget | None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """Render `template` with what every page needs (brand, sandbox notice, nonce, framing).

    A widget's page may be framed by its allowed origins; no page is cached (`no-store`), as
    each carries a nonce and often the homeowner's answers.
    """
    if widget is not None:
        allow_framing(request, widget.allowed_origins)
    context.setdefault("parent_origin", None)
    response = services.templates.TemplateResponse(
        request,
        template,
        {
            "widget": widget,
            "csp_nonce": csp_nonce(request),
            **context,
        },
        status_code=status_code,
    )
    response.headers["cache-control"] = "no-store"
    return response


def message_page(
    request: Request,
    services: Services,
    widget: Widget | None,
    status_code: int,
    heading: str,
    message: str,
    **extra: Any,
) -> Response:
    """A page that says one thing: a heading, a message and optionally a link
    (`link_url`, `link_text`)."""
    return render(
        request,
        services,
        "message.html",
        widget,
        status_code=status_code,
        page_title=heading,
        page_kind="message",
        heading=heading,
        message=message,
        **extra,
    )


def parent_origin(widget: Widget, attribution: Attribution, own: str) -> str | None:
    """Where height and event messages may be posted: the framing page's origin, if trusted."""
    origin = origin_of(attribution.host) if attribution.host else None
    return origin if widget.trusts(origin, own) else None


def form_path(request: Request, widget: Widget) -> str:
    """The path of `widget`'s form page (under any root path): what `url_for("widget_form")`
    gives, without building a URL (widget ids are URL-safe: app/widgets checks them)."""
    return f"{request.scope.get('root_path', '')}/w/{widget.id}"
