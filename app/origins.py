"""Web origins: reading one from a URL, and the rule for the origins a widget may be framed by.

An origin is `scheme://host[:port]` as a browser serialises it (RFC 6454): that exact string is
what arrives in `Origin` and `event.origin`, so an allowed origin must be written the same way.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from urllib.parse import urlsplit

import idna

EXAMPLE = "https://www.example.co.uk"

# A name as a browser serialises it in an origin: ASCII labels (an internationalised name in its
# xn-- form). Underscores appear in some real intranet names, so they are allowed.
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?"
_ASCII_NAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")


@functools.lru_cache(maxsize=1024)
def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of a URL, lower-cased, or None if it is not an http(s) URL.

    Cached: every form page view reads its page address, and agencies' pages recur."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    default_port = {"http": 80, "https": 443}[parts.scheme]
    suffix = f":{port}" if port and port != default_port else ""
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    return f"{parts.scheme}://{host}{suffix}"


def allowed_origin(entry: str) -> str:
    """Check one allowed origin as an operator wrote it; return it as browsers send it.

    `https://WWW.Example.co.uk/` → `https://www.example.co.uk`. Refused, with a one-line reason
    (ValueError): anything a browser never sends as an origin, because postMessage and CORS
    compare origins exactly, so the iframe would never resize and `host` would be dropped:
    a wildcard (`*`, `https://*.example.co.uk`, `*.example.co.uk`, `https://x.co.uk:*`), `null`
    (sandboxed frames and local files, which any page can produce), a path or default port
    (`https://x.co.uk/page`, `https://x.co.uk:443`), and a non-ASCII host (browsers send its
    xn-- form; the message gives it).
    """
    text = entry.strip()
    if "*" in text:
        raise ValueError(
            f"'{entry}' is a wildcard, which cannot work: the widget's messages need each "
            f"site's exact origin, so list every one, like {EXAMPLE}"
        )
    if text.lower() == "null":
        raise ValueError(
            f"'{entry}' is the origin of sandboxed frames and local files, which any page can "
            f"pretend to be; list the agency's site instead, like {EXAMPLE}"
        )
    origin = origin_of(text)
    if origin is None or origin != text.rstrip("/").lower():
        raise ValueError(f"'{entry}' is not an origin like {EXAMPLE}")
    hostname = urlsplit(text).hostname or ""
    if not (_is_ip_address(hostname) or _ASCII_NAME.match(hostname)):
        raise ValueError(_unsendable_host(entry, origin, hostname))
    return origin


def _is_ip_address(hostname: str) -> bool:
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        return False
    return True


def _unsendable_host(entry: str, origin: str, hostname: str) -> str:
    """Why a host is refused: the ASCII form to write instead, when it has one."""
    try:
        # UTS #46 non-transitional, as browsers map names (ß stays ß, not ss).
        ascii_host = idna.encode(hostname, uts46=True, transitional=False).decode()
    except idna.IDNAError:
        return f"'{entry}' is not an origin like {EXAMPLE}"
    written = origin.replace(hostname, ascii_host, 1)
    return f"'{entry}' has a host browsers send in its ASCII form: write {written}"
