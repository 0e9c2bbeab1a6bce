"""The journey's funnel: how many homeowners see, complete and leave backwards each step.

Counts only (`widget_journey_steps_total{widget, step, event}`): no answer, postcode or id.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.journey.steps import STEPS, Step
from app.metrics import JOURNEY_STEPS

EVENTS = ("viewed", "completed", "went_back")


def declare_widgets(widget_ids: Iterable[str]) -> None:
    """Create every widget's series for every step and event at 0, so a dashboard shows a step
    nobody has reached yet as 0, not as missing."""
    for widget_id in widget_ids:
        for step in STEPS:
            for event in EVENTS:
                JOURNEY_STEPS.labels(widget_id, step, event)


def viewed(widget_id: str, step: Step) -> None:
    """A step's page was shown (again, after an error, counts again)."""
    JOURNEY_STEPS.labels(widget_id, step.name, "viewed").inc()


def completed(widget_id: str, step: Step) -> None:
    """A step's answers passed its checks (or it was skipped) and the next page follows."""
    JOURNEY_STEPS.labels(widget_id, step.name, "completed").inc()


def went_back(widget_id: str, step: Step) -> None:
    """The homeowner pressed Back (or Change) on a step."""
    JOURNEY_STEPS.labels(widget_id, step.name, "went_back").inc()
