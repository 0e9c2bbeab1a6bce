"""The step-by-step journey, accepted in Chromium on an agency's page on a second origin.

Postcode → choose an address → property → skip the visit → details → estimate, in at most six
pages (the frame's navigations), at 375×667, 1280×900 and 320 px; again with the keyboard alone
and with JavaScript off. Every step page passes axe, never scrolls sideways and stays within
the 30 KB page weight; after every press the next step's heading comes into view on an agency
page with 2,500 px below the frame. The sandbox Lead API (over HTTP) receives the chosen
address with its UPRN, a typed address as typed, and a lead even when the address provider
fails. Back keeps every answer; Change on the details page comes back to it.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ViewportSize, expect

from tests.browser.agency import StaticSite
from tests.browser.journey import (
    DESKTOP,
    MAX_PAGES,
    NARROW,
    PHONE,
    POSTCODE,
    AddressProvider,
    Journey,
    agency_valuation_page,
    journey_env,
    tab,
    wait_for_lead,
)
from tests.support.apps import LiveApp, run_app
from tests.support.servers import SandboxServer

pytestmark = pytest.mark.browser

VIEWPORTS = {"375x667": PHONE, "1280x900": DESKTOP}
ALL_VIEWPORTS = {**VIEWPORTS, "320x568": NARROW}
STEPS_TO_ESTIMATE = ["postcode", "address", "property", "visit", "details", "estimate"]
HOURS_PER_SLOT = 4  # a morning, afternoon or evening is sent as four hourly instants


@pytest.fixture(scope="module")
def journey_app(
    sandbox: SandboxServer, agency: StaticSite, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveApp]:
    database = tmp_path_factory.mktemp("journey") / "widget.db"
    with run_app(journey_env(sandbox, agency.origin, database)) as app:
        agency.pages["/valuation.html"] = agency_valuation_page(app.base_url)
        yield app


@pytest.fixture
def provider(sandbox: SandboxServer) -> Iterator[AddressProvider]:
    """The sandbox address provider, without faults before and after the test."""
    addresses = AddressProvider(sandbox)
    addresses.clear_faults()
    yield addresses
    addresses.clear_faults()


@contextlib.contextmanager
def open_journey(
    browser: Browser, viewport: ViewportSize, agency: StaticSite, app: LiveApp, audit: bool = True
) -> Iterator[Journey]:
    with tab(browser, viewport) as page:
        yield Journey.in_agency_page(page, agency.url("/valuation.html"), app.base_url, audit)


def assert_reached_the_estimate_in_six_pages(journey: Journey) -> None:
    expect(journey.frame.get_by_text("Estimated sale price")).to_be_visible()
    assert journey.steps == STEPS_TO_ESTIMATE
    assert len(journey.pages) <= MAX_PAGES, journey.pages
    assert len(journey.pages) == len(journey.steps), journey.pages  # one navigation a page
    assert "/result/" in journey.pages[-1]


@pytest.mark.parametrize("viewport", list(ALL_VIEWPORTS.values()), ids=list(ALL_VIEWPORTS))
def test_postcode_to_estimate_in_six_pages_on_an_agency_page(
    browser: Browser,
    agency: StaticSite,
    journey_app: LiveApp,
    upstream: SandboxServer,
    provider: AddressProvider,
    viewport: ViewportSize,
) -> None:
    with open_journey(browser, viewport, agency, journey_app) as journey:
        journey.answer_postcode()
        journey.press("Find address", "address")
        expect(journey.frame.get_by_label("Select an address")).to_contain_text(
            "22 addresses found"
        )
        uprn = journey.choose_address("3 Orchard Close, Derby")
        journey.press("Continue", "property")
        journey.answer_property("Semi-detached house", "3")
        journey.press("Continue", "visit")
        journey.press("Skip this question", "details")
        assert journey.summary("Agent visit") == "No times chosen"
        journey.fill_details()
        journey.press("Get my valuation", "estimate")

        assert_reached_the_estimate_in_six_pages(journey)
        # The pages that outgrew the window were pressed with their heading above it: their
        # next step came into view because the loader scrolled to it.
        assert journey.presses_out_of_view >= 2, journey.presses_out_of_view

    lead = wait_for_lead(upstream)
    assert (lead["address"], lead["postcode"]) == ("3 Orchard Close, Derby", POSTCODE)
    assert lead["meta"]["uprn"] == uprn
    assert (lead["property_type"], lead["property_bedrooms"]) == ("semi-detached", 3)
    assert not lead.get("appointment_availability", {}).get("hours")


@pytest.mark.parametrize("viewport", list(VIEWPORTS.values()), ids=list(VIEWPORTS))
def test_the_journey_by_keyboard_alone_on_an_agency_page(
    browser: Browser,
    agency: StaticSite,
    journey_app: LiveApp,
    upstream: SandboxServer,
    provider: AddressProvider,
    viewport: ViewportSize,
) -> None:
    with open_journey(browser, viewport, agency, journey_app, audit=False) as journey:
        frame, keys = journey.frame, journey.page.keyboard

        journey.tab_to(frame.get_by_label("Sell", exact=True))  # from the agency's page in
        keys.press("Space")
        journey.tab_to(frame.get_by_label("Postcode"))
        keys.type("de1 1jx")
        journey.tab_to(journey.button("Find address"))
        journey.enter("address")

        select = frame.get_by_label("Select an address")
        journey.tab_to(select)
        keys.press("ArrowDown")  # from "22 addresses found" to the first address
        expect(select.locator("option:checked")).to_have_text("1 Orchard Close, Derby")
        uprn = select.input_value().removeprefix("uprn:")
        journey.tab_to(journey.button("Continue"))
        journey.enter("property")

        journey.tab_to(frame.get_by_label("Detached house", exact=True))
        keys.press("ArrowDown")  # moves to, and picks, the next type
        expect(frame.get_by_label("Semi-detached house")).to_be_checked()
        bedrooms = frame.get_by_label("Number of bedrooms")
        journey.tab_to(bedrooms)
        for _ in range(4):  # Select, Studio, 1, 2, 3 bedrooms
            keys.press("ArrowDown")
        expect(bedrooms).to_have_value("3")
        journey.tab_to(journey.button("Continue"))
        journey.enter("visit")

        journey.tab_to(journey.button("Skip this question"))
        journey.enter("details")

        for label, text in (
            ("First name", "Marla"),
            ("Last name", "Singer"),
            ("Email address", "marla@example.com"),
            ("Phone number", "07911 123456"),
        ):
            journey.tab_to(frame.get_by_label(label))
            keys.type(text)
        journey.tab_to(frame.locator("input[name=gdpr_checkbox]"))
        keys.press("Space")
        journey.tab_to(journey.button("Get my valuation"))
        journey.enter("estimate")

        assert_reached_the_estimate_in_six_pages(journey)

    lead = wait_for_lead(upstream)
    assert (lead["address"], lead["postcode"]) == ("1 Orchard Close, Derby", POSTCODE)
    assert lead["meta"]["uprn"] == uprn
    assert (lead["first_name"], lead["phone"]) == ("Marla", "07911123456")


@pytest.mark.parametrize("viewport", list(VIEWPORTS.values()), ids=list(VIEWPORTS))
def test_the_journey_without_javascript_from_the_agency_pages_link(
    browser: Browser,
    agency: StaticSite,
    journey_app: LiveApp,
    upstream: SandboxServer,
    provider: AddressProvider,
    viewport: ViewportSize,
) -> None:
    with tab(browser, viewport, javascript=False) as page:
        journey = Journey.from_fallback_link(
            page, agency.url("/valuation.html"), journey_app.base_url
        )
        journey.answer_postcode()
        journey.press("Find address", "address")
        uprn = journey.choose_address("Flat 2, Chapel Mews, 33 Orchard Close, Derby")
        journey.press("Continue", "property")
        journey.answer_property("Flat or maisonette", "2")
        journey.press("Continue", "visit")
        expect(page.locator(".cnt")).to_be_empty()  # widget.js would count the chosen times
        journey.press("Skip this question", "details")
        journey.fill_details()
        journey.press("Get my valuation", "estimate")

        assert_reached_the_estimate_in_six_pages(journey)

    lead = wait_for_lead(upstream)
    assert lead["address"] == "Flat 2, Chapel Mews, 33 Orchard Close, Derby"
    assert (lead["postcode"], lead["meta"]["uprn"]) == (POSTCODE, uprn)
    assert (lead["property_type"], lead["property_bedrooms"]) == ("flat-maisonette", 2)


def test_an_address_that_is_not_listed_arrives_as_typed(
    browser: Browser,
    agency: StaticSite,
    journey_app: LiveApp,
    upstream: SandboxServer,
    provider: AddressProvider,
) -> None:
    with open_journey(browser, NARROW, agency, journey_app) as journey:
        journey.answer_postcode()
        journey.press("Find address", "address")
        journey.press("Continue", "address", errors=True)  # nothing chosen: 422, same step
        expect(journey.frame.locator(".error-summary")).to_contain_text(
            "Select the address, or select ‘My address is not listed’"
        )
        journey.press("My address is not listed", "manual-address")
        expect(journey.frame.get_by_label("Postcode")).to_have_value(POSTCODE)  # kept
        journey.type_address("The Coach House", "Back Lane", "Derby")
        journey.press("Continue", "property")
        journey.answer_property("Detached house", "5")
        journey.press("Continue", "visit")
        journey.press("Skip this question", "details")
        assert journey.summary("Address") == f"The Coach House, Back Lane, Derby, {POSTCODE}"
        journey.fill_details()
        journey.press("Get my valuation", "estimate")

    lead = wait_for_lead(upstream)
    assert (lead["address"], lead["postcode"]) == ("The Coach House, Back Lane, Derby", POSTCODE)
    assert "uprn" not in lead.get("meta", {})
    assert "udprn" not in lead.get("meta", {})


@pytest.mark.parametrize(
    ("fault", "postcode"),
    [({"down": True}, "NG1 5FS"), ({"answer": "no_credit"}, "NG2 3AT")],
    ids=["provider-down", "provider-out-of-credit"],
)
def test_a_failing_address_provider_lands_on_manual_entry_and_the_lead_arrives(
    browser: Browser,
    agency: StaticSite,
    journey_app: LiveApp,
    upstream: SandboxServer,
    provider: AddressProvider,
    fault: dict[str, object],
    postcode: str,
) -> None:
    provider.set_faults(**fault)
    before = provider.stats()["failed_injected"]
    with open_journey(browser, NARROW, agency, journey_app) as journey:
        journey.answer_postcode(postcode)
        journey.press("Find address", "manual-address")
        expect(journey.frame.get_by_text("We cannot look up addresses just now")).to_have_text(
            "We cannot look up addresses just now, so please enter the address below. "
            "Your other answers are kept."
        )
        expect(journey.frame.get_by_label("Postcode")).to_have_value(postcode)
        journey.type_address("14 Castle Gate", "", "Nottingham")
        journey.press("Continue", "property")
        journey.answer_property()
        journey.press("Continue", "visit")
        journey.press("Skip this question", "details")
        journey.fill_details()
        journey.press("Get my valuation", "estimate")

    assert provider.stats()["failed_injected"] > before  # the provider was asked, and failed
    lead = wait_for_lead(upstream)
    assert (lead["address"], lead["postcode"]) == ("14 Castle Gate, Nottingham", postcode)
    assert "uprn" not in lead.get("meta", {})


def test_back_on_each_step_keeps_every_answer(
    browser: Browser,
    agency: StaticSite,
    journey_app: LiveApp,
    upstream: SandboxServer,
    provider: AddressProvider,
) -> None:
    with open_journey(browser, DESKTOP, agency, journey_app, audit=False) as journey:
        frame = journey.frame
        journey.answer_postcode(lead="Let")
        journey.press("Find address", "address")
        uprn = journey.choose_address("5 Orchard Close, Derby")
        journey.press("Continue", "property")
        journey.answer_property("Terraced house", "2")
        journey.press("Continue", "visit")
        frame.locator("#appointment_availability").check()
        frame.locator("#av5").check()
        journey.press("Continue", "details")
        journey.fill_details(first_name="Tyler")

        def assert_every_answer_kept() -> None:
            step = journey.steps[-1]
            if step == "visit":
                expect(frame.locator("input[name=appointment_availability]:checked")).to_have_count(
                    2
                )
                expect(frame.locator("#appointment_availability")).to_be_checked()
                expect(frame.locator("#av5")).to_be_checked()
            elif step == "property":
                expect(frame.get_by_label("Terraced house")).to_be_checked()
                expect(frame.get_by_label("Number of bedrooms")).to_have_value("2")
            elif step == "address":
                expect(frame.get_by_label("Select an address")).to_have_value(f"uprn:{uprn}")
            elif step == "postcode":
                expect(frame.get_by_label("Let", exact=True)).to_be_checked()
                expect(frame.get_by_label("Postcode")).to_have_value(POSTCODE)
            elif step == "details":
                expect(frame.get_by_label("First name")).to_have_value("Tyler")
                expect(frame.get_by_label("Email address")).to_have_value("marla@example.com")
                expect(frame.locator("input[name=gdpr_checkbox]")).to_be_checked()

        for step in ("visit", "property", "address", "postcode"):
            journey.press("Back", step)
            assert_every_answer_kept()
        journey.press("Find address", "address")
        assert_every_answer_kept()
        for step in ("property", "visit", "details"):
            journey.press("Continue", step)
            assert_every_answer_kept()
        assert journey.summary("Sell or let") == "Let"
        assert journey.summary("Agent visit") == "2 times chosen"
        journey.press("Get my valuation", "estimate")
        expect(frame.get_by_text("Estimated rent, per calendar month")).to_be_visible()

    lead = wait_for_lead(upstream)
    assert (lead["type"], lead["address"], lead["meta"]["uprn"]) == (
        "landlord",
        "5 Orchard Close, Derby",
        uprn,
    )
    assert (lead["property_type"], lead["property_bedrooms"]) == ("terraced", 2)
    assert len(lead["appointment_availability"]["hours"]) == 2 * HOURS_PER_SLOT
    assert lead["first_name"] == "Tyler"


def test_change_on_the_details_page_comes_back_to_it(
    browser: Browser,
    agency: StaticSite,
    journey_app: LiveApp,
    upstream: SandboxServer,
    provider: AddressProvider,
) -> None:
    with open_journey(browser, DESKTOP, agency, journey_app, audit=False) as journey:
        frame = journey.frame
        journey.answer_postcode()
        journey.press("Find address", "address")
        journey.choose_address("1 Orchard Close, Derby")
        journey.press("Continue", "property")
        journey.answer_property("Detached house", "4")
        journey.press("Continue", "visit")
        journey.press("Skip this question", "details")
        journey.fill_details(first_name="Robert")

        journey.press("Change property", "property")
        expect(frame.get_by_label("Detached house", exact=True)).to_be_checked()
        journey.answer_property("Flat or maisonette", "2")
        journey.press("Continue", "details")  # not on to the visit
        assert journey.summary("Property") == "Flat or maisonette, 2 bedrooms"
        expect(frame.get_by_label("First name")).to_have_value("Robert")

        journey.press("Change address", "address")
        uprn = journey.choose_address("7 Orchard Close, Derby")
        journey.press("Continue", "details")
        assert journey.summary("Address") == f"7 Orchard Close, Derby, {POSTCODE}"

        journey.press("Change when an agent could visit", "visit")
        frame.locator("#av2").check()
        journey.press("Continue", "details")
        assert journey.summary("Agent visit") == "1 time chosen"

        journey.press("Change sell or let", "postcode")
        journey.press("Back", "details")  # Back from a Change returns to the details too
        journey.press("Get my valuation", "estimate")
        assert journey.steps[-1] == "estimate"
        assert re.search(r"/result/", journey.pages[-1])

    lead = wait_for_lead(upstream)
    assert (lead["address"], lead["meta"]["uprn"]) == ("7 Orchard Close, Derby", uprn)
    assert (lead["property_type"], lead["property_bedrooms"]) == ("flat-maisonette", 2)
    assert len(lead["appointment_availability"]["hours"]) == HOURS_PER_SLOT
    assert lead["first_name"] == "Robert"


@pytest.mark.parametrize("in_frame", [True, False], ids=["agency page", "widget page"])
def test_the_browsers_own_back_and_forward_show_earlier_steps_with_their_answers(
    browser: Browser,
    agency: StaticSite,
    journey_app: LiveApp,
    upstream: SandboxServer,
    provider: AddressProvider,
    in_frame: bool,
) -> None:
    """Each step is the answer to a press (a POST): the browser keeps it, so its own Back and
    Forward buttons show the step again, answers and all, instead of a resubmission error or a
    broken frame; and a press from a step reached by Back still carries on to the estimate."""
    with tab(browser, DESKTOP) as page:
        if in_frame:
            journey = Journey.in_agency_page(
                page, agency.url("/valuation.html"), journey_app.base_url, audit=False
            )
        else:
            journey = Journey(page, journey_app.base_url, framed=False, audit=False)
            page.goto(journey_app.base_url + "/w/default")
            journey.doc = page.main_frame
        frame = journey.frame
        journey.answer_postcode()
        journey.press("Find address", "address")
        journey.choose_address("3 Orchard Close, Derby")
        journey.press("Continue", "property")
        journey.answer_property("Terraced house", "2")
        journey.press("Continue", "visit")

        def history(way: str) -> None:
            if in_frame:  # the agency page's history holds the frame's steps; it stays put
                page.evaluate(f"history.{way}()")
            else:
                page.go_back() if way == "back" else page.go_forward()

        history("back")
        expect(frame.locator("main h1")).to_have_text("About the property")
        expect(frame.get_by_label("Terraced house")).to_be_checked()
        history("back")
        expect(frame.locator("main h1")).to_have_text("Select the address")
        expect(frame.get_by_label("Select an address").locator("option:checked")).to_have_text(
            "3 Orchard Close, Derby"
        )
        history("forward")
        expect(frame.locator("main h1")).to_have_text("About the property")
        expect(frame.get_by_text("This page isn’t working")).to_have_count(0)

        journey.answer_property("Detached house", "4")
        journey.press("Continue", "visit")
        journey.press("Skip this question", "details")
        journey.fill_details()
        journey.press("Get my valuation", "estimate")

    lead = wait_for_lead(upstream)
    assert (lead["address"], lead["property_type"], lead["property_bedrooms"]) == (
        "3 Orchard Close, Derby",
        "detached",
        4,
    )
