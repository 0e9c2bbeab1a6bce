"""Request-level defences: security headers, framing policy, body size limit, request ids,
cookie-free request-forgery checks and the client's address behind trusted proxies.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import secrets
import time
from collections.abc import Iterable

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import metrics
from app.logs import request_id

log = logging.getLogger("app.access")

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)


def content_security_policy(nonce: str, frame_ancestors: Iterable[str] = ()) -> str:
    ancestors = " ".join(frame_ancestors) or "'none'"
    return (
        "default-src 'self'; script-src 'self'; "
        f"style-src 'self' 'nonce-{nonce}'; img-src 'self' https: data:; "
        "connect-src 'self'; form-action 'self'; object-src 'none'; base-uri 'none'; "
        f"frame-ancestors {ancestors}"
    )


def csp_nonce(request: Request) -> str:
    return request.scope.setdefault("csp_nonce", secrets.token_urlsafe(12))


def allow_framing(request: Request, origins: Iterable[str]) -> None:
    """Let this response be framed by the given origins (and this service itself)."""
    request.scope["frame_ancestors"] = ["'self'", *origins]


class SecurityMiddleware:
    """Adds headers to every response, refuses oversized bodies, times and logs requests."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, hsts: bool = True):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        incoming = headers.get("x-request-id", "")
        rid = incoming if REQUEST_ID.match(incoming) else secrets.token_hex(8)
        token = request_id.set(rid)
        started = time.perf_counter()
        status_holder = {"status": 500}
        try:
            length = headers.get("content-length")
            if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
                metrics.REJECTS.labels("too_large").inc()
                await self._too_large(scope, send, rid)
                status_holder["status"] = 413
                return
            try:
                await self.app(
                    scope,
                    self._limited(receive),
                    self._decorate(scope, send, rid, status_holder),
                )
            except BodyTooLarge:
                metrics.REJECTS.labels("too_large").inc()
                if "started" not in status_holder:
                    await self._too_large(scope, send, rid)
                status_holder["status"] = 413
        finally:
            if scope.get("path") != "/metrics":
                log.info(
                    "request",
                    extra={
                        "method": scope.get("method"),
                        "path": scope.get("path"),
                        "status": status_holder["status"],
                        "ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
            request_id.reset(token)

    def _limited(self, receive: Receive) -> Receive:
        """Count bytes of a body sent without Content-Length (chunked) too."""
        seen = 0

        async def wrapped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    raise BodyTooLarge
            return message

        return wrapped

    def _decorate(self, scope: Scope, send: Send, rid: str, holder: dict[str, int]) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                holder["status"] = message["status"]
                holder["started"] = 1
                headers = MutableHeaders(scope=message)
                nonce = scope.setdefault("csp_nonce", secrets.token_urlsafe(12))
                ancestors = scope.get("frame_ancestors", ())
                headers.setdefault(
                    "content-security-policy", content_security_policy(nonce, ancestors)
                )
                headers.setdefault("x-content-type-options", "nosniff")
                headers.setdefault("referrer-policy", "strict-origin-when-cross-origin")
                headers.setdefault("permissions-policy", PERMISSIONS_POLICY)
                headers.setdefault("cross-origin-opener-policy", "same-origin")
                headers["x-request-id"] = rid
                if self.hsts and _is_https(scope):
                    headers.setdefault(
                        "strict-transport-security", "max-age=31536000; includeSubDomains"
                    )
            await send(message)

        return wrapped

    async def _too_large(self, scope: Scope, send: Send, rid: str) -> None:
        body = b"Request body too large.\n"
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"x-request-id", rid.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    """Raised while reading a body that outgrows the limit; turned into a 413."""


def _is_https(scope: Scope) -> bool:
    return scope.get("scheme") == "https"


def own_origin(request: Request, public_url: str | None) -> str:
    if public_url:
        return public_url.rstrip("/")
    return f"{request.url.scheme}://{request.url.netloc}".lower()


def is_same_origin_post(request: Request, origin: str) -> bool:
    """Cookie-free forgery check: Sec-Fetch-Site first, then Origin."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    return request.headers.get("origin", "").rstrip("/").lower() == origin


def client_ip(request: Request, trusted_proxies: Iterable[str]) -> str:
    """The caller's address: the right-most X-Forwarded-For hop not added by a trusted proxy."""
    peer = request.client.host if request.client else "unknown"
    networks = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies]
    if not networks or not _in(peer, networks):
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _in(hop, networks):
            return hop
    return hops[0] if hops else peer


def _in(address: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)
