"""What the sandbox received: accepted leads, kept in memory for tests and demos to inspect."""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

Endpoint = Literal["valuation", "leads"]
Outcome = Literal["accepted", "rejected", "failed_injected"]


@dataclass(frozen=True)
class LeadRecord:
    id: int
    endpoint: Endpoint
    received_at: str
    api_key: str
    body: dict[str, Any]  # exactly as received
    source: str  # after the fallback to "ivt"
    office_id: str | int | None  # the office the lead was routed to

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Stats:
    """Counts of lead submissions (POST /leads/valuation and POST /leads) by outcome."""

    received: int = 0
    accepted: int = 0
    rejected: int = 0
    failed_injected: int = 0

    def count(self, outcome: Outcome) -> None:
        self.received += 1
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass
class RecordStore:
    leads: list[LeadRecord] = field(default_factory=list)
    stats: Stats = field(default_factory=Stats)
    # Ids keep rising across clears, so an id seen before a reset never names another lead.
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def add(
        self,
        endpoint: Endpoint,
        api_key: str,
        body: dict[str, Any],
        source: str,
        office_id: str | int | None,
    ) -> LeadRecord:
        record = LeadRecord(
            id=next(self._ids),
            endpoint=endpoint,
            received_at=datetime.now(UTC).isoformat(timespec="milliseconds"),
            api_key=api_key,
            body=body,
            source=source,
            office_id=office_id,
        )
        self.leads.append(record)
        return record

    def find(self, meta_key: str | None = None, meta_value: str | None = None) -> list[LeadRecord]:
        """All leads, or those whose meta has ``meta_key`` (equal to ``meta_value`` if given)."""
        if meta_key is None:
            return list(self.leads)

        def matches(lead: LeadRecord) -> bool:
            meta = lead.body.get("meta")
            if not isinstance(meta, dict) or meta_key not in meta:
                return False
            return meta_value is None or meta[meta_key] == meta_value

        return [lead for lead in self.leads if matches(lead)]

    def clear(self) -> None:
        self.leads.clear()
        self.stats = Stats()
