"""A refusal inside the agency's iframe is the widget's own page, in a real browser: framed (not
the browser's blocked-frame box), branded, fitted to its content, with a way back to the
journey's first page that still knows the agency's page and campaign, whether the refused press
was a step's or the final one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Frame, Page, expect

from tests.browser.agency import (
    StaticSite,
    agency_page,
    fill_in,
    loader,
    send,
    settled_height,
    target,
    widget_frame,
)
from tests.browser.conftest import app_env
from tests.browser.support import CONTINUE, answer_postcode, expect_step, press
from tests.support.apps import LiveApp, run_app
from tests.support.servers import SandboxServer

pytestmark = pytest.mark.browser

PASTED = "Copied from a listing. " * 2000  # about 46,000 characters: over the 32 KB limit


@pytest.fixture(scope="module")
def widget_app(
    sandbox: SandboxServer, agency: StaticSite, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveApp]:
    database = tmp_path_factory.mktemp("refusal-in-frame") / "widget.db"
    with run_app(app_env(sandbox, database, WIDGET_ALLOWED_ORIGINS=agency.origin)) as app:
        agency.pages["/valuation.html"] = agency_page(target(app.base_url) + loader(app.base_url))
        yield app


def paste_into_the_message(frame: Frame) -> None:
    """The details page's message, sent by the final press (`POST /w/{widget}`)."""
    fill_in(frame)
    frame.get_by_label("Your message").fill(PASTED)
    send(frame)


def paste_into_the_address(frame: Frame) -> None:
    """Address line 1 of the manual entry, sent by that step's Continue (a step's address)."""
    answer_postcode(frame)
    expect_step(frame, "address")
    press(frame, "My address is not listed")
    expect_step(frame, "manual-address")
    frame.get_by_label("Address line 1").fill(PASTED)
    frame.get_by_label("Town or city").fill("Derby")
    press(frame, CONTINUE)


@pytest.mark.parametrize(
    ("press_with_too_much", "path"),
    [
        (paste_into_the_message, "/w/default"),
        (paste_into_the_address, "/w/default/steps/manual-address"),
    ],
    ids=["final press", "step press"],
)
def test_answers_too_long_to_send_show_the_widgets_page_in_the_frame_with_a_way_back(
    page: Page,
    agency: StaticSite,
    widget_app: LiveApp,
    upstream: SandboxServer,
    press_with_too_much: Callable[[Frame], None],
    path: str,
) -> None:
    page.goto(agency.url("/valuation.html", utm_source="mailer"))
    frame = widget_frame(page)
    with page.expect_response(lambda r: len(r.request.post_data or "") > len(PASTED)) as answered:
        press_with_too_much(frame)
    assert answered.value.status == 413
    assert urlsplit(answered.value.url).path == path
    # The press's address kept the agency's page and campaign, for the way back.
    assert "utm_source=mailer" in urlsplit(answered.value.url).query

    heading = frame.get_by_role("heading", level=1)
    expect(heading).to_have_text("Your answers were too long to send")
    assert frame.url.startswith(widget_app.base_url)  # our page, not Chromium's error page
    expect(frame.locator("main")).to_contain_text("the limit is 32 KB")
    expect(frame.locator("header")).to_contain_text("Acme Estates")
    settled_height(page, frame)  # it reports its height to the agency's page like any other
    assert upstream.leads() == []

    frame.get_by_role("link", name="Start again").click()
    expect_step(frame, "postcode")
    # The fresh first page still knows the agency's page and campaign.
    assert frame.locator("input[name=utm_source]").get_attribute("value") == "mailer"
    assert frame.locator("input[name=host]").get_attribute("value", timeout=1000).startswith(
        agency.origin
    )
