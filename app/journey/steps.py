"""The journey's steps: which questions each asks, in which order, and where Back goes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app.validation import question_field
from app.widgets import Widget

StepName = Literal["postcode", "address", "manual-address", "property", "visit", "details"]


@dataclass(frozen=True)
class Step:
    """One page of the journey: `name` (its URL segment and template `step_<name>.html`),
    `heading` (its `<h1>` and title), and the answers it asks for (`fields`)."""

    name: StepName
    heading: str
    base_fields: tuple[str, ...]

    def fields(self, widget: Widget) -> tuple[str, ...]:
        """The names of this step's answers for `widget`: the sell-or-let choice only where the
        widget does not fix it, the agency's own questions on the property step."""
        if self.name == "postcode" and widget.lead_type == "choose":
            return ("type", *self.base_fields)
        if self.name == "property":
            return (*self.base_fields, *(question_field(q.id) for q in widget.questions))
        return self.base_fields

    @property
    def template(self) -> str:
        return f"step_{self.name.replace('-', '_')}.html"


# The answers the manual entry adds, kept to show back; `address` is made from them.
MANUAL_ADDRESS_FIELDS = ("address_line_1", "address_line_2", "town", "postcode")
DETAILS_FIELDS = ("title", "first_name", "last_name", "email", "phone", "message", "gdpr_checkbox")

STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        Step("postcode", "What is the property’s postcode?", ("postcode",)),
        Step("address", "Select the address", ("address_key",)),
        Step("manual-address", "Enter the address", MANUAL_ADDRESS_FIELDS),
        Step("property", "About the property", ("property_type", "property_bedrooms")),
        Step("visit", "When could an agent visit?", ("appointment_availability",)),
        Step("details", "Your details", DETAILS_FIELDS),
    )
}
FIRST_STEP = STEPS["postcode"]
# The order of the pages a homeowner passes; the address is one page, listed or typed.
ORDER: tuple[StepName, ...] = ("postcode", "address", "property", "visit", "details")


def step_named(name: str) -> Step | None:
    """The step whose URL segment is `name`, or None."""
    return STEPS.get(name)


def next_step(step: Step) -> Step:
    """The page after `step` once it is answered (the postcode step's next page depends on the
    lookup: the route decides between the list and manual entry)."""
    position = ORDER.index(_in_order(step))
    return STEPS[ORDER[min(position + 1, len(ORDER) - 1)]]


def previous_step(step: Step, typed_address: bool) -> Step:
    """Where Back goes from `step`: the page before it, the manual entry when the homeowner
    typed the address (`typed_address`), the postcode step from the first."""
    position = ORDER.index(_in_order(step))
    before = STEPS[ORDER[max(position - 1, 0)]]
    if before.name == "address" and typed_address:
        return STEPS["manual-address"]
    return before


def step_asking(name: str, widget: Widget) -> Step:
    """The step that asks for answer `name` (`address` and its parts: the address pages);
    the details step for anything else. Used to show an error of the final press where it
    can be put right."""
    if name in ("address", "address_key"):
        return STEPS["address"]
    for step_name in ORDER:
        if name in STEPS[step_name].fields(widget):
            return STEPS[step_name]
    if name in MANUAL_ADDRESS_FIELDS:
        return STEPS["manual-address"]
    return STEPS["details"]


def _in_order(step: Step) -> StepName:
    return "address" if step.name == "manual-address" else step.name
