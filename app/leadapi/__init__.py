"""Lead Pro's Lead API: the request contract (`contract`), the answer (`valuation`), the ways a
call fails (`errors`) and the client that sends leads (`client`).

Other modules import from here; the submodules are where each rule lives.
"""

from __future__ import annotations

from app.leadapi.client import LeadApiClient, Upstream, build_http_client
from app.leadapi.contract import (
    ALL_LEAD_TYPES,
    AVAILABILITY_MAX_BYTES,
    DEFAULT_SOURCE,
    FIELDS,
    LEAD_TYPES,
    META_MAX_BYTES,
    PROPERTY_TYPES,
    QUESTIONNAIRE_MAX_BYTES,
    SOURCES,
    UTM_FIELDS,
    VALUATION_PATH,
    FieldRule,
    LeadRequest,
    LeadType,
    PropertyType,
    Source,
    ValuationType,
    json_size,
    utc_instant,
)
from app.leadapi.errors import (
    LeadApiError,
    LeadRejected,
    UpstreamMisconfigured,
    UpstreamUnavailable,
)
from app.leadapi.valuation import Estimate, Valuation

__all__ = [
    "ALL_LEAD_TYPES",
    "AVAILABILITY_MAX_BYTES",
    "DEFAULT_SOURCE",
    "FIELDS",
    "LEAD_TYPES",
    "META_MAX_BYTES",
    "PROPERTY_TYPES",
    "QUESTIONNAIRE_MAX_BYTES",
    "SOURCES",
    "UTM_FIELDS",
    "VALUATION_PATH",
    "Estimate",
    "FieldRule",
    "LeadApiClient",
    "LeadApiError",
    "LeadRejected",
    "LeadRequest",
    "LeadType",
    "PropertyType",
    "Source",
    "Upstream",
    "UpstreamMisconfigured",
    "UpstreamUnavailable",
    "Valuation",
    "ValuationType",
    "build_http_client",
    "json_size",
    "utc_instant",
]
