"""Security headers on every response: a CSP with a fresh nonce per request, the framing
policy (`frame-ancestors`, and X-Frame-Options where nothing may frame), and the rest.

The constant headers are encoded once; per response only the CSP is built (it holds the nonce
and the page's framing origins). A header a route set itself (a stricter CSP) is kept.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)
HSTS = "max-age=31536000; includeSubDomains"
CONSTANT_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"permissions-policy", PERMISSIONS_POLICY.encode()),
    (b"cross-origin-opener-policy", b"same-origin"),
)
HSTS_HEADER = (b"strict-transport-security", HSTS.encode())
# For browsers too old for CSP frame-ancestors; framable pages rely on the CSP alone.
DENY_FRAMING = (b"x-frame-options", b"DENY")
_CSP_START = "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-"
_CSP_END = (
    "'; img-src 'self' https: data:; connect-src 'self'; form-action 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors "
)


def content_security_policy(nonce: str, frame_ancestors: Iterable[str] = ()) -> str:
    """The pages' CSP: scripts from this origin only, inline styles only with `nonce`, framed
    only by `frame_ancestors` (none when empty)."""
    return _CSP_START + nonce + _CSP_END + (" ".join(frame_ancestors) or "'none'")


def scope_nonce(scope: Scope) -> str:
    """This request's CSP nonce, made on first use (setdefault would make one every call)."""
    nonce = scope.get("csp_nonce")
    if nonce is None:
        nonce = scope["csp_nonce"] = secrets.token_urlsafe(12)
    return nonce


def csp_nonce(request: Request) -> str:
    """The nonce a page puts on its `<style>` elements: the one its CSP header names."""
    return scope_nonce(request.scope)


def allow_framing(request: Request, origins: Iterable[str]) -> None:
    """Let this response be framed by the given origins (and this service itself)."""
    request.scope["frame_ancestors"] = ["'self'", *origins]


class HeaderPolicy:
    """Which security headers a response gets. `hsts_always` sends HSTS even when TLS ends at a
    proxy we cannot see (PUBLIC_URL is https); otherwise only on https requests."""

    def __init__(self, hsts_always: bool = False) -> None:
        self.hsts_always = hsts_always

    def with_headers(
        self, scope: Scope, headers: Iterable[tuple[bytes, bytes]]
    ) -> list[tuple[bytes, bytes]]:
        """`headers` (raw, lower-case names) plus each security header they lack."""
        result = list(headers)
        present = {name for name, _ in result}
        ancestors = scope.get("frame_ancestors", ())
        if b"content-security-policy" not in present:
            policy = content_security_policy(scope_nonce(scope), ancestors)
            result.append((b"content-security-policy", policy.encode()))
        result.extend(h for h in CONSTANT_HEADERS if h[0] not in present)
        if not ancestors and b"x-frame-options" not in present:
            result.append(DENY_FRAMING)
        hsts = self.hsts_always or scope.get("scheme") == "https"
        if hsts and HSTS_HEADER[0] not in present:
            result.append(HSTS_HEADER)
        return result

    def secure(self, scope: Scope, response: Response) -> Response:
        """`response` with the headers `SecurityHeaders` and `RequestLog` add: for the 500
        page, which Starlette's ServerErrorMiddleware sends from outside them."""
        headers = [h for h in response.raw_headers if h[0] != b"x-request-id"]
        if rid := scope.get("request_id"):
            headers.append((b"x-request-id", rid.encode()))
        response.raw_headers = self.with_headers(scope, headers)
        return response


class SecurityHeaders:
    """Adds the security headers of `policy` to every HTTP response that passes through."""

    def __init__(self, app: ASGIApp, policy: HeaderPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with_headers = self.policy.with_headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = with_headers(scope, message.get("headers", ()))
            await send(message)

        await self.app(scope, receive, send_with_headers)
