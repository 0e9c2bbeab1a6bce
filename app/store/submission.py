"""A submission as the rest of the app sees it: decoded from a row, or about to be stored."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.store.schema import PENDING, utcnow


@dataclass
class Submission:
    """One stored submission, its JSON columns decoded; times are naive UTC."""

    id: str
    widget_id: str
    state: str
    lead_type: str
    created_at: datetime
    payload: dict[str, Any] | None
    attribution: dict[str, str]
    consent: dict[str, Any]
    slots: list[str]
    attempts: int
    last_error: str | None
    valuation: dict[str, Any] | None
    rejection: dict[str, Any] | None
    delivered_at: datetime | None
    maybe_sent_before: bool
    claimed_until: datetime | None = None

    def attempt_under_way(self, now: datetime | None = None) -> bool:
        """Someone holds a live claim: an attempt may be in flight right now."""
        return self.claimed_until is not None and self.claimed_until > (now or utcnow())

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> Submission:
        """Decode a row of `submissions` (all columns)."""

        def loads(value: str | None) -> Any:
            return json.loads(value) if value else None

        return cls(
            id=row.id,
            widget_id=row.widget_id,
            state=row.state,
            lead_type=row.lead_type,
            created_at=row.created_at,
            payload=loads(row.payload),
            attribution=loads(row.attribution) or {},
            consent=loads(row.consent) or {},
            slots=loads(row.slots) or [],
            attempts=row.attempts,
            last_error=row.last_error,
            valuation=loads(row.valuation),
            rejection=loads(row.rejection),
            delivered_at=row.delivered_at,
            maybe_sent_before=bool(row.maybe_sent_before),
            claimed_until=row.claimed_until,
        )


@dataclass(frozen=True)
class NewSubmission:
    """What the pipeline stores before calling the Lead API; `email` only feeds the digest."""

    id: str
    widget_id: str
    lead_type: str
    payload: dict[str, Any]
    email: str
    attribution: dict[str, str]
    consent: dict[str, Any]
    slots: list[str]

    def as_stored(
        self, created_at: datetime, claimed_until: datetime | None, state: str = PENDING
    ) -> Submission:
        """The Submission its first row holds: pending (or held), no attempt yet."""
        return Submission(
            id=self.id,
            widget_id=self.widget_id,
            state=state,
            lead_type=self.lead_type,
            created_at=created_at,
            payload=self.payload,
            attribution=self.attribution,
            consent=self.consent,
            slots=self.slots,
            attempts=0,
            last_error=None,
            valuation=None,
            rejection=None,
            delivered_at=None,
            maybe_sent_before=False,
            claimed_until=claimed_until,
        )
