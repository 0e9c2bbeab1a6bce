"""The request body limit (MAX_BODY_BYTES): an oversized body is refused with 413 before the
app reads any of it."""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import metrics

# Given the request's scope and the limit in bytes: the page refusing an oversized body, or None
# for the middleware's own JSON (on /api) or plain-text answer.
TooLargePage = Callable[[Scope, int], Response | None]
# The plain refusal is not a page: it may load nothing and be framed by nobody.
PLAIN_CSP = "default-src 'none'; frame-ancestors 'none'"


class BodyLimit:
    """Refuses a request body over `max_body_bytes` with 413 and `Connection: close`.

    A declared Content-Length is judged before a byte is read. A chunked body is read here, up
    to the limit, before the app sees any of it: a route or framework that catches errors while
    reading (FastAPI turns them into a 400) never gets to parse a part of it. A request with
    neither header has no body (RFC 9112 §6.3) and passes straight through.

    `too_large_page` draws the refusal where a page is wanted (the widget's own page inside an
    agency's iframe); elsewhere `/api/` paths get JSON and the rest plain text.
    """

    def __init__(
        self, app: ASGIApp, max_body_bytes: int, too_large_page: TooLargePage | None = None
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.too_large_page = too_large_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length: bytes | None = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
            elif name == b"transfer-encoding":
                chunked = True
        if length is not None:
            checked: Receive | None = receive if self._fits(length) else None
        elif chunked:
            checked = await self._read_within_limit(receive)
        else:
            checked = receive
        if checked is None:
            metrics.REJECTS.labels("too_large").inc()
            await self._refuse(scope, receive, send)
            return
        await self.app(scope, checked, send)

    def _fits(self, length: bytes) -> bool:
        return length.isdigit() and int(length) <= self.max_body_bytes

    async def _read_within_limit(self, receive: Receive) -> Receive | None:
        """`receive` replaying the whole body, or None when it runs over the limit."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return _replay([], message, receive)  # the client went away: pass that on
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        whole: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        return _replay([whole], None, receive)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.max_body_bytes
        page = self.too_large_page(scope, limit) if self.too_large_page else None
        if page is None:
            page = plain_refusal(str(scope.get("path", "")), limit)
        page.headers["connection"] = "close"  # the rest of the body is never read
        await page(scope, receive, send)


def plain_refusal(path: str, limit: int) -> Response:
    """The 413 outside the widget's pages: JSON on `/api/`, else one line of text."""
    headers = {"content-security-policy": PLAIN_CSP}
    if path.startswith("/api/"):
        body = json.dumps(
            {"message": f"Request body too large (at most {limit} bytes)", "errors": {}}
        )
        return Response(body, 413, headers, media_type="application/json")
    text = f"Request body too large (at most {limit} bytes).\n"
    return Response(text, 413, headers, media_type="text/plain; charset=utf-8")


def _replay(messages: list[Message], then: Message | None, receive: Receive) -> Receive:
    """Hand the app what was read already, then the live channel (for a later disconnect)."""
    pending = [*messages, *([then] if then else [])]

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
