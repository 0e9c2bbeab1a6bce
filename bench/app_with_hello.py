"""Bench only: the real app plus a bare `/bench/hello` route, served exactly as
`python -m app serve` serves the app (same uvicorn settings, same middleware, same logging).

The service itself never imports this module, so `/bench/hello` does not exist in production.
Run from the repository root: `python -m bench.app_with_hello` (reads the same settings).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from app.main import create_app

TARGET = "bench.app_with_hello:app"


def build() -> FastAPI:
    app = create_app()

    @app.get("/bench/hello", include_in_schema=False)
    async def hello() -> PlainTextResponse:
        return PlainTextResponse("hello\n")

    return app


if __name__ == "__main__":
    from app.cli import _serve
    from app.settings import load_settings
    from app.widgets import load_widgets

    settings = load_settings()
    load_widgets(settings)  # refuse a bad configuration as `python -m app serve` does
    _serve(settings, TARGET)
else:  # imported by uvicorn (in each worker)
    app = build()
