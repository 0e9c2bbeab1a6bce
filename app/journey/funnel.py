"""The journey's funnel: how many homeowners see, complete and leave backwards each step.

Counts only (`widget_journey_steps_total{widget, step, event}`): no answer, postcode or id.
"""

from __future__ import annotations

from app.journey.steps import Step
from app.metrics import JOURNEY_STEPS


def viewed(widget_id: str, step: Step) -> None:
    """A step's page was shown (again, after an error, counts again)."""
    JOURNEY_STEPS.labels(widget_id, step.name, "viewed").inc()


def completed(widget_id: str, step: Step) -> None:
    """A step's answers passed its checks (or it was skipped) and the next page follows."""
    JOURNEY_STEPS.labels(widget_id, step.name, "completed").inc()


def went_back(widget_id: str, step: Step) -> None:
    """The homeowner pressed Back (or Change) on a step."""
    JOURNEY_STEPS.labels(widget_id, step.name, "went_back").inc()
