"""Bench only: the yardstick for the form page. A plain FastAPI app answering `GET /page` with
one constant page (the form page's own bytes, fetched once by bench/run.py), served exactly as
`python -m app serve` serves the app: the same uvicorn settings (app.cli) and the same logging
configuration, with one access log line per request (uvicorn's own, through the app's
formatter), as the app writes one per request.

With BENCH_APP_ACCESS_LOG=1 that line is the app's own instead of uvicorn's (the app's outermost
middleware, `app.middleware.RequestLog`: request id, status and milliseconds), so bench/journey.py
reads both servers' time per request from the same line, timed by the same code.

    BENCH_PAGE_FILE=form.html python -m bench.plain_page    # HOST, PORT, LOG_* as for the app
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import Response

from app.logs import configure_logging
from app.middleware import RequestLog
from app.settings import load_settings

TARGET = "bench.plain_page:app"


def build() -> FastAPI:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    apps_own_line = os.environ.get("BENCH_APP_ACCESS_LOG") == "1"
    # The app's uvicorn access log is off: it writes its own line.
    logging.getLogger("uvicorn.access").disabled = apps_own_line
    page = Path(os.environ["BENCH_PAGE_FILE"]).read_bytes()
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/page")
    async def constant_page() -> Response:
        return Response(page, media_type="text/html; charset=utf-8")

    if apps_own_line:
        app.add_middleware(RequestLog)
    return app


if __name__ == "__main__":
    from app.cli import _serve

    _serve(load_settings(), TARGET)
else:  # imported by uvicorn
    app = build()
