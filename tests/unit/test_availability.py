"""Appointment slots: UK days, UTC hours across the clock changes, and the 1,024-byte limit."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from app.availability import (
    DAYS_OFFERED,
    MAX_SLOTS,
    SLOT_KINDS,
    Slot,
    availability_body,
    is_offered,
    offered_days,
    offered_slots_by_day,
    parse_slot,
    uk_today,
)
from app.leadapi import AVAILABILITY_MAX_BYTES, LeadRequest, json_size

KINDS = {kind.key: kind for kind in SLOT_KINDS}
INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$")


def hours(day: str, first: int, count: int = 4) -> list[str]:
    return [f"{day}T{first + n:02d}:00:00.000Z" for n in range(count)]


CLOCK_CHANGES = [
    # (day, slot, expected UTC hours)
    (date(2026, 3, 28), "morning", hours("2026-03-28", 8)),  # last Saturday of GMT
    (date(2026, 3, 29), "morning", hours("2026-03-29", 7)),  # BST from 01:00 UTC
    (date(2026, 10, 24), "morning", hours("2026-10-24", 7)),  # still BST
    (date(2026, 10, 25), "morning", hours("2026-10-25", 8)),  # GMT again
    (date(2026, 3, 28), "afternoon", hours("2026-03-28", 12)),
    (date(2026, 3, 29), "afternoon", hours("2026-03-29", 11)),
    (date(2026, 3, 28), "evening", hours("2026-03-28", 16)),
    (date(2026, 3, 29), "evening", hours("2026-03-29", 15)),
    (date(2026, 10, 24), "evening", hours("2026-10-24", 15)),
    (date(2026, 10, 25), "evening", hours("2026-10-25", 16)),
    (date(2026, 1, 15), "morning", hours("2026-01-15", 8)),
    (date(2026, 7, 15), "morning", hours("2026-07-15", 7)),
]


@pytest.mark.parametrize(
    ("day", "kind", "expected"),
    CLOCK_CHANGES,
    ids=[f"{day:%a-%d-%b-%Y}-{kind}" for day, kind, _ in CLOCK_CHANGES],
)
def test_uk_slot_becomes_utc_hours_across_the_clock_changes(
    day: date, kind: str, expected: list[str]
) -> None:
    assert Slot(day, KINDS[kind]).utc_hours() == expected


def test_utc_hours_have_the_contracts_exact_format() -> None:
    for kind in SLOT_KINDS:
        for hour in Slot(date(2026, 3, 29), kind).utc_hours():
            assert INSTANT.match(hour), hour


def test_slot_kinds_cover_8am_to_8pm_in_four_hour_blocks() -> None:
    assert [(k.key, k.start_hour, k.end_hour) for k in SLOT_KINDS] == [
        ("morning", 8, 12),
        ("afternoon", 12, 16),
        ("evening", 16, 20),
    ]
    assert [k.hours_label for k in SLOT_KINDS] == ["8am to 12pm", "12pm to 4pm", "4pm to 8pm"]


def test_slot_label_names_the_day_and_the_hours() -> None:
    slot = Slot(date(2026, 3, 29), KINDS["morning"])

    assert slot.label == "Sunday 29 March, morning (8am to 12pm)"
    assert slot.value == "2026-03-29/morning"


# --- the 1,024-byte limit ----------------------------------------------------------------


def real_slots(count: int) -> list[Slot]:
    """`count` distinct slots on consecutive days, as a homeowner could tick them."""
    start = date(2026, 3, 21)
    every = [
        Slot(start + timedelta(days=offset), kind)
        for offset in range(DAYS_OFFERED)
        for kind in SLOT_KINDS
    ]
    assert count <= len(every)
    return every[:count]


def test_max_slots_is_positive_and_no_more_than_every_offered_slot() -> None:
    assert 1 <= MAX_SLOTS <= DAYS_OFFERED * len(SLOT_KINDS)


def test_max_slots_real_slots_fit_the_1024_byte_limit() -> None:
    body = availability_body(real_slots(MAX_SLOTS))

    assert body is not None
    assert len(body["hours"]) == MAX_SLOTS * 4
    assert json_size(body) <= AVAILABILITY_MAX_BYTES


def test_one_slot_more_than_max_slots_would_not_fit() -> None:
    body = availability_body(real_slots(MAX_SLOTS + 1))

    assert body is not None
    assert json_size(body) > AVAILABILITY_MAX_BYTES


def test_lead_request_accepts_max_slots_and_refuses_one_more() -> None:
    base = {
        "type": "vendor",
        "first_name": "Marla",
        "last_name": "Singer",
        "email": "cloud9@cloud.com",
        "phone": "07986000000",
        "postcode": "DE1 1JX",
    }
    LeadRequest(**base, appointment_availability=availability_body(real_slots(MAX_SLOTS)))

    with pytest.raises(ValueError, match="1024 bytes"):
        LeadRequest(**base, appointment_availability=availability_body(real_slots(MAX_SLOTS + 1)))


def test_max_slots_holds_across_the_clock_change() -> None:
    start = date(2026, 10, 20)
    slots = [Slot(start + timedelta(days=n), KINDS["evening"]) for n in range(MAX_SLOTS)]

    body = availability_body(slots)

    assert body is not None
    assert json_size(body) <= AVAILABILITY_MAX_BYTES


def test_availability_body_is_none_without_slots() -> None:
    assert availability_body([]) is None


def test_availability_body_lists_each_hour_once_in_time_order() -> None:
    evening = Slot(date(2026, 3, 22), KINDS["evening"])
    morning = Slot(date(2026, 3, 21), KINDS["morning"])

    body = availability_body([evening, morning, evening])

    assert body == {"hours": hours("2026-03-21", 8) + hours("2026-03-22", 16)}


# --- which days are offered --------------------------------------------------------------

OFFERED = [
    # (now, first offered day)
    (datetime(2026, 7, 14, 12, 0, tzinfo=UTC), date(2026, 7, 15)),
    (datetime(2026, 7, 14, 22, 59, tzinfo=UTC), date(2026, 7, 15)),  # 23:59 BST
    (datetime(2026, 7, 14, 23, 0, tzinfo=UTC), date(2026, 7, 16)),  # 00:00 BST
    (datetime(2026, 7, 14, 23, 30, tzinfo=UTC), date(2026, 7, 16)),  # 00:30 BST
    (datetime(2026, 1, 14, 23, 30, tzinfo=UTC), date(2026, 1, 15)),  # 23:30 GMT
    (datetime(2026, 1, 15, 0, 0, tzinfo=UTC), date(2026, 1, 16)),  # midnight GMT
    (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), date(2026, 3, 29)),  # GMT, night of change
    (datetime(2026, 3, 29, 23, 30, tzinfo=UTC), date(2026, 3, 31)),  # first BST night
]


@pytest.mark.parametrize(
    ("now", "first"), OFFERED, ids=[f"{now:%Y-%m-%dT%H:%MZ}" for now, _ in OFFERED]
)
def test_offered_days_are_fourteen_days_starting_tomorrow_in_uk_time(
    now: datetime, first: date
) -> None:
    days = offered_days(now)

    assert len(days) == 14
    assert days[0] == first
    assert days == [first + timedelta(days=n) for n in range(14)]


def test_uk_today_is_the_date_in_london_not_in_utc() -> None:
    assert uk_today(datetime(2026, 7, 14, 23, 30, tzinfo=UTC)) == date(2026, 7, 15)
    assert uk_today(datetime(2026, 1, 14, 23, 30, tzinfo=UTC)) == date(2026, 1, 14)


def test_offered_slots_by_day_give_every_kind_on_every_offered_day() -> None:
    now = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)

    by_day = offered_slots_by_day(now)

    assert [day for day, _ in by_day] == offered_days(now)
    for day, slots in by_day:
        assert [slot.kind for slot in slots] == list(SLOT_KINDS)
        assert all(slot.day == day for slot in slots)


# --- form values -------------------------------------------------------------------------


def test_every_offered_slot_value_parses_back_to_the_same_slot() -> None:
    now = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
    for _, slots in offered_slots_by_day(now):
        for slot in slots:
            assert parse_slot(slot.value) == slot
            assert is_offered(slot, now)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "morning",
        "2026-03-29",
        "2026-03-29/",
        "2026-03-29/noon",
        "2026-02-30/morning",
        "yesterday/morning",
        "2026-03-29/MORNING",
    ],
)
def test_malformed_slot_value_parses_to_none(value: str) -> None:
    assert parse_slot(value) is None


@pytest.mark.parametrize(
    ("offset", "offered"),
    [(-1, False), (0, True), (1, True), (14, True), (15, True), (16, False), (365, False)],
    ids=[
        "yesterday",
        "today-grace",
        "tomorrow",
        "last-offered",
        "one-day-grace",
        "beyond-grace",
        "a-year-ahead",
    ],
)
def test_slot_is_offered_only_within_the_window_and_its_day_of_grace(
    offset: int, offered: bool
) -> None:
    now = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
    slot = Slot(date(2026, 3, 20) + timedelta(days=offset), KINDS["morning"])

    assert is_offered(slot, now) is offered
