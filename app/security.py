"""Request-level checks the routes make: this service's own origin, the cookie-free
request-forgery check, and the client's address behind trusted proxies.

The headers every response carries (CSP, nonce, framing) are set by app/middleware/headers.py;
its helpers are re-exported here for the routes that import them from this module.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable

from starlette.datastructures import URL
from starlette.requests import Request

from app.middleware.headers import allow_framing, content_security_policy, csp_nonce, scope_nonce

__all__ = [
    "allow_framing",
    "client_ip",
    "content_security_policy",
    "csp_nonce",
    "is_same_origin_post",
    "own_origin",
    "scope_nonce",
]

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def own_origin(request: Request, public_url: str | None) -> str:
    """This service's origin as browsers send it (`https://host[:port]`, lower case): from
    PUBLIC_URL when set, else from the request."""
    if public_url:
        return public_url.rstrip("/").lower()
    scope = request.scope
    server = scope.get("server")  # a list under some servers: made hashable for the cache
    return _origin_of_request(
        scope.get("scheme", "http"), request.headers.get("host"), tuple(server) if server else None
    )


@functools.lru_cache(maxsize=64)
def _origin_of_request(scheme: str, host: str | None, server: tuple[str, int] | None) -> str:
    """The origin Starlette's `request.url` gives for these parts (cached: it parses a URL)."""
    headers = [(b"host", host.encode("latin-1"))] if host is not None else []
    scope = {"type": "http", "scheme": scheme, "server": server, "path": "/", "headers": headers}
    url = URL(scope=scope)
    return f"{url.scheme}://{url.netloc}".lower()


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
