"""Request-level defences: security headers, framing policy, body size limit, request ids,
cookie-free request-forgery checks and the client's address behind trusted proxies.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import logging
import re
import secrets
import time
from collections.abc import Callable, Iterable

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import metrics
from app.logs import request_id

log = logging.getLogger("app.access")

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# An incoming X-Request-ID is echoed back only if it is this tame (no CR/LF, no markup).
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)
HSTS = "max-age=31536000; includeSubDomains"
# The developer docs page loads Swagger UI from its CDN (never a homeowner page).
DOCS_CDN = "https://cdn.jsdelivr.net"


def content_security_policy(nonce: str, frame_ancestors: Iterable[str] = ()) -> str:
    ancestors = " ".join(frame_ancestors) or "'none'"
    return (
        "default-src 'self'; script-src 'self'; "
        f"style-src 'self' 'nonce-{nonce}'; img-src 'self' https: data:; "
        "connect-src 'self'; form-action 'self'; object-src 'none'; base-uri 'none'; "
        f"frame-ancestors {ancestors}"
    )


def scope_nonce(scope: Scope) -> str:
    """This request's CSP nonce, made on first use (setdefault would make one every call)."""
    nonce = scope.get("csp_nonce")
    if nonce is None:
        nonce = scope["csp_nonce"] = secrets.token_urlsafe(12)
    return nonce


def csp_nonce(request: Request) -> str:
    return scope_nonce(request.scope)


def allow_framing(request: Request, origins: Iterable[str]) -> None:
    """Let this response be framed by the given origins (and this service itself)."""
    request.scope["frame_ancestors"] = ["'self'", *origins]


def security_headers(
    nonce: str, frame_ancestors: Iterable[str], rid: str, hsts: bool
) -> dict[str, str]:
    """The headers every response carries (a route may set a stricter CSP of its own)."""
    ancestors = list(frame_ancestors)
    headers = {
        "content-security-policy": content_security_policy(nonce, ancestors),
        "x-content-type-options": "nosniff",
        "referrer-policy": "strict-origin-when-cross-origin",
        "permissions-policy": PERMISSIONS_POLICY,
        "cross-origin-opener-policy": "same-origin",
        "x-request-id": rid,
    }
    if not ancestors:
        # For browsers too old for CSP frame-ancestors; framable pages rely on the CSP alone.
        headers["x-frame-options"] = "DENY"
    if hsts:
        headers["strict-transport-security"] = HSTS
    return headers


# Given the request's scope and the limit in bytes: the page refusing an oversized body, or None
# for the middleware's own JSON (on /api) or plain-text answer.
TooLargePage = Callable[[Scope, int], Response | None]


class SecurityMiddleware:
    """Adds headers to every response, refuses oversized bodies, times and logs requests.

    `hsts_always` sends HSTS even when TLS ends at a proxy we cannot see (PUBLIC_URL is https).
    `too_large_page` draws the refusal of an oversized body where a page is wanted (the
    widget's own page inside an agency's iframe).
    """

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int,
        hsts_always: bool = False,
        too_large_page: TooLargePage | None = None,
    ):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.hsts_always = hsts_always
        self.too_large_page = too_large_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        incoming = headers.get("x-request-id", "")
        rid = incoming if REQUEST_ID.match(incoming) else secrets.token_hex(8)
        token = request_id.set(rid)
        started = time.perf_counter()
        holder = {"status": 500}
        try:
            body_receive = await self._checked_body(headers, receive)
            if body_receive is None:
                metrics.REJECTS.labels("too_large").inc()
                holder["status"] = 413
                await self._too_large(scope, receive, send, rid, holder)
                return
            await self.app(scope, body_receive, self._decorate(scope, send, rid, holder))
        finally:
            if scope.get("path") != "/metrics":
                log.info(
                    "request",
                    extra={
                        "method": scope.get("method"),
                        "path": scope.get("path"),
                        "status": holder["status"],
                        "ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
            request_id.reset(token)

    async def _checked_body(self, headers: Headers, receive: Receive) -> Receive | None:
        """`receive` for the app, or None when the body is over the limit.

        A declared length is judged before a byte is read. A body without one (chunked) is read
        here, up to the limit, before the app sees any of it: a route or framework that catches
        errors while reading (FastAPI turns them into a 400) never gets to parse a part of it.
        """
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit() or int(length) > self.max_body_bytes:
                return None
            return receive
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

    def _hsts(self, scope: Scope) -> bool:
        return self.hsts_always or scope.get("scheme") == "https"

    def _decorate(self, scope: Scope, send: Send, rid: str, holder: dict[str, int]) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                holder["status"] = message["status"]
                headers = MutableHeaders(scope=message)
                nonce = scope_nonce(scope)
                wanted = security_headers(
                    nonce, scope.get("frame_ancestors", ()), rid, self._hsts(scope)
                )
                for name, value in wanted.items():
                    if name == "x-request-id":
                        headers[name] = value
                    else:
                        headers.setdefault(name, value)
            await send(message)

        return wrapped

    async def _too_large(
        self, scope: Scope, receive: Receive, send: Send, rid: str, holder: dict[str, int]
    ) -> None:
        limit = self.max_body_bytes
        page = self.too_large_page(scope, limit) if self.too_large_page else None
        if page is not None:
            page.headers["connection"] = "close"  # the rest of the body is never read
            await page(scope, receive, self._decorate(scope, send, rid, holder))
            return
        if str(scope.get("path", "")).startswith("/api/"):
            body = json.dumps(
                {"message": f"Request body too large (at most {limit} bytes)", "errors": {}}
            ).encode()
            content_type = b"application/json"
        else:
            body = f"Request body too large (at most {limit} bytes).\n".encode()
            content_type = b"text/plain; charset=utf-8"
        headers = security_headers(secrets.token_urlsafe(12), (), rid, self._hsts(scope))
        headers["content-security-policy"] = "default-src 'none'; frame-ancestors 'none'"
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                    *((name.encode(), value.encode()) for name, value in headers.items()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def install(
    app: FastAPI,
    max_body_bytes: int,
    hsts_always: bool = False,
    too_large_page: TooLargePage | None = None,
) -> None:
    """Put SecurityMiddleware around the whole app, error handling included.

    `add_middleware` would put it inside Starlette's ServerErrorMiddleware: a 500 page would go
    out without the security headers, and its log line without the request id.
    """
    build = app.build_middleware_stack

    def outermost() -> ASGIApp:
        return SecurityMiddleware(
            build(),
            max_body_bytes=max_body_bytes,
            hsts_always=hsts_always,
            too_large_page=too_large_page,
        )

    # Starlette offers no public way to wrap ServerErrorMiddleware, so this one app instance's
    # method is replaced on purpose; mypy rightly flags assigning to a method.
    app.build_middleware_stack = outermost  # type: ignore[method-assign]


def _replay(messages: list[Message], then: Message | None, receive: Receive) -> Receive:
    """Hand the app what was read already, then the live channel (for a later disconnect)."""
    pending = [*messages, *([then] if then else [])]

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


def swagger_ui(request: Request, openapi_url: str, title: str) -> HTMLResponse:
    """FastAPI's Swagger UI page with its one inline script nonce'd and a CSP that lets it run."""
    nonce = csp_nonce(request)
    page = bytes(get_swagger_ui_html(openapi_url=openapi_url, title=title).body).decode()
    page = page.replace("<script>", f'<script nonce="{nonce}">')
    policy = (
        f"default-src 'self'; script-src 'self' {DOCS_CDN} 'nonce-{nonce}'; "
        f"style-src 'self' {DOCS_CDN} 'unsafe-inline'; img-src 'self' https: data:; "
        "connect-src 'self'; form-action 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )
    return HTMLResponse(page, headers={"content-security-policy": policy})


def own_origin(request: Request, public_url: str | None) -> str:
    if public_url:
        return public_url.rstrip("/").lower()
    return f"{request.url.scheme}://{request.url.netloc}".lower()


def is_same_origin_post(request: Request, origin: str) -> bool:
    """Cookie-free forgery check: Sec-Fetch-Site first, then Origin."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    return request.headers.get("origin", "").rstrip("/").lower() == origin


@functools.lru_cache(maxsize=32)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """TRUSTED_PROXIES as networks (the settings checked each entry at start-up)."""
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def client_ip(request: Request, trusted_proxies: Iterable[str]) -> str:
    """The caller's address: the right-most X-Forwarded-For hop not added by a trusted proxy.

    X-Forwarded-For counts only when the peer is a trusted proxy. Every header line is read
    (a proxy may add its own line rather than extend the client's), and a hop that is not an
    address stops the walk at the proxy: a client must not pick its own rate-limit bucket.
    """
    peer = request.client.host if request.client else "unknown"
    networks = _networks(tuple(trusted_proxies))
    if not networks or not _in(peer, networks):
        return peer
    hops = [
        hop.strip()
        for line in request.headers.getlist("x-forwarded-for")
        for hop in line.split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return peer
        if not any(address in network for network in networks):
            return str(address)
        peer = str(address)
    return peer


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _in(address: str, networks: Iterable[IPNetwork]) -> bool:
    ip = _address(address)
    return ip is not None and any(ip in network for network in networks)
