"""The developer docs page (`/docs`): Swagger UI served from this service, never from a CDN.

Swagger UI's files come from the `swagger-ui-py` package (Swagger UI 5, which renders the
OpenAPI 3.1 document FastAPI writes; `swagger-ui-bundle` ships Swagger UI 4, which cannot).
Only the three files the page loads are served, so the package's demo pages (which fetch an
example API from the internet) are never reachable here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import swagger_ui
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from app.middleware.headers import csp_nonce

SWAGGER_UI_DIR = Path(swagger_ui.__file__).parent / "static"
ASSETS_PATH = "/docs/assets"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}


def docs_router(openapi_url: str, title: str) -> APIRouter:
    """`GET /docs` (the page) and one `GET /docs/assets/<file>` per file in ASSETS."""
    router = APIRouter(include_in_schema=False)

    @router.get("/docs")
    async def docs(request: Request) -> HTMLResponse:
        return swagger_ui_page(request, openapi_url, title)

    for name, media_type in ASSETS.items():
        router.add_api_route(f"{ASSETS_PATH}/{name}", _asset(name, media_type))
    return router


def _asset(name: str, media_type: str) -> Callable[[], Awaitable[FileResponse]]:
    async def asset() -> FileResponse:
        return FileResponse(
            SWAGGER_UI_DIR / name,
            media_type=media_type,
            headers={"cache-control": "public, max-age=86400"},
        )

    return asset


def swagger_ui_page(request: Request, openapi_url: str, title: str) -> HTMLResponse:
    """FastAPI's Swagger UI page, loading everything from this origin, with its one inline
    script nonce'd and a CSP that names no other host."""
    nonce = csp_nonce(request)
    drawn = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=title,
        swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
        # Swagger UI would otherwise send the document to validator.swagger.io for a badge.
        swagger_ui_parameters={"validatorUrl": None},
    )
    page = bytes(drawn.body).decode()
    page = page.replace("<script>", f'<script nonce="{nonce}">')
    policy = (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
        # Swagger UI sets style attributes as it draws: its styles need 'unsafe-inline'.
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )
    return HTMLResponse(page, headers={"content-security-policy": policy})
