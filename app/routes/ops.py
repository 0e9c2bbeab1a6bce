"""For operators: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
import hmac
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from app import metrics
from app.deps import ServicesDep

log = logging.getLogger(__name__)
router = APIRouter(tags=["operations"])

# A database that hangs must make /readyz answer "not ready", not hang the probe with it.
READY_TIMEOUT_SECONDS = 2.0


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The database is reachable and settings are valid")
async def readyz(services: ServicesDep) -> Response:
    # Settings and widgets were validated at start-up: a process that is serving has valid ones.
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            await services.store.ping()
    except Exception as exc:  # any driver error (or the timeout) means "not ready"
        log.error("readyz.database_unreachable", extra={"error": type(exc).__name__})
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
    return JSONResponse({"status": "ok", "database": "ok", "widgets": len(services.widgets)})


@router.get("/metrics", include_in_schema=False)
async def prometheus(request: Request, services: ServicesDep) -> Response:
    token = services.settings.metrics_token
    if token is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        expected = token.get_secret_value().encode()
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
            return PlainTextResponse(
                "Unauthorized\n", 401, headers={"www-authenticate": 'Bearer realm="metrics"'}
            )
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            stats = await services.store.delivery_stats()
        metrics.BACKLOG.set(stats["pending"])
        metrics.OLDEST_PENDING.set(stats["oldest_pending_seconds"])
        metrics.HELD.set(stats["held"])
    except Exception as exc:  # still serve the counters: they say what went wrong
        log.error("metrics.database_unreachable", extra={"error": type(exc).__name__})
    return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)
