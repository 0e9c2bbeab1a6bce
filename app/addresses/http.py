"""What both adapters share: one pooled httpx client per provider, its timeouts, reading a JSON
body, and keeping the key out of every log line.

The overall bound (about 2 s) is applied around the whole lookup by `AddressLookup`; the
httpx timeouts here only stop a single stuck phase early.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import httpx

from app.addresses.errors import ProviderTimeout, ProviderUnavailable

CONNECT_TIMEOUT_S = 1.0
READ_TIMEOUT_S = 2.0
WRITE_TIMEOUT_S = 1.0
POOL_TIMEOUT_S = 0.5  # waiting for a free connection: the pool is busy, do not queue long
MAX_CONNECTIONS = 20
USER_AGENT = "valuation-widget address lookup"

# `key=...` (OS Places) or `api_key=...` (Ideal Postcodes) in a query string.
_KEY_IN_QUERY = re.compile(r"((?:^|[?&\s\"'])(?:api_)?key=)[^&\s\"']+", re.IGNORECASE)


def redact(text: str) -> str:
    """The text with any key in a query string replaced: `...&key=abc` → `...&key=REDACTED`."""
    return _KEY_IN_QUERY.sub(r"\1REDACTED", text)


class RedactKeys(logging.Filter):
    """Rewrites httpx's request lines (full URLs at INFO) so no key reaches a log.

    The app keeps httpx at WARNING, but a developer turning it up must not see keys either.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install_log_redaction() -> None:
    """Attach `RedactKeys` to httpx's logger once."""
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, RedactKeys) for f in logger.filters):
        logger.addFilter(RedactKeys())


def new_client(transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """A pooled client for one provider; its owner closes it (`aclose`)."""
    install_log_redaction()
    return httpx.AsyncClient(
        timeout=httpx.Timeout(
            connect=CONNECT_TIMEOUT_S, read=READ_TIMEOUT_S, write=WRITE_TIMEOUT_S,
            pool=POOL_TIMEOUT_S,
        ),
        limits=httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=10),
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        transport=transport,
        follow_redirects=False,
    )


def read_json(response: httpx.Response, provider: str) -> Any:
    """The decoded body, or `ProviderUnavailable` when it is not JSON (an HTML error page, a
    captive portal, a truncated body)."""
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        raise ProviderUnavailable(
            f"{provider} answered {response.status_code} with a body that is not JSON"
        ) from None


async def send(
    client: httpx.AsyncClient, request: httpx.Request, provider: str
) -> httpx.Response:
    """Send one request; transport failures become `ProviderUnavailable` whose message holds
    neither the URL nor the key (httpx's own messages may quote the URL)."""
    try:
        return await client.send(request)
    except httpx.TimeoutException:
        raise ProviderTimeout(f"{provider} did not answer in time") from None
    except httpx.HTTPError as exc:
        reason = type(exc).__name__
        raise ProviderUnavailable(f"{provider} could not be reached ({reason})") from None
