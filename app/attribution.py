"""Which page and campaign brought the homeowner: `host` and the `utm_*` values.

Values come from the iframe URL (the loader fills them in), are checked against the widget's
allowed origins, trimmed to the contract's limits in a way that keeps their meaning, and then
carried, signed, inside the form token so they cannot be altered in transit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from urllib.parse import urlsplit, urlunsplit

from app.leadapi import UTM_FIELDS
from app.origins import origin_of
from app.validation import normalise_text
from app.validation.fields import max_length
from app.widgets import Widget

# The contract's limit on `host`; each utm_* value is trimmed to its own (the same today).
MAX_LENGTH = max_length("host")


@dataclass(frozen=True)
class Attribution:
    host: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    utm_term: str | None = None
    utm_content: str | None = None

    def as_dict(self) -> dict[str, str]:
        # Not dataclasses.asdict: its recursive copy was 5% of the form page's CPU.
        return {name: value for name in ATTRIBUTION_FIELDS if (value := getattr(self, name))}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Attribution:
        return cls(**{name: str(data[name]) for name in ATTRIBUTION_FIELDS if data.get(name)})


# `host` and the utm_* values: the form's hidden inputs and the token's attribution.
ATTRIBUTION_FIELDS = tuple(field.name for field in fields(Attribution))
if ("host", *UTM_FIELDS) != ATTRIBUTION_FIELDS:
    raise ValueError("Attribution must carry `host` and exactly the contract's utm_* fields")


def trim_url(url: str, limit: int = MAX_LENGTH) -> str:
    """Fit a URL in `limit` characters: drop its fragment, then its query, before cutting it."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.fragment:
        parts = parts._replace(fragment="")
        url = urlunsplit(parts)
    if len(url) > limit and parts.query:
        url = urlunsplit(parts._replace(query=""))
    return url[:limit]


def trim_text(value: str, limit: int = MAX_LENGTH) -> str | None:
    """A campaign value as the answers' text is read (`normalise_text`), cut to `limit`."""
    return normalise_text(value)[:limit].rstrip() or None


def resolve_host(
    claimed: str | None,
    referer: str | None,
    widget: Widget,
    own_origin: str | None,
    form_address: str | None = None,
) -> str | None:
    """The page the homeowner was on, as far as we can believe it.

    In order: the claimed `host` (the loader's page address) when its origin may frame the
    widget; else the Referer's origin when it is one of the widget's allowed origins (a link on
    the agency's site); else `form_address`, the widget's own form page (a direct visit: a
    bookmark, an email link), so the agency's reports still say where the lead came from. The
    JSON API has no form page and passes None.
    """
    if claimed and widget.trusts(origin_of(claimed), own_origin):
        return trim_url(claimed)
    referer_origin = origin_of(referer) if referer else None
    if widget.trusts(referer_origin, own_origin) and referer_origin != own_origin:
        return referer_origin
    return trim_url(form_address) if form_address else None


def attribution_from_request(
    params: Mapping[str, str],
    referer: str | None,
    widget: Widget,
    own_origin: str | None,
    form_address: str | None = None,
) -> Attribution:
    """`host` (see resolve_host) and the utm_* values of a request's parameters."""
    utms = {
        name: trim_text(value, max_length(name)) if (value := params.get(name)) else None
        for name in UTM_FIELDS
    }
    host = resolve_host(params.get("host"), referer, widget, own_origin, form_address)
    return Attribution(host=host, **utms)
