"""Request ids and the access log: one line per request, with its status and milliseconds."""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
import time
from collections.abc import Iterator

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.logs import log_fact, request_id

log = logging.getLogger("app.access")

# An incoming X-Request-ID is echoed back only if it is this tame (no CR/LF, no markup).
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Scraped every few seconds by Prometheus: logging each scrape would drown the requests.
UNLOGGED_PATHS = frozenset({"/metrics"})


def incoming_request_id(scope: Scope) -> str:
    """The client's X-Request-ID when it is tame, else a fresh 16-hex-digit id."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text: str = value.decode("latin-1")
            if REQUEST_ID.match(text):
                return text
            break
    return secrets.token_hex(8)


class RequestLog:
    """Gives each request an id (`scope["request_id"]`, the `request_id` log context and the
    X-Request-ID response header) and logs one `request` line when it ends: method, path,
    status, ms. An exception passing through is logged as status 500 and raised on, to the
    500 handler outside.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = scope["request_id"] = incoming_request_id(scope)
        rid_header = (b"x-request-id", rid.encode())
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500  # unless a response starts

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # A copy (a response may reuse its list); ours replaces any a route set: the
                # id must be the one in the log.
                headers = message.get("headers", ())
                message["headers"] = [*(h for h in headers if h[0] != b"x-request-id"), rid_header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            path = scope.get("path")
            if path not in UNLOGGED_PATHS:
                elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
                facts = {"method": scope.get("method"), "path": path, "status": status}
                log_fact(log, "request", {**facts, "ms": elapsed_ms})
            request_id.reset(token)


@contextlib.contextmanager
def bound_request_id(scope: Scope) -> Iterator[None]:
    """Log lines inside carry this request's id: for code that runs outside `RequestLog`
    (Starlette's 500 handler runs after it has finished)."""
    token = request_id.set(scope.get("request_id"))
    try:
        yield
    finally:
        request_id.reset(token)
