"""The journey's presses: `POST /w/{widget}/steps/{step}` checks one step and shows the next.

Each press carries the form token, the other steps' answers (signed) and this step's answers.
Continue checks this step's answers only (`app.validation`), then shows the next page; `go`
names the other ways on: `back`, `manual` (type the address), `skip` (the visit), and
`change-<step>` (from the details page's summary). Nothing is stored: the final press, with
consent, goes to `POST /w/{widget}` (`app.routes.form`), which checks every answer again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from app import admission
from app.addresses.lookup import Lookup
from app.deps import Services, ServicesDep, WidgetDep
from app.journey import funnel
from app.journey.answers import (
    JourneyAnswers,
    ListedAddress,
    chosen_address,
    typed_address,
    with_answers,
    with_chosen_address,
    with_typed_address,
)
from app.journey.steps import STEPS, Step, next_step, previous_step, step_asking, step_named
from app.pages.form import cross_site_page, form_not_checked_page
from app.pages.steps import AddressChoice, render_step
from app.security import client_ip, own_origin
from app.tokens import FormToken, TokenExpired, TokenInvalid
from app.validation import validate_fields, validate_manual_address
from app.widgets import Widget

router = APIRouter(include_in_schema=False)

STEP_EXPIRED_NOTICE = (
    "For your security, this page timed out. Your answers are still here: check them and continue."
)
UNKNOWN_POSTCODE = "We could not find this postcode. Check it and enter it again"
NO_ADDRESSES = "We could not find any addresses for {postcode}. Enter the address below."
LOOKUP_UNAVAILABLE = (
    "We cannot look up addresses just now, so please enter the address below. "
    "Your other answers are kept."
)
CHOSEN_KEPT = (
    "We cannot look up the other addresses just now. The address you chose is kept below."
)
NOT_LISTED = "Select the address, or select ‘My address is not listed’"


@dataclass(frozen=True)
class Journey:
    """One homeowner's journey at one press: what a page needs to be drawn, and the answers."""

    request: Request
    services: Services
    widget: Widget
    token: str
    form_token: FormToken
    answers: JourneyAnswers
    return_to: str | None = None
    listed: tuple[ListedAddress, ...] = ()  # the address list the pressed page carried

    def show(
        self,
        step: Step,
        *,
        errors: Mapping[str, str] | None = None,
        notice: str | None = None,
        choice: AddressChoice | None = None,
        status_code: int = 200,
    ) -> Response:
        """`step`'s page with the answers so far (counted as viewed)."""
        funnel.viewed(self.widget.id, step)
        return render_step(
            self.request,
            self.services,
            self.widget,
            step,
            self.token,
            self.form_token,
            self.answers,
            errors=errors,
            notice=notice,
            choice=choice,
            return_to=self.return_to,
            status_code=status_code,
        )

    async def show_step(
        self,
        step: Step,
        *,
        errors: Mapping[str, str] | None = None,
        notice: str | None = None,
        status_code: int = 200,
    ) -> Response:
        """`step`'s page; for the address list, the one the pressed page carried, else looked
        up again (from the cache), else manual entry when there is no list any more."""
        if step.name != "address":
            return self.show(step, errors=errors, notice=notice, status_code=status_code)
        if self.listed:
            choice = AddressChoice(self.listed)
            return self.show(
                step, errors=errors, notice=notice, choice=choice, status_code=status_code
            )
        lookup = await self.lookup(str(self.answers.get("postcode", "")))
        if not lookup.found and (chosen := chosen_address(self.answers)) is not None:
            # No list now (the provider fails, a cold cache): the address chosen before stays
            # offered, with the way to type another.
            return self.show(
                step,
                errors=errors,
                notice=notice or CHOSEN_KEPT,
                choice=AddressChoice((chosen,)),
                status_code=status_code,
            )
        if not lookup.found:
            return self.show_manual_entry(lookup, notice=notice)
        return self.show(
            step,
            errors=errors,
            notice=notice,
            choice=_listing(lookup),
            status_code=status_code,
        )

    def show_manual_entry(self, lookup: Lookup | None, notice: str | None = None) -> Response:
        """Manual entry, with a calm line saying why there is no list (none when the homeowner
        chose it, or when the widget's lookup is off)."""
        return self.show(
            STEPS["manual-address"], notice=notice, choice=AddressChoice(manual_reason=_why(lookup))
        )

    async def show_after(self, step: Step) -> Response:
        """The page after `step` was answered: the details page again when a Change link
        brought the homeowner here, else the next step."""
        funnel.completed(self.widget.id, step)
        if self.return_to == "details" and step.name != "postcode":
            return self.show(STEPS["details"])
        return await self.show_step(next_step(step))

    async def show_errors(
        self, errors: Mapping[str, str], notice: str | None = None, status_code: int = 422
    ) -> Response:
        """The page that asks for the first answer in `errors` (the final press re-checks every
        step), with the errors of that page."""
        first = next(iter(errors), "form")
        step = step_asking(first, self.widget)
        if step.name == "address" and typed_address(self.answers):
            step = STEPS["manual-address"]
        if "address" in errors:  # the lead's line is made on these pages: shown on their field
            field = "address_line_1" if step.name == "manual-address" else "address_key"
            errors = {field: errors["address"], **errors}
        return await self.show_step(step, errors=errors, notice=notice, status_code=status_code)

    async def lookup(self, postcode: str) -> Lookup:
        client = client_ip(self.request, self.services.settings.trusted_proxies)
        return await self.services.addresses.find(self.widget.id, postcode, client)


def _why(lookup: Lookup | None) -> str | None:
    if lookup is None or lookup.outcome in ("off", "found"):
        return None
    if lookup.outcome == "no_addresses":
        return NO_ADDRESSES.format(postcode=lookup.postcode)
    return LOOKUP_UNAVAILABLE


def step_answers(form: FormData, names: tuple[str, ...]) -> JourneyAnswers:
    """This page's answers as pressed: every field of the step, "" (or no times) when the
    browser sent nothing for it (an unticked box is not sent at all)."""
    answers: JourneyAnswers = {}
    for name in names:
        values = [v for v in form.getlist(name) if isinstance(v, str)]
        answers[name] = values if name == "appointment_availability" else next(iter(values), "")
    return answers


def carried_answers(services: Services, form: FormData, widget: Widget) -> JourneyAnswers:
    """The other steps' answers the page carried signed; {} on the first page.
    Raises TokenInvalid when they were changed or are another widget's."""
    carried = form.get("answers")
    if not isinstance(carried, str) or not carried:
        return {}
    return services.signer.read_answers(carried, widget.id)


@dataclass(frozen=True)
class Press:
    """A press of a journey page's form that passed admission: the form as posted, its token
    (read: genuine, perhaps expired) and the other steps' answers it carried."""

    form: FormData
    token: str
    form_token: FormToken | TokenExpired
    carried: JourneyAnswers
    listed: tuple[ListedAddress, ...]


async def admit_press(request: Request, services: Services, widget: Widget) -> Press | Response:
    """The press, if it may go on: posted from our own pages (`admission.forged`) with a
    genuine token and unchanged carried answers. Otherwise the page that refuses it: 403 for
    another site, 400 "start again" for a token or answers that are not ours."""
    own = own_origin(request, services.settings.public_url)
    if admission.forged(request, widget, own, "form"):
        return cross_site_page(request, services, widget)
    form = await request.form()
    token = str(form.get("token", ""))
    try:
        form_token = admission.read_form_token(services, token, widget)
        carried = carried_answers(services, form, widget)
        listed = listed_addresses(services, form, widget)
    except TokenInvalid:
        return form_not_checked_page(request, services, widget)
    return Press(form, token, form_token, carried, listed)


@router.post("/w/{widget_id}/steps/{step_name}")
async def press_step(
    request: Request, widget: WidgetDep, services: ServicesDep, step_name: str
) -> Response:
    step = step_named(step_name)
    if step is None:
        raise HTTPException(404)
    press = await admit_press(request, services, widget)
    if isinstance(press, Response):
        return press
    form, token, form_token, carried = press.form, press.token, press.form_token, press.carried
    pressed = step_answers(form, step.fields(widget))
    return_to = "details" if form.get("return_to") == "details" else None
    if isinstance(form_token, TokenExpired):
        answers = with_answers(carried, **pressed)
        return await show_expired(request, services, widget, form_token, answers, step)
    journey = Journey(
        request, services, widget, token, form_token, carried, return_to, press.listed
    )
    go = str(form.get("go", ""))
    if go:
        return await _go(journey, step, go, pressed)
    return await _continue(journey, step, pressed)


async def _go(journey: Journey, step: Step, go: str, pressed: JourneyAnswers) -> Response:
    """Back, Change, manual entry or skip: this page's answers are kept as they are (checked
    when the homeowner continues, and all again at the final press)."""
    kept = replace(journey, answers=with_answers(journey.answers, **pressed))
    if go == "skip" and step.name == "visit":
        return await replace(
            kept, answers=with_answers(kept.answers, appointment_availability=[])
        ).show_after(step)
    if go == "manual" and step.name in ("postcode", "address"):
        return kept.show_manual_entry(None)
    if go.startswith("change-") and (target := step_named(go.removeprefix("change-"))):
        funnel.went_back(journey.widget.id, step)
        return await replace(kept, return_to="details").show_step(target)
    if go != "back":  # not a button of this page: show it again, answers kept
        return await kept.show_step(step)
    funnel.went_back(journey.widget.id, step)
    if journey.return_to == "details" and step.name != "details":
        return kept.show(STEPS["details"])
    return await replace(kept, return_to=None).show_step(
        previous_step(step, typed_address(kept.answers))
    )


async def _continue(journey: Journey, step: Step, pressed: JourneyAnswers) -> Response:
    if step.name == "manual-address":
        typed = validate_manual_address(pressed)
        if typed.address is None:
            kept = replace(journey, answers=with_answers(journey.answers, **typed.values))
            return kept.show(step, errors=typed.errors, status_code=422)
        answers = with_typed_address(journey.answers, typed.address, typed.values)
        return await replace(journey, answers=answers).show_after(step)
    if step.name == "address":
        key = str(pressed.get("address_key", ""))
        return await _choose_address(journey, step, key)
    if step.name == "details":  # the main button posts to the final press, not here
        return journey.show(step)
    checked = validate_fields(pressed, journey.widget, step.fields(journey.widget))
    answers = with_answers(journey.answers, **checked.values)
    if step.name == "postcode" and checked.ok:
        return await _find_address(journey, answers)
    journey = replace(journey, answers=answers)
    if not checked.ok:
        return journey.show(step, errors=checked.errors, status_code=422)
    return await journey.show_after(step)


async def _find_address(journey: Journey, answers: JourneyAnswers) -> Response:
    """After the postcode: the provider's list, the postcode's error, or manual entry."""
    step = STEPS["postcode"]
    postcode = str(answers["postcode"])
    if postcode != journey.answers.get("postcode"):
        # Another postcode: the address chosen or typed for the old one no longer applies.
        answers = {
            k: v for k, v in answers.items() if k not in ("address", "address_key", "uprn", "udprn")
        }
    journey = replace(journey, answers=answers)
    if journey.return_to == "details" and answers.get("address"):
        # Changed from the summary, same postcode: the address chosen for it still stands.
        funnel.completed(journey.widget.id, step)
        return journey.show(STEPS["details"])
    lookup = await journey.lookup(postcode)
    if lookup.postcode_error:
        return journey.show(step, errors={"postcode": UNKNOWN_POSTCODE}, status_code=422)
    funnel.completed(journey.widget.id, step)
    if not lookup.found:
        return journey.show_manual_entry(lookup)
    return journey.show(STEPS["address"], choice=_listing(lookup))


def _listing(lookup: Lookup) -> AddressChoice:
    return AddressChoice(tuple(ListedAddress.of(address) for address in lookup.addresses))


async def _choose_address(journey: Journey, step: Step, key: str) -> Response:
    """The address chosen from the list the page carried: no lookup needed."""
    chosen = next((address for address in journey.listed if address.key == key), None)
    if chosen is None:
        kept = replace(journey, answers=with_answers(journey.answers, address_key=key))
        return await kept.show_step(step, errors={"address_key": NOT_LISTED}, status_code=422)
    answers = with_chosen_address(journey.answers, chosen)
    return await replace(journey, answers=answers).show_after(step)


def listed_addresses(
    services: Services, form: FormData, widget: Widget
) -> tuple[ListedAddress, ...]:
    """The address list the address page carried signed; () when it carried none.
    Raises TokenInvalid when it was changed or is another widget's."""
    value = form.get("listed")
    if not isinstance(value, str) or not value:
        return ()
    try:
        rows = services.signer.read_address_list(value, widget.id)
        return tuple(ListedAddress.from_row(row) for row in rows)
    except ValueError as exc:
        raise TokenInvalid from exc


async def show_expired(
    request: Request,
    services: Services,
    widget: Widget,
    expired: TokenExpired,
    answers: JourneyAnswers,
    step: Step,
    notice: str = STEP_EXPIRED_NOTICE,
) -> Response:
    """A genuine but old page pressed: `step` again with a fresh token and every answer kept,
    and `notice` saying why. The same submission id (a re-send stays one lead) and the first
    page's time (the quick press after it does not look like a bot)."""
    old = expired.token
    if old is None:
        return form_not_checked_page(request, services, widget)
    token, form_token = services.signer.issue_form_token(
        widget.id, old.attribution, old.submission_id, issued_at=old.issued_at
    )
    journey = Journey(request, services, widget, token, form_token, answers)
    return await journey.show_step(step, notice=notice)
