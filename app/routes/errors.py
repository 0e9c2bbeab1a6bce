"""Friendly pages (or JSON for the API) for every error and early refusal: never a bare 500.

On `/w/{widget}/…` an error or a refusal made before any route ran (a body over the limit, a
body that cannot be read, an unknown path, a method the page does not take, an unexpected
failure) is the widget's own page (`app.pages.refusals`). `/api/…` paths keep JSON.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from app.deps import UnknownWidget
from app.middleware import HeaderPolicy, bound_request_id
from app.pages.refusals import (
    NO_SUCH_WIDGET,
    REFUSALS,
    WIDGET_PATH,
    refusal_page,
    route_path,
    services_of,
    too_large,
)

log = logging.getLogger(__name__)


def _wants_json(request: Request) -> bool:
    return route_path(request).startswith("/api/")


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
        if services_of(request) is None or not WIDGET_PATH.match(route_path(request)):
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


def _field_of(location: tuple[object, ...]) -> str:
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
        if any(error.get("type") == "json_invalid" for error in exc.errors()):
            # As the OpenAPI promises: 400 when the body is not JSON at all, 422 for answers.
            unreadable = {"message": "The body could not be read as JSON", "errors": {}}
            return JSONResponse(unreadable, 400)
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
        response: Response
        if _wants_json(request):
            response = JSONResponse({"message": "Something went wrong", "errors": {}}, 500)
        else:
            response = refusal_page(request, 500, REFUSALS[500])
        return header_policy.secure(request.scope, response)
