"""When an agent may visit: the slots offered, in UK time, and their conversion to UTC hours.

A slot ("Morning, 8am to 12pm" on a given day) becomes one UTC instant per hour it covers, which is
what the contract's `appointment_availability.hours` holds. Local hours are converted through
Europe/London, so the same "8am" is 08:00Z in winter and 07:00Z in summer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.leadapi import AVAILABILITY_MAX_BYTES, json_size, utc_instant

UK = ZoneInfo("Europe/London")
DAYS_OFFERED = 14


@dataclass(frozen=True)
class SlotKind:
    key: str
    label: str
    start_hour: int
    end_hour: int

    @property
    def hours_label(self) -> str:
        return f"{_clock(self.start_hour)} to {_clock(self.end_hour)}"


SLOT_KINDS = (
    SlotKind("morning", "Morning", 8, 12),
    SlotKind("afternoon", "Afternoon", 12, 16),
    SlotKind("evening", "Evening", 16, 20),
)
_KINDS_BY_KEY = {kind.key: kind for kind in SLOT_KINDS}


@dataclass(frozen=True)
class Slot:
    day: date
    kind: SlotKind

    @property
    def value(self) -> str:
        """The form value, e.g. `2026-03-29/morning`."""
        return f"{self.day.isoformat()}/{self.kind.key}"

    @property
    def label(self) -> str:
        day = f"{self.day:%A} {self.day.day} {self.day:%B}"
        return f"{day}, {self.kind.label.lower()} ({self.kind.hours_label})"

    def utc_hours(self) -> list[str]:
        return [
            utc_instant(datetime.combine(self.day, time(hour), tzinfo=UK))
            for hour in range(self.kind.start_hour, self.kind.end_hour)
        ]


def _clock(hour: int) -> str:
    if hour == 12:
        return "12pm"
    return f"{hour % 12}{'am' if hour < 12 else 'pm'}"


def uk_today(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(UK).date()


def offered_days(now: datetime | None = None) -> list[date]:
    """The days a homeowner can choose: tomorrow and the 13 days after it, in UK time."""
    start = uk_today(now) + timedelta(days=1)
    return [start + timedelta(days=offset) for offset in range(DAYS_OFFERED)]


def max_slots() -> int:
    """How many slots fit the contract's 1,024-byte limit, counted on a worst-case slot."""
    widest = max(SLOT_KINDS, key=lambda kind: kind.end_hour - kind.start_hour)
    sample = Slot(date(2026, 1, 1), widest).utc_hours()
    count = 0
    while json_size({"hours": sample * (count + 1)}) <= AVAILABILITY_MAX_BYTES:
        count += 1
    return count


MAX_SLOTS = max_slots()


def parse_slot(value: str) -> Slot | None:
    """The slot a form value names, or None when it is not a well-formed slot value."""
    day_text, _, kind_key = value.partition("/")
    kind = _KINDS_BY_KEY.get(kind_key)
    if not re.fullmatch(r"\d{4}-\d\d-\d\d", day_text):
        return None  # one spelling per day, so a slot cannot be counted twice
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        return None
    return Slot(day, kind) if kind else None


def is_offered(slot: Slot, now: datetime | None = None) -> bool:
    """Whether a slot is still in the offered window (a day of grace for a form left open)."""
    today = uk_today(now)
    return today <= slot.day <= today + timedelta(days=DAYS_OFFERED + 1)


def availability_body(slots: list[Slot]) -> dict[str, list[str]] | None:
    """The contract's `{"hours": [...]}` for the chosen slots, or None when none were chosen."""
    if not slots:
        return None
    hours = sorted({hour for slot in slots for hour in slot.utc_hours()})
    return {"hours": hours}


def offered_slots_by_day(now: datetime | None = None) -> list[tuple[date, list[Slot]]]:
    return [(day, [Slot(day, kind) for kind in SLOT_KINDS]) for day in offered_days(now)]
