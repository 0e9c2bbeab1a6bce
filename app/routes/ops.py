"""For operators: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import hmac
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app import metrics
from app.deps import ServicesDep

log = logging.getLogger(__name__)
router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The database is reachable and settings are valid")
async def readyz(services: ServicesDep) -> Response:
    try:
        await services.store.ping()
    except Exception as exc:  # any driver error means "not ready"
        log.error("readyz.database_unreachable", extra={"error": type(exc).__name__})
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
    return JSONResponse({"status": "ok", "database": "ok", "widgets": len(services.widgets)})


@router.get("/metrics", include_in_schema=False)
async def prometheus(request: Request, services: ServicesDep) -> Response:
    token = services.settings.metrics_token
    if token is not None:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.get_secret_value().encode()):
            return PlainTextResponse("Forbidden\n", 403)
    try:
        stats = await services.store.delivery_stats()
        metrics.BACKLOG.set(stats["pending"])
        metrics.OLDEST_PENDING.set(stats["oldest_pending_seconds"])
    except Exception as exc:
        log.error("metrics.database_unreachable", extra={"error": type(exc).__name__})
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
