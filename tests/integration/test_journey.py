"""The step-by-step journey over real HTTP: the app served on a port (`python -m app serve`), the
sandbox Lead API and the sandbox address provider as real servers. Each test walks the pages as a
browser without script does and checks what the homeowner sees and what the agency receives."""

from __future__ import annotations

import itertools
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from prometheus_client.parser import text_string_to_metric_families

from app.tokens import Signer
from tests.address_sandbox import AddressSandbox
from tests.delivery.support import app_env
from tests.support.apps import SAME_ORIGIN, TEST_SECRET, LiveApp, run_app
from tests.support.forms import answers
from tests.support.journey import HOMEOWNER, PROPERTY, Journey, StepPage, token_payload
from tests.support.servers import SANDBOX_KEY, SandboxServer

LOOKUP_UNAVAILABLE = (
    "We cannot look up addresses just now, so please enter the address below. "
    "Your other answers are kept."
)
UNKNOWN_POSTCODE = "We could not find this postcode. Check it and enter it again"
STEP_EXPIRED = (
    "For your security, this page timed out. Your answers are still here: check them and continue."
)
FORM_EXPIRED = (
    "For your security, this form timed out. Your answers are still here: "
    "check them and select ‘Get my valuation’ again."
)
NOT_CHECKED = "Sorry, there is a problem with this form"

# The app's address cache outlives a test: each test looks up postcodes nobody used before.
_POSTCODES = itertools.count()


def fresh_postcode(unit: str = "AB") -> str:
    """A well-formed Derby-area postcode not looked up yet in this module; its last two letters
    (`unit`) choose the sandbox's answer: ZZ no such postcode, YY no addresses, LL long ones."""
    n = next(_POSTCODES)
    return f"DE{10 + n % 90} {n // 90 % 10}{unit}"


def journey_env(sandbox: SandboxServer, database: Path, **settings: Any) -> dict[str, str]:
    return app_env(
        sandbox.base_url,
        f"sqlite:///{database}",
        address_lookup="sandbox",
        address_lookup_base=sandbox.base_url + "/addresses",
        address_lookup_api_key=SANDBOX_KEY,
        address_lookup_rate_limit_per_ip="1000/minute",
        address_lookup_rate_limit_per_widget="1000/minute",
        workers=1,
        submit_wait_seconds=5,
        **settings,
    )


@dataclass
class Served:
    app: LiveApp
    database: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, sandbox: SandboxServer) -> Iterator[Served]:
    """One app for the module's tests (starting one takes seconds)."""
    database = tmp_path_factory.mktemp("journey") / "widget.db"
    with run_app(journey_env(sandbox, database)) as app:
        yield Served(app, database)


@pytest.fixture
def provider(sandbox: SandboxServer) -> Iterator[AddressSandbox]:
    """The sandbox address provider without faults and with its counts at zero (and left so)."""
    addresses = AddressSandbox(sandbox)
    addresses.reset()
    yield addresses
    addresses.reset()


@pytest.fixture
def http(served: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.app.base_url, timeout=15) as client:
        yield client


@pytest.fixture
def journey(http: httpx.Client, upstream: SandboxServer, provider: AddressSandbox) -> Journey:
    return Journey(http)


def provider_addresses(sandbox: SandboxServer, postcode: str) -> list[dict[str, Any]]:
    """The provider's own answer for `postcode` (asked directly, not through the app)."""
    response = sandbox.http.get(
        f"/addresses/v1/postcodes/{postcode}", params={"api_key": SANDBOX_KEY}
    )
    response.raise_for_status()
    return response.json()["result"]


def to_address_list(journey: Journey, postcode: str) -> StepPage:
    page = journey.postcode(journey.start(), postcode)
    assert (page.status, page.step) == (200, "address"), page.text[:400]
    return page


def to_details(journey: Journey, postcode: str) -> tuple[StepPage, tuple[str, str]]:
    """Postcode, the first address of the list, the property, the visit skipped."""
    property_page, option = journey.choose(to_address_list(journey, postcode))
    return journey.through_property_and_visit(property_page), option


TYPED_ADDRESS = {"address_line_1": "12 Friar Gate", "town": "Derby"}


def type_address(journey: Journey, manual: StepPage, **lines: str) -> StepPage:
    assert manual.step == "manual-address", (manual.step, manual.error_summary())
    shown = manual.values()
    typed = {
        **{k: v for k, v in TYPED_ADDRESS.items() if not shown.get(k)},
        **lines,
    }
    property_page = journey.press(manual, **typed)
    assert property_page.step == "property", property_page.error_summary()
    return property_page


def finish_typed(
    journey: Journey, upstream: SandboxServer, manual: StepPage, **lines: str
) -> dict[str, Any]:
    """From manual entry to the result page; the lead the agency received."""
    details = journey.through_property_and_visit(type_address(journey, manual, **lines))
    result = journey.finish(details, **HOMEOWNER)
    assert result.status_code == 200
    return only_lead(upstream)


def only_lead(upstream: SandboxServer) -> dict[str, Any]:
    leads = upstream.leads()
    assert len(leads) == 1, f"{len(leads)} leads arrived"
    body: dict[str, Any] = leads[0]["body"]
    return body


# The way through.


def test_an_address_from_the_list_reaches_the_agency_with_its_uprn_in_six_pages(
    journey: Journey, upstream: SandboxServer, sandbox: SandboxServer
) -> None:
    postcode = fresh_postcode()
    typed = postcode.lower().replace(" ", "")
    first = journey.start()
    assert first.heading == "What is the property’s postcode?"
    assert first.main_button == "Find address"

    addresses = journey.postcode(first, typed)
    assert addresses.heading == "Select the address"
    options = addresses.options("address_key")
    assert options[0] == ("", f"{len(options) - 1} addresses found")
    property_page, (key, label) = journey.choose(addresses, 2)
    assert property_page.heading == "About the property"
    visit = journey.press(property_page, **PROPERTY)
    assert visit.heading == "When could an agent visit? (optional)"
    details = journey.press(visit, go="skip")
    assert details.heading == "Your details"
    assert details.summary()["Address"] == f"{label}, {postcode}"

    result = journey.finish(details, **HOMEOWNER)

    assert "Your instant valuation" in StepPage(result).text
    assert len(journey.pages) <= 6
    lead = only_lead(upstream)
    assert lead["address"] == label and len(lead["address"]) <= 100
    assert lead["postcode"] == postcode
    [chosen] = [a for a in provider_addresses(sandbox, postcode) if f"uprn:{a['uprn']}" == key]
    assert lead["meta"]["uprn"] == str(chosen["uprn"])
    assert lead["meta"]["udprn"] == str(chosen["udprn"])


def test_a_long_business_address_reaches_the_agency_in_100_characters_with_its_uprn(
    journey: Journey, upstream: SandboxServer
) -> None:
    addresses = to_address_list(journey, fresh_postcode("LL"))
    key, label = max(addresses.options("address_key")[1:], key=lambda option: len(option[1]))
    assert len(label) > 100  # the sandbox's long names: the line must be shortened

    property_page = journey.press(addresses, address_key=key)
    journey.finish(journey.through_property_and_visit(property_page), **HOMEOWNER)

    lead = only_lead(upstream)
    assert 0 < len(lead["address"]) <= 100
    assert all(part in label for part in lead["address"].split(", "))
    assert lead["meta"]["uprn"] == key.removeprefix("uprn:")


# Typing the address.


def test_an_address_not_listed_arrives_exactly_as_typed_without_a_uprn(
    journey: Journey, upstream: SandboxServer
) -> None:
    postcode = fresh_postcode()
    manual = journey.press(to_address_list(journey, postcode), go="manual")
    assert manual.heading == "Enter the address"
    assert manual.values()["postcode"] == postcode
    assert LOOKUP_UNAVAILABLE not in manual.text

    lead = finish_typed(
        journey,
        upstream,
        manual,
        address_line_1="  Flat\u00a02,  Mill House ",
        address_line_2="3 Station\tRoad",
        town="Derby",
    )

    assert lead["address"] == "Flat 2, Mill House, 3 Station Road, Derby"
    assert lead["postcode"] == postcode
    assert "uprn" not in lead["meta"] and "udprn" not in lead["meta"]


def test_a_typed_address_over_100_characters_is_an_error_on_line_1_with_answers_kept(
    journey: Journey, upstream: SandboxServer
) -> None:
    postcode = fresh_postcode()
    manual = journey.press(to_address_list(journey, postcode), go="manual")
    long_line = "Unit 4, The Old Cotton Exchange Buildings, Northern Regional Chartered Surveyors"

    refused = journey.press(
        manual, address_line_1=long_line, address_line_2="Riverside Business Park", town="Derby"
    )

    assert (refused.status, refused.step) == (422, "manual-address")
    assert set(refused.errors()) == {"address_line_1"}
    excess = len(f"{long_line}, Riverside Business Park, Derby") - 100
    assert refused.errors()["address_line_1"] == (
        f"The address must be 100 characters or fewer in all: shorten it by {excess} characters"
    )
    assert {k: refused.values()[k] for k in ("address_line_1", "address_line_2", "town")} == {
        "address_line_1": long_line, "address_line_2": "Riverside Business Park", "town": "Derby"
    }
    assert refused.values()["postcode"] == postcode
    lead = finish_typed(journey, upstream, refused, address_line_1="Unit 4, Cotton Exchange")
    assert lead["address"] == "Unit 4, Cotton Exchange, Riverside Business Park, Derby"
    assert lead["type"] == "vendor"  # the first step's answer survived the error


# When the provider cannot help.

FAULTS = [
    ("timeout", {"latency_ms": 2_600}),
    ("5xx down", {"down": True}),
    ("5xx every request", {"error_rate": 1.0}),
    ("401 key refused", {"answer": "bad_key"}),
    ("402 no credit", {"answer": "no_credit"}),
    ("402 daily limit", {"answer": "daily_limit"}),
    ("429", {"answer": "rate_limited"}),
    ("body not JSON", {"answer": "not_json"}),
]


@pytest.mark.parametrize("faults", [f[1] for f in FAULTS], ids=[f[0] for f in FAULTS])
def test_a_provider_fault_brings_manual_entry_calmly_and_the_lead_still_arrives(
    journey: Journey, provider: AddressSandbox, faults: dict[str, Any], upstream: SandboxServer
) -> None:
    provider.set_faults(**faults)
    postcode = fresh_postcode()

    manual = journey.postcode(journey.start(), postcode)

    assert (manual.status, manual.step) == (200, "manual-address")
    assert LOOKUP_UNAVAILABLE in manual.text
    assert manual.errors() == {}
    assert manual.values()["postcode"] == postcode
    assert provider.stats()["received"] == 1
    lead = finish_typed(journey, upstream, manual)
    assert (lead["address"], lead["postcode"]) == ("12 Friar Gate, Derby", postcode)


def test_an_address_chosen_from_the_list_is_kept_when_the_provider_fails_before_continue(
    journey: Journey, provider: AddressSandbox, upstream: SandboxServer
) -> None:
    """The list the page showed is the list Continue chooses from: the provider going down (or
    the cache being cold on another worker) after the list was shown costs nothing and loses
    nothing."""
    postcode = fresh_postcode()
    addresses = to_address_list(journey, postcode)
    provider.set_faults(down=True)

    property_page, (key, label) = journey.choose(addresses, 3)

    assert property_page.step == "property", property_page.error_summary()
    assert provider.stats()["received"] == 1  # the Find address press only
    details = journey.through_property_and_visit(property_page)
    assert details.summary()["Address"] == f"{label}, {postcode}"
    journey.finish(details, **HOMEOWNER)
    lead = only_lead(upstream)
    assert (lead["address"], lead["postcode"]) == (label, postcode)
    assert f"uprn:{lead['meta']['uprn']}" == key


def test_a_changed_address_list_is_refused(journey: Journey, upstream: SandboxServer) -> None:
    addresses = to_address_list(journey, fresh_postcode())
    listed = addresses.hidden()["listed"]
    [_, (key, _)] = addresses.options("address_key")[:2]

    # One character of the compressed list changed (the key of another address, say).
    changed = listed[:40] + ("A" if listed[40] != "A" else "B") + listed[41:]
    refused = journey.submit(addresses, listed=changed, address_key=key)

    assert refused.status_code == 400
    assert NOT_CHECKED in StepPage(refused).text


def test_a_postcode_without_addresses_brings_manual_entry_and_the_lead_arrives(
    journey: Journey, upstream: SandboxServer
) -> None:
    postcode = fresh_postcode("YY")

    manual = journey.postcode(journey.start(), postcode)

    assert (manual.status, manual.step) == (200, "manual-address")
    assert f"We could not find any addresses for {postcode}. Enter the address below." in (
        manual.text
    )
    assert manual.values()["postcode"] == postcode
    assert finish_typed(journey, upstream, manual)["postcode"] == postcode


def test_an_unknown_postcode_is_an_error_on_its_field_with_manual_entry_offered(
    journey: Journey, upstream: SandboxServer
) -> None:
    postcode = fresh_postcode("ZZ")

    refused = journey.postcode(journey.start(), postcode)

    assert (refused.status, refused.step) == (422, "postcode")
    assert refused.errors() == {"postcode": UNKNOWN_POSTCODE}
    assert refused.error_summary() == [UNKNOWN_POSTCODE]
    assert refused.values()["postcode"] == postcode
    assert refused.button("manual").text == "Enter the address manually"
    manual = journey.press(refused, go="manual")
    assert manual.values()["postcode"] == postcode
    lead = finish_typed(journey, upstream, manual)
    assert (lead["address"], lead["postcode"]) == ("12 Friar Gate, Derby", postcode)


def test_over_our_own_lookup_limit_the_homeowner_types_the_address(
    tmp_path: Path, sandbox: SandboxServer, upstream: SandboxServer, provider: AddressSandbox
) -> None:
    env = journey_env(sandbox, tmp_path / "widget.db")
    env["ADDRESS_LOOKUP_RATE_LIMIT_PER_IP"] = "1/minute"
    with run_app(env) as app, httpx.Client(base_url=app.base_url, timeout=15) as http:
        assert to_address_list(Journey(http), fresh_postcode()).step == "address"
        journey = Journey(http)
        postcode = fresh_postcode()

        manual = journey.postcode(journey.start(), postcode)

        assert (manual.status, manual.step) == (200, "manual-address")
        assert LOOKUP_UNAVAILABLE in manual.text
        assert manual.values()["postcode"] == postcode
        assert provider.stats()["received"] == 1  # the second lookup never left the app
        lead = finish_typed(journey, upstream, manual)
        assert lead["postcode"] == postcode


def test_back_to_the_list_when_the_provider_fails_keeps_the_chosen_address(
    tmp_path: Path, sandbox: SandboxServer, upstream: SandboxServer, provider: AddressSandbox
) -> None:
    """Back to the address page needs the list again: without a cache (or after it expired,
    or on another worker) and with the provider down, the address chosen before is offered."""
    env = journey_env(sandbox, tmp_path / "widget.db")
    env["ADDRESS_LOOKUP_CACHE_SECONDS"] = "0"
    with run_app(env) as app, httpx.Client(base_url=app.base_url, timeout=15) as http:
        journey = Journey(http)
        postcode = fresh_postcode()
        property_page, (key, label) = journey.choose(to_address_list(journey, postcode), 4)
        provider.set_faults(down=True)

        back = journey.press(property_page, go="back")

        assert (back.status, back.step) == (200, "address")
        assert back.notice == (
            "We cannot look up the other addresses just now. The address you chose is kept below."
        )
        assert back.options("address_key")[1:] == [(key, label)]
        assert back.values()["address_key"] == key
        details = journey.through_property_and_visit(journey.press(back))
        journey.finish(details, **HOMEOWNER)
        lead = only_lead(upstream)
        assert (lead["address"], lead["postcode"]) == (label, postcode)
        assert f"uprn:{lead['meta']['uprn']}" == key


def test_the_result_page_offers_to_value_another_property_from_the_same_page(
    journey: Journey, upstream: SandboxServer
) -> None:
    first = journey.start("?utm_source=mail&utm_campaign=spring")
    addresses = journey.postcode(first, fresh_postcode())
    property_page, _ = journey.choose(addresses)
    details = journey.through_property_and_visit(property_page)

    result = StepPage(journey.finish(details, **HOMEOWNER))

    [another] = [a for a in result.root.find_all("a") if a.text == "Value another property"]
    href = another.attrs["href"]
    assert href.startswith("/w/default?host="), href
    assert "utm_source=mail&utm_campaign=spring" in href
    again = journey.start(href.removeprefix("/w/default"))
    assert again.step == "postcode"
    assert again.values().get("postcode", "") == ""  # a fresh journey, nothing carried
    assert again.carried is None


def test_the_address_list_comes_from_the_cache_on_back_errors_and_change(
    journey: Journey, provider: AddressSandbox
) -> None:
    postcode = fresh_postcode()
    addresses = to_address_list(journey, postcode)
    options = addresses.options("address_key")

    again = journey.press(journey.press(addresses, go="back"))  # Change postcode, same one
    unchosen = journey.press(again, address_key="")  # an error shows the list again
    property_page, _ = journey.choose(unchosen)
    back_to_list = journey.press(property_page, go="back")
    details = journey.through_property_and_visit(journey.press(back_to_list))
    changing = journey.press(details, go="change-address")

    for page in (again, unchosen, back_to_list, changing):
        assert page.step == "address"
        assert page.options("address_key") == options
    assert unchosen.status == 422
    assert provider.stats()["received"] == 1


# Back and Change.


def test_back_from_every_step_keeps_every_answer(journey: Journey, upstream: SandboxServer) -> None:
    postcode = fresh_postcode()
    addresses = to_address_list(journey, postcode)
    property_page, (key, _) = journey.choose(addresses, 3)
    visit = journey.press(property_page, property_type="flat-maisonette", property_bedrooms="2")
    slots = [value for value, _ in _slot_values(visit)[:2]]
    details = journey.press(visit, appointment_availability=slots)
    typed = {"first_name": "Marla", "email": "marla@example.com", "message": "Garden to the south"}

    visit_again = journey.press(details, go="back", **typed)
    property_again = journey.press(visit_again, go="back")
    addresses_again = journey.press(property_again, go="back")
    postcode_again = journey.press(addresses_again, go="back")

    assert visit_again.values()["appointment_availability"] == slots
    assert {k: property_again.values()[k] for k in PROPERTY} == {
        "property_type": "flat-maisonette", "property_bedrooms": "2"
    }
    assert addresses_again.values()["address_key"] == key
    assert {k: postcode_again.values()[k] for k in ("type", "postcode")} == {
        "type": "vendor", "postcode": postcode
    }
    # Forward again without typing anything: every answer is still there.
    page = postcode_again
    for step in ("address", "property", "visit", "details"):
        page = journey.press(page)
        assert (page.status, page.step) == (200, step), page.error_summary()
    assert {k: page.values()[k] for k in typed} == typed
    journey.finish(page, **{**HOMEOWNER, "message": typed["message"]})
    lead = only_lead(upstream)
    assert (lead["property_type"], lead["property_bedrooms"]) == ("flat-maisonette", 2)
    assert lead["meta"]["uprn"] == key.removeprefix("uprn:")
    assert len(lead["appointment_availability"]["hours"]) == 2 * 4


def _slot_values(visit: StepPage) -> list[tuple[str, str]]:
    assert visit.form is not None
    boxes = visit.form.find_all("input", name="appointment_availability")
    assert len(boxes) == 42
    return [(box.attrs["value"], box.attrs["id"]) for box in boxes]


def test_a_way_on_that_no_button_offers_shows_the_same_step_with_answers_kept(
    journey: Journey,
) -> None:
    property_page, _ = journey.choose(to_address_list(journey, fresh_postcode()))

    # Not a button of the page (a hand-made post, or a page from another release).
    data = {**property_page.form_data(), "go": ["nonsense"]}
    data.update({name: [value] for name, value in PROPERTY.items()})
    again = StepPage(journey.post(property_page.action, data))

    assert (again.status, again.step) == (200, "property")
    assert again.values()["property_type"] == PROPERTY["property_type"]
    assert again.errors() == {}


def test_a_final_press_without_an_address_asks_for_it_on_the_address_list(
    journey: Journey, upstream: SandboxServer
) -> None:
    addresses = to_address_list(journey, fresh_postcode())

    # The address page's form sent to the final press (a hand-made post): no address yet.
    again = StepPage(journey.post("/w/default", addresses.form_data()))

    assert (again.status, again.step) == (422, "address")
    assert again.errors() == {"address_key": "Enter the address of the property"}
    assert upstream.leads() == []


def test_change_from_details_comes_back_to_details_with_the_new_answer(
    journey: Journey, upstream: SandboxServer
) -> None:
    details, _ = to_details(journey, fresh_postcode())
    names = {"first_name": "Marla", "last_name": "Singer"}

    property_page = journey.press(details, go="change-property", **names)
    assert property_page.step == "property"
    assert property_page.values()["property_bedrooms"] == "3"
    back_at_details = journey.press(property_page, property_bedrooms="4")

    assert back_at_details.step == "details"
    assert back_at_details.summary()["Property"] == "Semi-detached house, 4 bedrooms"
    assert {k: back_at_details.values()[k] for k in names} == names

    addresses = journey.press(back_at_details, go="change-address")
    assert addresses.step == "address"
    second_key, second_label = addresses.options("address_key")[2]
    after_address = journey.press(addresses, address_key=second_key)
    assert after_address.step == "details"
    assert after_address.summary()["Address"].startswith(second_label)

    journey.finish(after_address, **HOMEOWNER)
    lead = only_lead(upstream)
    assert (lead["property_bedrooms"], lead["address"]) == (4, second_label)
    assert lead["meta"]["uprn"] == second_key.removeprefix("uprn:")


# Each step checks its own questions; the final press checks them all.


def test_each_step_checks_only_its_own_questions(journey: Journey, upstream: SandboxServer) -> None:
    first = journey.start()
    bad_postcode = journey.press(first, type="vendor", postcode="75008")
    assert (bad_postcode.status, bad_postcode.step) == (422, "postcode")
    assert bad_postcode.errors() == {"postcode": "Enter a full UK postcode, like DE1 1JX"}

    addresses = journey.press(bad_postcode, postcode=fresh_postcode())
    unchosen = journey.press(addresses)
    assert (unchosen.status, unchosen.step) == (422, "address")
    assert unchosen.errors() == {
        "address_key": "Select the address, or select ‘My address is not listed’"
    }

    property_page, _ = journey.choose(unchosen)
    empty = journey.press(property_page)
    assert (empty.status, empty.step) == (422, "property")
    assert set(empty.errors()) == {"property_type", "property_bedrooms"}
    assert len(empty.error_summary()) == 2

    details = journey.through_property_and_visit(empty)
    wrong = journey.finish_refused(
        details, **{**HOMEOWNER, "email": "marla", "gdpr_checkbox": None}
    )
    assert (wrong.status, wrong.step) == (422, "details")
    assert set(wrong.errors()) == {"email", "gdpr_checkbox"}
    assert upstream.leads() == []


def test_a_typed_address_step_checks_its_lines_only(journey: Journey) -> None:
    manual = journey.press(to_address_list(journey, fresh_postcode()), go="manual")

    empty = journey.press(manual, address_line_1="", town="")

    assert (empty.status, empty.step) == (422, "manual-address")
    assert set(empty.errors()) == {"address_line_1", "town"}


def test_the_final_press_checks_every_answer_again(
    journey: Journey, upstream: SandboxServer
) -> None:
    details, _ = to_details(journey, fresh_postcode())
    property_page = journey.press(details, go="change-property")
    # Back to the details page with the property's answers cleared: no step checked them.
    cleared = journey.press(property_page, go="back", property_type=None, property_bedrooms="")
    assert cleared.step == "details"

    refused = journey.finish_refused(cleared, **HOMEOWNER)

    assert (refused.status, refused.step) == (422, "property")
    assert set(refused.errors()) == {"property_type", "property_bedrooms"}
    assert upstream.leads() == []


# The answers carried between steps are signed.


def _tampered(signed: str) -> str:
    payload, rest = signed.split(".", 1)
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    return f"{flipped}.{rest}"


def test_changed_answers_are_refused(
    journey: Journey, http: httpx.Client, upstream: SandboxServer
) -> None:
    property_page, _ = journey.choose(to_address_list(journey, fresh_postcode()))
    assert property_page.carried

    refused = journey.submit(property_page, answers=_tampered(property_page.carried), **PROPERTY)

    assert refused.status_code == 400
    assert NOT_CHECKED in StepPage(refused).text
    assert upstream.leads() == []


def test_start_again_after_changed_answers_keeps_the_page_and_campaign(
    journey: Journey, upstream: SandboxServer
) -> None:
    first = journey.start("?utm_source=mail&utm_campaign=spring")
    property_page, _ = journey.choose(journey.postcode(first, fresh_postcode()))
    assert property_page.carried
    # The browser sends the page's own address as the Referer, as a real one does.
    journey.http.headers["referer"] = str(journey.http.base_url.join(property_page.action))
    try:
        refused = StepPage(
            journey.submit(property_page, answers=_tampered(property_page.carried), **PROPERTY)
        )
    finally:
        del journey.http.headers["referer"]

    assert refused.status == 400
    [again] = [a for a in refused.root.find_all("a") if a.text == "Start again"]
    assert again.attrs["href"].startswith("/w/default?host=")
    assert "utm_source=mail&utm_campaign=spring" in again.attrs["href"]


def test_another_widgets_answers_are_refused(journey: Journey) -> None:
    property_page, _ = journey.choose(to_address_list(journey, fresh_postcode()))
    other = Signer(TEST_SECRET, 7200, 7200).sign_answers(
        "another-widget", {"postcode": "DE1 1JX", "uprn": "100030000001"}
    )

    refused = journey.submit(property_page, answers=other, **PROPERTY)

    assert refused.status_code == 400
    assert NOT_CHECKED in StepPage(refused).text


def test_answers_signed_for_this_widget_but_changed_on_the_final_press_are_refused(
    journey: Journey, upstream: SandboxServer
) -> None:
    details, _ = to_details(journey, fresh_postcode())
    assert details.carried

    refused = journey.submit(details, answers=_tampered(details.carried), **HOMEOWNER)

    assert refused.status_code == 400
    assert upstream.leads() == []


def test_a_uprn_posted_by_hand_never_reaches_the_agency(
    journey: Journey, http: httpx.Client, upstream: SandboxServer
) -> None:
    # A whole form posted at once (an earlier release's page) naming a property by its UPRN.
    token = journey.start().token
    whole = {**answers(), "uprn": "100030000001", "udprn": "12345678", "token": token}
    response = http.post("/w/default", data=whole, headers=SAME_ORIGIN)
    assert response.status_code == 303
    # And on every press of the journey, beside the typed address.
    manual = journey.press(to_address_list(journey, fresh_postcode()), go="manual",
                           uprn="100030000002")
    property_page = journey.press(manual, address_line_1="12 Friar Gate", town="Derby",
                                  uprn="100030000002")
    details = journey.through_property_and_visit(property_page)
    journey.finish(details, **HOMEOWNER, uprn="100030000002", udprn="87654321")

    leads = [lead["body"] for lead in upstream.leads()]
    assert len(leads) == 2
    for lead in leads:
        assert "uprn" not in lead["meta"] and "udprn" not in lead["meta"]


# Nothing personal kept before consent, nor logged.


def _rows(database: Path, submission_id: str) -> tuple[int, int]:
    """(rows in the store, rows for `submission_id`), read straight from the SQLite file."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        total = db.execute("SELECT count(*) FROM submissions").fetchone()[0]
        mine = db.execute(
            "SELECT count(*) FROM submissions WHERE id = ?", (submission_id,)
        ).fetchone()[0]
    return total, mine


def test_nothing_is_stored_before_the_final_press_and_nothing_personal_is_logged(
    journey: Journey, served: Served
) -> None:
    log_start = len(served.app.process.read_output())
    rows_before, _ = _rows(served.database, "")
    postcode = fresh_postcode()
    property_page, (_, label) = journey.choose(to_address_list(journey, postcode))
    visit = journey.press(property_page, **PROPERTY)
    assert visit.step == "visit"
    submission_id = token_payload(visit.token)["s"]

    # The homeowner leaves here, at step 4.
    assert _rows(served.database, submission_id) == (rows_before, 0)

    journey.finish(journey.press(visit, go="skip"), **HOMEOWNER)
    assert _rows(served.database, submission_id) == (rows_before + 1, 1)  # the query can see it
    logged = served.app.process.read_output()[log_start:]
    assert "address lookup" in logged  # the app's lines of this walk were read
    compact = postcode.replace(" ", "")
    for personal in (postcode, compact, compact.lower(), label, label.split(",")[0],
                     HOMEOWNER["last_name"], HOMEOWNER["email"]):
        assert personal not in logged, f"{personal!r} is in the app's log"


# A page left open too long.


def _signed_long_ago(token: str, seconds: int) -> str:
    """The same form token, as if it had been signed `seconds` ago."""

    class Then(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - seconds

    old = URLSafeTimedSerializer(TEST_SECRET, salt="form-token", signer=Then)
    return old.dumps(old.loads(token))


def test_a_step_pressed_after_the_token_expired_comes_back_with_answers_kept(
    journey: Journey, upstream: SandboxServer
) -> None:
    property_page, _ = journey.choose(to_address_list(journey, fresh_postcode()))
    submission_id = token_payload(property_page.token)["s"]
    stale = _signed_long_ago(property_page.token, 3 * 3600)

    again = journey.press(
        property_page, token=stale, property_type="flat-maisonette", property_bedrooms="1"
    )

    assert (again.status, again.step) == (200, "property")
    assert again.notice == STEP_EXPIRED
    assert {k: again.values()[k] for k in PROPERTY} == {
        "property_type": "flat-maisonette", "property_bedrooms": "1"
    }
    assert again.token != stale and token_payload(again.token)["s"] == submission_id
    visit = journey.press(again)
    assert visit.step == "visit"
    journey.finish(journey.press(visit, go="skip"), **HOMEOWNER)
    lead = only_lead(upstream)
    assert lead["meta"]["submission_id"] == submission_id
    assert (lead["property_type"], lead["property_bedrooms"]) == ("flat-maisonette", 1)


def test_the_final_press_after_the_token_expired_comes_back_then_sends_one_lead(
    journey: Journey, upstream: SandboxServer
) -> None:
    details, _ = to_details(journey, fresh_postcode())
    submission_id = token_payload(details.token)["s"]

    again = journey.finish_refused(
        details, token=_signed_long_ago(details.token, 3 * 3600), **HOMEOWNER
    )

    assert (again.status, again.step) == (200, "details")
    assert again.notice == FORM_EXPIRED
    assert again.values()["last_name"] == HOMEOWNER["last_name"]
    assert upstream.leads() == []
    journey.finish(again)
    assert only_lead(upstream)["meta"]["submission_id"] == submission_id


# The funnel.


def _journey_counts(http: httpx.Client) -> dict[tuple[str, str, str], float]:
    text = http.get("/metrics").text
    counts = {}
    for family in text_string_to_metric_families(text):
        if family.name != "widget_journey_steps":
            continue
        for sample in family.samples:
            if sample.name == "widget_journey_steps_total":
                labels = sample.labels
                counts[(labels["widget"], labels["step"], labels["event"])] = sample.value
    return counts


def test_the_funnel_counts_views_completions_and_backs_per_step_without_answers(
    journey: Journey, http: httpx.Client
) -> None:
    before = _journey_counts(http)
    postcode = fresh_postcode()
    property_page, _ = journey.choose(to_address_list(journey, postcode))
    addresses = journey.press(property_page, go="back")
    details = journey.through_property_and_visit(journey.press(addresses))
    journey.finish(details, **HOMEOWNER)

    after = _journey_counts(http)
    moved = {key: after[key] - before.get(key, 0) for key in after if after[key] != before.get(key)}
    assert moved == {
        ("default", "postcode", "viewed"): 1,
        ("default", "postcode", "completed"): 1,
        ("default", "address", "viewed"): 2,
        ("default", "address", "completed"): 2,
        ("default", "property", "viewed"): 2,
        ("default", "property", "went_back"): 1,
        ("default", "property", "completed"): 1,
        ("default", "visit", "viewed"): 1,
        ("default", "visit", "completed"): 1,
        ("default", "details", "viewed"): 1,
        ("default", "details", "completed"): 1,
    }
    steps = {"postcode", "address", "manual-address", "property", "visit", "details"}
    assert {key[1] for key in after} <= steps
    assert {key[2] for key in after} == {"viewed", "completed", "went_back"}
    metrics_text = http.get("/metrics").text
    assert postcode not in metrics_text and postcode.replace(" ", "") not in metrics_text
