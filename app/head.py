"""`HEAD` answered like `GET`: the same status and headers, no body.

RFC 9110 §9.3.2: HEAD is identical to GET except that the server must not send content, and
every general-purpose server must support it. Uptime monitors and link checkers use it. FastAPI
routes declared with `@router.get` answer only GET, so this one rule serves every GET route
(pages, `/embed.js`, `/healthz`…) instead of a HEAD declaration per route.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """Runs a HEAD request as GET and drops the body, keeping `Content-Length` as GET's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        # A copy: the server keeps its own scope saying HEAD, so it too knows to send no body.
        await self.app({**scope, "method": "GET"}, receive, without_body)
