"""The request middlewares, each a small pure-ASGI class with one job.

`create_app` adds them in this order, outermost first (app/main.py):

    RequestLog       request id (X-Request-ID) and the access log line
    SecurityHeaders  CSP with a per-request nonce, framing policy, the other security headers
    BodyLimit        refuses a body over MAX_BODY_BYTES before the app reads it (413)
    HeadAsGet        HEAD answered as GET without the body (app/head.py)

Starlette's own ServerErrorMiddleware sits outside all of them and answers an unexpected
exception with the 500 handler (app/routes/errors.py): that handler adds the same headers with
`HeaderPolicy.secure` and logs with the request id; `RequestLog` logs such a request as 500.
"""

from app.middleware.body_limit import BodyLimit, TooLargePage
from app.middleware.headers import (
    HeaderPolicy,
    SecurityHeaders,
    allow_framing,
    content_security_policy,
    csp_nonce,
    scope_nonce,
)
from app.middleware.request_log import RequestLog, bound_request_id

__all__ = [
    "BodyLimit",
    "HeaderPolicy",
    "RequestLog",
    "SecurityHeaders",
    "TooLargePage",
    "allow_framing",
    "bound_request_id",
    "content_security_policy",
    "csp_nonce",
    "scope_nonce",
]
