"""The estimate's figures on a phone: a price in the millions is read whole, never split inside
its digits ("£2,605,0 / 00"), in a frame as narrow as an agency's phone layout gives it."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser

from tests.support.apps import LiveApp

pytestmark = pytest.mark.browser

# A 10-bedroom detached house in W1A: the sandbox values it in the millions.
MILLIONS = {
    "type": "vendor",
    "first_name": "Marla",
    "last_name": "Singer",
    "email": "marla@example.com",
    "phone": "07911 123456",
    "address": "1 Portland Place, London",
    "postcode": "W1A 1AA",
    "property_type": "detached",
    "property_bedrooms": 10,
    "gdpr_checkbox": True,
}
# Lines each figure's text is laid out on, and whether the page scrolls sideways.
LAYOUT = """() => ({
  lines: [...document.querySelectorAll('.ev, .rl dd')].map(e => {
    const r = document.createRange(); r.selectNodeContents(e.firstChild);
    return [e.textContent, r.getClientRects().length];
  }),
  sideways: document.documentElement.scrollWidth > innerWidth,
})"""


@pytest.mark.parametrize("width", [311, 320, 375])
def test_a_price_in_the_millions_stays_on_one_line_on_a_phone(
    browser: Browser, live_app: LiveApp, width: int
) -> None:
    answer = httpx.post(
        f"{live_app.base_url}/api/widgets/default/valuations", json=MILLIONS, timeout=20
    ).json()
    assert answer["estimate"]["maximum"] >= 1_000_000, answer
    context = browser.new_context(viewport={"width": width, "height": 700})
    try:
        page = context.new_page()
        page.goto(answer["result_url"])
        layout = page.evaluate(LAYOUT)
    finally:
        context.close()

    assert len(layout["lines"]) == 4, layout  # the estimate, then lowest, estimate, highest
    assert all(text.startswith("£") and lines == 1 for text, lines in layout["lines"]), layout
    assert not layout["sideways"]
