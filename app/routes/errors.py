"""Plain, friendly pages (or JSON for the API) for every error: never a bare 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.deps import UnknownWidget

log = logging.getLogger(__name__)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _page(request: Request, status: int, heading: str, message: str) -> Response:
    services = getattr(request.app.state, "services", None)
    if services is None:
        return PlainTextResponse(f"{heading}\n", status)
    from app.routes.widget import message_page

    return message_page(request, services, None, status, heading, message)


def _field_of(location: tuple[str | int, ...]) -> str:
    parts = [str(p) for p in location if p not in ("body",)]
    return parts[0] if parts else "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(UnknownWidget)
    async def unknown_widget(request: Request, exc: UnknownWidget) -> Response:
        if _wants_json(request):
            return JSONResponse({"message": "Unknown widget", "errors": {}}, 404)
        return _page(request, 404, "Page not found", "There is no valuation form at this address.")

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        errors: dict[str, str] = {}
        for error in exc.errors():
            errors.setdefault(_field_of(tuple(error.get("loc", ()))), error.get("msg", "Invalid"))
        return JSONResponse({"message": "The request is not valid", "errors": errors}, 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_json(request) or exc.status_code not in (404, 405):
            return JSONResponse(
                {"message": str(exc.detail), "errors": {}}, exc.status_code, headers=exc.headers
            )
        if exc.status_code == 405:
            return _page(request, 405, "This page can’t do that", "Go back and try again.")
        return _page(request, 404, "Page not found", "Check the address and try again.")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled_error", extra={"path": request.url.path})
        if _wants_json(request):
            return JSONResponse({"message": "Something went wrong", "errors": {}}, 500)
        return _page(
            request,
            500,
            "Sorry, there is a problem with the service",
            "Please try again later. Your details have not been lost if you saw a confirmation.",
        )
