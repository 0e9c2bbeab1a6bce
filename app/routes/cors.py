"""CORS for the JSON API: a browser may read an answer only on a widget's allowed origins.

One rule for every `/api/widgets/{widget}/…` route:

- `cors_headers`: `Access-Control-Allow-Origin` naming the caller's `Origin` when it is one of
  the widget's allowed origins (never `*`), and always `Vary: Origin`, so no cache hands one
  origin's answer to another;
- `preflight_response`: the answer to `OPTIONS`: 204 with the allowed method, headers and a
  ten-minute `Access-Control-Max-Age` for an allowed origin; a bare 403 (no CORS headers) for
  any other.

Refusing the request itself (403 JSON, before any work) is the route's job: see
`app.admission.forged`, which also lets this service's own origin and server-to-server calls
(no `Origin`) through.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from app.widgets import Widget

PREFLIGHT_MAX_AGE_SECONDS = 600


def cors_headers(request: Request, widget: Widget) -> dict[str, str]:
    """`{"access-control-allow-origin": origin, "vary": "Origin"}` for an allowed `Origin`,
    else `{"vary": "Origin"}`. The origin is compared as browsers send it (lower case, no
    trailing slash)."""
    origin = request.headers.get("origin", "").rstrip("/").lower()
    if origin and origin in widget.allowed_origins:
        return {"access-control-allow-origin": origin, "vary": "Origin"}
    return {"vary": "Origin"}


def preflight_response(
    request: Request, widget: Widget, methods: str, allow_headers: str = "content-type"
) -> Response:
    """The `OPTIONS` answer for a route taking `methods` (e.g. `"POST"`): 204 with CORS headers
    for an allowed origin, 403 without them for any other."""
    headers = cors_headers(request, widget)
    if "access-control-allow-origin" not in headers:
        return Response(status_code=403, headers=headers)
    headers.update(
        {
            "access-control-allow-methods": methods,
            "access-control-allow-headers": allow_headers,
            "access-control-max-age": str(PREFLIGHT_MAX_AGE_SECONDS),
        }
    )
    return Response(status_code=204, headers=headers)
