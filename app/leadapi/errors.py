"""The three ways creating a lead fails, which the rest of the app acts on differently.

- `LeadRejected`: the upstream refused the homeowner's data (4xx with reasons);
- `UpstreamMisconfigured`: the operator's set-up is wrong (401/403/404): log loudly, retry later;
- `UpstreamUnavailable`: transient (5xx, 429, timeouts, connection errors): retry later.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class LeadApiError(Exception):
    """Base of every failure to create a lead."""


@dataclass
class LeadRejected(LeadApiError):
    """The upstream refused the data: the homeowner (or our validation) must change it.

    `errors` maps a field name to the upstream's messages for it (empty when none were given).
    """

    status: int
    message: str
    errors: dict[str, list[str]] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"Lead API refused the lead ({self.status}): {self.message}"


@dataclass
class UpstreamMisconfigured(LeadApiError):
    """Our set-up is wrong (bad key, wrong base URL): nothing the homeowner can fix."""

    status: int
    message: str

    def __str__(self) -> str:
        return f"Lead API set-up error ({self.status}): {self.message}"


@dataclass
class UpstreamUnavailable(LeadApiError):
    """A transient failure. `maybe_delivered` when the request may have reached the upstream
    (it was sent, or partly sent, before the reply was lost); `status` for an HTTP answer."""

    reason: str
    maybe_delivered: bool = False
    status: int | None = None

    def __str__(self) -> str:
        return f"Lead API unavailable: {self.reason}"
