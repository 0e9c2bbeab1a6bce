"""The application: `create_app()` wires settings, widgets, storage, delivery and routes.

The lifespan owns every shared resource (database engine, HTTP connection pool, background
worker) and closes them in order on shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from app import security
from app.delivery import Delivery
from app.deps import Services
from app.leadapi import LeadApiClient, build_http_client
from app.logs import configure_logging
from app.ratelimit import RateLimiter
from app.routes import api, embed, errors, ops, widget
from app.security import swagger_ui
from app.settings import Settings, load_settings
from app.store import Store
from app.templating import STATIC_DIR, build_templates
from app.tokens import Signer
from app.widgets import SANDBOX_BASE, load_widgets

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    configure_logging(settings.log_level, settings.log_format)
    widgets = load_widgets(settings)
    uses_sandbox = any(w.uses_sandbox for w in widgets.values())
    sandbox_app = _sandbox_app() if uses_sandbox else None

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = Store.connect(settings.async_database_url, settings.signing_key)
        await store.migrate()
        http = build_http_client(settings.leadpro_connect_timeout, settings.leadpro_read_timeout)
        sandbox_http = (
            httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox_app), base_url=SANDBOX_BASE)
            if sandbox_app
            else None
        )
        client = LeadApiClient(http, settings.leadpro_total_timeout, sandbox_http)
        delivery = Delivery(store, client, widgets, settings)
        app.state.services = Services(
            settings=settings,
            widgets=widgets,
            store=store,
            delivery=delivery,
            signer=Signer(
                settings.signing_key, settings.form_token_max_age, settings.result_link_max_age
            ),
            templates=build_templates(),
            limiter=RateLimiter(
                settings.rate_limit_per_ip, settings.rate_limit_per_widget, settings.redis_url
            ),
        )
        stop = asyncio.Event()
        worker = (
            asyncio.create_task(delivery.run_worker(stop)) if settings.worker_in_process else None
        )
        if uses_sandbox:
            log.warning("sandbox: widgets without a Lead API key use the built-in sandbox")
        try:
            yield
        finally:
            stop.set()
            # Ends attempts in flight (request and worker alike) before the clients close.
            await delivery.close()
            if worker:
                await worker
            await http.aclose()
            if sandbox_http:
                await sandbox_http.aclose()
            await store.close()

    app = FastAPI(
        title="Instant valuation widget",
        version="1.0",
        summary="Instant valuation leads for UK estate agencies, sent to Lead Pro's Lead API.",
        lifespan=lifespan,
        docs_url=None,  # served below, with a CSP that lets Swagger UI run
        redoc_url=None,
    )
    security.install(
        app,
        max_body_bytes=settings.max_body_bytes,
        hsts_always=(settings.public_url or "").startswith("https://"),
    )

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        return swagger_ui(request, "/openapi.json", f"{app.title} – API")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if sandbox_app and all(w.uses_sandbox for w in widgets.values()):
        # Only in pure development: a live deployment never exposes the sandbox's records.
        # Lets a developer inspect sandbox leads and inject faults: /sandbox/_sandbox/leads.
        app.mount("/sandbox", sandbox_app, name="sandbox")
    for module in (widget, api, embed, ops):
        app.include_router(module.router)
    errors.install(app)
    return app


def _sandbox_app() -> FastAPI:
    from app.sandbox.server import create_sandbox_app

    return create_sandbox_app()
