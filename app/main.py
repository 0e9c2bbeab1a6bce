"""The application: `create_app()` wires settings, widgets, storage, delivery and routes.

The lifespan owns every shared resource (database engine, HTTP connection pool, background
worker) and closes them in order on shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI

from app import metrics
from app.addresses.lookup import AddressLookup, open_address_lookup
from app.assets import StaticAssets
from app.delivery import Delivery, running_delivery
from app.deps import Services
from app.docs import docs_router
from app.head import HeadAsGet
from app.journey import funnel
from app.logs import configure_logging
from app.middleware import BodyLimit, HeaderPolicy, RequestLog, SecurityHeaders
from app.ratelimit import RateLimiter
from app.routes import addresses, api, embed, errors, form, journey, ops, result
from app.settings import Settings, load_settings
from app.templating import STATIC_DIR, build_templates
from app.tokens import Signer
from app.widgets import Widget, load_widgets

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    configure_logging(settings.log_level, settings.log_format)
    widgets = load_widgets(settings)
    metrics.declare_widgets(widgets)  # every series exists at 0 from the start
    funnel.declare_widgets(widgets)
    uses_sandbox = any(w.uses_sandbox for w in widgets.values())
    sandbox_app = _sandbox_app() if uses_sandbox else None

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        async with running_delivery(
            settings, widgets, stop, worker=settings.worker_in_process, sandbox_app=sandbox_app
        ) as delivery:
            address_sandbox = sandbox_app.state.addresses if sandbox_app else None
            async with open_address_lookup(settings, widgets, address_sandbox) as addresses:
                services = _services(settings, widgets, delivery, addresses)
                app.state.services = services
                if uses_sandbox:
                    log.warning("sandbox: widgets without a Lead API key use the built-in sandbox")
                try:
                    yield
                finally:
                    await services.limiter.aclose()

    app = FastAPI(
        title="Instant valuation widget",
        version="1.0",
        summary="Instant valuation leads for UK estate agencies, sent to Lead Pro's Lead API.",
        lifespan=lifespan,
        docs_url=None,  # served by app/docs.py, from this service, with its own CSP
        redoc_url=None,
    )
    header_policy = HeaderPolicy(hsts_always=(settings.public_url or "").startswith("https://"))
    _add_middlewares(app, settings, header_policy)
    # The widget's pages first: the router tries routes in order, and the form page is the
    # one every agency page loads (no two of these paths overlap, so order is otherwise free).
    for module in (form, journey, result, api, addresses, embed, ops):
        app.include_router(module.router)
    app.include_router(docs_router("/openapi.json", f"{app.title} – API"))
    app.mount("/static", StaticAssets(directory=STATIC_DIR), name="static")
    if sandbox_app and all(w.uses_sandbox for w in widgets.values()):
        # Only in pure development: a live deployment never exposes the sandbox's records.
        # Lets a developer inspect sandbox leads and inject faults: /sandbox/_sandbox/leads.
        app.mount("/sandbox", sandbox_app, name="sandbox")
    errors.install(app, header_policy)
    return app


def _add_middlewares(app: FastAPI, settings: Settings, header_policy: HeaderPolicy) -> None:
    """The request's path, outermost first (see app/middleware/__init__.py). Starlette runs
    the last one added first, hence the reversed list.

    Starlette's ServerErrorMiddleware stays outside them all: the 500 handler adds the same
    headers itself with `header_policy.secure`.
    """
    outermost_first: list[tuple[type, dict[str, Any]]] = [
        (RequestLog, {}),
        (SecurityHeaders, {"policy": header_policy}),
        (
            BodyLimit,
            {
                "max_body_bytes": settings.max_body_bytes,
                "too_large_page": errors.too_large_page(app),
            },
        ),
        (HeadAsGet, {}),
    ]
    for middleware, options in reversed(outermost_first):
        app.add_middleware(middleware, **options)


def _services(
    settings: Settings,
    widgets: dict[str, Widget],
    delivery: Delivery,
    addresses: AddressLookup,
) -> Services:
    return Services(
        settings=settings,
        widgets=widgets,
        store=delivery.store,
        delivery=delivery,
        signer=Signer(
            settings.signing_key, settings.form_token_max_age, settings.result_link_max_age
        ),
        templates=build_templates(),
        limiter=RateLimiter(
            settings.rate_limit_per_ip, settings.rate_limit_per_widget, settings.redis_url
        ),
        addresses=addresses,
    )


def _sandbox_app() -> FastAPI:
    from app.sandbox.server import create_sandbox_app

    return create_sandbox_app()
